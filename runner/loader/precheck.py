"""Checking that a collection file loads, without building it: so a run can send its first request
while the file is still being built (issue 21, "run while loading").

No request may go out before all of the input is checked (FORMAT.md 1): an undefined name, a typo
in the last request, a file that does not load, all stop the run before anything is sent. The
check of a request is its building (runner/loader/builder.py), about 0.1 ms a request, so a large
file kept its first request waiting for all of them. Large files are mostly the same request many
times over (an export, a generated smoke suite): this pass finds the few distinct ones and has
the real builder check one of each, so the builder stays the only definition of the format.

Two items are the same request for the builder when their texts are the same line for line but
for *free* values: a request's ``name`` and the strings of a JSON body, each written alone at the
end of its line (``name: chat 2``, ``content: "Hello 2"``) in a spelling that cannot be anything
but a string token (letters, digits and a few signs, no ``<`` or ``\\``; not a number, boolean
or null). Such a token changes nothing around it in the YAML, and the builder reads it only as
text (a name must also be unique: checked here over every item), so the one item of each shape
that libyaml composes and the builder checks stands for all of them. Anything else answers None
("not sure": the caller loads the file whole first, as before): a folder, an anchor, tag, tab,
a line break other than LF (CR, NEL, LS, PS: libyaml counts lines by them), a duplicate name, a
line that ends the list, an item that does not load or that the loader does not find where the
text says it starts, too many distinct requests. tests/unit/test_precheck_adversarial.py holds
the files that once fooled it. What it answers is checked again by the real load that follows
(runner/cli/arriving.py): a difference stops the run.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from runner.compact import Outline, Prechecked, apikey_headers
from runner.errors import PostrunError
from runner.loader.builder import CollectionBuilder
from runner.loader.coreschema import BOOL_RE, FLOAT_RE, INT_RE, NULL_RE, STR
from runner.loader.document import Document, _may_hold_tags
from runner.loader.pyyaml import MappingNode, Node, ScalarNode, SequenceNode, YAMLError, compose
from runner.model import CollectionSpec

# Smaller files (up to about 700 requests) are loaded before the parent process has imported
# what it sends with (about 0.15 s): checking them early would only add work.
EARLY_CHARS = 300_000
# More distinct requests than this and checking one of each stops paying: load it whole.
_MAX_SHAPES = 64
# Patterns of whole lines start with the line break before them: the regex engine then jumps from
# one line break to the next (a ``^`` under MULTILINE is tried at every character).
_REQUESTS_KEY = re.compile(r"\nrequests:[ ]*(?:#[^\n]*)?(?=\n|\Z)")
# Tabs, and what YAML also reads as a line break (CR, NEL, LS, PS): lines here are split at LF.
# Looked for one by one (``in`` is a fast C search; a regex class tests every character).
_OTHER_BREAKS = "\t\r\x85\u2028\u2029"
_FIRST_ITEM = re.compile(r"^( *)-(?=[ \r\n]|\Z)", re.MULTILINE)
_BLANK_OR_COMMENT = re.compile(r"(?:[ \t]*(?:#[^\r\n]*)?\r?\n)*")


def precheck(
    path: Path, text: str, *, base_dir: Path | None, allow_outside: bool
) -> Prechecked | None:
    """What the file will load as, when sure of it; None when not sure."""
    if "&" in text or _may_hold_tags(text) or any(char in text for char in _OTHER_BREAKS):
        return None  # anchors, tags, tabs and other line breaks are the whole loader's to judge
    found = list(_REQUESTS_KEY.finditer("\n" + text))  # the first line too
    if len(found) != 1:
        return None
    after = found[0].end()  # one past the key's line, less the line break added
    after += _BLANK_OR_COMMENT.match(text, after).end() - after  # type: ignore[union-attr]
    first = _FIRST_ITEM.match(text, after)
    if first is None:
        return None
    starts = _item_starts(text, first.start(), len(first.group(1)))
    if starts is None:
        return None
    return _check_shapes(_File(path, text, starts[0], base_dir, allow_outside), starts)


def _item_starts(text: str, start: int, indent: int) -> list[int] | None:
    """Where each item of the top-level list starts, when nothing but items follows it."""
    below = f" {{0,{indent - 1}}}(?=[^ \\n#])|" if indent else ""
    ends = re.compile(f"\\n(?:{below} {{{indent}}}(?=[^ \\n#])(?!-(?:[ \\n]|\\Z)))")
    if ends.search(text, start):
        return None  # another top-level key, a document marker, a list at another indentation
    starts = re.compile(f"\\n {{{indent}}}-(?=[ \\n]|\\Z)")
    return [start, *(match.start() + 1 for match in starts.finditer(text, start))]


# A free value's spelling: a plain token of letters, digits and a few signs that no YAML
# indicator, comment, flow bracket or placeholder can hide in, or a quoted one without escapes.
_PLAIN = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_ .()+=/-]*[A-Za-z0-9_.()+=/-])?")
# (Also no character YAML refuses, or reads as a line break, inside the quotes.)
_QUOTED = {
    '"': re.compile('"[^"\\\\<\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029\\ufffe\\uffff]*"'),
    "'": re.compile("'[^'\\\\<\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029\\ufffe\\uffff]*'"),
}
_NOT_TEXT = (NULL_RE, BOOL_RE, INT_RE, FLOAT_RE)


class _File(NamedTuple):
    """The file being checked, and where its first item starts (what comes before is its
    header: every key but ``requests``, and the ``requests:`` line)."""

    path: Path
    text: str
    first: int
    base_dir: Path | None
    allow_outside: bool


@dataclass(frozen=True, slots=True)
class _Shape:
    """One distinct request: its lines, which of them end in a free value (line index -> the
    text before the value, its quote), and what the builder made of it."""

    lines: tuple[str, ...]
    free: dict[int, tuple[str, str]]
    fixed: tuple[int, ...]  # the other lines, compared as written
    name_line: int
    spec: CollectionSpec
    outline: Outline

    def names(self, lines: list[str]) -> str | None:
        """The item's name when ``lines`` are this shape's with other free values, else None."""
        if len(lines) != len(self.lines):
            return None
        own = self.lines
        for index in self.fixed:
            if lines[index] != own[index]:
                return None
        for index, (before, quote) in self.free.items():
            line = lines[index]
            if not (line.startswith(before) and _is_free(line[len(before) :], quote)):
                return None
        return _unquoted(lines[self.name_line][len(self.free[self.name_line][0]) :])


def _check_shapes(file: _File, starts: list[int]) -> Prechecked | None:
    text = file.text
    bounds = [*starts, len(text)]
    shapes: list[_Shape] = []
    outlines: list[Outline] = []
    names: set[str] = set()
    last: _Shape | None = None
    for index in range(len(starts)):
        lines = text[bounds[index] : bounds[index + 1]].split("\n")
        name = last.names(lines) if last is not None else None
        if name is None:
            for shape in shapes:
                name = shape.names(lines)
                if name is not None:
                    last = shape
                    break
        if name is None:  # a request unlike every one before it: the builder checks it
            if len(shapes) == _MAX_SHAPES:
                return None
            last = _new_shape(file, bounds[index], bounds[index + 1])
            if last is None:
                return None
            shapes.append(last)
            name = last.names(lines)
        if name is None or name in names or last is None:
            return None
        names.add(name)
        outlines.append(last.outline)
    requests = [shape.spec.requests[0] for shape in shapes]
    return Prechecked(
        header=dataclasses.replace(shapes[0].spec, requests=()),
        count=len(starts),
        outlines=tuple(outlines),
        apikey_headers=frozenset(name for request in requests for name in apikey_headers(request)),
        auth_kinds=frozenset(request.auth.kind for request in requests if request.auth),
    )


def _new_shape(file: _File, start: int, end: int) -> _Shape | None:
    """The shape of the item at ``start``: composed alone by libyaml, its free values found,
    and loaded by the builder as the file's only request; None when any of it fails."""
    item_text = file.text[start:end]
    try:
        composed = compose(item_text)
    except (YAMLError, RecursionError):
        return None
    if not isinstance(composed, SequenceNode) or len(composed.value) != 1:
        return None
    lines = item_text.split("\n")
    free: dict[int, tuple[str, str]] = {}
    name_line = -1
    for node, is_name in _free_candidates(composed.value[0]):
        mark = node.start_mark
        line = lines[mark.line]
        quote = node.style or ""
        if mark.line != node.end_mark.line or node.end_mark.column != len(line):
            continue  # not alone at the end of its line: compared as written
        if mark.line in free or not _is_free(line[mark.column :], quote):
            continue
        free[mark.line] = (line[: mark.column], quote)
        if is_name:
            name_line = mark.line
    if name_line < 0:
        return None  # no name, or one written so that it must be compared as written
    loaded = _load_one(file, item_text)
    if loaded is None:
        return None
    fixed = tuple(index for index in range(len(lines)) if index not in free)
    return _Shape(tuple(lines), free, fixed, name_line, *loaded)


def _free_candidates(item: Node) -> Iterator[tuple[ScalarNode, bool]]:
    """The item's name, and the string values of its JSON body; nothing for a folder."""
    if not isinstance(item, MappingNode):
        return
    if any(isinstance(key, ScalarNode) and key.value == "requests" for key, _ in item.value):
        return  # a folder: its scopes are the builder's to share out
    for key, value in item.value:
        if not isinstance(key, ScalarNode) or key.tag != STR:
            continue
        if key.value == "name" and isinstance(value, ScalarNode):
            yield value, True
        elif key.value == "body" and isinstance(value, MappingNode):
            for kind, body in value.value:
                if isinstance(kind, ScalarNode) and kind.value == "json":
                    yield from ((node, False) for node in _strings(body))


def _strings(node: Node) -> Iterator[ScalarNode]:
    """The string values (not keys) under ``node``."""
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ScalarNode):
            if current.tag == STR:
                yield current
        elif isinstance(current, SequenceNode):
            stack.extend(current.value)
        elif isinstance(current, MappingNode):
            stack.extend(value for _, value in current.value)


def _is_free(written: str, quote: str) -> bool:
    """Whether ``written`` is a free value's spelling with this quoting (see ``_PLAIN``): a
    string token, not empty once stripped, that nothing around it could read otherwise."""
    if quote:
        pattern = _QUOTED.get(quote)
        return (
            pattern is not None and bool(pattern.fullmatch(written)) and bool(written[1:-1].strip())
        )
    return bool(_PLAIN.fullmatch(written)) and not any(
        pattern.match(written) for pattern in _NOT_TEXT
    )


def _unquoted(written: str) -> str:
    return written[1:-1] if written[:1] in _QUOTED else written


def _load_one(file: _File, item_text: str) -> tuple[CollectionSpec, Outline] | None:
    """The file with this item as its only request, loaded by the builder; None if refused."""
    one = file.text[: file.first] + item_text
    try:
        document = Document.read(
            file.path, base_dir=file.base_dir, allow_outside=file.allow_outside, text=one
        )
        spec = CollectionBuilder(document).build()
    except (PostrunError, RecursionError):
        return None
    (request,) = spec.requests
    if request.location.line != one.count("\n", 0, file.first) + 1:
        return None  # the `requests:` line found was not the key the loader read (in a string)
    names = tuple(dict.fromkeys(use.name for use in request.placeholders))
    return spec, (-1, names, tuple(capture.name for capture in request.captures))
