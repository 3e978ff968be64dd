"""Typed access to the nodes of a document, every failure a LoadError at the node.

Mappings (merge keys applied, duplicate keys refused, ``x-`` keys skipped where the format
defines the keys), the keys of an object the format defines, lists, and scalars by their core
schema tag: plain data, text as written, strings, numbers, booleans.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NoReturn

from runner.loader.coreschema import (
    BOOL,
    BOOL_RE,
    FLOAT,
    INT,
    MERGE,
    NULL,
    NULL_RE,
    STR,
    parse_float,
    parse_int,
)
from runner.loader.document import Document
from runner.loader.pyyaml import MappingNode, Node, ScalarNode, SequenceNode
from runner.loader.wording import closest, describe

_MAX_NUMBER_DIGITS = 1000

Pair = tuple[str, Node, Node]


def pairs(doc: Document, node: MappingNode, *, skip_x: bool) -> list[Pair]:
    """The entries of a mapping: merge keys applied, duplicates refused, ``x-`` optional.

    Merged entries sit where the ``<<`` key is written; keys written in the mapping win over
    merged ones, and an earlier merge source wins over a later one (YAML 1.1 merge).
    """
    explicit: dict[str, Node] = {}
    merge_key: Node | None = None
    result: list[Pair] = []
    for key, value in node.value:
        if key.tag == MERGE:
            if merge_key is not None:
                duplicate_key(doc, "<<", merge_key, key)
            merge_key = key
            continue
        text = key.value if isinstance(key, ScalarNode) else key_text(doc, key)
        if text in explicit:
            duplicate_key(doc, text, explicit[text], key)
        explicit[text] = key
        if not (skip_x and text.startswith("x-")):
            result.append((text, key, value))
    if merge_key is None:
        return result  # the usual case: one pass
    result = []
    seen = set(explicit)
    for key, value in node.value:
        if key.tag != MERGE:
            text = key_text(doc, key)
            if not (skip_x and text.startswith("x-")):
                result.append((text, key, value))
            continue
        for source in merge_sources(doc, value):
            for text, inner_key, inner_value in pairs(doc, source, skip_x=skip_x):
                if text not in seen:
                    seen.add(text)
                    result.append((text, inner_key, inner_value))
    return result


def merge_sources(doc: Document, node: Node) -> list[MappingNode]:
    if isinstance(node, MappingNode):
        return [node]
    if isinstance(node, SequenceNode) and all(isinstance(n, MappingNode) for n in node.value):
        return list(node.value)
    doc.fail(
        f"a merge key '<<' takes a mapping, got {describe(node)}",
        node,
        hint="write <<: *name or <<: [*a, *b], where &name marks a mapping",
    )


def duplicate_key(doc: Document, text: str, first: Node, second: Node) -> NoReturn:
    first_line = first.start_mark.line + 1
    doc.fail(
        f"duplicate key '{text}': first at line {first_line}, again at line "
        f"{second.start_mark.line + 1}",
        second,
        hint="a key may appear once in a mapping: remove or rename one of them",
    )


def key_text(doc: Document, key: Node) -> str:
    if not isinstance(key, ScalarNode):
        doc.fail(f"a key must be text, got {describe(key)}", key)
    return str(key.value)


def mapping(doc: Document, node: Node, what: str, *, hint: str | None = None) -> MappingNode:
    if not isinstance(node, MappingNode):
        doc.fail(f"'{what}' must be a mapping, got {describe(node)}", node, hint=hint)
    return node


def sequence(doc: Document, node: Node, what: str, *, hint: str | None = None) -> SequenceNode:
    if not isinstance(node, SequenceNode):
        doc.fail(f"'{what}' must be a list, got {describe(node)}", node, hint=hint)
    return node


def object_keys(
    doc: Document,
    node: Node,
    what: str,
    allowed: Sequence[str],
    *,
    suggest: Sequence[str] = (),
    label: str | None = None,
    entries: list[Pair] | None = None,
) -> dict[str, tuple[Node, Node]]:
    """The keys of an object the format defines; unknown keys are errors with a hint.

    ``entries`` are the mapping's pairs (``skip_x``) when the caller has them already.
    """
    checked = mapping(doc, node, label or what)
    found: dict[str, tuple[Node, Node]] = {}
    if entries is None:
        entries = pairs(doc, checked, skip_x=True)
    for text, key, value in entries:
        if text not in allowed:
            close = closest(text, (*allowed, *suggest))
            hint = f"did you mean '{close}'?" if close else f"allowed keys: {', '.join(allowed)}"
            doc.fail(f"unknown key '{text}' in {what}", key, hint=hint)
        found[text] = (key, value)
    return found


def scalar(doc: Document, node: ScalarNode) -> Any:
    """The value of a scalar by its (core schema) tag."""
    tag, text = node.tag, node.value
    if tag in (STR, MERGE):  # a ``<<`` that is not a key is the text "<<"
        return text
    if tag == NULL:
        if not NULL_RE.match(text):
            doc.fail(f"'{text}' is not a null", node, hint="write null, ~ or nothing")
        return None
    if tag == BOOL:
        if not BOOL_RE.match(text):
            doc.fail(f"'{text}' is not a boolean", node, hint="write true or false")
        return text.lower() == "true"
    if tag == INT:
        if len(text) > _MAX_NUMBER_DIGITS:  # int() refuses longer ones; no API needs them
            doc.fail(f"a number of {len(text)} digits is too long", node, length=1)
        number = parse_int(text)
        if number is None:
            doc.fail(f"'{text}' is not an integer", node)
        return number
    if tag == FLOAT:
        value = parse_float(text)
        if value is None:
            doc.fail(f"'{text}' is not a number", node)
        return value
    doc.unknown_tag(node)


def data(doc: Document, node: Node, strings: list[tuple[str, Node]] | None = None) -> Any:
    """A node as plain data (dict, list, str, int, float, bool, None); keys are text.

    ``strings`` collects every text value and key with its node, for placeholders.
    """
    doc.budget -= 1
    if doc.budget < 0:
        doc.fail(
            "the document is too large once its aliases are expanded",
            node,
            hint="use fewer nested aliases",
        )
    if isinstance(node, ScalarNode):
        value = scalar(doc, node)
        if strings is not None and isinstance(value, str):
            strings.append((value, node))
        return value
    if isinstance(node, SequenceNode):
        return [data(doc, item, strings) for item in node.value]
    if isinstance(node, MappingNode):
        result: dict[str, Any] = {}
        for text, key, value in pairs(doc, node, skip_x=False):
            if strings is not None:
                strings.append((text, key))
            result[text] = data(doc, value, strings)
        return result
    doc.fail("unsupported YAML node", node)


def text(
    doc: Document, node: Node, what: str, strings: list[tuple[str, Node]] | None = None
) -> str:
    """Text as written: numbers and booleans keep their YAML spelling (``1.0`` is "1.0")."""
    if not isinstance(node, ScalarNode) or node.tag == NULL:
        hint = "write '' for an empty value" if isinstance(node, ScalarNode) else None
        name = postman_braces(node)
        if name is not None:
            hint = f"Postman's {{{{{name}}}}} is written <<{name}>> in postrun"
        doc.fail(f"'{what}' must be text, got {describe(node)}", node, hint=hint)
    scalar(doc, node)  # validates explicitly tagged values such as ``!!int abc``
    text = str(node.value)
    if strings is not None:
        strings.append((text, node))
    return text


def postman_braces(node: Node) -> str | None:
    """The name in an unquoted ``{{name}}``, which YAML reads as a mapping in a mapping."""
    if not isinstance(node, MappingNode) or len(node.value) != 1:
        return None
    inner = node.value[0][0]
    if not isinstance(inner, MappingNode) or len(inner.value) != 1:
        return None
    key = inner.value[0][0]
    return str(key.value) if isinstance(key, ScalarNode) else None


def string(doc: Document, node: Node, what: str, *, hint: str | None = None) -> str:
    """A value that must be a YAML string (not a number or boolean)."""
    if not isinstance(node, ScalarNode) or node.tag != STR:
        doc.fail(f"'{what}' must be text, got {describe(node)}", node, hint=hint)
    return str(node.value)


def integer(
    doc: Document, node: Node, what: str, *, minimum: int | None = None, maximum: int | None = None
) -> int:
    if not isinstance(node, ScalarNode) or node.tag != INT:
        hint = None
        if isinstance(node, ScalarNode) and node.tag == STR and parse_int(node.value):
            hint = f"write {node.value} without quotes"
        doc.fail(f"'{what}' must be an integer, got {describe(node)}", node, hint=hint)
    value: int = scalar(doc, node)
    check_range(doc, node, what, value, minimum, maximum)
    return value


def number(
    doc: Document, node: Node, what: str, *, minimum: float = 0, strict: bool = False
) -> Any:
    """An int or float; ``strict`` means it must be greater than ``minimum``."""
    if not isinstance(node, ScalarNode) or node.tag not in (INT, FLOAT):
        hint = None
        if isinstance(node, ScalarNode) and node.tag == STR and parse_float(node.value):
            hint = f"write {node.value} without quotes"
        doc.fail(f"'{what}' must be a number, got {describe(node)}", node, hint=hint)
    value = scalar(doc, node)
    if value != value or value in (float("inf"), float("-inf")):
        doc.fail(f"'{what}' must be a finite number, got {node.value}", node)
    if (strict and value <= minimum) or value < minimum:
        relation = "greater than" if strict else "at least"
        doc.fail(f"'{what}' must be {relation} {minimum}, got {node.value}", node)
    return value


def check_range(
    doc: Document, node: Node, what: str, value: int, minimum: int | None, maximum: int | None
) -> None:
    if minimum is not None and value < minimum:
        doc.fail(f"'{what}' must be at least {minimum}, got {value}", node)
    if maximum is not None and value > maximum:
        doc.fail(f"'{what}' must be at most {maximum}, got {value}", node)


def boolean(doc: Document, node: Node, what: str) -> bool:
    if not isinstance(node, ScalarNode) or node.tag != BOOL:
        hint = "write true or false"
        if isinstance(node, ScalarNode) and node.value.lower() in ("yes", "no", "on", "off"):
            hint = f"write true or false ('{node.value}' is text in YAML 1.2)"
        doc.fail(f"'{what}' must be true or false, got {describe(node)}", node, hint=hint)
    value: bool = scalar(doc, node)
    return value
