"""One parsed file: its text, its root node, where the paths it names may point, and errors
located in it (``fail``). Unknown tags and recursive aliases are refused once, before anything is
converted, and a budget bounds what aliases can expand to. Typed access to the nodes is in
``nodes``; the format's shared parts in ``placeholders``, ``sections`` and ``paths``."""

from __future__ import annotations

import math
from pathlib import Path
from typing import NoReturn

from runner.errors import LoadError
from runner.loader.coreschema import KNOWN_TAGS
from runner.loader.pyyaml import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    compose_document,
    quoted_example,
    read_text,
)
from runner.loader.streaming import Items, compose_streamed
from runner.loader.wording import describe
from runner.source import SourceLocation, location_from_mark

# Values converted per file, at most: a base plus so many per node written. Aliases may repeat a
# node, but a YAML "billion laughs" of nested aliases stops here.
_NODE_BUDGET_BASE = 100_000
_NODE_BUDGET_PER_NODE = 20


def _may_hold_tags(text: str) -> bool:
    """Whether a `!` stands where a tag (`!name`, `!!str`) can start: after a space, a flow
    indicator or at a line start. A `!` inside words ("Hello!") cannot."""
    index = text.find("!")  # found in C; a regex with a look-behind would visit every character
    while index >= 0:
        if index == 0 or text[index - 1] in " \t\r\n[{,:?-":
            return True
        index = text.find("!", index + 1)
    return False


class Document:
    """One parsed file: its source text, root node and where paths it names may point."""

    def __init__(
        self,
        path: Path,
        text: str,
        root: Node | None,
        *,
        base_dir: Path | None,
        allow_outside: bool,
    ) -> None:
        self.path = path
        self.file = str(path)
        self.text_source = text
        self.root = root
        self.folder = path.parent.resolve()
        self.base_dir = (base_dir if base_dir is not None else Path.cwd()).resolve()
        self.allow_outside = allow_outside
        # What is worked out once per file, however many requests need it: the schema files a
        # schema's $ref lead to (runner/loader/schemas.py).
        self.memo: dict[object, object] = {}
        # Without an anchor there is no alias: no node can repeat or contain itself, and none is
        # converted twice, so there is no budget to keep. Without a `!` where a tag can start,
        # every tag is one the resolver gave, so there is nothing to check either.
        self.has_anchors = "&" in text
        self.has_tags = _may_hold_tags(text)
        self.budget: float = _NODE_BUDGET_BASE if self.has_anchors else math.inf

    # ------------------------------------------------------------------ reading and checking

    @classmethod
    @classmethod
    def read(
        cls, path: Path, *, base_dir: Path | None, allow_outside: bool, text: str | None = None
    ) -> Document:
        """Read, decode and compose ``path``; every failure becomes a located LoadError."""
        file = str(path)
        if text is None:
            text = read_text(path)
        root = compose_document(file, text)
        document = cls(path, text, root, base_dir=base_dir, allow_outside=allow_outside)
        if root is not None:
            document.check_and_count(root)
        return document

    @classmethod
    def streamed(
        cls, path: Path, text: str, base_dir: Path | None, allow_outside: bool
    ) -> Document | None:
        """A document whose top-level ``requests`` list is composed item by item, or None.

        Only when ``requests`` is the last top-level key (the usual layout); otherwise, and on
        any YAML error, iterating raises NotStreamable or YAMLError and the caller reads the
        file whole.
        """
        root = compose_streamed(text)
        if root is None:
            return None
        document = cls(path, text, root, base_dir=base_dir, allow_outside=allow_outside)
        document.check_and_count(root)
        requests = next((value for key, value in root.value if isinstance(value, Items)), None)
        if requests is not None:
            requests.on_item = document.check_and_count
        return document

    def check_and_count(self, node: Node) -> None:
        """Check a tree (or a streamed item) and grow the conversion budget by its size."""
        if self.has_anchors:
            self.budget += _NODE_BUDGET_PER_NODE * self.check_tree(node)
        elif self.has_tags:
            self.check_tree(node)

    def check_tree(self, root: Node) -> int:
        """Reject unknown tags and recursive aliases once, before anything is converted.

        Returns the number of nodes written (an alias counts once).
        """
        if root.tag not in KNOWN_TAGS:
            self.unknown_tag(root)
        if not self.has_anchors:
            return self.check_tags(root)
        done: set[int] = set()
        active: set[int] = set()
        count = 1
        # An explicit stack: deep documents must not hit Python's recursion limit.
        stack: list[tuple[Node, bool]] = [(root, False)]
        while stack:
            node, leaving = stack.pop()
            ident = id(node)
            if leaving:
                active.discard(ident)
                done.add(ident)
                continue
            if ident in active:
                self.fail(
                    "recursive alias: this node contains itself",
                    node,
                    hint="an alias (*name) may not refer to a node that contains it",
                )
            if ident in done or isinstance(node, (ScalarNode, Items)):
                continue  # a streamed list's items are checked as they are composed
            active.add(ident)
            stack.append((node, True))
            if isinstance(node, MappingNode):
                children = [child for pair in node.value for child in pair]
            else:
                children = node.value
            count += len(children)
            nested: list[tuple[Node, bool]] = []
            for child in children:
                if child.tag not in KNOWN_TAGS:
                    self.unknown_tag(child)
                if not isinstance(child, ScalarNode):
                    nested.append((child, False))
            stack.extend(reversed(nested))
        return count

    def check_tags(self, root: Node) -> int:
        """``check_tree`` for a document without anchors, where every node is written once."""
        count = 1
        stack: list[Node] = [root]
        while stack:
            node = stack.pop()
            if isinstance(node, MappingNode):
                children = [child for pair in node.value for child in pair]
            elif isinstance(node, SequenceNode) and not isinstance(node, Items):
                children = node.value
            else:
                continue
            count += len(children)
            for child in children:
                if child.tag not in KNOWN_TAGS:
                    self.unknown_tag(child)
            # Reversed, so the first unknown tag in the text is the one reported.
            stack.extend(child for child in reversed(children) if not isinstance(child, ScalarNode))
        return count

    def unknown_tag(self, node: Node) -> NoReturn:
        example = quoted_example(self.source_line(node.start_mark.line), node.start_mark.column)
        hint = "only the core tags !!str, !!int, !!float, !!bool, !!null, !!map, !!seq exist"
        if example and str(node.tag).startswith("!") and not str(node.tag).startswith("!!"):
            hint = f"a value starting with '!' must be quoted: {example}"
        self.fail(f"unknown tag '{node.tag}'", node, hint=hint)

    def source_line(self, index: int) -> str:
        lines = self.text_source.splitlines()
        return lines[index] if 0 <= index < len(lines) else ""

    def root_mapping(self, what: str) -> MappingNode:
        if self.root is None:
            raise LoadError(
                "the file is empty",
                location=SourceLocation(self.file, 1, 1),
                hint=f"{what} is a YAML mapping (see FORMAT.md)",
            )
        if not isinstance(self.root, MappingNode):
            self.fail(f"{what} must be a mapping at the top level, got {describe(self.root)}")
        return self.root

    # ------------------------------------------------------------------------------ locations

    def location(self, node: Node, length: int | None = None) -> SourceLocation:
        if length is None:
            start, end = node.start_mark, node.end_mark
            same_line = start.line == end.line
            length = max(1, end.column - start.column) if same_line else 1
        return location_from_mark(self.file, node.start_mark, length)

    def fail(
        self,
        message: str,
        node: Node | None = None,
        *,
        hint: str | None = None,
        length: int | None = None,
    ) -> NoReturn:
        target = node if node is not None else self.root
        location = self.location(target, length) if target is not None else None
        raise LoadError(message, location=location, hint=hint)
