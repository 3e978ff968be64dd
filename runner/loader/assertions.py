"""``assert`` (FORMAT.md 1.3): one CheckSpec per check (status, headers, jsonpath, body, schema,
time_ms; for a stream events, time_to_first_event_ms, joined), matchers and their operators'
arguments checked, JSONPaths and regexes compiled now so a typo is a load error at its line."""

from __future__ import annotations

import difflib
import re
import warnings
from typing import Any

from runner.errors import LoadError
from runner.jsonquery import JsonPathError, compile_path
from runner.loader import nodes
from runner.loader.coreschema import INT, STR, parse_int
from runner.loader.document import Document
from runner.loader.keys import MAX_STATUS, MIN_STATUS, STATUS_CLASS
from runner.loader.placeholders import Uses, has_placeholder, placeholder_uses
from runner.loader.pyyaml import MappingNode, Node, ScalarNode, SequenceNode
from runner.loader.schemas import build_schema_check
from runner.loader.wording import closest, describe
from runner.model import CHECK_KINDS, OPERATORS, TYPE_NAMES, CheckSpec, Matcher
from runner.source import SourceLocation
from runner.templating import find_placeholders

CheckEntries = dict[tuple[str, str], tuple[CheckSpec, Uses]]


def build_checks(doc: Document, node: Node, what: str) -> CheckEntries:
    """An ``assert`` block (or ``retries.unless``): one CheckSpec per check, keyed to merge."""
    keys = nodes.object_keys(doc, node, what, CHECK_KINDS)
    entries: CheckEntries = {}
    for kind, (key, value) in keys.items():
        strings: list[tuple[str, Node]] = []
        if kind in ("headers", "jsonpath"):
            mapping = nodes.mapping(doc, value, kind, hint=f"write {kind}: followed by name: value")
            seen: dict[str, str] = {}
            # x- keys can hold anchors among JSONPaths (which start with $), not among headers
            pairs = nodes.pairs(doc, mapping, skip_x=kind == "jsonpath")
            for target, target_key, expected in pairs:
                strings = [(target, target_key)]
                if kind == "headers":
                    lowered = target.lower()
                    if lowered in seen:
                        doc.fail(
                            f"header '{target}' is checked twice (header names ignore case)",
                            target_key,
                            hint=f"keep one of '{seen[lowered]}' and '{target}'",
                        )
                    seen[lowered] = target
                    entry_key = ("header", lowered)
                else:
                    check_jsonpath(doc, target, target_key)
                    entry_key = ("jsonpath", target)
                check = CheckSpec(
                    "header" if kind == "headers" else "jsonpath",
                    target,
                    _matcher(doc, expected, strings),
                    doc.location(target_key),
                )
                entries[entry_key] = (check, placeholder_uses(doc, "assert", strings))
            continue
        if kind == "schema":
            check = build_schema_check(doc, key, value)
        else:
            if kind == "status":
                matcher = _status(doc, value, strings)
            elif kind in ("time_ms", "time_to_first_event_ms", "events"):
                matcher = _needs_matcher(doc, value, strings, kind)
            else:
                matcher = _matcher(doc, value, strings)
            check = CheckSpec(kind, None, matcher, doc.location(key))  # type: ignore[arg-type]
        entries[(kind, "")] = (check, placeholder_uses(doc, "assert", strings))
    return entries


def check_jsonpath(doc: Document, expression: str, node: Node) -> None:
    """Compile a JSONPath now, so a typo is a load error (later uses hit the cache)."""
    if has_placeholder(expression):
        return  # compiled once rendered
    try:
        compile_path(expression)
    except JsonPathError as exc:
        hint = None
        if not expression.lstrip().startswith("$"):
            hint = f"a JSONPath starts with $: write $.{expression.lstrip('.')}"
        doc.fail(str(exc), node, hint=hint)


def check_regex(doc: Document, pattern: str, node: Node) -> None:
    """Compile a regex now; an error points at the offending character when it can."""
    if has_placeholder(pattern):
        return
    try:
        with warnings.catch_warnings():
            # "possible nested set" and the like: valid today, so not an error here
            warnings.simplefilter("ignore")
            re.compile(pattern)
    except (OverflowError, RecursionError) as exc:
        raise LoadError(
            f"regex '{pattern}' is too large: {exc}", location=doc.location(node)
        ) from None
    except re.error as exc:
        position = exc.pos or 0
        location = doc.location(node)
        style = getattr(node, "style", None)
        if node.start_mark.line == node.end_mark.line and style in (None, "'", '"'):
            shift = 0 if style is None else 1
            location = SourceLocation(
                doc.file, location.line, location.column + shift + position, 1
            )
        raise LoadError(
            f"invalid regex '{pattern}': {exc.msg} at position {position}",
            location=location,
            hint="regexes use Python's re syntax; write them in single quotes",
        ) from None


def _status(doc: Document, node: Node, strings: list[tuple[str, Node]]) -> Matcher:
    hint = "write an int (200), a class (2xx), a list ([200, 201]) or a matcher ({gte: 200})"
    if isinstance(node, MappingNode):
        matcher = _matcher(doc, node, strings)
        if matcher.implicit:
            doc.fail("'status' mapping is not a matcher", node, hint=hint)
        return matcher
    items = node.value if isinstance(node, SequenceNode) else [node]
    if not items:
        doc.fail("'status' is an empty list", node, hint=hint)
    allowed: list[int | str] = []
    for item in items:
        if isinstance(item, ScalarNode) and item.tag == INT:
            allowed.append(
                nodes.integer(doc, item, "status", minimum=MIN_STATUS, maximum=MAX_STATUS)
            )
            continue
        if isinstance(item, ScalarNode) and item.tag == STR:
            text = item.value
            if STATUS_CLASS.fullmatch(text):
                allowed.append(text.lower())
                continue
            if parse_int(text.strip()) is not None:
                doc.fail(
                    f"status '{text}' is quoted text, not a number",
                    item,
                    hint=f"write {text.strip()} without quotes",
                )
            if find_placeholders(text):
                strings.append((text, item))
                allowed.append(text)
                continue
        doc.fail(f"invalid status {describe(item)}", item, hint=hint)
    return Matcher((("status", tuple(allowed)),), implicit=True)


def _needs_matcher(
    doc: Document, node: Node, strings: list[tuple[str, Node]], kind: str
) -> Matcher:
    """``time_ms``, ``time_to_first_event_ms`` and ``events`` take a matcher, never a bare value."""
    matcher = _matcher(doc, node, strings)
    if matcher.implicit:
        if kind == "events":
            count = node.value if isinstance(node, ScalarNode) and node.tag == INT else "{gte: 1}"
            hint = f"write events: {{length: {count}}}"
        else:
            limit = node.value if isinstance(node, ScalarNode) and node.tag == INT else "500"
            hint = f"write {{lt: {limit}}}"
        doc.fail(f"'{kind}' needs a matcher, not a bare value", node, hint=hint)
    return matcher


def _matcher(doc: Document, node: Node, strings: list[tuple[str, Node]]) -> Matcher:
    """A mapping of operators, or any other value as a literal (FORMAT.md 1.3 Matchers)."""
    if isinstance(node, MappingNode):
        entries = nodes.pairs(doc, node, skip_x=False)
        operators = [entry for entry in entries if entry[0] in OPERATORS]
        if entries and len(operators) == len(entries):
            return Matcher(
                tuple((name, _argument(doc, name, value, strings)) for name, _key, value in entries)
            )
        literal_hint = "to compare with a literal mapping use {eq: {...}}"
        if operators:
            other = next(entry for entry in entries if entry[0] not in OPERATORS)
            close = closest(other[0], OPERATORS)
            doc.fail(
                f"a matcher mixes operators ({', '.join(op for op, _, _ in operators)}) "
                f"with other keys ('{other[0]}')",
                other[1],
                hint=(f"did you mean '{close}'? " if close else "")
                + f"A matcher takes only operators; {literal_hint}",
            )
        if len(entries) == 1:
            close_matches = difflib.get_close_matches(entries[0][0], OPERATORS, 1, 0.75)
            if close_matches:
                doc.fail(
                    f"unknown operator '{entries[0][0]}'",
                    entries[0][1],
                    hint=f"did you mean '{close_matches[0]}'? To compare with a literal "
                    "mapping use {eq: {...}}",
                )
    return Matcher.equals(nodes.data(doc, node, strings))


def _argument(doc: Document, operator: str, node: Node, strings: list[tuple[str, Node]]) -> Any:
    """An operator's argument, checked by operator; placeholders pass as written."""
    if operator == "each":
        return _matcher(doc, node, strings)
    if operator == "length":
        if isinstance(node, MappingNode):
            nested = _matcher(doc, node, strings)
            if not nested.implicit:
                return nested
        elif isinstance(node, ScalarNode) and node.tag == INT:
            return Matcher.equals(nodes.integer(doc, node, "length", minimum=0))
        elif isinstance(node, ScalarNode) and node.tag == STR and has_placeholder(node.value):
            return nodes.data(doc, node, strings)
        doc.fail(
            f"'length' takes an int or a matcher, got {describe(node)}",
            node,
            hint="write length: 3 or length: {gte: 1}",
        )
    value = nodes.data(doc, node, strings)
    if has_placeholder(value):
        return value
    problem: str | None = None
    hint: str | None = None
    if operator == "matches":
        if not isinstance(value, str):
            problem, hint = "a regex (text)", "write matches: '^\\d+$' in single quotes"
        else:
            check_regex(doc, value, node)
    elif operator in ("exists", "empty"):
        if not isinstance(value, bool):
            problem, hint = "true or false", f"write {operator}: true or {operator}: false"
    elif operator == "type":
        if value not in TYPE_NAMES:
            close = closest(str(value), TYPE_NAMES)
            problem = f"one of {', '.join(TYPE_NAMES)}"
            hint = f"did you mean '{close}'?" if close else None
    elif operator in ("in", "not_in"):
        if not isinstance(value, list):
            problem, hint = "a list", f"write {operator}: [a, b]"
    elif operator in ("gt", "gte", "lt", "lte"):
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            problem = "a number or text"
    elif operator in ("starts_with", "ends_with") and (
        value is None or not isinstance(value, (str, int, float, bool))
    ):
        problem = "text"
    if problem is not None:
        doc.fail(f"'{operator}' takes {problem}, got {describe(node)}", node, hint=hint)
    return value
