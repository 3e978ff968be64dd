"""Placeholders (FORMAT.md 1.1) in the text of a document: each use recorded with the place it
is written, so an undefined variable is reported where it is used; unknown dynamic values
(``<<$nope>>``) are load errors."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from runner.errors import LoadError
from runner.loader.document import Document
from runner.loader.pyyaml import Node
from runner.loader.wording import closest
from runner.model import PlaceholderUse
from runner.source import SourceLocation
from runner.templating import DYNAMIC_NAMES, find_placeholders

# Finds placeholders (and ``\<<`` escapes) in the raw source of a scalar, to point at each one.
_PLACEHOLDER_SOURCE = re.compile(r"\\<<|<<[ \t]*(\$?[A-Za-z0-9_.\-]+)[ \t]*>>")

Uses = tuple[PlaceholderUse, ...]


def has_placeholder(value: Any) -> bool:
    return isinstance(value, str) and bool(find_placeholders(value))


def placeholder_uses(doc: Document, field_name: str, strings: Sequence[tuple[str, Node]]) -> Uses:
    """A PlaceholderUse for each placeholder in ``strings``, pointing at the placeholder."""
    uses: list[PlaceholderUse] = []
    for text, node in strings:
        names = find_placeholders(text)
        if not names:
            continue
        spots = _placeholder_spots(doc, node)
        for name in names:
            location = spots.get(name)
            spot = location.pop(0) if location else doc.location(node)
            if name.startswith("$") and name not in DYNAMIC_NAMES:
                close = closest(name, sorted(DYNAMIC_NAMES))
                known = ", ".join(f"<<{item}>>" for item in sorted(DYNAMIC_NAMES))
                hint = f"did you mean '<<{close}>>'? " if close else ""
                raise LoadError(
                    f"unknown dynamic value '<<{name}>>'",
                    location=spot,
                    hint=f"{hint}dynamic values are {known}",
                )
            uses.append(PlaceholderUse(name, field_name, spot))
    return tuple(uses)


def _placeholder_spots(doc: Document, node: Node) -> dict[str, list[SourceLocation]]:
    """Where each placeholder of a scalar is in the source text, in order."""
    start, end = node.start_mark, node.end_mark
    raw = doc.text_source[start.index : end.index]
    spots: dict[str, list[SourceLocation]] = {}
    for match in _PLACEHOLDER_SOURCE.finditer(raw):
        name = match.group(1)
        if name is None:
            continue
        offset = match.start()
        newline = raw.rfind("\n", 0, offset)
        line = start.line + raw.count("\n", 0, offset) + 1
        column = start.column + offset + 1 if newline < 0 else offset - newline
        length = match.end() - match.start()
        spots.setdefault(name, []).append(SourceLocation(doc.file, line, column, length))
    return spots
