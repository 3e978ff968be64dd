"""Reading the JavaScript of Postman test scripts: statements, call arguments and literals.

Only as much of the language as the translation needs: statements split at ``;`` and line
ends, strings and brackets respected, and literals (strings, numbers, arrays, objects, a
variable lookup) read as Python values. Anything else raises Untranslatable.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any


class Untranslatable(Exception):
    """A statement outside the patterns we know."""


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
            end = string_end(text, index)
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


def string_end(text: str, start: int) -> int:
    """The index just past the string literal that opens at ``start`` (or the text's end)."""
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


def call_and_rest(statement: str, prefix: str) -> tuple[str, str] | None:
    """``prefix(args)rest`` -> (args, rest), brackets and strings respected (no regex: a
    nested pattern would backtrack for ever on a long statement that does not match)."""
    if not statement.startswith(prefix):
        return None
    for index, char, depth in top_level(statement, len(prefix), depth=1):
        if depth == 0 and char in ")]}":
            return statement[len(prefix) : index], statement[index + 1 :]
    return None


def top_level(text: str, start: int = 0, depth: int = 0) -> Iterator[tuple[int, str, int]]:
    """Each character outside string literals, with the bracket depth once it is read."""
    index = start
    while index < len(text):
        char = text[index]
        if char in "'\"`":
            index = string_end(text, index)
            continue
        if char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        yield index, char, depth
        index += 1


def split_args(text: str) -> list[str]:
    """Split call arguments at top-level commas."""
    args: list[str] = []
    start = 0
    for index, char, depth in top_level(text):
        if char == "," and depth == 0:
            args.append(text[start:index].strip())
            start = index + 1
    tail = text[start:].strip()
    if tail or args:
        args.append(tail)
    return args


def js_scalar(text: str) -> Any:
    """A literal that is not an array or an object."""
    value = js_value(text)
    if isinstance(value, (dict, list)):
        raise Untranslatable
    return value


def is_number(value: Any) -> bool:
    """An int or a float, not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def js_number(text: str) -> int | float:
    """A number written in a script: an int when whole and written without a point, else a float."""
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


_VAR_GET = re.compile(
    r"^pm\.(?:environment|collectionVariables|globals|variables)\.get\(\s*(['\"])([\w.\-]+)\1\s*\)$"
)


def js_value(text: str) -> Any:
    """A JavaScript literal (or a variable lookup) as a Python value."""
    text = text.strip()
    lookup = _VAR_GET.match(text)
    if lookup:
        return f"<<{lookup.group(2)}>>"
    value, end = _literal(text, 0)
    if text[end:].strip():
        raise Untranslatable
    return value


def _literal(text: str, index: int) -> tuple[Any, int]:
    index = _skip_space(text, index)
    if index >= len(text):
        raise Untranslatable
    char = text[index]
    if char in "'\"`":
        end = string_end(text, index)
        body = text[index + 1 : end - 1]
        if char == "`" and "${" in body:
            raise Untranslatable
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
                    raise Untranslatable
                index += 1
            mapping[key], index = _literal(text, index)
            index = _skip_space(text, index)
            if index < len(text) and text[index] == ",":
                index = _skip_space(text, index + 1)
        return mapping, index + 1
    word = re.compile(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null").match(text, index)
    if not word:
        raise Untranslatable
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
