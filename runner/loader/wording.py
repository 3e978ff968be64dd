"""How loader messages name what a node holds, shorten long text and suggest a near miss."""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from runner.loader.coreschema import BOOL, FLOAT, INT, NULL
from runner.loader.pyyaml import MappingNode, Node, SequenceNode


def describe(node: Node) -> str:
    """What a node holds, for 'expected X, got Y' messages."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return {
        NULL: "null",
        BOOL: "a boolean",
        INT: "a number",
        FLOAT: "a number",
    }.get(node.tag, f"text '{shorten(node.value)}'")


def shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def closest(word: str, choices: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(word, choices, n=1)
    return close[0] if close else None
