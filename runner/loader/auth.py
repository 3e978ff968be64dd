"""``auth`` (FORMAT.md 1.7): ``none`` or one kind (bearer, basic, apikey, digest, oauth2, and
oauth1 / awsv4, signed with optional extras) with its keys."""

from __future__ import annotations

from typing import Any

from runner.loader import nodes
from runner.loader.coreschema import STR
from runner.loader.document import Document
from runner.loader.keys import AUTH_KEYS, AUTH_KINDS
from runner.loader.placeholders import Uses, placeholder_uses
from runner.loader.pyyaml import Node, ScalarNode
from runner.loader.wording import closest
from runner.model import AuthSpec


def build_auth(doc: Document, node: Node) -> tuple[AuthSpec, Uses] | None:
    """``none`` or a one-key mapping (FORMAT.md 1.7)."""
    hint = "write auth: none, or {bearer: token}, {basic: {...}}, {apikey: {...}}, ..."
    if isinstance(node, ScalarNode) and node.tag == STR:
        if node.value == "none":
            return None
        doc.fail(f"unknown auth '{node.value}'", node, hint=hint)
    mapping = nodes.mapping(doc, node, "auth", hint=hint)
    entries = nodes.pairs(doc, mapping, skip_x=True)
    if len(entries) != 1:
        doc.fail(f"'auth' needs exactly one kind, got {len(entries)}", node, hint=hint)
    kind, key, value = entries[0]
    if kind not in AUTH_KINDS:
        close = closest(kind, AUTH_KINDS)
        doc.fail(
            f"unknown auth kind '{kind}'",
            key,
            hint=f"did you mean '{close}'?" if close else f"use {', '.join(AUTH_KINDS)}",
        )
    strings: list[tuple[str, Node]] = []
    params: Any
    if kind == "bearer":
        params = nodes.text(doc, value, "bearer", strings)
    elif kind == "apikey":
        params = _apikey(doc, value, strings)
    else:
        required, optional = AUTH_KEYS[kind]
        fields = nodes.object_keys(doc, value, f"auth {kind}", (*required, *optional), label=kind)
        for needed in required:
            if needed not in fields:
                doc.fail(
                    f"auth {kind} needs '{needed}'",
                    value,
                    hint=f"{kind} takes {', '.join((*required, *optional))}",
                    length=1,
                )
        params = {
            name: nodes.text(doc, field_value, name, strings)
            for name, (_, field_value) in fields.items()
        }
    spec = AuthSpec(kind, params, doc.location(key))
    return spec, placeholder_uses(doc, "auth", strings)


def _apikey(doc: Document, node: Node, strings: list[tuple[str, Node]]) -> dict[str, str]:
    fields = nodes.object_keys(
        doc, node, "auth apikey", ("header", "query", "value"), label="apikey"
    )
    hint = "write {apikey: {header: X-API-Key, value: ...}} or {apikey: {query: k, value: ...}}"
    places = [name for name in ("header", "query") if name in fields]
    if len(places) != 1 or "value" not in fields:
        doc.fail("auth apikey needs 'value' and one of 'header' or 'query'", node, hint=hint)
    return {name: nodes.text(doc, value, name, strings) for name, (_, value) in fields.items()}
