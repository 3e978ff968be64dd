"""``examples`` (FORMAT.md 1.5): saved responses for ``--mock``."""

from __future__ import annotations

from typing import Any

from runner.loader import nodes, sections
from runner.loader.coreschema import NULL
from runner.loader.document import Document
from runner.loader.keys import EXAMPLE_KEYS, MAX_STATUS, MIN_STATUS
from runner.loader.placeholders import Uses, placeholder_uses
from runner.loader.pyyaml import MappingNode, Node, ScalarNode, SequenceNode
from runner.loader.streams import build_events
from runner.model import ExampleEvent, ExampleSpec


def build_examples(doc: Document, node: Node) -> tuple[tuple[ExampleSpec, ...], Uses]:
    """``examples``: ExampleSpecs (a mapping or list body implies JSON), with their uses."""
    sequence = nodes.sequence(
        doc, node, "examples", hint="write examples: followed by '- name: ...'"
    )
    strings: list[tuple[str, Node]] = []
    result: list[ExampleSpec] = []
    names: dict[str, Node] = {}
    for item in sequence.value:
        keys = nodes.object_keys(doc, item, "example", EXAMPLE_KEYS)
        if "name" not in keys:
            doc.fail("an example needs a 'name'", item, hint="add name: ...", length=1)
        name_node = keys["name"][1]
        name = nodes.text(doc, name_node, "name")
        if name in names:
            first = names[name].start_mark.line + 1
            doc.fail(f"duplicate example name '{name}' (first at line {first})", name_node)
        names[name] = name_node
        status = 200
        if "status" in keys:
            status = nodes.integer(
                doc, keys["status"][1], "status", minimum=MIN_STATUS, maximum=MAX_STATUS
            )
        headers: dict[str, str] = {}
        if "headers" in keys:
            headers = _example_headers(doc, keys["headers"][1], strings)
        body: Any = ""
        if "body" in keys:
            body = _example_body(doc, keys["body"][1], strings)
        events: tuple[ExampleEvent, ...] | None = None
        if "events" in keys:
            if "body" in keys:
                doc.fail(
                    "an example has either 'body' or 'events', not both",
                    keys["events"][0],
                    hint="events: is a stream (text/event-stream); body: is any other response",
                )
            events = build_events(doc, keys["events"][1], strings)
        implied = "text/event-stream" if events is not None else None
        if isinstance(body, (dict, list)):
            implied = "application/json"
        if implied and not any(header.lower() == "content-type" for header in headers):
            headers["Content-Type"] = implied
        result.append(
            ExampleSpec(
                name=name,
                status=status,
                headers=headers,
                body=body,
                location=doc.location(item, length=1),
                description=sections.description(doc, keys.get("description")),
                events=events,
            )
        )
    return tuple(result), placeholder_uses(doc, "examples", strings)


def _example_headers(doc: Document, node: Node, strings: list[tuple[str, Node]]) -> dict[str, str]:
    mapping = nodes.mapping(doc, node, "headers", hint="write headers: {Name: value}")
    headers: dict[str, str] = {}
    for name, key, value in nodes.pairs(doc, mapping, skip_x=False):
        strings.append((name, key))
        headers[name] = nodes.text(doc, value, f"header {name}", strings)
    return headers


def _example_body(doc: Document, node: Node, strings: list[tuple[str, Node]]) -> Any:
    if isinstance(node, (MappingNode, SequenceNode)):
        return nodes.data(doc, node, strings)
    if isinstance(node, ScalarNode) and node.tag == NULL:
        return ""
    return nodes.text(doc, node, "body", strings)
