"""Paths a collection names (FORMAT.md 1.2): relative to the collection file's folder, and
kept inside the working directory unless ``--allow-outside``."""

from __future__ import annotations

from pathlib import Path

from runner.loader import nodes
from runner.loader.document import Document
from runner.loader.pyyaml import Node

OUTSIDE_HINT = (
    "a collection may only read files inside the working directory; "
    "pass --allow-outside to allow it"
)


def outside(doc: Document, resolved: Path) -> bool:
    """Whether a resolved path is one the collection may not read (without --allow-outside)."""
    return not doc.allow_outside and not resolved.is_relative_to(doc.base_dir)


def file_path(doc: Document, node: Node, what: str) -> str:
    """A path relative to this file, which must exist and stay inside ``base_dir``."""
    written = nodes.string(doc, node, what)
    if not written:
        doc.fail(f"'{what}' is empty", node)
    candidate = Path(written)
    try:
        resolved = (candidate if candidate.is_absolute() else doc.folder / candidate).resolve()
    except (OSError, ValueError) as exc:  # a NUL byte, a symlink loop ...
        doc.fail(f"'{what}' path '{written}' is not usable: {exc}", node)
    if outside(doc, resolved):
        doc.fail(
            f"'{what}' path '{written}' is outside the working directory ({doc.base_dir})",
            node,
            hint=OUTSIDE_HINT,
        )
    if not resolved.exists():
        doc.fail(
            f"'{what}' path '{written}' does not exist",
            node,
            hint=f"paths are relative to the collection file's folder ({doc.folder})",
        )
    if resolved.is_dir():
        doc.fail(f"'{what}' path '{written}' is a directory, not a file", node)
    return str(resolved)


def local_path(doc: Document, written: str) -> str:
    """A path for the TLS layer, relative to the collection file (checked when sending)."""
    path = Path(written)
    return str(path if path.is_absolute() else doc.folder / path)
