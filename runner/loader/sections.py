"""The parts collection and environment files share (FORMAT.md 1 and 2): ``description``,
``variables`` (names checked, values with their YAML types and locations) and ``secrets``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runner.errors import LoadError
from runner.loader import nodes
from runner.loader.coreschema import NULL
from runner.loader.document import Document
from runner.loader.keys import LOAD_KEYS, VARIABLE_NAME
from runner.loader.placeholders import placeholder_uses
from runner.loader.pyyaml import Node, ScalarNode
from runner.model import VariableScope
from runner.source import SourceLocation


def description(doc: Document, entry: tuple[Node, Node] | None) -> str | None:
    if entry is None or (isinstance(entry[1], ScalarNode) and entry[1].tag == NULL):
        return None
    return nodes.text(doc, entry[1], "description")


def variables(doc: Document, entry: tuple[Node, Node] | None, scope_name: str) -> VariableScope:
    """A ``variables`` mapping: names checked, values with their YAML types and locations."""
    if entry is None:
        return VariableScope(scope_name, {})
    mapping = nodes.mapping(doc, entry[1], "variables")
    values: dict[str, Any] = {}
    locations: dict[str, SourceLocation] = {}
    for name, key, value in nodes.pairs(doc, mapping, skip_x=False):
        check_name(doc, name, key, "variable")
        strings: list[tuple[str, Node]] = []
        values[name] = nodes.data(doc, value, strings)
        placeholder_uses(doc, "variables", strings)  # unknown $names are caught here
        locations[name] = doc.location(key)
    return VariableScope(scope_name, values, locations)


def check_name(doc: Document, name: str, node: Node, what: str) -> None:
    if not VARIABLE_NAME.fullmatch(name):
        doc.fail(
            f"invalid {what} name '{name}'",
            node,
            hint="names use letters, digits, '_', '-' and '.'",
        )


def secrets(
    doc: Document, entry: tuple[Node, Node] | None
) -> tuple[tuple[str, ...], dict[str, SourceLocation]]:
    if entry is None:
        return (), {}
    sequence = nodes.sequence(doc, entry[1], "secrets", hint="write secrets: [API_KEY]")
    locations: dict[str, SourceLocation] = {}
    for item in sequence.value:
        name = nodes.string(doc, item, "secret name")
        check_name(doc, name, item, "secret")
        if name in locations:
            doc.fail(f"secret '{name}' is listed twice", item)
        locations[name] = doc.location(item)
    return tuple(locations), locations


def set_by_script(
    doc: Document, entry: tuple[Node, Node] | None, secrets: Mapping[str, SourceLocation]
) -> dict[str, tuple[str, SourceLocation]]:
    """``set_by_script: {name: Request}``: each name with the request or folder named, and where."""
    if entry is None:
        return {}
    hint = "write set_by_script: {session_id: Login} (the request whose script sets it)"
    mapping = nodes.mapping(doc, entry[1], "set_by_script", hint=hint)
    found: dict[str, tuple[str, SourceLocation]] = {}
    for name, key, value in nodes.pairs(doc, mapping, skip_x=False):
        check_name(doc, name, key, "variable")
        if name in secrets:
            doc.fail(
                f"'{name}' is both a secret (declared at line {secrets[name].line}) and set by "
                "a script",
                key,
                hint="remove it from set_by_script: a secret is asked for before anything is sent",
            )
        owner = nodes.text(doc, value, "set_by_script")
        if not owner.strip():
            doc.fail(f"set_by_script '{name}' names no request", value, hint=hint)
        found[name] = (owner, doc.location(key))
    return found


def check_secret_conflicts(
    secrets: Mapping[str, SourceLocation], scopes: Sequence[VariableScope]
) -> None:
    for scope in scopes:
        for name, location in scope.locations.items():
            if name in secrets:
                raise LoadError(
                    f"'{name}' is both a variable ({scope.name}) and a secret "
                    f"(declared at line {secrets[name].line})",
                    location=location,
                    hint="remove it from variables: a secret takes its value from --var, "
                    "the environment or .env",
                )


def load_thresholds(
    doc: Document, entry: tuple[Node, Node] | None
) -> tuple[tuple[str, SourceLocation], ...]:
    """The texts of ``load: {thresholds: [...]}`` with their locations (checked by runner.load)."""
    if entry is None:
        return ()
    hint = "write load: {thresholds: ['p95<500ms', 'errors<1%']}"
    keys = nodes.object_keys(
        doc, nodes.mapping(doc, entry[1], "load", hint=hint), "load", LOAD_KEYS
    )
    if "thresholds" not in keys:
        return ()
    sequence = nodes.sequence(doc, keys["thresholds"][1], "thresholds", hint=hint)
    found = []
    for item in sequence.value:
        text = nodes.string(doc, item, "threshold", hint="quote it: 'p95<500ms'")
        found.append((text, doc.location(item)))
    return tuple(found)
