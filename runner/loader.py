"""Load collection and environment files into the model (FORMAT.md sections 0, 1, 2 and 4).

The only module that imports ``yaml``. Files are composed into PyYAML nodes with a YAML 1.2 core
schema resolver and walked by hand, so every value keeps its mark: each user error is a LoadError
naming the file, line and column, with a hint for the usual traps. Defaults are merged here
(FORMAT.md 1.8), so every RequestSpec is complete on its own.

Two decisions the format leaves open:

- ``variables`` keep their YAML type (number, boolean, null, list, mapping), so typed substitution
  (``temperature: <<temp>>``) sends a number; names, header values and params are text, spelled
  as written (``name: 404`` is "404", ``1.0`` stays "1.0").
- ``x-`` keys are ignored in the objects whose keys the format defines (collection, folder,
  request, example, environment, defaults, assert, options, auth, body ...). Free-form mappings
  (variables, headers, params, JSON bodies, literal values, schemas) keep them: ``x-api-key`` is a
  real header.
"""

from __future__ import annotations

import contextlib
import difflib
import functools
import json
import math
import operator
import os
import re
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, cast

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from runner.errors import LoadError
from runner.jsonquery import JsonPathError, compile_path
from runner.model import (
    BODY_KINDS,
    CHECK_KINDS,
    OPERATORS,
    TYPE_NAMES,
    AuthSpec,
    BodySpec,
    CaptureSpec,
    CheckSpec,
    CollectionSpec,
    EnvironmentSpec,
    ExampleSpec,
    Matcher,
    PlaceholderUse,
    RequestSpec,
    VariableScope,
)
from runner.source import SourceLocation, location_from_mark
from runner.templating import DYNAMIC_NAMES, find_placeholders

if TYPE_CHECKING:
    from runner.compact import RequestPacker

__all__ = ["discover_collections", "find_environment", "load_collection", "load_environment"]

_TAG = "tag:yaml.org,2002:"
_STR = _TAG + "str"
_INT = _TAG + "int"
_FLOAT = _TAG + "float"
_BOOL = _TAG + "bool"
_NULL = _TAG + "null"
_MAP = _TAG + "map"
_SEQ = _TAG + "seq"
_MERGE = _TAG + "merge"
_KNOWN_TAGS = frozenset({_STR, _INT, _FLOAT, _BOOL, _NULL, _MAP, _SEQ, _MERGE})

# YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
_NULL_RE = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT_RE = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT_RE = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_MERGE_RE = re.compile(r"^<<$")

_COLLECTION_KEYS = ("name", "description", "variables", "secrets", "defaults", "requests")
_FOLDER_KEYS = ("name", "description", "variables", "defaults", "tags", "requests")
_REQUEST_KEYS = (
    "name",
    "description",
    "method",
    "url",
    "params",
    "headers",
    "auth",
    "body",
    "assert",
    "capture",
    "options",
    "tags",
    "examples",
)
_EXAMPLE_KEYS = ("name", "description", "status", "headers", "body")
_ENVIRONMENT_KEYS = ("name", "description", "variables", "secrets")
_DEFAULTS_KEYS = ("headers", "params", "auth", "options", "assert")
_OPTION_KEYS = (
    "timeout",
    "follow_redirects",
    "verify",
    "cert",
    "proxy",
    "delay_ms",
    "skip",
    "retries",
)
_RETRY_KEYS = ("count", "on", "backoff", "max_wait", "unless")
_CAPTURE_FORMS = ("header", "cookie", "regex", "status")
_CAPTURE_FORMS_TEXT = "$.path, {header: Name}, {cookie: name}, {regex: '...'} or {status: true}"
# auth kind -> (required keys, optional keys); bearer takes the token itself, apikey is special.
_AUTH_KEYS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "basic": (("username", "password"), ()),
    "digest": (("username", "password"), ()),
    "oauth2": (("token_url", "client_id", "client_secret"), ("scope",)),
}
_AUTH_KINDS = ("bearer", "basic", "apikey", "digest", "oauth2")

_VARIABLE_NAME = re.compile(r"[A-Za-z0-9_.\-]+")
_HTTP_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_STATUS_CLASS = re.compile(r"[1-5][xX][xX]")
# Finds placeholders (and ``\<<`` escapes) in the raw source of a scalar, to point at each one.
_PLACEHOLDER_SOURCE = re.compile(r"\\<<|<<[ \t]*(\$?[A-Za-z0-9_.\-]+)[ \t]*>>")
# Values converted per file, at most: a base plus so many per node written. Aliases may repeat a
# node, but a YAML "billion laughs" of nested aliases stops here.
_NODE_BUDGET_BASE = 100_000
# Deeper than this is no collection anyone writes, and deep enough to crash a C parser.
_MAX_NESTING = 1000
_NODE_BUDGET_PER_NODE = 20
_MIN_STATUS, _MAX_STATUS = 100, 599
_MAX_NUMBER_DIGITS = 1000

_UNSET: Any = object()  # auth not written (distinct from ``auth: none``)

_Uses = tuple[PlaceholderUse, ...]
_Pair = tuple[str, Node, Node]


# ------------------------------------------------------------------------------------ public API


def load_collection(
    path: Path,
    *,
    base_dir: Path | None = None,
    allow_outside: bool = False,
    on_request: Callable[[RequestSpec | bytes], object] | None = None,
) -> CollectionSpec:
    """Load a collection file; paths it names must stay inside ``base_dir`` (default: cwd).

    ``on_request`` is given each request as soon as it is built (packed bytes in a large file),
    before the file is wholly checked: a loading child sends them ahead (runner/preload.py).
    """
    with _depth_guard(path):
        text = _read_text(path)
        if len(text) > _STREAM_CHARS:
            try:
                # A large file: its `requests` items are composed one at a time as they are
                # built, so the node tree of the whole file is never in memory at once.
                streamed = _Document.streamed(path, text, base_dir, allow_outside)
                if streamed is not None:
                    return _CollectionBuilder(streamed, on_request).build()
            except (_NotStreamable, yaml.YAMLError, RecursionError):
                pass  # read it whole below, which also words any YAML error well
        document = _Document.read(path, base_dir=base_dir, allow_outside=allow_outside, text=text)
        return _CollectionBuilder(document, on_request).build()


def load_environment(path: Path) -> EnvironmentSpec:
    """Load an environment file (FORMAT.md 2)."""
    with _depth_guard(path):
        document = _Document.read(path, base_dir=None, allow_outside=True)
        root = document.root_mapping("an environment file")
        keys = document.object(root, "environment", _ENVIRONMENT_KEYS)
        name = document.text(keys["name"][1], "name") if "name" in keys else Path(path).stem
        description = document.description(keys.get("description"))
        variables = document.variables(keys.get("variables"), f"environment {name}")
        secrets, secret_locations = document.secrets(keys.get("secrets"))
    document.check_secret_conflicts(secret_locations, [variables])
    return EnvironmentSpec(
        name=name,
        file=document.file,
        variables=variables,
        secrets=secrets,
        description=description,
        secret_locations=secret_locations,
    )


def find_environment(name: str, collection_files: Sequence[Path], cwd: Path) -> Path:
    """Find the file for ``--env NAME`` (FORMAT.md 2); LoadError listing the known ones if none."""
    if "/" in name or os.sep in name or name.endswith((".yaml", ".yml")):
        candidate = Path(name)
        if not candidate.is_absolute():
            candidate = cwd / candidate
        if candidate.is_file():
            return candidate
        what = "is a directory" if candidate.is_dir() else "does not exist"
        raise LoadError(
            f"environment file '{name}' {what}",
            hint="give the path of an environment file, or a name from environments/",
        )
    folders = _environment_folders(collection_files, cwd)
    for folder in folders:
        for suffix in (".yaml", ".yml"):
            candidate = folder / f"{name}{suffix}"
            if candidate.is_file():
                return candidate
    known = sorted(
        {
            entry.stem
            for folder in folders
            for entry in _listing(folder)
            if entry.suffix in (".yaml", ".yml") and entry.is_file()
        }
    )
    if not known:
        hint = f"create environments/{name}.yaml (no environments/ folder was found)"
    else:
        close = difflib.get_close_matches(name, known, n=1)
        listed = f"environments: {', '.join(known)}"
        hint = f"did you mean '{close[0]}'? {listed}" if close else listed
    raise LoadError(f"unknown environment '{name}'", hint=hint)


def discover_collections(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """Collections among ``paths`` (FORMAT.md 4), and the YAML files skipped as not collections.

    A file is a collection as given; a directory is searched recursively for ``*.yaml`` and
    ``*.yml`` (sorted, ``environments/`` folders left out), keeping the files whose top level is
    a mapping with ``requests``.
    """
    collections: dict[Path, None] = {}
    skipped: dict[Path, None] = {}
    for path in paths:
        if path.is_file():
            skipped.pop(path, None)  # a file named on its own is a collection
            collections.setdefault(path, None)
            continue
        if not path.is_dir():
            raise LoadError(
                f"'{path}' does not exist",
                hint="give a collection file or a folder that holds collections",
            )
        for candidate in _yaml_files(path):
            if candidate not in collections and candidate not in skipped:
                found = collections if _looks_like_collection(candidate) else skipped
                found[candidate] = None
    return list(collections), list(skipped)


# ------------------------------------------------------------------------------ YAML and nodes


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
        return _STR
    return _SEQ if kind is SequenceNode else _MAP


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
    add(_NULL, _NULL_RE, ["~", "n", "N", ""])
    add(_BOOL, _BOOL_RE, list("tTfF"))
    add(_INT, _INT_RE, list("-+0123456789"))
    add(_FLOAT, _FLOAT_RE, list("-+.0123456789"))
    # A plain ``<<`` resolves to merge; only in key position does it merge (see _Document.pairs).
    add(_MERGE, _MERGE_RE, ["<"])
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is None:
        return (CoreSchemaLoader,)

    class CoreSchemaCLoader(_CoreResolve, fast):  # type: ignore[misc, valid-type]
        """CSafeLoader with the same resolvers."""

        yaml_implicit_resolvers = CoreSchemaLoader.yaml_implicit_resolvers

    return (CoreSchemaCLoader, CoreSchemaLoader)


def _compose(text: str) -> Node | None:
    """The document's node tree; raises the pure-Python loader's YAMLError when it is invalid.

    Raises RecursionError (made a LoadError by ``_depth_guard``) for absurdly deep nesting.
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


# A block mapping's `requests` key at column 0: the top level of a collection.
_TOP_LEVEL_REQUESTS = re.compile(r"^requests[ \t]*:(?:[ \t]|$)", re.MULTILINE)
# A file whose first line of content (after blank lines, comments and `---`) is a plain key.
_BLOCK_MAPPING_START = re.compile(
    r"(?:[ \t]*(?:#[^\n]*)?\r?\n|---[ \t]*(?:#[^\n]*)?\r?\n)*[A-Za-z_][\w.-]*[ \t]*:(?:[ \t]|\r?$)",
    re.MULTILINE,
)

# Files larger than this are read with their `requests` items composed one at a time.
_STREAM_CHARS = 1_000_000


class _NotStreamable(Exception):
    """The file's layout does not allow streaming its requests: read it whole instead."""


class _Items(SequenceNode):
    """The top-level ``requests`` list of a streamed file: items composed as they are read."""

    def __init__(self, loader: Any, start: Any) -> None:
        super().__init__(_SEQ, [], start.start_mark, start.end_mark, start.flow_style)
        self.loader = loader
        self.on_item: Any = None
        self.value = self._compose_items()  # type: ignore[assignment]

    def _compose_items(self) -> Iterator[Node]:
        loader = self.loader
        index = 0
        try:
            while not loader.check_event(yaml.SequenceEndEvent):
                item = loader.compose_node(self, index)
                index += 1
                if self.on_item is not None:
                    self.on_item(item)
                yield item
            loader.get_event()
            if not loader.check_event(yaml.MappingEndEvent):
                raise _NotStreamable("top-level keys follow `requests`")
            loader.get_event()
            loader.get_event()  # DocumentEnd
            if not loader.check_event(yaml.StreamEndEvent):
                raise _NotStreamable("more than one document")
        finally:
            loader.dispose()
            # The document refers to this node and ``on_item`` to the document: without this
            # cycle the text and the parser's copy of it are freed as soon as loading ends.
            self.on_item = self.loader = None


class _TextChunks:
    """A text read piece by piece, as a file would be (libyaml's parser asks for chunks)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0

    def read(self, size: int) -> str:
        chunk = self.text[self.position : self.position + size]
        self.position += len(chunk)
        return chunk


@functools.cache
def _streaming_loader_class() -> type[Any] | None:
    """libyaml's parser under PyYAML's Python composer, with the core-schema resolvers."""
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


def _compose_root_until_requests(loader: Any) -> MappingNode:
    """The root mapping composed up to its ``requests`` key, whose list becomes an _Items."""
    loader.get_event()  # StreamStart
    if not loader.check_event(yaml.DocumentStartEvent):
        raise _NotStreamable("empty file")
    loader.get_event()
    if not loader.check_event(yaml.MappingStartEvent):
        raise _NotStreamable("the top level is not a mapping")
    start = loader.get_event()
    if start.anchor is not None or start.tag not in (None, "!", _MAP):
        raise _NotStreamable("an anchor or tag on the top level")
    root = MappingNode(_MAP, [], start.start_mark, start.end_mark, start.flow_style)
    while not loader.check_event(yaml.MappingEndEvent):
        key = loader.compose_node(root, None)
        event = loader.peek_event()
        if (
            isinstance(key, ScalarNode)
            and key.tag == _STR
            and key.value == "requests"
            and isinstance(event, yaml.SequenceStartEvent)
            and event.anchor is None
            and event.tag in (None, "!")
        ):
            root.value.append((key, _Items(loader, loader.get_event())))
            return root
        root.value.append((key, loader.compose_node(root, key)))
    raise _NotStreamable("no top-level `requests` list")


def _compose_with(loader_class: type[Any], text: str) -> Node | None:
    loader = loader_class(text)
    try:
        node: Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


def _may_hold_tags(text: str) -> bool:
    """Whether a `!` stands where a tag (`!name`, `!!str`) can start: after a space, a flow
    indicator or at a line start. A `!` inside words ("Hello!") cannot."""
    index = text.find("!")  # found in C; a regex with a look-behind would visit every character
    while index >= 0:
        if index == 0 or text[index - 1] in " \t\r\n[{,:?-":
            return True
        index = text.find("!", index + 1)
    return False


def _describe(node: Node) -> str:
    """What a node holds, for 'expected X, got Y' messages."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    return {
        _NULL: "null",
        _BOOL: "a boolean",
        _INT: "a number",
        _FLOAT: "a number",
    }.get(node.tag, f"text '{_shorten(node.value)}'")


def _shorten(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def _has_placeholder(value: Any) -> bool:
    return isinstance(value, str) and bool(find_placeholders(value))


def _suggest(word: str, choices: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(word, choices, n=1)
    return close[0] if close else None


class _Document:
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
    def read(
        cls, path: Path, *, base_dir: Path | None, allow_outside: bool, text: str | None = None
    ) -> _Document:
        """Read, decode and compose ``path``; every failure becomes a located LoadError."""
        file = str(path)
        if text is None:
            text = _read_text(path)
        try:
            root = _compose(text)
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
        document = cls(path, text, root, base_dir=base_dir, allow_outside=allow_outside)
        if root is not None:
            document.check_and_count(root)
        return document

    @classmethod
    def streamed(
        cls, path: Path, text: str, base_dir: Path | None, allow_outside: bool
    ) -> _Document | None:
        """A document whose top-level ``requests`` list is composed item by item, or None.

        Only when ``requests`` is the last top-level key (the usual layout); otherwise, and on
        any YAML error, iterating raises _NotStreamable or YAMLError and the caller reads the
        file whole.
        """
        streaming = _streaming_loader_class()
        if streaming is None:
            return None
        # Read in chunks: given the whole text, libyaml would hold a UTF-8 copy of all of it.
        loader = streaming(_TextChunks(text))
        root = _compose_root_until_requests(loader)
        document = cls(path, text, root, base_dir=base_dir, allow_outside=allow_outside)
        document.check_and_count(root)
        requests = next((value for key, value in root.value if isinstance(value, _Items)), None)
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
        if root.tag not in _KNOWN_TAGS:
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
            if ident in done or isinstance(node, (ScalarNode, _Items)):
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
                if child.tag not in _KNOWN_TAGS:
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
            elif isinstance(node, SequenceNode) and not isinstance(node, _Items):
                children = node.value
            else:
                continue
            count += len(children)
            for child in children:
                if child.tag not in _KNOWN_TAGS:
                    self.unknown_tag(child)
            # Reversed, so the first unknown tag in the text is the one reported.
            stack.extend(child for child in reversed(children) if not isinstance(child, ScalarNode))
        return count

    def unknown_tag(self, node: Node) -> NoReturn:
        example = _quoted_example(self.source_line(node.start_mark.line), node.start_mark.column)
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
            self.fail(f"{what} must be a mapping at the top level, got {_describe(self.root)}")
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

    def placeholder_uses(self, field_name: str, strings: Sequence[tuple[str, Node]]) -> _Uses:
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
                    close = _suggest(name, sorted(DYNAMIC_NAMES))
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

    def pairs(self, node: MappingNode, *, skip_x: bool) -> list[_Pair]:
        """The entries of a mapping: merge keys applied, duplicates refused, ``x-`` optional.

        Merged entries sit where the ``<<`` key is written; keys written in the mapping win over
        merged ones, and an earlier merge source wins over a later one (YAML 1.1 merge).
        """
        explicit: dict[str, Node] = {}
        merge_key: Node | None = None
        result: list[_Pair] = []
        for key, value in node.value:
            if key.tag == _MERGE:
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
            if key.tag != _MERGE:
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
            f"a merge key '<<' takes a mapping, got {_describe(node)}",
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
            self.fail(f"a key must be text, got {_describe(key)}", key)
        return str(key.value)

    def mapping(self, node: Node, what: str, *, hint: str | None = None) -> MappingNode:
        if not isinstance(node, MappingNode):
            self.fail(f"'{what}' must be a mapping, got {_describe(node)}", node, hint=hint)
        return node

    def sequence(self, node: Node, what: str, *, hint: str | None = None) -> SequenceNode:
        if not isinstance(node, SequenceNode):
            self.fail(f"'{what}' must be a list, got {_describe(node)}", node, hint=hint)
        return node

    def object(
        self,
        node: Node,
        what: str,
        allowed: Sequence[str],
        *,
        suggest: Sequence[str] = (),
        label: str | None = None,
        entries: list[_Pair] | None = None,
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
                close = _suggest(text, (*allowed, *suggest))
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
        if tag in (_STR, _MERGE):  # a ``<<`` that is not a key is the text "<<"
            return text
        if tag == _NULL:
            if not _NULL_RE.match(text):
                self.fail(f"'{text}' is not a null", node, hint="write null, ~ or nothing")
            return None
        if tag == _BOOL:
            if not _BOOL_RE.match(text):
                self.fail(f"'{text}' is not a boolean", node, hint="write true or false")
            return text.lower() == "true"
        if tag == _INT:
            if len(text) > _MAX_NUMBER_DIGITS:  # int() refuses longer ones; no API needs them
                self.fail(f"a number of {len(text)} digits is too long", node, length=1)
            number = _parse_int(text)
            if number is None:
                self.fail(f"'{text}' is not an integer", node)
            return number
        if tag == _FLOAT:
            value = _parse_float(text)
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
        if not isinstance(node, ScalarNode) or node.tag == _NULL:
            hint = "write '' for an empty value" if isinstance(node, ScalarNode) else None
            self.fail(f"'{what}' must be text, got {_describe(node)}", node, hint=hint)
        self.scalar(node)  # validates explicitly tagged values such as ``!!int abc``
        text = str(node.value)
        if strings is not None:
            strings.append((text, node))
        return text

    def string(self, node: Node, what: str, *, hint: str | None = None) -> str:
        """A value that must be a YAML string (not a number or boolean)."""
        if not isinstance(node, ScalarNode) or node.tag != _STR:
            self.fail(f"'{what}' must be text, got {_describe(node)}", node, hint=hint)
        return str(node.value)

    def integer(
        self, node: Node, what: str, *, minimum: int | None = None, maximum: int | None = None
    ) -> int:
        if not isinstance(node, ScalarNode) or node.tag != _INT:
            hint = None
            if isinstance(node, ScalarNode) and node.tag == _STR and _parse_int(node.value):
                hint = f"write {node.value} without quotes"
            self.fail(f"'{what}' must be an integer, got {_describe(node)}", node, hint=hint)
        value: int = self.scalar(node)
        self.check_range(node, what, value, minimum, maximum)
        return value

    def number(self, node: Node, what: str, *, minimum: float = 0, strict: bool = False) -> Any:
        """An int or float; ``strict`` means it must be greater than ``minimum``."""
        if not isinstance(node, ScalarNode) or node.tag not in (_INT, _FLOAT):
            hint = None
            if isinstance(node, ScalarNode) and node.tag == _STR and _parse_float(node.value):
                hint = f"write {node.value} without quotes"
            self.fail(f"'{what}' must be a number, got {_describe(node)}", node, hint=hint)
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
        if not isinstance(node, ScalarNode) or node.tag != _BOOL:
            hint = "write true or false"
            if isinstance(node, ScalarNode) and node.value.lower() in ("yes", "no", "on", "off"):
                hint = f"write true or false ('{node.value}' is text in YAML 1.2)"
            self.fail(f"'{what}' must be true or false, got {_describe(node)}", node, hint=hint)
        value: bool = self.scalar(node)
        return value

    # ----------------------------------------------------------------- shared file sections

    def description(self, entry: tuple[Node, Node] | None) -> str | None:
        if entry is None or (isinstance(entry[1], ScalarNode) and entry[1].tag == _NULL):
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
        if not _VARIABLE_NAME.fullmatch(name):
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


# ------------------------------------------------------------------------------ the collection


@dataclass(frozen=True, slots=True)
class _Layer:
    """Defaults from one level (collection, folder) or a request's own fields, mergeable.

    ``headers`` is keyed by lowercase name -> (name as written, value, uses); ``checks`` by
    (kind, target) -> (check, uses), where header targets are lowercase.
    """

    headers: Mapping[str, tuple[str, str, _Uses]] = field(default_factory=dict)
    params: Mapping[str, tuple[Any, _Uses]] = field(default_factory=dict)
    auth: Any = _UNSET  # _UNSET, None (``auth: none``) or (AuthSpec, uses)
    options: Mapping[str, Any] = field(default_factory=dict)
    checks: Mapping[tuple[str, str], tuple[CheckSpec, _Uses]] = field(default_factory=dict)

    def merged(self, inner: _Layer) -> _Layer:
        """``inner`` applied over this layer (FORMAT.md 1.8); replaced keys keep their place."""
        return _Layer(
            headers={**self.headers, **inner.headers},
            params={**self.params, **inner.params},
            auth=self.auth if inner.auth is _UNSET else inner.auth,
            options={**self.options, **inner.options},
            checks={**self.checks, **inner.checks},
        )


_CheckEntries = dict[tuple[str, str], tuple[CheckSpec, _Uses]]


class _CollectionBuilder:
    """Builds a CollectionSpec from a composed document."""

    def __init__(
        self,
        document: _Document,
        on_request: Callable[[RequestSpec | bytes], object] | None = None,
    ) -> None:
        self.doc = document
        self.packer: RequestPacker | None = None
        self.on_request = on_request

    def build(self) -> CollectionSpec:
        doc = self.doc
        root = doc.root_mapping("a collection file")
        keys = doc.object(root, "collection", _COLLECTION_KEYS)
        name = doc.text(keys["name"][1], "name") if "name" in keys else doc.path.stem
        variables = doc.variables(keys.get("variables"), f"collection {name}")
        secrets, secret_locations = doc.secrets(keys.get("secrets"))
        defaults = self.defaults(keys.get("defaults"))
        if "requests" not in keys:
            doc.fail(
                "a collection needs 'requests'",
                root,
                hint="add requests: with a list of requests",
                length=1,
            )
        scopes: list[VariableScope] = [variables]
        if isinstance(keys["requests"][1], _Items):
            # A large file: each request is packed as it is built (runner.compact).
            from runner.compact import RequestPacker

            self.packer = RequestPacker()
        requests = self.items(keys["requests"][1], (), (), (), defaults, scopes)
        doc.check_secret_conflicts(secret_locations, scopes)
        return CollectionSpec(
            name=name,
            file=doc.file,
            variables=variables,
            requests=tuple(cast("list[RequestSpec]", requests))
            if self.packer is None
            else self.packer.sequence(cast("list[bytes]", requests)),
            secrets=secrets,
            description=doc.description(keys.get("description")),
            secret_locations=secret_locations,
        )

    # ------------------------------------------------------------------------ folders

    def items(
        self,
        node: Node,
        folders: tuple[str, ...],
        folder_scopes: tuple[VariableScope, ...],
        tags: tuple[str, ...],
        inherited: _Layer,
        all_scopes: list[VariableScope],
    ) -> list[RequestSpec | bytes]:
        """The requests of a ``requests`` list, folders flattened depth first (packed bytes
        instead of RequestSpecs for a large file)."""
        doc = self.doc
        sequence = doc.sequence(node, "requests", hint="write requests: followed by '- name: ...'")
        result: list[RequestSpec | bytes] = []
        names: dict[str, Node] = {}
        for item in sequence.value:
            if not isinstance(item, MappingNode):
                doc.fail(
                    f"each item of 'requests' must be a mapping (a request or a folder), "
                    f"got {_describe(item)}",
                    item,
                )
            entries = doc.pairs(item, skip_x=True)
            is_folder = any(text == "requests" for text, _, _ in entries)
            what = "folder" if is_folder else "request"
            allowed = _FOLDER_KEYS if is_folder else _REQUEST_KEYS
            keys = doc.object(item, what, allowed, suggest=("requests",), entries=entries)
            if "name" not in keys:
                doc.fail(f"a {what} needs a 'name'", item, hint="add name: ...", length=1)
            name_node = keys["name"][1]
            name = doc.text(name_node, "name")
            if not name.strip():
                doc.fail(f"the {what} name is empty", name_node)
            if name in names:
                first = names[name].start_mark.line + 1
                doc.fail(
                    f"duplicate name '{name}' (first at line {first})",
                    name_node,
                    hint="names must be unique among the requests and folders of one list",
                )
            names[name] = name_node
            if is_folder:
                result.extend(
                    self.folder(keys, name, folders, folder_scopes, tags, inherited, all_scopes)
                )
            else:
                request = self.request(item, keys, name, folders, folder_scopes, tags, inherited)
                built = request if self.packer is None else self.packer.pack(request)
                result.append(built)
                if self.on_request is not None:
                    self.on_request(built)
        return result

    def folder(
        self,
        keys: dict[str, tuple[Node, Node]],
        name: str,
        folders: tuple[str, ...],
        folder_scopes: tuple[VariableScope, ...],
        tags: tuple[str, ...],
        inherited: _Layer,
        all_scopes: list[VariableScope],
    ) -> list[RequestSpec | bytes]:
        doc = self.doc
        doc.description(keys.get("description"))  # checked, not kept: folders are flattened
        scope = doc.variables(keys.get("variables"), f"folder {name}")
        all_scopes.append(scope)
        own_tags = self.tags(keys.get("tags"))
        layer = inherited.merged(self.defaults(keys.get("defaults")))
        return self.items(
            keys["requests"][1],
            (*folders, name),
            (scope, *folder_scopes),
            _union(tags, own_tags),
            layer,
            all_scopes,
        )

    def tags(self, entry: tuple[Node, Node] | None) -> tuple[str, ...]:
        if entry is None:
            return ()
        doc = self.doc
        sequence = doc.sequence(entry[1], "tags", hint="write tags: [smoke]")
        return _union((), tuple(doc.text(item, "tag") for item in sequence.value))

    def defaults(self, entry: tuple[Node, Node] | None) -> _Layer:
        if entry is None:
            return _Layer()
        keys = self.doc.object(entry[1], "defaults", _DEFAULTS_KEYS)
        return self.layer(keys)

    def layer(self, keys: Mapping[str, tuple[Node, Node]]) -> _Layer:
        """The mergeable fields (headers, params, auth, options, assert) of defaults or request."""
        headers = self.headers(keys["headers"][1]) if "headers" in keys else {}
        params = self.params(keys["params"][1]) if "params" in keys else {}
        auth = self.auth(keys["auth"][1]) if "auth" in keys else _UNSET
        options = self.options(keys["options"][1]) if "options" in keys else {}
        checks = self.assertions(keys["assert"][1], "assert") if "assert" in keys else {}
        return _Layer(headers, params, auth, options, checks)

    # ----------------------------------------------------------------------- requests

    def request(
        self,
        item: MappingNode,
        keys: dict[str, tuple[Node, Node]],
        name: str,
        folders: tuple[str, ...],
        folder_scopes: tuple[VariableScope, ...],
        tags: tuple[str, ...],
        inherited: _Layer,
    ) -> RequestSpec:
        doc = self.doc
        method = "GET"
        if "method" in keys:
            method_node = keys["method"][1]
            method = doc.text(method_node, "method").upper()
            if not _HTTP_TOKEN.fullmatch(method):
                doc.fail(
                    f"invalid HTTP method '{method_node.value}'",
                    method_node,
                    hint="a method is one word such as GET, POST, PUT, PATCH, DELETE",
                )
        if "url" not in keys:
            doc.fail(f"request '{name}' has no 'url'", item, hint="add url: ...", length=1)
        url_strings: list[tuple[str, Node]] = []
        url = doc.text(keys["url"][1], "url", url_strings)
        if not url.strip():
            doc.fail("'url' is empty", keys["url"][1])
        layer = inherited.merged(self.layer(keys))
        body, body_uses = self.body(keys["body"][1]) if "body" in keys else (None, ())
        captures = self.captures(keys["capture"][1]) if "capture" in keys else []
        examples, example_uses = (
            self.examples(keys["examples"][1]) if "examples" in keys else ((), ())
        )
        auth, auth_uses = (None, ()) if layer.auth in (_UNSET, None) else layer.auth
        placeholders = (
            *doc.placeholder_uses("url", url_strings),
            *(use for _, uses in layer.params.values() for use in uses),
            *(use for _, _, uses in layer.headers.values() for use in uses),
            *auth_uses,
            *body_uses,
            *(use for _, uses in layer.checks.values() for use in uses),
            *(use for _, uses in captures for use in uses),
            *example_uses,
        )
        return RequestSpec(
            name=name,
            folders=folders,
            method=method,
            url=url,
            location=doc.location(item, length=1),
            params={key: value for key, (value, _) in layer.params.items()},
            headers={spelled: value for spelled, value, _ in layer.headers.values()},
            auth=auth,
            body=body,
            checks=tuple(check for check, _ in layer.checks.values()),
            captures=tuple(spec for spec, _ in captures),
            options=dict(layer.options),
            tags=_union(tags, self.tags(keys.get("tags"))),
            examples=examples,
            description=doc.description(keys.get("description")),
            folder_scopes=folder_scopes,
            placeholders=placeholders,
        )

    def headers(self, node: Node) -> dict[str, tuple[str, str, _Uses]]:
        doc = self.doc
        mapping = doc.mapping(node, "headers", hint="write headers: {Name: value}")
        result: dict[str, tuple[str, str, _Uses]] = {}
        for name, key, value in doc.pairs(mapping, skip_x=False):
            strings: list[tuple[str, Node]] = [(name, key)]
            if not _HTTP_TOKEN.fullmatch(name) and not _has_placeholder(name):
                doc.fail(f"invalid header name '{name}'", key, hint="a header name is one word")
            lowered = name.lower()
            if lowered in result:
                doc.fail(
                    f"header '{name}' is given twice (header names ignore case)",
                    key,
                    hint=f"keep one of '{result[lowered][0]}' and '{name}'",
                )
            text = doc.text(value, f"header {name}", strings)
            result[lowered] = (name, text, doc.placeholder_uses("headers", strings))
        return result

    def params(self, node: Node) -> dict[str, tuple[Any, _Uses]]:
        doc = self.doc
        mapping = doc.mapping(node, "params", hint="write params: {name: value}")
        result: dict[str, tuple[Any, _Uses]] = {}
        for name, key, value in doc.pairs(mapping, skip_x=False):
            strings: list[tuple[str, Node]] = []
            text = self.param_value(key, value, name, strings)
            result[name] = (text, doc.placeholder_uses("params", strings))
        return result

    def param_value(self, key: Node, node: Node, name: str, strings: list[tuple[str, Node]]) -> Any:
        """A query or form value: text, or a list of texts that repeats the key."""
        doc = self.doc
        strings.append((name, key))
        if isinstance(node, SequenceNode):
            return [doc.text(item, name, strings) for item in node.value]
        return doc.text(node, name, strings)

    def auth(self, node: Node) -> tuple[AuthSpec, _Uses] | None:
        """``none`` or a one-key mapping (FORMAT.md 1.7)."""
        doc = self.doc
        hint = "write auth: none, or {bearer: token}, {basic: {...}}, {apikey: {...}}, ..."
        if isinstance(node, ScalarNode) and node.tag == _STR:
            if node.value == "none":
                return None
            doc.fail(f"unknown auth '{node.value}'", node, hint=hint)
        mapping = doc.mapping(node, "auth", hint=hint)
        entries = doc.pairs(mapping, skip_x=True)
        if len(entries) != 1:
            doc.fail(f"'auth' needs exactly one kind, got {len(entries)}", node, hint=hint)
        kind, key, value = entries[0]
        if kind not in _AUTH_KINDS:
            close = _suggest(kind, _AUTH_KINDS)
            doc.fail(
                f"unknown auth kind '{kind}'",
                key,
                hint=f"did you mean '{close}'?" if close else f"use {', '.join(_AUTH_KINDS)}",
            )
        strings: list[tuple[str, Node]] = []
        params: Any
        if kind == "bearer":
            params = doc.text(value, "bearer", strings)
        elif kind == "apikey":
            params = self.apikey(value, strings)
        else:
            required, optional = _AUTH_KEYS[kind]
            fields = doc.object(value, f"auth {kind}", (*required, *optional), label=kind)
            for needed in required:
                if needed not in fields:
                    doc.fail(
                        f"auth {kind} needs '{needed}'",
                        value,
                        hint=f"{kind} takes {', '.join((*required, *optional))}",
                        length=1,
                    )
            params = {
                name: doc.text(field_value, name, strings)
                for name, (_, field_value) in fields.items()
            }
        spec = AuthSpec(kind, params, doc.location(key))
        return spec, doc.placeholder_uses("auth", strings)

    def apikey(self, node: Node, strings: list[tuple[str, Node]]) -> dict[str, str]:
        doc = self.doc
        fields = doc.object(node, "auth apikey", ("header", "query", "value"), label="apikey")
        hint = "write {apikey: {header: X-API-Key, value: ...}} or {apikey: {query: k, value: ...}}"
        places = [name for name in ("header", "query") if name in fields]
        if len(places) != 1 or "value" not in fields:
            doc.fail("auth apikey needs 'value' and one of 'header' or 'query'", node, hint=hint)
        return {name: doc.text(value, name, strings) for name, (_, value) in fields.items()}

    def options(self, node: Node) -> dict[str, Any]:
        doc = self.doc
        keys = doc.object(node, "options", _OPTION_KEYS)
        result: dict[str, Any] = {}
        for name, (_key, value) in keys.items():
            if name == "timeout":
                result[name] = doc.number(value, "timeout", strict=True)
            elif name == "delay_ms":
                result[name] = doc.number(value, "delay_ms")
            elif name == "follow_redirects":
                result[name] = doc.boolean(value, name)
            elif name == "verify":
                if isinstance(value, ScalarNode) and value.tag == _BOOL:
                    result[name] = doc.boolean(value, name)
                else:
                    hint = "write true, false or the path of a CA bundle"
                    result[name] = self.local_path(doc.string(value, name, hint=hint))
            elif name == "cert":
                result[name] = self.cert(value)
            elif name == "proxy":
                result[name] = doc.string(value, name)
            elif name == "skip":
                if isinstance(value, ScalarNode) and value.tag == _BOOL:
                    result[name] = doc.boolean(value, name)
                else:
                    result[name] = doc.string(value, name, hint="write true or a reason")
            else:
                result[name] = self.retries(value)
        return result

    def local_path(self, written: str) -> str:
        """A path for the TLS layer, relative to the collection file (checked when sending)."""
        path = Path(written)
        return str(path if path.is_absolute() else self.doc.folder / path)

    def cert(self, node: Node) -> str | tuple[str, str]:
        doc = self.doc
        hint = "write cert: client.pem or cert: [client.crt, client.key]"
        if isinstance(node, SequenceNode):
            if len(node.value) != 2:
                doc.fail("'cert' takes a path or a list of two paths", node, hint=hint)
            cert, key = (doc.string(item, "cert", hint=hint) for item in node.value)
            return self.local_path(cert), self.local_path(key)
        return self.local_path(doc.string(node, "cert", hint=hint))

    def retries(self, node: Node) -> dict[str, Any]:
        doc = self.doc
        keys = doc.object(node, "retries", _RETRY_KEYS)
        result: dict[str, Any] = {}
        for name, (_key, value) in keys.items():
            if name == "count":
                result[name] = doc.integer(value, "count", minimum=0)
            elif name == "on":
                sequence = doc.sequence(value, "on", hint="write on: [429, 503]")
                result[name] = tuple(
                    doc.integer(item, "status", minimum=_MIN_STATUS, maximum=_MAX_STATUS)
                    for item in sequence.value
                )
            elif name in ("backoff", "max_wait"):
                result[name] = doc.number(value, name)
            else:
                checks = self.assertions(value, "unless")
                result[name] = tuple(check for check, _ in checks.values())
        return result

    # ---------------------------------------------------------------------------- body

    def body(self, node: Node) -> tuple[BodySpec, _Uses]:
        doc = self.doc
        kinds = ", ".join(BODY_KINDS)
        mapping = doc.mapping(node, "body", hint=f"write body: followed by one of {kinds}")
        entries = doc.pairs(mapping, skip_x=True)
        for text, key, _ in entries:
            if text not in BODY_KINDS:
                close = _suggest(text, BODY_KINDS)
                hint = f"did you mean '{close}'?" if close else f"a body is one of {kinds}"
                doc.fail(f"unknown body kind '{text}'", key, hint=hint)
        if not entries:
            doc.fail("'body' is empty", node, hint=f"write one of {kinds}")
        if len(entries) > 1:
            doc.fail(
                f"'body' has two kinds: '{entries[0][0]}' and '{entries[1][0]}'",
                entries[1][1],
                hint="a request sends one body: keep one of them",
            )
        kind, key, value_node = entries[0]
        strings: list[tuple[str, Node]] = []
        value: Any
        if kind == "json":
            value = doc.data(value_node, strings)
        elif kind == "raw":
            value = doc.text(value_node, "raw", strings)
        elif kind == "form":
            mapping = doc.mapping(value_node, "form", hint="write form: {name: value}")
            value = {
                name: self.param_value(part_key, part, name, strings)
                for name, part_key, part in doc.pairs(mapping, skip_x=False)
            }
        elif kind == "multipart":
            value = self.multipart(value_node, strings)
        elif kind == "file":
            value = doc.file_path(value_node, "file")
        else:
            value = self.graphql(value_node, strings)
        spec = BodySpec(kind, value, doc.location(key))  # type: ignore[arg-type]
        return spec, doc.placeholder_uses("body", strings)

    def multipart(self, node: Node, strings: list[tuple[str, Node]]) -> dict[str, Any]:
        doc = self.doc
        mapping = doc.mapping(node, "multipart", hint="write multipart: {field: value}")
        parts: dict[str, Any] = {}
        for name, key, value in doc.pairs(mapping, skip_x=False):
            strings.append((name, key))
            if isinstance(value, MappingNode):
                fields = doc.object(
                    value, f"multipart part '{name}'", ("file", "content_type"), label=name
                )
                if "file" not in fields:
                    doc.fail(
                        f"multipart part '{name}' needs 'file'",
                        value,
                        hint="write {file: path, content_type: ...} or a plain value",
                        length=1,
                    )
                content_type = None
                if "content_type" in fields:
                    content_type = doc.text(fields["content_type"][1], "content_type", strings)
                parts[name] = {
                    "file": doc.file_path(fields["file"][1], "file"),
                    "content_type": content_type,
                }
            else:
                parts[name] = doc.text(value, name, strings)
        return parts

    def graphql(self, node: Node, strings: list[tuple[str, Node]]) -> dict[str, Any]:
        doc = self.doc
        fields = doc.object(node, "graphql", ("query", "variables"))
        if "query" not in fields:
            doc.fail("'graphql' needs a 'query'", node, hint="write {query: ..., variables: {}}")
        query = doc.string(fields["query"][1], "query")
        strings.append((query, fields["query"][1]))
        variables: Any = {}
        if "variables" in fields:
            variables_node = doc.mapping(fields["variables"][1], "variables")
            variables = doc.data(variables_node, strings)
        return {"query": query, "variables": variables}

    # ------------------------------------------------------------------------------ checks

    def assertions(self, node: Node, what: str) -> _CheckEntries:
        """An ``assert`` block (or ``retries.unless``): one CheckSpec per check, keyed to merge."""
        doc = self.doc
        keys = doc.object(node, what, CHECK_KINDS)
        entries: _CheckEntries = {}
        for kind, (key, value) in keys.items():
            strings: list[tuple[str, Node]] = []
            if kind in ("headers", "jsonpath"):
                mapping = doc.mapping(value, kind, hint=f"write {kind}: followed by name: value")
                seen: dict[str, str] = {}
                # x- keys can hold anchors among JSONPaths (which start with $), not among headers
                pairs = doc.pairs(mapping, skip_x=kind == "jsonpath")
                for target, target_key, expected in pairs:
                    strings = [(target, target_key)]
                    if kind == "headers":
                        lowered = target.lower()
                        if lowered in seen:
                            doc.fail(
                                f"header '{target}' is checked twice (header names ignore case)",
                                target_key,
                                hint=f"keep one of '{seen[lowered]}' and '{target}'",
                            )
                        seen[lowered] = target
                        entry_key = ("header", lowered)
                    else:
                        self.jsonpath(target, target_key)
                        entry_key = ("jsonpath", target)
                    check = CheckSpec(
                        "header" if kind == "headers" else "jsonpath",
                        target,
                        self.matcher(expected, strings),
                        doc.location(target_key),
                    )
                    entries[entry_key] = (check, doc.placeholder_uses("assert", strings))
                continue
            if kind == "schema":
                check = self.schema(key, value)
            else:
                if kind == "status":
                    matcher = self.status(value, strings)
                elif kind == "time_ms":
                    matcher = self.time_ms(value, strings)
                else:
                    matcher = self.matcher(value, strings)
                check = CheckSpec(kind, None, matcher, doc.location(key))  # type: ignore[arg-type]
            entries[(kind, "")] = (check, doc.placeholder_uses("assert", strings))
        return entries

    def jsonpath(self, expression: str, node: Node) -> None:
        """Compile a JSONPath now, so a typo is a load error (later uses hit the cache)."""
        if _has_placeholder(expression):
            return  # compiled once rendered
        try:
            compile_path(expression)
        except JsonPathError as exc:
            hint = None
            if not expression.lstrip().startswith("$"):
                hint = f"a JSONPath starts with $: write $.{expression.lstrip('.')}"
            self.doc.fail(str(exc), node, hint=hint)

    def regex(self, pattern: str, node: Node) -> None:
        """Compile a regex now; an error points at the offending character when it can."""
        if _has_placeholder(pattern):
            return
        try:
            with warnings.catch_warnings():
                # "possible nested set" and the like: valid today, so not an error here
                warnings.simplefilter("ignore")
                re.compile(pattern)
        except (OverflowError, RecursionError) as exc:
            raise LoadError(
                f"regex '{pattern}' is too large: {exc}", location=self.doc.location(node)
            ) from None
        except re.error as exc:
            doc = self.doc
            position = exc.pos or 0
            location = doc.location(node)
            style = getattr(node, "style", None)
            if node.start_mark.line == node.end_mark.line and style in (None, "'", '"'):
                shift = 0 if style is None else 1
                location = SourceLocation(
                    doc.file, location.line, location.column + shift + position, 1
                )
            raise LoadError(
                f"invalid regex '{pattern}': {exc.msg} at position {position}",
                location=location,
                hint="regexes use Python's re syntax; write them in single quotes",
            ) from None

    def status(self, node: Node, strings: list[tuple[str, Node]]) -> Matcher:
        doc = self.doc
        hint = "write an int (200), a class (2xx), a list ([200, 201]) or a matcher ({gte: 200})"
        if isinstance(node, MappingNode):
            matcher = self.matcher(node, strings)
            if matcher.implicit:
                doc.fail("'status' mapping is not a matcher", node, hint=hint)
            return matcher
        items = node.value if isinstance(node, SequenceNode) else [node]
        if not items:
            doc.fail("'status' is an empty list", node, hint=hint)
        allowed: list[int | str] = []
        for item in items:
            if isinstance(item, ScalarNode) and item.tag == _INT:
                allowed.append(
                    doc.integer(item, "status", minimum=_MIN_STATUS, maximum=_MAX_STATUS)
                )
                continue
            if isinstance(item, ScalarNode) and item.tag == _STR:
                text = item.value
                if _STATUS_CLASS.fullmatch(text):
                    allowed.append(text.lower())
                    continue
                if _parse_int(text.strip()) is not None:
                    doc.fail(
                        f"status '{text}' is quoted text, not a number",
                        item,
                        hint=f"write {text.strip()} without quotes",
                    )
                if find_placeholders(text):
                    strings.append((text, item))
                    allowed.append(text)
                    continue
            doc.fail(f"invalid status {_describe(item)}", item, hint=hint)
        return Matcher((("status", tuple(allowed)),), implicit=True)

    def time_ms(self, node: Node, strings: list[tuple[str, Node]]) -> Matcher:
        matcher = self.matcher(node, strings)
        if matcher.implicit:
            limit = node.value if isinstance(node, ScalarNode) and node.tag == _INT else "500"
            self.doc.fail(
                "'time_ms' needs a matcher, not a bare value",
                node,
                hint=f"write {{lt: {limit}}}",
            )
        return matcher

    def matcher(self, node: Node, strings: list[tuple[str, Node]]) -> Matcher:
        """A mapping of operators, or any other value as a literal (FORMAT.md 1.3 Matchers)."""
        doc = self.doc
        if isinstance(node, MappingNode):
            entries = doc.pairs(node, skip_x=False)
            operators = [entry for entry in entries if entry[0] in OPERATORS]
            if entries and len(operators) == len(entries):
                return Matcher(
                    tuple(
                        (name, self.argument(name, value, strings)) for name, _key, value in entries
                    )
                )
            literal_hint = "to compare with a literal mapping use {eq: {...}}"
            if operators:
                other = next(entry for entry in entries if entry[0] not in OPERATORS)
                close = _suggest(other[0], OPERATORS)
                doc.fail(
                    f"a matcher mixes operators ({', '.join(op for op, _, _ in operators)}) "
                    f"with other keys ('{other[0]}')",
                    other[1],
                    hint=(f"did you mean '{close}'? " if close else "")
                    + f"A matcher takes only operators; {literal_hint}",
                )
            if len(entries) == 1:
                close_matches = difflib.get_close_matches(entries[0][0], OPERATORS, 1, 0.75)
                if close_matches:
                    doc.fail(
                        f"unknown operator '{entries[0][0]}'",
                        entries[0][1],
                        hint=f"did you mean '{close_matches[0]}'? To compare with a literal "
                        "mapping use {eq: {...}}",
                    )
        return Matcher.equals(doc.data(node, strings))

    def argument(self, operator: str, node: Node, strings: list[tuple[str, Node]]) -> Any:
        """An operator's argument, checked by operator; placeholders pass as written."""
        doc = self.doc
        if operator == "each":
            return self.matcher(node, strings)
        if operator == "length":
            if isinstance(node, MappingNode):
                nested = self.matcher(node, strings)
                if not nested.implicit:
                    return nested
            elif isinstance(node, ScalarNode) and node.tag == _INT:
                return Matcher.equals(doc.integer(node, "length", minimum=0))
            elif isinstance(node, ScalarNode) and node.tag == _STR and _has_placeholder(node.value):
                return doc.data(node, strings)
            doc.fail(
                f"'length' takes an int or a matcher, got {_describe(node)}",
                node,
                hint="write length: 3 or length: {gte: 1}",
            )
        value = doc.data(node, strings)
        if _has_placeholder(value):
            return value
        problem: str | None = None
        hint: str | None = None
        if operator == "matches":
            if not isinstance(value, str):
                problem, hint = "a regex (text)", "write matches: '^\\d+$' in single quotes"
            else:
                self.regex(value, node)
        elif operator in ("exists", "empty"):
            if not isinstance(value, bool):
                problem, hint = "true or false", f"write {operator}: true or {operator}: false"
        elif operator == "type":
            if value not in TYPE_NAMES:
                close = _suggest(str(value), TYPE_NAMES)
                problem = f"one of {', '.join(TYPE_NAMES)}"
                hint = f"did you mean '{close}'?" if close else None
        elif operator in ("in", "not_in"):
            if not isinstance(value, list):
                problem, hint = "a list", f"write {operator}: [a, b]"
        elif operator in ("gt", "gte", "lt", "lte"):
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                problem = "a number or text"
        elif operator in ("starts_with", "ends_with") and (
            value is None or not isinstance(value, (str, int, float, bool))
        ):
            problem = "text"
        if problem is not None:
            doc.fail(f"'{operator}' takes {problem}, got {_describe(node)}", node, hint=hint)
        return value

    def schema(self, key: Node, node: Node) -> CheckSpec:
        doc = self.doc
        if isinstance(node, MappingNode):
            target = "inline"
            schema = doc.data(node)
        elif isinstance(node, ScalarNode) and node.tag == _STR:
            target = node.value
            schema = self.read_schema(Path(doc.file_path(node, "schema")), node)
        else:
            doc.fail(
                f"'schema' must be a mapping or a path, got {_describe(node)}",
                node,
                hint="write the JSON Schema inline, or the path of a .json or .yaml file",
            )
        _check_schema(schema, doc, node)
        return CheckSpec("schema", target, None, doc.location(key), schema=schema)

    def read_schema(self, path: Path, node: Node) -> dict[str, Any]:
        doc = self.doc
        suffix = path.suffix.lower()
        schema: Any
        if suffix == ".json":
            text = _read_text(path)
            try:
                schema = json.loads(text)
            except json.JSONDecodeError as exc:
                raise LoadError(
                    f"invalid JSON in schema file: {exc.msg}",
                    location=SourceLocation(str(path), exc.lineno, exc.colno),
                ) from None
        elif suffix in (".yaml", ".yml"):
            schema_doc = _Document.read(path, base_dir=None, allow_outside=True)
            root = schema_doc.root_mapping("a schema file")
            schema = schema_doc.data(root)
        else:
            doc.fail(
                f"schema file '{node.value}' is not .json, .yaml or .yml",
                node,
                hint="name the schema file *.json (JSON) or *.yaml (YAML)",
            )
        if not isinstance(schema, dict):
            doc.fail(f"schema file '{node.value}' does not hold an object", node)
        return schema

    # --------------------------------------------------------------- captures and examples

    def captures(self, node: Node) -> list[tuple[CaptureSpec, _Uses]]:
        doc = self.doc
        mapping = doc.mapping(node, "capture", hint="write capture: {name: $.path}")
        result: list[tuple[CaptureSpec, _Uses]] = []
        for name, key, source in doc.pairs(mapping, skip_x=False):
            doc.check_name(name, key, "capture")
            strings: list[tuple[str, Node]] = []
            kind, text = self.capture_source(name, source, strings)
            spec = CaptureSpec(name, kind, text, doc.location(key))  # type: ignore[arg-type]
            result.append((spec, doc.placeholder_uses("capture", strings)))
        return result

    def capture_source(
        self, name: str, node: Node, strings: list[tuple[str, Node]]
    ) -> tuple[str, str]:
        doc = self.doc
        hint = f"a capture is one of {_CAPTURE_FORMS_TEXT}"
        if isinstance(node, ScalarNode) and node.tag == _STR:
            text = node.value
            if text.startswith("$"):
                strings.append((text, node))
                self.jsonpath(text, node)
                return "jsonpath", text
            doc.fail(f"capture '{name}': '{text}' is not a JSONPath", node, hint=hint)
        if isinstance(node, MappingNode):
            entries = doc.pairs(node, skip_x=True)
            if len(entries) == 1 and entries[0][0] in _CAPTURE_FORMS:
                form, _key, value = entries[0]
                if form == "status":
                    if not (
                        isinstance(value, ScalarNode)
                        and value.tag == _BOOL
                        and doc.boolean(value, "status")
                    ):
                        doc.fail("capture 'status' takes true", value, hint="write {status: true}")
                    return "status", "status"
                if form == "regex":
                    pattern = doc.string(value, "regex", hint="write regex: '...' in single quotes")
                    strings.append((pattern, value))
                    self.regex(pattern, value)
                    return "regex", pattern
                text = doc.text(value, form, strings)
                if not text:
                    doc.fail(f"capture '{name}': the {form} name is empty", value)
                return form, text
            if len(entries) == 1:
                close = _suggest(entries[0][0], _CAPTURE_FORMS)
                if close:
                    hint = f"did you mean '{close}'? {hint}"
        doc.fail(f"invalid capture '{name}'", node, hint=hint)

    def examples(self, node: Node) -> tuple[tuple[ExampleSpec, ...], _Uses]:
        doc = self.doc
        sequence = doc.sequence(node, "examples", hint="write examples: followed by '- name: ...'")
        strings: list[tuple[str, Node]] = []
        result: list[ExampleSpec] = []
        names: dict[str, Node] = {}
        for item in sequence.value:
            keys = doc.object(item, "example", _EXAMPLE_KEYS)
            if "name" not in keys:
                doc.fail("an example needs a 'name'", item, hint="add name: ...", length=1)
            name_node = keys["name"][1]
            name = doc.text(name_node, "name")
            if name in names:
                first = names[name].start_mark.line + 1
                doc.fail(f"duplicate example name '{name}' (first at line {first})", name_node)
            names[name] = name_node
            status = 200
            if "status" in keys:
                status = doc.integer(
                    keys["status"][1], "status", minimum=_MIN_STATUS, maximum=_MAX_STATUS
                )
            headers: dict[str, str] = {}
            if "headers" in keys:
                headers = self.example_headers(keys["headers"][1], strings)
            body: Any = ""
            if "body" in keys:
                body = self.example_body(keys["body"][1], strings)
            if isinstance(body, (dict, list)) and not any(
                header.lower() == "content-type" for header in headers
            ):
                headers["Content-Type"] = "application/json"
            result.append(
                ExampleSpec(
                    name=name,
                    status=status,
                    headers=headers,
                    body=body,
                    location=doc.location(item, length=1),
                    description=doc.description(keys.get("description")),
                )
            )
        return tuple(result), doc.placeholder_uses("examples", strings)

    def example_headers(self, node: Node, strings: list[tuple[str, Node]]) -> dict[str, str]:
        doc = self.doc
        mapping = doc.mapping(node, "headers", hint="write headers: {Name: value}")
        headers: dict[str, str] = {}
        for name, key, value in doc.pairs(mapping, skip_x=False):
            strings.append((name, key))
            headers[name] = doc.text(value, f"header {name}", strings)
        return headers

    def example_body(self, node: Node, strings: list[tuple[str, Node]]) -> Any:
        doc = self.doc
        if isinstance(node, (MappingNode, SequenceNode)):
            return doc.data(node, strings)
        if isinstance(node, ScalarNode) and node.tag == _NULL:
            return ""
        return doc.text(node, "body", strings)


# ------------------------------------------------------------------------------------ helpers


def _check_schema(schema: Any, doc: _Document, node: Node) -> None:
    """Validate a JSON Schema itself; a problem is a LoadError at the schema."""
    problem = _schema_problem(json.dumps(schema, sort_keys=True))
    if problem is not None:
        message, hint = problem
        doc.fail(message, node, hint=hint)


@functools.lru_cache(maxsize=256)
def _schema_problem(schema_json: str) -> tuple[str, str | None] | None:
    """What is wrong with a schema (keyed by its canonical JSON), or None.

    jsonschema is imported here only, when a collection has a schema check, and each distinct
    schema is checked once per process.
    """
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError
    from jsonschema.validators import validator_for

    schema = json.loads(schema_json)
    declared = schema.get("$schema") if isinstance(schema, dict) else None
    if declared is not None and not isinstance(declared, str):
        return "'$schema' must be a URI (text)", None
    # validator_for only warns (DeprecationWarning) on an unknown $schema: say so plainly instead
    if declared is not None and validator_for({"$schema": declared}, default=None) is None:
        return (
            f"unknown JSON Schema dialect '{declared}'",
            "use a draft jsonschema knows, such as https://json-schema.org/draft/2020-12/schema, "
            "or leave $schema out",
        )
    try:
        validator_for(schema, default=Draft202012Validator).check_schema(schema)
    except SchemaError as exc:
        where = f" at {exc.json_path}" if list(exc.path) else ""
        return f"invalid JSON Schema{where}: {exc.message}", None
    except Exception as exc:  # a load error, never a traceback, whatever jsonschema raises
        return f"invalid JSON Schema: {exc}", None
    return None


@contextlib.contextmanager
def _depth_guard(path: Path) -> Iterator[None]:
    """Turn Python's recursion limit, hit by absurdly nested YAML, into a LoadError."""
    try:
        yield
    except RecursionError:
        raise LoadError(
            "the file is nested too deeply",
            location=SourceLocation(str(path), 1, 1),
            hint="flatten the structure",
        ) from None


def _parse_int(text: str) -> int | None:
    if not _INT_RE.match(text):
        return None
    if text.startswith("0o"):
        return int(text[2:], 8)
    if text.startswith("0x"):
        return int(text[2:], 16)
    return int(text)


def _parse_float(text: str) -> float | None:
    if not _FLOAT_RE.match(text):
        return None
    lowered = text.lower()
    if lowered.endswith(".inf"):
        return float("-inf") if lowered.startswith("-") else float("inf")
    if lowered == ".nan":
        return float("nan")
    return float(text)


def _union(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    """Both tuples in order, each item once."""
    return tuple(dict.fromkeys((*first, *second)))


def _read_text(path: Path) -> str:
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
    return LoadError(message, location=location, hint=_syntax_hint(exc, line))


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
    example = _quoted_example(line, start) or 'Accept: "*/*"'
    return f"a value starting with '{char}' must be quoted: {example}"


def _quoted_example(line: str, start: int) -> str | None:
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


def _environment_folders(collection_files: Sequence[Path], cwd: Path) -> list[Path]:
    """``environments/`` in cwd, then the nearest one above each collection, each once."""
    folders: list[Path] = []
    seen: set[Path] = set()

    def add(folder: Path) -> None:
        resolved = folder.resolve()
        if resolved not in seen:
            seen.add(resolved)
            folders.append(folder)

    if (cwd / "environments").is_dir():
        add(cwd / "environments")
    for file in collection_files:
        start = file if file.is_absolute() else cwd / file
        for parent in _ancestors(start.parent.resolve()):
            if (parent / "environments").is_dir():
                add(parent / "environments")
                break
    return folders


def _listing(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:  # unreadable: it lists nothing
        return []


def _ancestors(folder: Path) -> Iterator[Path]:
    yield folder
    yield from folder.parents


def _yaml_files(root: Path) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` below ``root``, sorted, ``environments/`` folders left out."""
    found: list[Path] = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if name != "environments"]
        found.extend(Path(folder) / name for name in files if name.endswith((".yaml", ".yml")))
    return sorted(found)


def _looks_like_collection(path: Path) -> bool:
    """Whether a file's top level is a mapping with ``requests`` (FORMAT.md 4)."""
    try:
        text = _read_text(path)
    except LoadError:
        return False
    if "requests" not in text:
        return False
    if _BLOCK_MAPPING_START.match(text) and _TOP_LEVEL_REQUESTS.search(text):
        # The usual layout, settled without composing the file (it is composed again to load):
        # a file that opens with a plain key is a block mapping, whose `requests:` at column 0
        # is a top-level key (text inside it would be indented); a file that is not valid YAML
        # is loaded to say why.
        return True
    try:
        root = _compose(text)
    except (yaml.YAMLError, RecursionError):
        # Broken YAML that looks like a collection is loaded, so its error is shown.
        return re.search(r"^requests\s*:", text, re.MULTILINE) is not None
    return isinstance(root, MappingNode) and any(
        isinstance(key, ScalarNode) and key.value == "requests" for key, _ in root.value
    )
