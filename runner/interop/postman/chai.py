"""Chai assertion chains (``.to.be.above(3)``) read as postrun matcher operators."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from runner.interop.postman.js_syntax import Untranslatable, is_number, js_value, split_args

# chai chain -> operator; a trailing (...) holds the argument.
_CHAINS: Mapping[str, str] = {
    "to.eql": "eq",
    "to.equal": "eq",
    "to.deep.equal": "eq",
    "to.deep.eql": "eq",
    "to.be.eql": "eq",
    "to.be.equal": "eq",
    "to.not.eql": "ne",
    "to.not.equal": "ne",
    "not.to.eql": "ne",
    "not.to.equal": "ne",
    "to.be.above": "gt",
    "to.be.greaterThan": "gt",
    "to.be.at.least": "gte",
    "to.be.least": "gte",
    "to.be.below": "lt",
    "to.be.lessThan": "lt",
    "to.be.at.most": "lte",
    "to.be.most": "lte",
    "to.be.oneOf": "in",
    "to.not.be.oneOf": "not_in",
    "to.include": "contains",
    "to.contain": "contains",
    "to.have.string": "contains",
    "to.have.property": "contains",
    "to.not.include": "not_contains",
    "not.to.include": "not_contains",
    "to.match": "matches",
    "to.be.a": "type",
    "to.be.an": "type",
    "to.have.lengthOf": "length",
    "to.have.length": "length",
    "to.be.within": "within",
}
_FLAGS: Mapping[str, tuple[str, Any]] = {
    "to.exist": ("exists", True),
    "to.not.exist": ("exists", False),
    "not.to.exist": ("exists", False),
    "to.be.empty": ("empty", True),
    "to.not.be.empty": ("empty", False),
    "to.be.true": ("eq", True),
    "to.be.false": ("eq", False),
    "to.be.null": ("eq", None),
}
# Type names in chai and in postrun's `type` matcher (read here, written by script_js).
JS_TYPES: Mapping[str, str] = {
    "string": "string",
    "number": "number",
    "boolean": "boolean",
    "array": "array",
    "object": "object",
    "null": "null",
}


def chai(chain: str) -> tuple[str, Any]:
    """``.to.be.above(3)`` -> ("gt", 3)."""
    chain = chain.lstrip(".")
    if chain in _FLAGS:
        return _FLAGS[chain]
    match = re.fullmatch(r"([A-Za-z.]+)\((.*)\)", chain, re.S)
    if not match or match.group(1) not in _CHAINS:
        raise Untranslatable
    operator = _CHAINS[match.group(1)]
    args = split_args(match.group(2))
    if operator == "within":
        values = [js_value(arg) for arg in args]
        if len(values) != 2 or not all(is_number(value) for value in values):
            raise Untranslatable
        return operator, values
    if len(args) != 1:
        raise Untranslatable
    if operator == "matches":
        regex = re.fullmatch(r"/(.*)/([a-z]*)", args[0].strip(), re.S)
        if not regex or set(regex.group(2)) - {"i"}:
            raise Untranslatable
        return operator, ("(?i)" if regex.group(2) else "") + regex.group(1)
    value = js_value(args[0])
    if operator == "type":
        if value not in JS_TYPES:
            raise Untranslatable
        return operator, JS_TYPES[value]
    if operator in ("gt", "gte", "lt", "lte") and not is_number(value):
        raise Untranslatable
    if operator == "in" and not isinstance(value, list):
        raise Untranslatable
    return operator, value


def to_matcher(operator: str, argument: Any) -> Any:
    """The YAML matcher for a chai operator and its argument (``within`` becomes gte and lte)."""
    if operator == "within":
        return {"gte": argument[0], "lte": argument[1]}
    if operator == "eq":
        return {"eq": argument} if isinstance(argument, dict) else argument
    return {operator: argument}
