"""Request headers and query parameters (FORMAT.md 1): names checked, values as text."""

from __future__ import annotations

from typing import Any

from runner.loader import nodes
from runner.loader.document import Document
from runner.loader.keys import HTTP_TOKEN
from runner.loader.placeholders import Uses, has_placeholder, placeholder_uses
from runner.loader.pyyaml import Node, SequenceNode


def build_headers(doc: Document, node: Node) -> dict[str, tuple[str, str, Uses]]:
    """``headers``: lowercase name -> (name as written, text, uses); names ignore case."""
    mapping = nodes.mapping(doc, node, "headers", hint="write headers: {Name: value}")
    result: dict[str, tuple[str, str, Uses]] = {}
    for name, key, value in nodes.pairs(doc, mapping, skip_x=False):
        strings: list[tuple[str, Node]] = [(name, key)]
        if not HTTP_TOKEN.fullmatch(name) and not has_placeholder(name):
            doc.fail(f"invalid header name '{name}'", key, hint="a header name is one word")
        lowered = name.lower()
        if lowered in result:
            doc.fail(
                f"header '{name}' is given twice (header names ignore case)",
                key,
                hint=f"keep one of '{result[lowered][0]}' and '{name}'",
            )
        text = nodes.text(doc, value, f"header {name}", strings)
        result[lowered] = (name, text, placeholder_uses(doc, "headers", strings))
    return result


def build_params(doc: Document, node: Node) -> dict[str, tuple[Any, Uses]]:
    """``params``: name -> (text, or a list of texts, uses)."""
    mapping = nodes.mapping(doc, node, "params", hint="write params: {name: value}")
    result: dict[str, tuple[Any, Uses]] = {}
    for name, key, value in nodes.pairs(doc, mapping, skip_x=False):
        strings: list[tuple[str, Node]] = []
        text = param_value(doc, key, value, name, strings)
        result[name] = (text, placeholder_uses(doc, "params", strings))
    return result


def param_value(
    doc: Document, key: Node, node: Node, name: str, strings: list[tuple[str, Node]]
) -> Any:
    """A query or form value: text, or a list of texts that repeats the key."""
    strings.append((name, key))
    if isinstance(node, SequenceNode):
        return [nodes.text(doc, item, name, strings) for item in node.value]
    return nodes.text(doc, node, name, strings)
