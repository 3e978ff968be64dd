"""``body`` (FORMAT.md 1.2): exactly one of json, raw, form, multipart, file or graphql."""

from __future__ import annotations

from typing import Any

from runner.loader import nodes
from runner.loader.document import Document
from runner.loader.headers import param_value
from runner.loader.paths import file_path
from runner.loader.placeholders import Uses, placeholder_uses
from runner.loader.pyyaml import MappingNode, Node
from runner.loader.wording import closest
from runner.model import BODY_KINDS, BodySpec


def build_body(doc: Document, node: Node) -> tuple[BodySpec, Uses]:
    """``body``: its one kind and value, with the placeholders it uses."""
    kinds = ", ".join(BODY_KINDS)
    mapping = nodes.mapping(doc, node, "body", hint=f"write body: followed by one of {kinds}")
    entries = nodes.pairs(doc, mapping, skip_x=True)
    for text, key, _ in entries:
        if text not in BODY_KINDS:
            close = closest(text, BODY_KINDS)
            hint = f"did you mean '{close}'?" if close else f"a body is one of {kinds}"
            doc.fail(f"unknown body kind '{text}'", key, hint=hint)
    if not entries:
        doc.fail("'body' is empty", node, hint=f"write one of {kinds}")
    if len(entries) > 1:
        doc.fail(
            f"'body' has two kinds: '{entries[0][0]}' and '{entries[1][0]}'",
            entries[1][1],
            hint="a request sends one body: keep one of them",
        )
    kind, key, value_node = entries[0]
    strings: list[tuple[str, Node]] = []
    value: Any
    if kind == "json":
        value = nodes.data(doc, value_node, strings)
    elif kind == "raw":
        value = nodes.text(doc, value_node, "raw", strings)
    elif kind == "form":
        mapping = nodes.mapping(doc, value_node, "form", hint="write form: {name: value}")
        value = {
            name: param_value(doc, part_key, part, name, strings)
            for name, part_key, part in nodes.pairs(doc, mapping, skip_x=False)
        }
    elif kind == "multipart":
        value = _multipart(doc, value_node, strings)
    elif kind == "file":
        value = file_path(doc, value_node, "file")
    else:
        value = _graphql(doc, value_node, strings)
    spec = BodySpec(kind, value, doc.location(key))  # type: ignore[arg-type]
    return spec, placeholder_uses(doc, "body", strings)


def _multipart(doc: Document, node: Node, strings: list[tuple[str, Node]]) -> dict[str, Any]:
    mapping = nodes.mapping(doc, node, "multipart", hint="write multipart: {field: value}")
    parts: dict[str, Any] = {}
    for name, key, value in nodes.pairs(doc, mapping, skip_x=False):
        strings.append((name, key))
        if isinstance(value, MappingNode):
            fields = nodes.object_keys(
                doc, value, f"multipart part '{name}'", ("file", "content_type"), label=name
            )
            if "file" not in fields:
                doc.fail(
                    f"multipart part '{name}' needs 'file'",
                    value,
                    hint="write {file: path, content_type: ...} or a plain value",
                    length=1,
                )
            content_type = None
            if "content_type" in fields:
                content_type = nodes.text(doc, fields["content_type"][1], "content_type", strings)
            parts[name] = {
                "file": file_path(doc, fields["file"][1], "file"),
                "content_type": content_type,
            }
        else:
            parts[name] = nodes.text(doc, value, name, strings)
    return parts


def _graphql(doc: Document, node: Node, strings: list[tuple[str, Node]]) -> dict[str, Any]:
    fields = nodes.object_keys(doc, node, "graphql", ("query", "variables"))
    if "query" not in fields:
        doc.fail("'graphql' needs a 'query'", node, hint="write {query: ..., variables: {}}")
    query = nodes.string(doc, fields["query"][1], "query")
    strings.append((query, fields["query"][1]))
    variables: Any = {}
    if "variables" in fields:
        variables_node = nodes.mapping(doc, fields["variables"][1], "variables")
        variables = nodes.data(doc, variables_node, strings)
    return {"query": query, "variables": variables}
