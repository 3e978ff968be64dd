"""Matcher semantics (FORMAT.md 1.3): JSON equality, every operator, and readable descriptions.

Pure and import-light. ``failure(matcher, actual, ...)`` returns None when every operator holds,
else one line naming the first operator that does not. It never raises: an operator applied to a
type it does not take fails with a message saying so.

*Text mode* is for header values and bodies, which are text: equality with a number, boolean or
null compares with its JSON spelling (numbers numerically, so ``"0"`` equals ``0``), ordering is
numeric when the expected side is a number and the text is one, and the string operators accept
a scalar argument as its text.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from runner.model import MISSING, TYPE_NAMES, Matcher
from runner.regexes import RegexTimeout, search_regex

# A decimal number as text may spell it: no NaN, no infinities, no underscores (unlike float()).
_NUMBER_PATTERN = r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?"
_SHOW_LIMIT = 120
_SYMBOLS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<="}


# Not frozen: one is made per check, and a frozen __init__ sets each field through
# object.__setattr__ (three calls a check); nothing changes one after it is made.
@dataclass(slots=True, eq=False)
class _Context:
    """What an operator needs besides its operands."""

    subject: str  # "$.id", "header X-Id", "body", "status", "item 3"
    missing: str  # the message for an operator applied to MISSING
    text: bool


def failure(
    matcher: Matcher,
    actual: Any,
    *,
    subject: str = "value",
    missing: str | None = None,
    text: bool = False,
) -> str | None:
    """Return None when every operator of ``matcher`` holds for ``actual``, else why not.

    ``subject`` names what was looked at (``$.id``, ``header X-Id``); ``missing`` is the message
    when ``actual`` is MISSING (default ``no match for <subject>``); ``text`` selects text mode.
    """
    context = _Context(subject, missing or f"no match for {subject}", text)
    return _failure(matcher, actual, context)


def holds(matcher: Matcher, actual: Any, *, text: bool = False) -> bool:
    """True when every operator of ``matcher`` holds for ``actual``."""
    return failure(matcher, actual, text=text) is None


def _failure(matcher: Matcher, actual: Any, context: _Context) -> str | None:
    for operator, argument in matcher.operators:
        if actual is MISSING:
            if operator == "exists" and argument is False:
                continue
            return context.missing
        function = _OPERATORS.get(operator)
        if function is None:
            return f"unknown operator {operator!r}"
        message = function(actual, argument, context)
        if message is not None:
            return message
    return None


# ---------------------------------------------------------------------------------------- values


def is_number(value: Any) -> bool:
    """True for JSON numbers: int and float, but not bool (Python's ``True == 1``)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def json_type(value: Any) -> str:
    """The JSON type name of a value: string number boolean array object null."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


def json_equal(left: Any, right: Any) -> bool:
    """JSON equality: ``1 == 1.0``, ``"1" != 1``, ``true != 1``; deep for arrays and objects."""
    if isinstance(left, bool) or isinstance(right, bool):
        return isinstance(left, bool) and isinstance(right, bool) and left == right
    if is_number(left) and is_number(right):
        return bool(left == right)
    if isinstance(left, str) or isinstance(right, str):
        return isinstance(left, str) and isinstance(right, str) and left == right
    if left is None or right is None:
        return left is None and right is None
    if isinstance(left, (list, tuple)):
        return (
            isinstance(right, (list, tuple))
            and len(left) == len(right)
            and all(json_equal(a, b) for a, b in zip(left, right, strict=True))
        )
    if isinstance(left, Mapping):
        return (
            isinstance(right, Mapping)
            and left.keys() == right.keys()
            and all(json_equal(value, right[key]) for key, value in left.items())
        )
    return bool(left == right)


def comparable(left: Any, right: Any) -> bool:
    """True when ``gt``/``lt`` may compare the two: both numbers or both strings."""
    return (is_number(left) and is_number(right)) or (
        isinstance(left, str) and isinstance(right, str)
    )


def parse_number(text: str) -> int | float | None:
    """The number a text spells (``" 42 "``, ``"1.5e3"``), or None."""
    stripped = text.strip()
    if not re.fullmatch(_NUMBER_PATTERN, stripped):
        return None
    if stripped.lstrip("+-").isdigit():
        return int(stripped)
    return float(stripped)


def to_text(value: Any) -> str:
    """A scalar as text: strings as they are, others in their JSON spelling."""
    return value if isinstance(value, str) else show(value, limit=None)


_json_string: Callable[[str], str] = json.encoder.encode_basestring  # type: ignore[attr-defined]
_JSON_CONSTANTS = {True: "true", False: "false", None: "null"}


def show(value: Any, *, limit: int | None = _SHOW_LIMIT) -> str:
    """A value in JSON spelling for messages, shortened past ``limit`` characters."""
    if value is MISSING:
        return "<missing>"
    kind = type(value)
    if kind is str:
        # What json.dumps(ensure_ascii=False) gives a string, without its Python-level set-up
        # (each passing check describes what it expected).
        text = _json_string(value)
    elif kind is int:
        text = repr(value)
    elif kind is bool or value is None:  # looked up by kind first: True == 1 as a key
        text = _JSON_CONSTANTS[value]
    elif isinstance(value, float) and not math.isfinite(value):
        text = repr(value)
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=repr)
        except (TypeError, ValueError):  # circular or unsortable: good enough for a message
            text = repr(value)
    if limit is not None and len(text) > limit:
        return f"{text[: limit - 3]}..."
    return text


def _typed(value: Any) -> str:
    """``number 5``, ``string "abc"``: the type first, for type-mismatch messages."""
    return f"{json_type(value)} {show(value)}"


# ------------------------------------------------------------------------------------- operators

_Operator = Callable[[Any, Any, _Context], "str | None"]


def _equals(actual: Any, expected: Any, context: _Context) -> bool:
    if not context.text or not isinstance(actual, str) or isinstance(expected, str):
        return json_equal(actual, expected)
    if is_number(expected):
        number = parse_number(actual)
        return number is not None and number == expected
    if expected is None or isinstance(expected, bool):
        return actual == show(expected)
    return False  # text never equals an array or an object


def _op_eq(actual: Any, expected: Any, context: _Context) -> str | None:
    if _equals(actual, expected, context):
        return None
    message = f"expected {show(expected)}, got {show(actual)}"
    if context.text and isinstance(expected, (list, tuple, Mapping)):
        message += f" ({context.subject} is text: check JSON with a jsonpath such as $)"
    elif _same_spelling(actual, expected):
        message += (
            f" (the text {show(expected)} is not the {json_type(actual)} {show(actual)}: "
            "CSV data and `=` --var values are text; use a JSON data file or --var name:=json)"
        )
    return message


def _same_spelling(actual: Any, expected: Any) -> bool:
    """A string expected where the response has the number or boolean it spells."""
    return (
        isinstance(expected, str)
        and not isinstance(actual, str)
        and (is_number(actual) or isinstance(actual, bool))
        and show(actual) == expected
    )


def _op_ne(actual: Any, expected: Any, context: _Context) -> str | None:
    if not _equals(actual, expected, context):
        return None
    return f"expected a value other than {show(expected)}, got {show(actual)}"


def _ordered(operator: str) -> _Operator:
    def check(actual: Any, expected: Any, context: _Context) -> str | None:
        left = actual
        if context.text and isinstance(actual, str) and is_number(expected):
            number = parse_number(actual)
            left = actual if number is None else number
        if not comparable(left, expected):
            return f"{operator}: cannot compare {show(actual)} with {show(expected)}"
        if operator == "gt":
            ok = left > expected
        elif operator == "gte":
            ok = left >= expected
        elif operator == "lt":
            ok = left < expected
        else:
            ok = left <= expected
        if ok:
            return None
        return f"expected {_SYMBOLS[operator]} {show(expected)}, got {show(actual)}"

    return check


def _listed(argument: Any, operator: str) -> str | None:
    if isinstance(argument, (list, tuple)):
        return None
    return f"{operator} needs a list of values, got {_typed(argument)}"


def _op_in(actual: Any, options: Any, context: _Context) -> str | None:
    problem = _listed(options, "in")
    if problem:
        return problem
    if any(_equals(actual, option, context) for option in options):
        return None
    return f"expected one of {show(options)}, got {show(actual)}"


def _op_not_in(actual: Any, options: Any, context: _Context) -> str | None:
    problem = _listed(options, "not_in")
    if problem:
        return problem
    if not any(_equals(actual, option, context) for option in options):
        return None
    return f"expected none of {show(options)}, got {show(actual)}"


def _text_argument(argument: Any, context: _Context) -> Any:
    """In text mode a number, boolean or null argument of a string operator is its text."""
    if context.text and (argument is None or isinstance(argument, (bool, int, float))):
        return to_text(argument)
    return argument


def _contains(actual: Any, item: Any, operator: str, context: _Context) -> bool | str:
    """Whether ``actual`` contains ``item``, or a type-mismatch message."""
    item = _text_argument(item, context)
    if isinstance(actual, str):
        if not isinstance(item, str):
            return f"{operator} on a string needs a string, got {_typed(item)}"
        return item in actual
    if isinstance(actual, (list, tuple)):
        return any(json_equal(element, item) for element in actual)
    if isinstance(actual, Mapping):
        if not isinstance(item, str):
            return f"{operator} on an object needs a key (a string), got {_typed(item)}"
        return item in actual
    return f"{operator} needs a string, an array or an object, got {_typed(actual)}"


def _op_contains(actual: Any, item: Any, context: _Context) -> str | None:
    found = _contains(actual, item, "contains", context)
    if isinstance(found, str):
        return found
    if found:
        return None
    return f"expected {show(actual)} to contain {show(item)}"


def _op_not_contains(actual: Any, item: Any, context: _Context) -> str | None:
    found = _contains(actual, item, "not_contains", context)
    if isinstance(found, str):
        return found
    if not found:
        return None
    return f"expected {show(actual)} not to contain {show(item)}"


def _string_pair(actual: Any, argument: Any, operator: str) -> str | None:
    if not isinstance(actual, str):
        return f"{operator} needs a string, got {_typed(actual)}"
    if not isinstance(argument, str):
        return f"{operator} needs a string argument, got {_typed(argument)}"
    return None


def _op_starts_with(actual: Any, prefix: Any, context: _Context) -> str | None:
    prefix = _text_argument(prefix, context)
    problem = _string_pair(actual, prefix, "starts_with")
    if problem:
        return problem
    if actual.startswith(prefix):
        return None
    return f"expected a string starting with {show(prefix)}, got {show(actual)}"


def _op_ends_with(actual: Any, suffix: Any, context: _Context) -> str | None:
    suffix = _text_argument(suffix, context)
    problem = _string_pair(actual, suffix, "ends_with")
    if problem:
        return problem
    if actual.endswith(suffix):
        return None
    return f"expected a string ending with {show(suffix)}, got {show(actual)}"


def _op_matches(actual: Any, pattern: Any, context: _Context) -> str | None:
    problem = _string_pair(actual, pattern, "matches")
    if problem:
        return problem
    try:
        found = search_regex(pattern, actual)
    except re.error as exc:
        return f"matches: invalid regex '{pattern}': {exc}"
    except RegexTimeout as exc:
        return f"matches: {exc}"
    if found:
        return None
    return f"expected a string matching '{pattern}', got {show(actual)}"


def _op_exists(actual: Any, wanted: Any, context: _Context) -> str | None:
    # MISSING never gets here (see _failure): the value is present
    if wanted is False:
        return f"expected {context.subject} to be absent, got {show(actual)}"
    return None


def _op_type(actual: Any, name: Any, context: _Context) -> str | None:
    if name not in TYPE_NAMES:
        return f"type: unknown type {show(name)} (use one of {', '.join(TYPE_NAMES)})"
    kind = json_type(actual)
    if kind == name:
        return None
    if name == "integer" and is_number(actual) and isinstance(actual, int):
        return None
    return f"expected type {name}, got {_typed(actual)}"


def _nested(argument: Any) -> Matcher:
    return argument if isinstance(argument, Matcher) else Matcher.equals(argument)


def _op_length(actual: Any, argument: Any, context: _Context) -> str | None:
    if not isinstance(actual, (str, list, tuple, Mapping)):
        return f"length needs a string, an array or an object, got {_typed(actual)}"
    size = len(actual)
    nested = _nested(argument)
    if _failure(nested, size, _Context("length", "no length", text=False)) is None:
        return None
    return f"length is {size}, expected {describe_matcher(nested)}"


def _op_empty(actual: Any, wanted: Any, context: _Context) -> str | None:
    if actual is not None and not isinstance(actual, (str, list, tuple, Mapping)):
        return f"empty needs a string, an array, an object or null, got {_typed(actual)}"
    is_empty = actual is None or len(actual) == 0
    if is_empty == bool(wanted):
        return None
    return f"expected {'empty' if wanted else 'not empty'}, got {show(actual)}"


def _op_each(actual: Any, argument: Any, context: _Context) -> str | None:
    if not isinstance(actual, (list, tuple)):
        return f"each needs an array, got {_typed(actual)}"
    nested = _nested(argument)
    for position, element in enumerate(actual):
        subject = f"item {position}"
        message = _failure(nested, element, _Context(subject, f"{subject} is missing", False))
        if message is not None:
            return f"each: {subject}: {message}"
    return None


def _status_holds(status: int, wanted: Any) -> bool:
    if isinstance(wanted, str):
        spelled = wanted.strip().lower()
        if len(spelled) == 3 and spelled[0].isdigit() and spelled[1:] == "xx":
            return status // 100 == int(spelled[0])
        return False
    return is_number(wanted) and status == wanted


def _op_status(actual: Any, allowed: Any, context: _Context) -> str | None:
    options = tuple(allowed) if isinstance(allowed, (list, tuple)) else (allowed,)
    if not is_number(actual):
        return f"status needs a number, got {_typed(actual)}"
    if any(_status_holds(actual, wanted) for wanted in options):
        return None
    return f"expected {_describe_status(options)}, got {show(actual)}"


_OPERATORS: Mapping[str, _Operator] = {
    "eq": _op_eq,
    "ne": _op_ne,
    "gt": _ordered("gt"),
    "gte": _ordered("gte"),
    "lt": _ordered("lt"),
    "lte": _ordered("lte"),
    "in": _op_in,
    "not_in": _op_not_in,
    "contains": _op_contains,
    "not_contains": _op_not_contains,
    "starts_with": _op_starts_with,
    "ends_with": _op_ends_with,
    "matches": _op_matches,
    "exists": _op_exists,
    "type": _op_type,
    "length": _op_length,
    "empty": _op_empty,
    "each": _op_each,
    "status": _op_status,
}


# ---------------------------------------------------------------------------------- descriptions


def describe_matcher(matcher: Matcher) -> str:
    """A readable rendering: ``200``, ``2xx``, ``one of 200, 201``, ``gt 0, lt 10``,
    ``each in ["stop", "length"]``, ``length gt 2``, ``exists false``."""
    operators = matcher.operators
    if matcher.implicit and len(operators) == 1 and operators[0][0] == "eq":
        return show(operators[0][1])
    parts = []
    for operator, argument in operators:
        if operator == "status":
            options = tuple(argument) if isinstance(argument, (list, tuple)) else (argument,)
            parts.append(_describe_status(options))
        elif isinstance(argument, Matcher):
            inner = describe_matcher(argument)
            if len(argument.operators) > 1:
                inner = f"({inner})"
            parts.append(f"{operator} {inner}")
        elif operator == "matches" and isinstance(argument, str):
            parts.append(f"matches '{argument}'")
        else:
            parts.append(f"{operator} {show(argument)}")
    return ", ".join(parts)


def _describe_status(options: tuple[Any, ...]) -> str:
    spelled = [
        option.strip().lower() if isinstance(option, str) else show(option) for option in options
    ]
    if len(spelled) == 1:
        return spelled[0]
    return f"one of {', '.join(spelled)}"
