"""Everything the loader does with PyYAML, the only module of the package that imports ``yaml``.

The YAML 1.2 core-schema resolver (``coreschema``) on PyYAML's loaders, with a per-loader tag
cache; composing a file's text into nodes (libyaml when there is one), bounded in nesting; the
loader class the streaming path uses; reading a file's text; and the wording of syntax errors,
with hints for the usual traps (FORMAT.md 0). The other modules take the node, event and error
classes from here.
"""

from __future__ import annotations

import contextlib
import functools
import operator
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from yaml import (
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
    YAMLError,
)
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from runner.errors import LoadError
from runner.loader.coreschema import (
    BOOL,
    BOOL_RE,
    FLOAT,
    FLOAT_RE,
    INT,
    INT_RE,
    MAP,
    MERGE,
    MERGE_RE,
    NULL,
    NULL_RE,
    SEQ,
    STR,
)
from runner.source import SourceLocation, location_from_mark

__all__ = [
    "DocumentStartEvent",
    "MappingEndEvent",
    "MappingNode",
    "MappingStartEvent",
    "Node",
    "ScalarEvent",
    "ScalarNode",
    "SequenceEndEvent",
    "SequenceNode",
    "SequenceStartEvent",
    "StreamEndEvent",
    "YAMLError",
    "compose",
    "compose_document",
    "depth_guard",
    "quoted_example",
    "read_text",
    "streaming_loader_class",
]

# Deeper than this is no collection anyone writes, and deep enough to crash a C parser.
_MAX_NESTING = 1000


class _CoreResolve:
    """PyYAML's resolver hooks for loaders with implicit resolvers only (no path resolvers).

    The composer calls ``descend_resolver``, ``resolve`` and ``ascend_resolver`` for every node,
    a good part of the time a collection takes to load. Without path resolvers the first and
    the last do nothing, so they are C callables that ignore their arguments. A node's tag
    depends only on its kind, text and quoting, and keys (``name``, ``url``) and many values
    (``POST``, ``200``) repeat from request to request, so each loader caches ``resolve`` in C.
    """

    yaml_implicit_resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]]
    # Builtins are not descriptors: called through ``self``, they still receive no ``self``.
    descend_resolver = operator.is_not  # (parent, index) -> ignored
    ascend_resolver = tuple  # () -> ignored

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)  # type: ignore[call-arg]
        self.resolve = _cached_resolve(self.yaml_implicit_resolvers)

    def resolve(self, kind: type[Node], value: Any, implicit: tuple[bool, bool]) -> str:
        """Replaced per loader by ``_cached_resolve``; here for PyYAML's own callers."""
        return _resolve_tag(self.yaml_implicit_resolvers, kind, value, implicit)


def _resolve_tag(
    resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]],
    kind: type[Node],
    value: Any,
    implicit: tuple[bool, bool],
) -> str:
    """The tag of a node written without one; PyYAML's general version is far slower."""
    if kind is ScalarNode:
        if implicit[0]:  # plain (unquoted), so its spelling decides its type
            for tag, pattern in resolvers.get(value[:1], ()):
                if pattern.match(value):
                    return tag
        return STR
    return SEQ if kind is SequenceNode else MAP


def _cached_resolve(resolvers: dict[Any, list[tuple[str, re.Pattern[str]]]]) -> Any:
    """``_resolve_tag`` for one loader, with its answers kept for the last texts seen.

    Bounded, so a streamed 10,000-request file does not keep every value it has read.
    """
    return functools.lru_cache(maxsize=512)(functools.partial(_resolve_tag, resolvers))


@functools.cache
def _loader_classes() -> tuple[type[Any], ...]:
    """Loaders resolving plain scalars by the YAML 1.2 core schema (plus ``<<`` keys).

    The libyaml-based one (when PyYAML has it) is about fifteen times faster; the pure-Python one
    words errors better, so it is used for files that do not load, and when libyaml is missing.
    """

    class CoreSchemaLoader(_CoreResolve, yaml.SafeLoader):
        """SafeLoader resolving plain scalars by the YAML 1.2 core schema."""

        # A fresh dict, so PyYAML's YAML 1.1 resolvers (yes/no, timestamps, 0123 octal,
        # sexagesimal 12:30) are gone rather than shadowed.
        yaml_implicit_resolvers: dict[Any, Any] = {}  # noqa: RUF012 (PyYAML's class API)

    add = CoreSchemaLoader.add_implicit_resolver
    add(NULL, NULL_RE, ["~", "n", "N", ""])
    add(BOOL, BOOL_RE, list("tTfF"))
    add(INT, INT_RE, list("-+0123456789"))
    add(FLOAT, FLOAT_RE, list("-+.0123456789"))
    # A plain ``<<`` resolves to merge; only in key position does it merge (see nodes.pairs).
    add(MERGE, MERGE_RE, ["<"])
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is None:
        return (CoreSchemaLoader,)

    class CoreSchemaCLoader(_CoreResolve, fast):  # type: ignore[misc, valid-type]
        """CSafeLoader with the same resolvers."""

        yaml_implicit_resolvers = CoreSchemaLoader.yaml_implicit_resolvers

    return (CoreSchemaCLoader, CoreSchemaLoader)


@functools.cache
def streaming_loader_class() -> type[Any] | None:
    """libyaml's parser under PyYAML's Python composer, with the core-schema resolvers.

    For ``streaming``, which composes a large file's ``requests`` items one at a time.
    """
    cparser = getattr(getattr(yaml, "_yaml", None), "CParser", None)
    if cparser is None:
        return None
    core = _loader_classes()[-1]

    class StreamingLoader(  # type: ignore[misc, valid-type]
        _CoreResolve, cparser, yaml.composer.Composer, yaml.resolver.Resolver
    ):
        """Python composition (node by node, on demand) of libyaml's parse events."""

        yaml_implicit_resolvers = core.yaml_implicit_resolvers

        def __init__(self, stream: str) -> None:
            cparser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self.resolve = _cached_resolve(self.yaml_implicit_resolvers)

    return StreamingLoader


def compose(text: str) -> Node | None:
    """The document's node tree; raises the pure-Python loader's YAMLError when it is invalid.

    Raises RecursionError (made a LoadError by ``depth_guard``) for absurdly deep nesting.
    """
    *fast, careful = _loader_classes()
    for loader_class in fast:
        try:
            if _nesting_exceeds(loader_class, text, _MAX_NESTING):
                raise RecursionError(f"more than {_MAX_NESTING} levels of nesting")
            return _compose_with(loader_class, text)
        except yaml.YAMLError:
            break  # composed again below, for PyYAML's error and mark
    return _compose_with(careful, text)


def _nesting_exceeds(loader_class: type[Any], text: str, limit: int) -> bool:
    """True when collections nest more than ``limit`` deep.

    libyaml's composer recurses in C, so ``[[[[...`` a hundred thousand deep overflows the C
    stack and kills the process (the pure-Python composer raises RecursionError instead). Its
    parser does not recurse, so the parse events are counted first. Each level needs one of
    ``[ { - : ?``, so a document with fewer of those cannot be too deep and skips the count.
    """
    if _nesting_bound(text) <= limit:
        return False
    starts = (yaml.SequenceStartEvent, yaml.MappingStartEvent)
    ends = (yaml.SequenceEndEvent, yaml.MappingEndEvent)
    loader = loader_class(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, starts):
                depth += 1
                if depth > limit:
                    return True
            elif isinstance(event, ends):
                depth -= 1
    finally:
        loader.dispose()
    return False


# A flow collection can only open after a separator or another flow indicator (libyaml refuses
# `!t[` and `&a[`), so `$.items[0]` inside a plain scalar does not count.
# Each pattern starts with its literal bracket, so the regex engine skips from one to the next
# in a tight loop (a class such as `[\[{]` is tested at every character, six times slower).
_FLOW_OPENS = tuple(
    re.compile(rf"\{bracket}(?:(?<=^.)|(?<=[\s\[{{,:].))", re.MULTILINE) for bracket in "[{"
)


def _nesting_bound(text: str) -> int:
    """An upper bound on how deep collections nest, cheap enough for every file.

    Flow nesting needs one opening bracket per level. Block nesting needs more indentation per
    level, or two columns per compact level (``- - x``), and a sequence may share its parent
    key's column: at most two levels per column of the longest line.
    """
    longest = max(map(len, text.splitlines()), default=0)
    return sum(len(pattern.findall(text)) for pattern in _FLOW_OPENS) + 2 * longest + 2


def _compose_with(loader_class: type[Any], text: str) -> Node | None:
    loader = loader_class(text)
    try:
        node: Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


def compose_document(file: str, text: str) -> Node | None:
    """``compose``, with every YAML error a LoadError at its place in ``file``."""
    try:
        return compose(text)
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(file, text, exc) from None
    except yaml.reader.ReaderError as exc:
        line, column = _line_column(text, exc.position)
        raise LoadError(
            f"character {exc.character!r} is not allowed in YAML ({exc.reason})",
            location=SourceLocation(file, line, column),
            hint="remove the control character, or write it as an escape in double quotes",
        ) from None
    except yaml.YAMLError as exc:  # any other PyYAML error: still no traceback
        raise LoadError(f"invalid YAML: {exc}", location=SourceLocation(file, 1, 1)) from None


@contextlib.contextmanager
def depth_guard(path: Path) -> Iterator[None]:
    """Turn Python's recursion limit, hit by absurdly nested YAML, into a LoadError."""
    try:
        yield
    except RecursionError:
        raise LoadError(
            "the file is nested too deeply",
            location=SourceLocation(str(path), 1, 1),
            hint="flatten the structure",
        ) from None


def read_text(path: Path) -> str:
    """A file's text (UTF-8, BOM allowed); every failure is a LoadError naming the file."""
    file = str(path)
    try:
        raw = path.read_bytes()
    except IsADirectoryError:
        raise LoadError(f"'{file}' is a directory, not a file") from None
    except FileNotFoundError:
        raise LoadError(f"file '{file}' does not exist") from None
    except OSError as exc:
        raise LoadError(f"cannot read '{file}': {exc.strerror or exc}") from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        prefix = raw[: exc.start]
        line = prefix.count(b"\n") + 1
        line_start = prefix[prefix.rfind(b"\n") + 1 :].removeprefix(b"\xef\xbb\xbf")
        column = len(line_start.decode("utf-8", "replace")) + 1
        raise LoadError(
            f"the file is not UTF-8 text (byte 0x{raw[exc.start]:02x} is not valid UTF-8)",
            location=SourceLocation(file, line, column),
            hint="save the file as UTF-8",
        ) from None


def _line_column(text: str, position: int) -> tuple[int, int]:
    line = text.count("\n", 0, position) + 1
    return line, position - text.rfind("\n", 0, position)


def _syntax_error(file: str, text: str, exc: yaml.MarkedYAMLError) -> LoadError:
    """A PyYAML error as a LoadError at its mark, with a hint for the usual traps."""
    mark = exc.problem_mark or exc.context_mark
    if _key_without_colon(exc):
        # PyYAML notices a line with no ':' (often one indented less than the value it
        # continues) only on the next key: the line at fault is where the key started.
        mark = exc.context_mark
    problem = exc.problem or exc.context or "invalid YAML"
    message = f"invalid YAML: {problem}"
    if exc.problem and exc.context:
        if exc.problem.startswith("but "):  # "expected a single document ..., but found ..."
            message = f"invalid YAML: {exc.context}, {exc.problem}"
        else:
            message += f" ({exc.context})"
    lines = text.splitlines()
    line = lines[mark.line] if mark is not None and mark.line < len(lines) else ""
    location = location_from_mark(file, mark) if mark is not None else SourceLocation(file, 1, 1)
    hint = _indentation_hint(exc, lines, mark.line) if mark is not None else None
    return LoadError(message, location=location, hint=hint or _syntax_hint(exc, line))


def _key_without_colon(exc: yaml.MarkedYAMLError) -> bool:
    """PyYAML's "could not find expected ':'", marked on a later line than the key's."""
    context, problem = exc.context_mark, exc.problem_mark
    return (
        "could not find expected ':'" in (exc.problem or "")
        and context is not None
        and problem is not None
        and context.line < problem.line
    )


def _indentation_hint(exc: yaml.MarkedYAMLError, lines: list[str], number: int) -> str | None:
    """A hint when the line at fault is indented unlike the one before it."""
    if number >= len(lines):
        return None
    line = lines[number]
    before = next(
        (
            text
            for text in reversed(lines[:number])
            if text.strip() and not text.lstrip().startswith("#")
        ),
        None,
    )
    if before is None:
        return None
    indent, indent_before = _indent(line), _indent(before)
    if _key_without_colon(exc) and indent < indent_before:
        return (
            "this line is indented less than the one before, and has no ':': indent it as "
            "far as the text it continues, or make it a key (name: value)"
        )
    if _key_without_colon(exc):
        return "add ':' after the key (name: value), or quote the value it belongs to"
    if "mapping values are not allowed here" in (exc.problem or "") and indent > indent_before:
        return (
            "this line is indented more than the one before, so it reads as part of that "
            "line's value: line it up with the keys above it"
        )
    return None


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _syntax_hint(exc: yaml.MarkedYAMLError, line: str) -> str | None:
    problem = exc.problem or ""
    context = exc.context or ""
    column = exc.problem_mark.column if exc.problem_mark is not None else 0
    if "unknown escape character" in problem:
        return (
            "regexes go in single quotes ('^\\d+$'): inside double quotes a backslash starts "
            'a YAML escape (or write it twice: "\\\\d")'
        )
    if "'\\t'" in problem:
        return "indent with spaces: YAML does not allow tabs here"
    if "expected a single document" in context:
        return "a file holds one YAML document: remove the '---' line"
    if "found undefined alias" in problem:
        return (
            "*name refers to an anchor &name defined earlier; a value that starts with '*' "
            'must be quoted ("*/*")'
        )
    postman = re.search(r"\{\{\s*([^{}\s]+)\s*\}\}", line)
    if postman:
        name = postman.group(1)
        return f"Postman's {{{{{name}}}}} is written <<{name}>> in postrun"
    if "mapping values are not allowed here" in problem:
        return "quote a value that contains ': ' (description: \"Note: this\")"
    before = line[:column]
    if ("{" in before or "flow" in context) and re.search(r"\$[^\s{},]*$", before):
        return (
            "JSONPath keys with '[', '*', '?' or '@' must be written in block style (one per "
            "line) or quoted, not inside {...}: '$.items[0].id': 1"
        )
    start = column
    if "scanning an alias" in context or "scanning an anchor" in context:
        start = exc.context_mark.column if exc.context_mark is not None else column
    elif "cannot start any token" not in problem:
        if "while parsing a block" in context:
            return "check the indentation of this line and the one before"
        return None
    char = line[start : start + 1]
    if char not in ("*", "&", "!", "%", "@", "`"):
        return None
    example = quoted_example(line, start) or 'Accept: "*/*"'
    return f"a value starting with '{char}' must be quoted: {example}"


def quoted_example(line: str, start: int) -> str | None:
    """``line`` with the value that starts at ``start`` quoted, e.g. ``Accept: "*/*"``."""
    prefix = line[:start].rstrip()
    rest = line[start:]
    if "{" in prefix or "[" in prefix:  # flow style: only this entry
        value = re.match(r"[^,}\]]*", rest)
        key = re.search(r"[^{},\[\s][^{},\[]*:$", prefix)
        text = value.group(0).strip() if value else ""
        lead = key.group(0) if key else ""
    else:
        text = rest.split(" #", 1)[0].strip()
        lead = prefix.strip()
        if not lead.endswith((":", "-")):
            return None
    if not text:
        return None
    quote = "'" if '"' in text or "\\" in text else '"'
    return f"{lead} {quote}{text}{quote}".strip()
