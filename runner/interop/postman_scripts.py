"""Translate Postman test scripts into ``assert`` and ``capture`` blocks, and back (pure functions).

Only the common, declarative patterns are translated: ``pm.response.to.have.status``,
``pm.expect(...)`` on the status, a header, the JSON body, the body text or the response time,
``pm.*.set("x", jsonData.y)`` captures and the old ``tests["..."] = ...`` sandbox. A ``pm.test``
block is translated whole or not at all: a block holding logic we cannot follow (an ``if``, a
loop) could make a translated check run where Postman would not run it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from runner.model import OPERATORS

__all__ = [
    "ScriptTranslation",
    "capture_to_js",
    "check_to_js",
    "js_accessor",
    "split_statements",
    "translate_test_script",
]

_OPERATORS = frozenset(OPERATORS)


@dataclass(frozen=True, slots=True)
class ScriptTranslation:
    """What a test script became: an ``assert`` block, captures, and the text left over."""

    assertions: Mapping[str, Any] = field(default_factory=dict)
    captures: Mapping[str, Any] = field(default_factory=dict)
    translated: int = 0
    untranslated: tuple[str, ...] = ()


class _Untranslatable(Exception):
    """A statement outside the patterns we know."""


# --------------------------------------------------------------------------------- splitting


def split_statements(text: str) -> list[str]:
    """Top-level JavaScript statements of ``text``, comments removed, strings respected.

    A statement ends at ``;`` or at a line end outside brackets, unless the next line continues
    it with ``.`` (a chained call split over lines).
    """
    statements: list[str] = []
    current: list[str] = []
    depth = 0
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char in "'\"`":
            end = _string_end(text, index)
            current.append(text[index:end])
            index = end
            continue
        if text.startswith("//", index):
            newline = text.find("\n", index)
            index = length if newline < 0 else newline
            continue
        if text.startswith("/*", index):
            close = text.find("*/", index + 2)
            index = length if close < 0 else close + 2
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        if depth <= 0 and (char == ";" or (char == "\n" and not _continues(text, index))):
            depth = max(depth, 0)
            _flush(current, statements)
            index += 1
            continue
        current.append(char)
        index += 1
    _flush(current, statements)
    return statements


def _flush(current: list[str], statements: list[str]) -> None:
    statement = "".join(current).strip()
    current.clear()
    if statement:
        statements.append(statement)


def _continues(text: str, newline: int) -> bool:
    rest = text[newline + 1 :].lstrip()
    return rest.startswith(".")


def _string_end(text: str, start: int) -> int:
    quote = text[start]
    index = start + 1
    while index < len(text):
        if text[index] == "\\":
            index += 2
            continue
        if text[index] == quote:
            return index + 1
        index += 1
    return len(text)


# --------------------------------------------------------------------------------- translating

_DECLARE = re.compile(r"^(?:var|let|const)\s+([A-Za-z_$][\w$]*)\s*=\s*(.+)$", re.S)
_JSON_SOURCES = ("pm.response.json()", "JSON.parse(responseBody)", "JSON.parse(pm.response.text())")
_TEST_OPEN = re.compile(
    r"^pm\.test\(\s*(?P<name>'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`[^`]*`)\s*,\s*"
    r"(?:function\s*\(\s*\)|\(\s*\)\s*=>)\s*\{(?P<body>.*)\}\s*\)$",
    re.S,
)
_SETTERS = (
    r"pm\.(?:environment|collectionVariables|globals|variables)\.set"
    r"|postman\.set(?:Environment|Global)Variable"
)
_SET = re.compile(rf"^(?:{_SETTERS})\(\s*(?P<args>.+)\)$", re.S)
_LEGACY = re.compile(r"^tests\[(?P<name>.+?)\]\s*=\s*(?P<expr>.+)$", re.S)
_VAR_GET = re.compile(
    r"^pm\.(?:environment|collectionVariables|globals|variables)\.get\(\s*(['\"])([\w.\-]+)\1\s*\)$"
)
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
        except (_Untranslatable, ValueError, IndexError, TypeError, RecursionError):
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
            raise _Untranslatable
        expected: Any = {"exists": not negated} if value is None else _header_text(value)
        _add_check(state, "headers", name, expected)
        return
    expect = _call_and_rest(statement, "pm.expect(")
    if expect and re.fullmatch(r"(?:\.[A-Za-z]+)+(?:\(.*\))?", expect[1], re.S):
        _expect(expect[0].strip(), expect[1], state)
        return
    setter = _SET.match(statement)
    if setter:
        args = _split_args(setter.group("args"))
        if len(args) != 2:
            raise _Untranslatable
        name = _js_value(args[0])
        if not isinstance(name, str) or not re.fullmatch(r"[\w.\-]+", name):
            raise _Untranslatable
        state.captures[name] = _capture_source(args[1].strip(), state)
        state.translated += 1
        return
    legacy = _LEGACY.match(statement)
    if legacy:
        _legacy(legacy.group("expr").strip(), state)
        return
    raise _Untranslatable


def _call_and_rest(statement: str, prefix: str) -> tuple[str, str] | None:
    """``prefix(args)rest`` -> (args, rest), brackets and strings respected (no regex: a
    nested pattern would backtrack for ever on a long statement that does not match)."""
    if not statement.startswith(prefix):
        return None
    depth = 1
    index = len(prefix)
    while index < len(statement):
        char = statement[index]
        if char in "'\"`":
            index = _string_end(statement, index)
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
            if depth == 0:
                return statement[len(prefix) : index], statement[index + 1 :]
        index += 1
    return None


def _header_text(value: str) -> Any:
    parsed = _js_value(value)
    if isinstance(parsed, (dict, list)):
        raise _Untranslatable
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
        raise _Untranslatable
    return path


def _legacy(expr: str, state: _State) -> None:
    """The pre-``pm`` sandbox: ``tests["name"] = <boolean expression>``."""
    code = re.fullmatch(r"responseCode\.code\s*===?\s*(\d{3})", expr)
    if code:
        _add_status(state, int(code.group(1)))
        return
    has = re.fullmatch(r"responseBody\.has\(\s*(.+)\s*\)", expr)
    if has:
        _add_check(state, "body", None, {"contains": _scalar(has.group(1))})
        return
    time = re.fullmatch(r"responseTime\s*(<|<=|>|>=)\s*(\d+(?:\.\d+)?)", expr)
    if time:
        operator = {"<": "lt", "<=": "lte", ">": "gt", ">=": "gte"}[time.group(1)]
        _add_check(state, "time_ms", None, {operator: _number(time.group(2))})
        return
    header = re.fullmatch(r"(?:!!)?postman\.getResponseHeader\(\s*(['\"])(.+?)\1\s*\)", expr)
    if header:
        _add_check(state, "headers", header.group(2), {"exists": True})
        return
    compare = re.fullmatch(r"(.+?)\s*(===?|!==?)\s*(.+)", expr)
    if compare:
        path = _json_path(compare.group(1).strip(), state)
        value = _scalar(compare.group(3))
        expected = value if compare.group(2).startswith("=") else {"ne": value}
        _add_jsonpath(state, path, expected)
        return
    raise _Untranslatable


def _expect(subject: str, chain: str, state: _State) -> None:
    operator, argument = _chai(chain)
    if subject in ("pm.response.code", "responseCode.code"):
        _expect_status(operator, argument, state)
        return
    if subject in ("pm.response.responseTime", "responseTime"):
        if operator not in ("gt", "gte", "lt", "lte") or not _is_number(argument):
            raise _Untranslatable
        _add_check(state, "time_ms", None, {operator: argument})
        return
    if subject in ("pm.response.text()", "responseBody"):
        _add_check(state, "body", None, _matcher(operator, argument))
        return
    header = _HEADER_GET.match(subject)
    if header:
        _add_check(state, "headers", header.group(2), _matcher(operator, argument))
        return
    path = _json_path(subject, state)
    if path.endswith(".length"):
        path = path[: -len(".length")]
        _add_jsonpath(state, path, {"length": _matcher(operator, argument)})
        return
    _add_jsonpath(state, path, _matcher(operator, argument))


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
        raise _Untranslatable


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
_JS_TYPES: Mapping[str, str] = {
    "string": "string",
    "number": "number",
    "boolean": "boolean",
    "array": "array",
    "object": "object",
    "null": "null",
}


def _chai(chain: str) -> tuple[str, Any]:
    """``.to.be.above(3)`` -> ("gt", 3)."""
    chain = chain.lstrip(".")
    if chain in _FLAGS:
        return _FLAGS[chain]
    match = re.fullmatch(r"([A-Za-z.]+)\((.*)\)", chain, re.S)
    if not match or match.group(1) not in _CHAINS:
        raise _Untranslatable
    operator = _CHAINS[match.group(1)]
    args = _split_args(match.group(2))
    if operator == "within":
        values = [_js_value(arg) for arg in args]
        if len(values) != 2 or not all(_is_number(value) for value in values):
            raise _Untranslatable
        return operator, values
    if len(args) != 1:
        raise _Untranslatable
    if operator == "matches":
        regex = re.fullmatch(r"/(.*)/([a-z]*)", args[0].strip(), re.S)
        if not regex or set(regex.group(2)) - {"i"}:
            raise _Untranslatable
        return operator, ("(?i)" if regex.group(2) else "") + regex.group(1)
    value = _js_value(args[0])
    if operator == "type":
        if value not in _JS_TYPES:
            raise _Untranslatable
        return operator, _JS_TYPES[value]
    if operator in ("gt", "gte", "lt", "lte") and not _is_number(value):
        raise _Untranslatable
    if operator == "in" and not isinstance(value, list):
        raise _Untranslatable
    return operator, value


def _matcher(operator: str, argument: Any) -> Any:
    if operator == "within":
        return {"gte": argument[0], "lte": argument[1]}
    if operator == "eq":
        return {"eq": argument} if isinstance(argument, dict) else argument
    return {operator: argument}


def _add_status(state: _State, value: Any) -> None:
    existing = state.assertions.get("status")
    if existing is not None and existing != value:
        raise _Untranslatable
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
        raise _Untranslatable
    return {**first, **second}


def _as_operators(value: Any) -> dict[str, Any]:
    if isinstance(value, dict) and value and set(value) <= _OPERATORS:
        return dict(value)
    return {"eq": value}


# ------------------------------------------------------------------------------ JS values


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
        raise _Untranslatable
    path = base
    position = 0
    while position < len(rest):
        match = _ACCESSOR.match(rest, position)
        if not match:
            raise _Untranslatable
        if match.group(1) is not None:
            path += f".{match.group(1)}"
        elif match.group(2) is not None:
            path += f"[{match.group(2)}]"
        else:
            key = match.group(4)
            path += f".{key}" if re.fullmatch(r"[A-Za-z_]\w*", key) else f"['{key}']"
        position = match.end()
    return path


def _split_args(text: str) -> list[str]:
    """Split call arguments at top-level commas."""
    args: list[str] = []
    depth = 0
    start = 0
    index = 0
    while index < len(text):
        char = text[index]
        if char in "'\"`":
            index = _string_end(text, index)
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            args.append(text[start:index].strip())
            start = index + 1
        index += 1
    tail = text[start:].strip()
    if tail or args:
        args.append(tail)
    return args


def _scalar(text: str) -> Any:
    value = _js_value(text)
    if isinstance(value, (dict, list)):
        raise _Untranslatable
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _number(text: str) -> int | float:
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def _js_value(text: str) -> Any:
    """A JavaScript literal (or a variable lookup) as a Python value."""
    text = text.strip()
    lookup = _VAR_GET.match(text)
    if lookup:
        return f"<<{lookup.group(2)}>>"
    value, end = _literal(text, 0)
    if text[end:].strip():
        raise _Untranslatable
    return value


def _literal(text: str, index: int) -> tuple[Any, int]:
    index = _skip_space(text, index)
    if index >= len(text):
        raise _Untranslatable
    char = text[index]
    if char in "'\"`":
        end = _string_end(text, index)
        body = text[index + 1 : end - 1]
        if char == "`" and "${" in body:
            raise _Untranslatable
        return _unescape(body), end
    if char == "[":
        items: list[Any] = []
        index = _skip_space(text, index + 1)
        while index < len(text) and text[index] != "]":
            item, index = _literal(text, index)
            items.append(item)
            index = _skip_space(text, index)
            if index < len(text) and text[index] == ",":
                index = _skip_space(text, index + 1)
        return items, index + 1
    if char == "{":
        mapping: dict[str, Any] = {}
        index = _skip_space(text, index + 1)
        while index < len(text) and text[index] != "}":
            key_match = re.compile(r"([A-Za-z_$][\w$]*)\s*:").match(text, index)
            if key_match:
                key: Any = key_match.group(1)
                index = key_match.end()
            else:
                key, index = _literal(text, index)
                index = _skip_space(text, index)
                if not isinstance(key, str) or text[index : index + 1] != ":":
                    raise _Untranslatable
                index += 1
            mapping[key], index = _literal(text, index)
            index = _skip_space(text, index)
            if index < len(text) and text[index] == ",":
                index = _skip_space(text, index + 1)
        return mapping, index + 1
    word = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null").match(text, index)
    if not word:
        raise _Untranslatable
    token = word.group(0)
    constants = {"true": True, "false": False, "null": None}
    if token in constants:
        return constants[token], word.end()
    return json.loads(token), word.end()


def _skip_space(text: str, index: int) -> int:
    while index < len(text) and text[index].isspace():
        index += 1
    return index


def _unescape(body: str) -> str:
    escapes = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", "'": "'", '"': '"', "`": "`"}
    return re.sub(r"\\(.)", lambda match: escapes.get(match.group(1), match.group(1)), body)


# ---------------------------------------------------------------------------------- export


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
        elif operator == "type" and argument in _JS_TYPES:
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
