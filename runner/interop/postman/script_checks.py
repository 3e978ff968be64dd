"""Postman test scripts -> ``assert`` and ``capture`` blocks: the translation (pure functions).

Each top-level statement is tried on a copy of the state and kept only when the whole of it
translates; a ``pm.test`` block is translated whole or not at all (see postman_scripts).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from runner.interop.postman.chai import chai, to_matcher
from runner.interop.postman.js_syntax import (
    Untranslatable,
    call_and_rest,
    is_number,
    js_number,
    js_scalar,
    js_value,
    split_args,
    split_statements,
    top_level,
)
from runner.model import OPERATORS

_OPERATORS = frozenset(OPERATORS)


@dataclass(frozen=True, slots=True)
class ScriptTranslation:
    """What a test script became: an ``assert`` block, captures, and the text left over."""

    assertions: Mapping[str, Any] = field(default_factory=dict)
    captures: Mapping[str, Any] = field(default_factory=dict)
    translated: int = 0
    untranslated: tuple[str, ...] = ()


_DECLARE = re.compile(r"^(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*(.+)$", re.S)
_JSON_SOURCES = ("pm.response.json()", "JSON.parse(responseBody)", "JSON.parse(pm.response.text())")
_TEST_OPEN = re.compile(
    r"^pm\.test\(\s*(?P<name>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`)\s*,\s*"
    r"(?:function\s*\(\s*\)|\(\s*\)\s*=>)\s*\{(?P<body>.*)\}\s*\)$",
    re.S,
)
# ``pm.test("name", () => one expression)``: an arrow function without braces.
_TEST_ARROW = re.compile(
    r"^pm\.test\(\s*(?P<name>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`)\s*,\s*"
    r"\(\s*\)\s*=>\s*(?P<body>[^{\s].*)\)$",
    re.S,
)
_JSON_BODY = re.compile(r"pm\.response\.to\.(not\.)?have\.jsonBody\((.*)\)", re.S)
_SETTERS = (
    r"pm\.(?:environment|collectionVariables|globals|variables)\.set"
    r"|postman\.set(?:Environment|Global)Variable"
)
_SET = re.compile(rf"^(?:{_SETTERS})\(\s*(?P<args>.+)\)$", re.S)
_LEGACY = re.compile(r"^tests\[(?P<name>.+?)\]\s*=\s*(?P<expr>.+)$", re.S)
_HEADER_GET = re.compile(
    r"^(?:pm\.response\.headers\.get|postman\.getResponseHeader)\(\s*(['\"])(.+?)\1\s*\)$"
)
_COOKIE_GET = re.compile(r"^pm\.cookies\.get\(\s*(['\"])(.+?)\1\s*\)$")


@dataclass(slots=True)
class _State:
    """Mutable while one script is read: aliases of the JSON body, and what was found."""

    aliases: dict[str, str] = field(default_factory=dict)
    assertions: dict[str, Any] = field(default_factory=dict)
    captures: dict[str, Any] = field(default_factory=dict)
    translated: int = 0

    def copy(self) -> _State:
        return _State(
            dict(self.aliases),
            json.loads(json.dumps(self.assertions)),
            dict(self.captures),
            self.translated,
        )


def translate_test_script(lines: Sequence[str] | str) -> ScriptTranslation:
    """Translate a Postman ``test`` script (its ``exec`` lines) into assert/capture blocks."""
    text = lines if isinstance(lines, str) else "\n".join(lines)
    state = _State()
    left: list[str] = []
    for statement in split_statements(text):
        trial = state.copy()
        try:
            _statement(statement, trial)
        except (Untranslatable, ValueError, IndexError, TypeError, RecursionError):
            left.append(statement)
            continue
        state = trial
    return ScriptTranslation(
        assertions=state.assertions,
        captures=state.captures,
        translated=state.translated,
        untranslated=tuple(left),
    )


def _statement(statement: str, state: _State) -> None:
    test = _TEST_OPEN.match(statement.strip())
    if test:
        for inner in split_statements(test.group("body")):
            _statement(inner, state)
        return
    arrow = _TEST_ARROW.match(statement.strip())
    if arrow:
        _statement(arrow.group("body"), state)
        return
    # A chained call written over several lines reads as one line.
    statement = " ".join(re.sub(r"\s*\n\s*(?=\.)", "", statement).split())
    declare = _DECLARE.match(statement)
    if declare:
        name, source = declare.group(1), declare.group(2).strip()
        state.aliases[name] = _json_path(source, state)
        return
    if statement in ("pm.response.to.be.ok", "pm.response.to.be.success"):
        _add_status(state, "2xx")
        return
    if statement == "pm.response.to.be.json":
        _add_check(state, "headers", "Content-Type", {"contains": "json"})
        return
    status = re.fullmatch(r"pm\.response\.to\.have\.status\((\d{3})\)", statement)
    if status:
        _add_status(state, int(status.group(1)))
        return
    header = re.fullmatch(
        r"pm\.response\.to\.(not\.)?have\.header\(\s*(['\"])(.+?)\2\s*(?:,\s*(.+))?\)", statement
    )
    if header:
        negated, name, value = header.group(1), header.group(3), header.group(4)
        if negated and value is not None:
            raise Untranslatable
        expected: Any = {"exists": not negated} if value is None else _header_text(value)
        _add_check(state, "headers", name, expected)
        return
    if _response_body(statement, state):
        return
    expect = call_and_rest(statement, "pm.expect(")
    if expect and re.fullmatch(r"(?:\.[A-Za-z]+)+(?:\(.*\))?", expect[1], re.S):
        _expect(expect[0].strip(), expect[1], state)
        return
    setter = _SET.match(statement)
    if setter:
        args = split_args(setter.group("args"))
        if len(args) != 2:
            raise Untranslatable
        name = js_value(args[0])
        if not isinstance(name, str) or not re.fullmatch(r"[\w.\-]+", name):
            raise Untranslatable
        state.captures[name] = _capture_source(args[1].strip(), state)
        state.translated += 1
        return
    legacy = _LEGACY.match(statement)
    if legacy:
        _legacy(legacy.group("expr").strip(), state)
        return
    raise Untranslatable


def _response_body(statement: str, state: _State) -> bool:
    """``pm.response.to.have.jsonBody(path[, value])`` and ``.to.have.body(text)``."""
    body = re.fullmatch(r"pm\.response\.to\.have\.body\((.+)\)", statement, re.S)
    if body:
        _add_check(state, "body", None, _header_text(body.group(1)))
        return True
    json_body = _JSON_BODY.fullmatch(statement)
    if not json_body:
        return False
    negated, args = json_body.group(1), split_args(json_body.group(2))
    if not args:
        if negated:
            raise Untranslatable
        _add_jsonpath(state, "$", {"exists": True})  # a body that is JSON
        return True
    first = js_value(args[0])
    if isinstance(first, dict) and len(args) == 1 and not negated:
        _add_jsonpath(state, "$", {"eq": first})
        return True
    if not isinstance(first, str) or len(args) > 2 or (negated and len(args) == 2):
        raise Untranslatable
    path = _lodash_path(first)
    if len(args) == 1:
        _add_jsonpath(state, path, {"exists": not negated})
    else:
        _add_jsonpath(state, path, to_matcher("eq", js_value(args[1])))
    return True


def _lodash_path(text: str) -> str:
    """``a.b[0].c`` (the path chai-json and lodash take) -> ``$.a.b[0].c``."""
    path = "$"
    for match in re.finditer(r"([^.\[\]]+)|\[(\d+)\]", text):
        if match.group(2) is not None:
            path += f"[{match.group(2)}]"
        else:
            path += _key(match.group(1))
    if path == "$":
        raise Untranslatable
    return path


def _key(key: str) -> str:
    return f".{key}" if re.fullmatch(r"[A-Za-z_]\w*", key) else f"['{key}']"


def _header_text(value: str) -> Any:
    parsed = js_value(value)
    if isinstance(parsed, (dict, list)):
        raise Untranslatable
    return parsed


def _capture_source(source: str, state: _State) -> Any:
    if source in ("pm.response.code", "responseCode.code"):
        return {"status": True}
    header = _HEADER_GET.match(source)
    if header:
        return {"header": header.group(2)}
    cookie = _COOKIE_GET.match(source)
    if cookie:
        return {"cookie": cookie.group(2)}
    path = _json_path(source, state)
    if path.endswith(".length"):
        raise Untranslatable
    return path


def _legacy(expr: str, state: _State) -> None:
    """The pre-``pm`` sandbox: ``tests["name"] = <boolean expression>``, ``&&`` of several."""
    for part in _conjuncts(expr):
        _legacy_part(part, state)


def _conjuncts(expr: str) -> list[str]:
    """``a && b`` -> [a, b]; an ``||`` or a ``!(...)`` is not one check per part."""
    parts: list[str] = []
    start = 0
    for index, _, depth in top_level(expr):
        if depth == 0 and expr.startswith("||", index):
            raise Untranslatable
        if depth == 0 and expr.startswith("&&", index):
            parts.append(expr[start:index].strip())
            start = index + 2
    parts.append(expr[start:].strip())
    return [_unwrap(part) for part in parts]


def _unwrap(part: str) -> str:
    while part.startswith("(") and call_and_rest(part, "(") == (part[1:-1], ""):
        part = part[1:-1].strip()
    return part


_COMPARE = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte", "!=": "ne", "!==": "ne"}


def _legacy_part(expr: str, state: _State) -> None:
    code = re.fullmatch(r"responseCode\.code\s*(===?|!==?|<=|>=|<|>)\s*(\d{3})", expr)
    if code:
        operator, value = code.group(1), int(code.group(2))
        _add_status(state, value if operator.startswith("=") else {_COMPARE[operator]: value})
        return
    has = re.fullmatch(r"(!)?responseBody\.has\(\s*(.+)\s*\)", expr)
    if has:
        operator = "not_contains" if has.group(1) else "contains"
        _add_check(state, "body", None, {operator: js_scalar(has.group(2))})
        return
    time = re.fullmatch(r"responseTime\s*(<|<=|>|>=)\s*(\d+(?:\.\d+)?)", expr)
    if time:
        operator = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}[time.group(1)]
        _add_check(state, "time_ms", None, {operator: js_number(time.group(2))})
        return
    header = re.fullmatch(r"(?:!!)?postman\.getResponseHeader\(\s*(['\"])(.+?)\1\s*\)", expr)
    if header:
        _add_check(state, "headers", header.group(2), {"exists": True})
        return
    own = re.fullmatch(r"(!)?(.+)\.hasOwnProperty\(\s*(['\"])(.+?)\3\s*\)", expr)
    if own:
        path = _json_path(own.group(2), state) + _key(own.group(4))
        _add_jsonpath(state, path, {"exists": not own.group(1)})
        return
    compare = re.fullmatch(r"(.+?)\s*(===?|!==?|<=|>=|<|>)\s*(.+)", expr)
    if compare:
        path = _json_path(compare.group(1).strip(), state)
        value = js_scalar(compare.group(3))
        operator = compare.group(2)
        if operator[0] in "<>" and not is_number(value):
            raise Untranslatable
        expected = value if operator.startswith("=") else {_COMPARE[operator]: value}
        if path.endswith(".length"):
            _add_jsonpath(state, path[: -len(".length")], {"length": expected})
        else:
            _add_jsonpath(state, path, expected)
        return
    raise Untranslatable


def _expect(subject: str, chain: str, state: _State) -> None:
    property_value = re.fullmatch(r"\.to\.have\.property\((.+)\)", chain, re.S)
    if property_value and len(split_args(property_value.group(1))) == 2:
        key, value = (js_value(arg) for arg in split_args(property_value.group(1)))
        if not isinstance(key, str):
            raise Untranslatable
        _add_jsonpath(state, _json_path(subject, state) + _key(key), to_matcher("eq", value))
        return
    operator, argument = chai(chain)
    if subject in ("pm.response.code", "responseCode.code"):
        _expect_status(operator, argument, state)
        return
    if subject in ("pm.response.responseTime", "responseTime"):
        if operator not in ("gt", "gte", "lt", "lte") or not is_number(argument):
            raise Untranslatable
        _add_check(state, "time_ms", None, {operator: argument})
        return
    if subject in ("pm.response.text()", "responseBody"):
        _add_check(state, "body", None, to_matcher(operator, argument))
        return
    header = _HEADER_GET.match(subject)
    if header:
        _add_check(state, "headers", header.group(2), to_matcher(operator, argument))
        return
    path = _json_path(subject, state)
    if path.endswith(".length"):
        path = path[: -len(".length")]
        _add_jsonpath(state, path, {"length": to_matcher(operator, argument)})
        return
    _add_jsonpath(state, path, to_matcher(operator, argument))


def _expect_status(operator: str, argument: Any, state: _State) -> None:
    if operator == "eq" and isinstance(argument, int) and not isinstance(argument, bool):
        _add_status(state, argument)
    elif operator == "in" and all(isinstance(item, int) for item in argument):
        _add_status(state, list(argument))
    elif operator == "within":
        low, high = argument
        if low % 100 == 0 and high == low + 99 and 100 <= low <= 500:
            _add_status(state, f"{low // 100}xx")
        else:
            _add_status(state, {"gte": low, "lte": high})
    elif operator in ("gt", "gte", "lt", "lte", "ne", "not_in") and not isinstance(argument, str):
        _add_status(state, {operator: argument})
    else:
        raise Untranslatable


def _add_status(state: _State, value: Any) -> None:
    existing = state.assertions.get("status")
    if existing is not None and existing != value:
        raise Untranslatable
    state.assertions["status"] = value
    state.translated += 1


def _add_check(state: _State, kind: str, target: str | None, expected: Any) -> None:
    if target is None:
        existing = state.assertions.get(kind)
        state.assertions[kind] = _combine(existing, expected)
    else:
        group = state.assertions.setdefault(kind, {})
        matched = next((key for key in group if key.lower() == target.lower()), target)
        group[matched] = _combine(group.get(matched), expected)
    state.translated += 1


def _add_jsonpath(state: _State, path: str, expected: Any) -> None:
    _add_check(state, "jsonpath", path, expected)


def _combine(existing: Any, new: Any) -> Any:
    """Two checks on one target become one matcher, when their operators do not clash."""
    if existing is None:
        return new
    if existing == new:
        return existing
    first, second = _as_operators(existing), _as_operators(new)
    if set(first) & set(second):
        raise Untranslatable
    return {**first, **second}


def _as_operators(value: Any) -> dict[str, Any]:
    if isinstance(value, dict) and value and set(value) <= _OPERATORS:
        return dict(value)
    return {"eq": value}


_ACCESSOR = re.compile(r"\.([A-Za-z_$][\w$]*)|\[\s*(\d+)\s*\]|\[\s*(['\"])(.*?)\3\s*\]")


def _json_path(source: str, state: _State) -> str:
    """``jsonData.a[0]["b c"]`` -> ``$.a[0]['b c']`` (a trailing ``.length`` kept as is)."""
    source = source.strip()
    base: str | None = None
    rest = ""
    for start in (*_JSON_SOURCES, *state.aliases):
        if source == start or (source.startswith(start) and source[len(start)] in ".["):
            base = "$" if start in _JSON_SOURCES else state.aliases[start]
            rest = source[len(start) :]
            break
    if base is None:
        raise Untranslatable
    path = base
    position = 0
    while position < len(rest):
        match = _ACCESSOR.match(rest, position)
        if not match:
            raise Untranslatable
        if match.group(1) is not None:
            path += f".{match.group(1)}"
        elif match.group(2) is not None:
            path += f"[{match.group(2)}]"
        else:
            key = match.group(4)
            path += f".{key}" if re.fullmatch(r"[A-Za-z_]\w*", key) else f"['{key}']"
        position = match.end()
    return path
