"""``options`` (FORMAT.md 1.6): timeout, redirects, TLS verify and client cert, proxy, delay,
the response body limit, skip, and ``retries`` (whose ``unless`` is a block of checks)."""

from __future__ import annotations

from typing import Any

from runner.errors import LoadError
from runner.loader import nodes
from runner.loader.assertions import build_checks
from runner.loader.coreschema import BOOL, INT, STR
from runner.loader.document import Document
from runner.loader.keys import MAX_STATUS, MIN_STATUS, OPTION_KEYS, RETRY_KEYS
from runner.loader.paths import local_path
from runner.loader.pyyaml import Node, ScalarNode, SequenceNode
from runner.loader.wording import describe
from runner.model import SIZE_HINT, parse_size


def build_options(doc: Document, node: Node) -> dict[str, Any]:
    """``options``: each value checked as its key takes it."""
    keys = nodes.object_keys(doc, node, "options", OPTION_KEYS)
    result: dict[str, Any] = {}
    for name, (_key, value) in keys.items():
        if name in ("timeout", "idle_timeout"):
            result[name] = nodes.number(doc, value, name, strict=True)
        elif name == "delay_ms":
            result[name] = nodes.number(doc, value, "delay_ms")
        elif name == "follow_redirects":
            result[name] = nodes.boolean(doc, value, name)
        elif name == "verify":
            if isinstance(value, ScalarNode) and value.tag == BOOL:
                result[name] = nodes.boolean(doc, value, name)
            else:
                hint = "write true, false or the path of a CA bundle"
                result[name] = local_path(doc, nodes.string(doc, value, name, hint=hint))
        elif name == "cert":
            result[name] = _cert(doc, value)
        elif name == "max_body":
            result[name] = _size(doc, value, name)
        elif name == "proxy":
            result[name] = nodes.string(doc, value, name)
        elif name == "skip":
            if isinstance(value, ScalarNode) and value.tag == BOOL:
                result[name] = nodes.boolean(doc, value, name)
            else:
                result[name] = nodes.string(doc, value, name, hint="write true or a reason")
        else:
            result[name] = _retries(doc, value)
    return result


def _cert(doc: Document, node: Node) -> str | tuple[str, str]:
    hint = "write cert: client.pem or cert: [client.crt, client.key]"
    if isinstance(node, SequenceNode):
        if len(node.value) != 2:
            doc.fail("'cert' takes a path or a list of two paths", node, hint=hint)
        cert, key = (nodes.string(doc, item, "cert", hint=hint) for item in node.value)
        return local_path(doc, cert), local_path(doc, key)
    return local_path(doc, nodes.string(doc, node, "cert", hint=hint))


def _size(doc: Document, node: Node, what: str) -> int:
    """A size in bytes: an integer, or text such as ``64MiB`` (runner.model.parse_size)."""
    size = None
    if isinstance(node, ScalarNode) and node.tag == INT:
        size = nodes.scalar(doc, node)
    elif isinstance(node, ScalarNode) and node.tag == STR:
        size = parse_size(node.value)
    if size is None:
        doc.fail(
            f"'{what}' must be a size such as 64MiB, got {describe(node)}", node, hint=SIZE_HINT
        )
    if size < 1:
        doc.fail(f"'{what}' must be at least 1 byte, got {node.value}", node, hint=SIZE_HINT)
    return int(size)


def _retries(doc: Document, node: Node) -> dict[str, Any]:
    keys = nodes.object_keys(doc, node, "retries", RETRY_KEYS)
    result: dict[str, Any] = {}
    for name, (_key, value) in keys.items():
        if name == "count":
            result[name] = nodes.integer(doc, value, "count", minimum=0)
        elif name == "on":
            sequence = nodes.sequence(doc, value, "on", hint="write on: [429, 503]")
            result[name] = tuple(
                nodes.integer(doc, item, "status", minimum=MIN_STATUS, maximum=MAX_STATUS)
                for item in sequence.value
            )
        elif name in ("backoff", "max_wait"):
            result[name] = nodes.number(doc, value, name)
        else:
            checks = build_checks(doc, value, "unless")
            for check, _ in checks.values():
                if check.kind == "joined":  # its join path is the request's, not known here
                    raise LoadError(
                        "'joined' cannot be checked in retries.unless",
                        location=check.location,
                        hint="check the joined text in assert; unless can check events",
                    )
            result[name] = tuple(check for check, _ in checks.values())
    return result
