"""postrun checks and captures -> Postman JavaScript (``pm.test`` blocks), for the export."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from runner.interop.postman.chai import JS_TYPES


def _js(value: Any) -> str:
    """A JS literal; an exact ``<<name>>`` reads the variable, other placeholders are replaced."""
    if isinstance(value, str):
        exact = re.fullmatch(r"<<\s*([\w.\-]+)\s*>>", value)
        if exact:
            return f'pm.variables.get("{exact.group(1)}")'
        if re.search(r"<<\s*\$?[\w.\-]+\s*>>", value):
            converted = re.sub(r"<<\s*(\$?[\w.\-]+)\s*>>", r"{{\1}}", value)
            return f"pm.variables.replaceIn({json.dumps(converted)})"
    return json.dumps(value, ensure_ascii=False)


def js_accessor(path: str, root: str = "jsonData") -> str | None:
    """``$.a[0]['b c']`` -> ``jsonData.a[0]["b c"]``; None for a path that is not singular."""
    if not path.startswith("$"):
        return None
    token = re.compile(r"\.([A-Za-z_$][\w$]*)|\[(\d+)\]|\[(['\"])(.*?)\3\]")
    position = 1
    result = root
    while position < len(path):
        match = token.match(path, position)
        if not match:
            return None
        if match.group(1) is not None:
            result += f".{match.group(1)}"
        elif match.group(2) is not None:
            result += f"[{match.group(2)}]"
        else:
            result += f"[{json.dumps(match.group(4))}]"
        position = match.end()
    return result


_TO_CHAI: Mapping[str, str] = {
    "eq": "to.eql",
    "ne": "to.not.eql",
    "gt": "to.be.above",
    "gte": "to.be.at.least",
    "lt": "to.be.below",
    "lte": "to.be.at.most",
    "in": "to.be.oneOf",
    "not_in": "to.not.be.oneOf",
    "contains": "to.include",
    "not_contains": "to.not.include",
}


def _chai_calls(subject: str, operators: Sequence[tuple[str, Any]]) -> list[str] | None:
    """``pm.expect(subject)...`` lines for a matcher's operators; None if one has no chai form."""
    lines: list[str] = []
    for operator, argument in operators:
        if operator in _TO_CHAI:
            lines.append(f"pm.expect({subject}).{_TO_CHAI[operator]}({_js(argument)});")
        elif operator == "exists":
            chain = "to.exist" if argument else "to.not.exist"
            lines.append(f"pm.expect({subject}).{chain};")
        elif operator == "empty":
            chain = "to.be.empty" if argument else "to.not.be.empty"
            lines.append(f"pm.expect({subject}).{chain};")
        elif operator == "type" and argument in JS_TYPES:
            article = "an" if argument in ("array", "object") else "a"
            lines.append(f"pm.expect({subject}).to.be.{article}({json.dumps(argument)});")
        elif operator == "matches" and "/" not in argument:
            lines.append(f"pm.expect({subject}).to.match(/{argument}/);")
        elif operator == "length":
            inner = getattr(argument, "operators", None)
            if inner is None:
                return None
            nested = _chai_calls(f"{subject}.length", inner)
            if nested is None:
                return None
            lines.extend(nested)
        else:
            return None
    return lines


def check_to_js(kind: str, target: str | None, operators: Sequence[tuple[str, Any]]) -> str | None:
    """A ``pm.test`` block for one check (kind/target/matcher operators); None if not possible."""
    if kind == "status":
        return _status_js(operators)
    if kind == "time_ms":
        subject = "pm.response.responseTime"
    elif kind == "body":
        subject = "pm.response.text()"
    elif kind == "header" and target is not None:
        if len(operators) == 1 and operators[0][0] == "exists":
            negation = "" if operators[0][1] else "not."
            return _test(
                f"header {target}", [f"pm.response.to.{negation}have.header({json.dumps(target)});"]
            )
        subject = f"pm.response.headers.get({json.dumps(target)})"
    elif kind == "jsonpath" and target is not None:
        accessor = js_accessor(target)
        if accessor is None:
            return None
        subject = accessor
        lines = _chai_calls(subject, operators)
        if lines is None:
            return None
        return _test(target, ["var jsonData = pm.response.json();", *lines])
    else:
        return None
    lines = _chai_calls(subject, operators)
    return None if lines is None else _test(f"{kind} {target or ''}".strip(), lines)


def _status_js(operators: Sequence[tuple[str, Any]]) -> str | None:
    if len(operators) != 1:
        return None
    operator, argument = operators[0]
    if operator == "status":
        codes = list(argument)
        if len(codes) == 1 and isinstance(codes[0], int):
            return _test("status", [f"pm.response.to.have.status({codes[0]});"])
        if all(isinstance(code, int) for code in codes):
            return _test(
                "status", [f"pm.expect(pm.response.code).to.be.oneOf({json.dumps(codes)});"]
            )
        if len(codes) == 1:
            low = int(str(codes[0])[0]) * 100
            return _test(
                "status", [f"pm.expect(pm.response.code).to.be.within({low}, {low + 99});"]
            )
        return None
    lines = _chai_calls("pm.response.code", [(operator, argument)])
    return None if lines is None else _test("status", lines)


def _test(name: str, lines: Sequence[str]) -> str:
    body = "\n".join(f"    {line}" for line in lines)
    return f"pm.test({json.dumps(name)}, function () {{\n{body}\n}});"


def capture_to_js(name: str, kind: str, source: str) -> str | None:
    """``pm.collectionVariables.set(...)`` for a capture; None for a regex capture."""
    if kind == "status":
        value = "pm.response.code"
    elif kind == "header":
        value = f"pm.response.headers.get({json.dumps(source)})"
    elif kind == "cookie":
        value = f"pm.cookies.get({json.dumps(source)})"
    elif kind == "jsonpath":
        accessor = js_accessor(source, "pm.response.json()")
        if accessor is None:
            return None
        value = accessor
    else:
        return None
    return f"pm.collectionVariables.set({json.dumps(name)}, {value});"
