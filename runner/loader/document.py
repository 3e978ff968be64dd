"""One parsed file: its text, its root node, where paths it names may point, and every error
located in it. Unknown tags and recursive aliases are refused once, before anything is
converted; a budget bounds what aliases can expand to."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NoReturn

from runner.errors import LoadError
from runner.loader.coreschema import (
    BOOL,
    BOOL_RE,
    FLOAT,
    INT,
    KNOWN_TAGS,
    MERGE,
    NULL,
    NULL_RE,
    STR,
    parse_float,
    parse_int,
)
from runner.loader.keys import VARIABLE_NAME
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
from runner.loader.wording import closest, describe
from runner.model import PlaceholderUse, VariableScope
from runner.source import SourceLocation, location_from_mark
from runner.templating import DYNAMIC_NAMES, find_placeholders

# Finds placeholders (and ``\<<`` escapes) in the raw source of a scalar, to point at each one.
_PLACEHOLDER_SOURCE = re.compile(r"\\<<|<<[ \t]*(\$?[A-Za-z0-9_.\-]+)[ \t]*>>")
# Values converted per file, at most: a base plus so many per node written. Aliases may repeat a
# node, but a YAML "billion laughs" of nested aliases stops here.
_NODE_BUDGET_BASE = 100_000
_NODE_BUDGET_PER_NODE = 20
_MAX_NUMBER_DIGITS = 1000

Uses = tuple[PlaceholderUse, ...]
Pair = tuple[str, Node, Node]


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

    def placeholder_uses(self, field_name: str, strings: Sequence[tuple[str, Node]]) -> Uses:
        """A PlaceholderUse for each placeholder in ``strings``, pointing at the placeholder."""
        uses: list[PlaceholderUse] = []
        for text, node in strings:
            names = find_placeholders(text)
            if not names:
                continue
            spots = self.placeholder_spots(node)
            for name in names:
                location = spots.get(name)
                spot = location.pop(0) if location else self.location(node)
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

    def placeholder_spots(self, node: Node) -> dict[str, list[SourceLocation]]:
        """Where each placeholder of a scalar is in the source text, in order."""
        start, end = node.start_mark, node.end_mark
        raw = self.text_source[start.index : end.index]
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
            spots.setdefault(name, []).append(SourceLocation(self.file, line, column, length))
        return spots

    # -------------------------------------------------------------------------- mappings

    def pairs(self, node: MappingNode, *, skip_x: bool) -> list[Pair]:
        """The entries of a mapping: merge keys applied, duplicates refused, ``x-`` optional.

        Merged entries sit where the ``<<`` key is written; keys written in the mapping win over
        merged ones, and an earlier merge source wins over a later one (YAML 1.1 merge).
        """
        explicit: dict[str, Node] = {}
        merge_key: Node | None = None
        result: list[Pair] = []
        for key, value in node.value:
            if key.tag == MERGE:
                if merge_key is not None:
                    self.duplicate_key("<<", merge_key, key)
                merge_key = key
                continue
            text = key.value if isinstance(key, ScalarNode) else self.key_text(key)
            if text in explicit:
                self.duplicate_key(text, explicit[text], key)
            explicit[text] = key
            if not (skip_x and text.startswith("x-")):
                result.append((text, key, value))
        if merge_key is None:
            return result  # the usual case: one pass
        result = []
        seen = set(explicit)
        for key, value in node.value:
            if key.tag != MERGE:
                text = self.key_text(key)
                if not (skip_x and text.startswith("x-")):
                    result.append((text, key, value))
                continue
            for source in self.merge_sources(value):
                for text, inner_key, inner_value in self.pairs(source, skip_x=skip_x):
                    if text not in seen:
                        seen.add(text)
                        result.append((text, inner_key, inner_value))
        return result

    def merge_sources(self, node: Node) -> list[MappingNode]:
        if isinstance(node, MappingNode):
            return [node]
        if isinstance(node, SequenceNode) and all(isinstance(n, MappingNode) for n in node.value):
            return list(node.value)
        self.fail(
            f"a merge key '<<' takes a mapping, got {describe(node)}",
            node,
            hint="write <<: *name or <<: [*a, *b], where &name marks a mapping",
        )

    def duplicate_key(self, text: str, first: Node, second: Node) -> NoReturn:
        first_line = first.start_mark.line + 1
        self.fail(
            f"duplicate key '{text}': first at line {first_line}, again at line "
            f"{second.start_mark.line + 1}",
            second,
            hint="a key may appear once in a mapping: remove or rename one of them",
        )

    def key_text(self, key: Node) -> str:
        if not isinstance(key, ScalarNode):
            self.fail(f"a key must be text, got {describe(key)}", key)
        return str(key.value)

    def mapping(self, node: Node, what: str, *, hint: str | None = None) -> MappingNode:
        if not isinstance(node, MappingNode):
            self.fail(f"'{what}' must be a mapping, got {describe(node)}", node, hint=hint)
        return node

    def sequence(self, node: Node, what: str, *, hint: str | None = None) -> SequenceNode:
        if not isinstance(node, SequenceNode):
            self.fail(f"'{what}' must be a list, got {describe(node)}", node, hint=hint)
        return node

    def object(
        self,
        node: Node,
        what: str,
        allowed: Sequence[str],
        *,
        suggest: Sequence[str] = (),
        label: str | None = None,
        entries: list[Pair] | None = None,
    ) -> dict[str, tuple[Node, Node]]:
        """The keys of an object the format defines; unknown keys are errors with a hint.

        ``entries`` are the mapping's pairs (``skip_x``) when the caller has them already.
        """
        mapping = self.mapping(node, label or what)
        found: dict[str, tuple[Node, Node]] = {}
        if entries is None:
            entries = self.pairs(mapping, skip_x=True)
        for text, key, value in entries:
            if text not in allowed:
                close = closest(text, (*allowed, *suggest))
                hint = (
                    f"did you mean '{close}'?" if close else f"allowed keys: {', '.join(allowed)}"
                )
                self.fail(f"unknown key '{text}' in {what}", key, hint=hint)
            found[text] = (key, value)
        return found

    # ---------------------------------------------------------------------------- scalars

    def scalar(self, node: ScalarNode) -> Any:
        """The value of a scalar by its (core schema) tag."""
        tag, text = node.tag, node.value
        if tag in (STR, MERGE):  # a ``<<`` that is not a key is the text "<<"
            return text
        if tag == NULL:
            if not NULL_RE.match(text):
                self.fail(f"'{text}' is not a null", node, hint="write null, ~ or nothing")
            return None
        if tag == BOOL:
            if not BOOL_RE.match(text):
                self.fail(f"'{text}' is not a boolean", node, hint="write true or false")
            return text.lower() == "true"
        if tag == INT:
            if len(text) > _MAX_NUMBER_DIGITS:  # int() refuses longer ones; no API needs them
                self.fail(f"a number of {len(text)} digits is too long", node, length=1)
            number = parse_int(text)
            if number is None:
                self.fail(f"'{text}' is not an integer", node)
            return number
        if tag == FLOAT:
            value = parse_float(text)
            if value is None:
                self.fail(f"'{text}' is not a number", node)
            return value
        self.unknown_tag(node)

    def data(self, node: Node, strings: list[tuple[str, Node]] | None = None) -> Any:
        """A node as plain data (dict, list, str, int, float, bool, None); keys are text.

        ``strings`` collects every text value and key with its node, for placeholders.
        """
        self.budget -= 1
        if self.budget < 0:
            self.fail(
                "the document is too large once its aliases are expanded",
                node,
                hint="use fewer nested aliases",
            )
        if isinstance(node, ScalarNode):
            value = self.scalar(node)
            if strings is not None and isinstance(value, str):
                strings.append((value, node))
            return value
        if isinstance(node, SequenceNode):
            return [self.data(item, strings) for item in node.value]
        if isinstance(node, MappingNode):
            result: dict[str, Any] = {}
            for text, key, value in self.pairs(node, skip_x=False):
                if strings is not None:
                    strings.append((text, key))
                result[text] = self.data(value, strings)
            return result
        self.fail("unsupported YAML node", node)

    def text(self, node: Node, what: str, strings: list[tuple[str, Node]] | None = None) -> str:
        """Text as written: numbers and booleans keep their YAML spelling (``1.0`` is "1.0")."""
        if not isinstance(node, ScalarNode) or node.tag == NULL:
            hint = "write '' for an empty value" if isinstance(node, ScalarNode) else None
            self.fail(f"'{what}' must be text, got {describe(node)}", node, hint=hint)
        self.scalar(node)  # validates explicitly tagged values such as ``!!int abc``
        text = str(node.value)
        if strings is not None:
            strings.append((text, node))
        return text

    def string(self, node: Node, what: str, *, hint: str | None = None) -> str:
        """A value that must be a YAML string (not a number or boolean)."""
        if not isinstance(node, ScalarNode) or node.tag != STR:
            self.fail(f"'{what}' must be text, got {describe(node)}", node, hint=hint)
        return str(node.value)

    def integer(
        self, node: Node, what: str, *, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        if not isinstance(node, ScalarNode) or node.tag != INT:
            hint = None
            if isinstance(node, ScalarNode) and node.tag == STR and parse_int(node.value):
                hint = f"write {node.value} without quotes"
            self.fail(f"'{what}' must be an integer, got {describe(node)}", node, hint=hint)
        value: int = self.scalar(node)
        self.check_range(node, what, value, minimum, maximum)
        return value

    def number(self, node: Node, what: str, *, minimum: float = 0, strict: bool = False) -> Any:
        """An int or float; ``strict`` means it must be greater than ``minimum``."""
        if not isinstance(node, ScalarNode) or node.tag not in (INT, FLOAT):
            hint = None
            if isinstance(node, ScalarNode) and node.tag == STR and parse_float(node.value):
                hint = f"write {node.value} without quotes"
            self.fail(f"'{what}' must be a number, got {describe(node)}", node, hint=hint)
        value = self.scalar(node)
        if value != value or value in (float("inf"), float("-inf")):
            self.fail(f"'{what}' must be a finite number, got {node.value}", node)
        if (strict and value <= minimum) or value < minimum:
            relation = "greater than" if strict else "at least"
            self.fail(f"'{what}' must be {relation} {minimum}, got {node.value}", node)
        return value

    def check_range(
        self, node: Node, what: str, value: int, minimum: int | None, maximum: int | None
    ) -> None:
        if minimum is not None and value < minimum:
            self.fail(f"'{what}' must be at least {minimum}, got {value}", node)
        if maximum is not None and value > maximum:
            self.fail(f"'{what}' must be at most {maximum}, got {value}", node)

    def boolean(self, node: Node, what: str) -> bool:
        if not isinstance(node, ScalarNode) or node.tag != BOOL:
            hint = "write true or false"
            if isinstance(node, ScalarNode) and node.value.lower() in ("yes", "no", "on", "off"):
                hint = f"write true or false ('{node.value}' is text in YAML 1.2)"
            self.fail(f"'{what}' must be true or false, got {describe(node)}", node, hint=hint)
        value: bool = self.scalar(node)
        return value

    # ----------------------------------------------------------------- shared file sections

    def description(self, entry: tuple[Node, Node] | None) -> str | None:
        if entry is None or (isinstance(entry[1], ScalarNode) and entry[1].tag == NULL):
            return None
        return self.text(entry[1], "description")

    def variables(self, entry: tuple[Node, Node] | None, scope_name: str) -> VariableScope:
        """A ``variables`` mapping: names checked, values with their YAML types and locations."""
        if entry is None:
            return VariableScope(scope_name, {})
        mapping = self.mapping(entry[1], "variables")
        values: dict[str, Any] = {}
        locations: dict[str, SourceLocation] = {}
        for name, key, value in self.pairs(mapping, skip_x=False):
            self.check_name(name, key, "variable")
            strings: list[tuple[str, Node]] = []
            values[name] = self.data(value, strings)
            self.placeholder_uses("variables", strings)  # unknown $names are caught here
            locations[name] = self.location(key)
        return VariableScope(scope_name, values, locations)

    def check_name(self, name: str, node: Node, what: str) -> None:
        if not VARIABLE_NAME.fullmatch(name):
            self.fail(
                f"invalid {what} name '{name}'",
                node,
                hint="names use letters, digits, '_', '-' and '.'",
            )

    def secrets(
        self, entry: tuple[Node, Node] | None
    ) -> tuple[tuple[str, ...], dict[str, SourceLocation]]:
        if entry is None:
            return (), {}
        sequence = self.sequence(entry[1], "secrets", hint="write secrets: [API_KEY]")
        locations: dict[str, SourceLocation] = {}
        for item in sequence.value:
            name = self.string(item, "secret name")
            self.check_name(name, item, "secret")
            if name in locations:
                self.fail(f"secret '{name}' is listed twice", item)
            locations[name] = self.location(item)
        return tuple(locations), locations

    def check_secret_conflicts(
        self, secrets: Mapping[str, SourceLocation], scopes: Sequence[VariableScope]
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

    def file_path(self, node: Node, what: str) -> str:
        """A path relative to this file, which must exist and stay inside ``base_dir``."""
        written = self.string(node, what)
        if not written:
            self.fail(f"'{what}' is empty", node)
        candidate = Path(written)
        try:
            resolved = (candidate if candidate.is_absolute() else self.folder / candidate).resolve()
        except (OSError, ValueError) as exc:  # a NUL byte, a symlink loop ...
            self.fail(f"'{what}' path '{written}' is not usable: {exc}", node)
        if not self.allow_outside and not resolved.is_relative_to(self.base_dir):
            self.fail(
                f"'{what}' path '{written}' is outside the working directory ({self.base_dir})",
                node,
                hint="a collection may only read files inside the working directory; "
                "pass --allow-outside to allow it",
            )
        if not resolved.exists():
            self.fail(
                f"'{what}' path '{written}' does not exist",
                node,
                hint=f"paths are relative to the collection file's folder ({self.folder})",
            )
        if resolved.is_dir():
            self.fail(f"'{what}' path '{written}' is a directory, not a file", node)
        return str(resolved)
