"""Frozen dataclasses for everything read from disk: collections, requests, checks, environments.

The loader builds these with defaults already merged (FORMAT.md 1.8), so every RequestSpec is
complete on its own. Values that may hold ``<<placeholders>>`` are kept as written; they are
rendered at run time by ``templating``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from runner.source import SourceLocation

# Operators a user may write in a matcher mapping (FORMAT.md 1.3).
OPERATORS: tuple[str, ...] = (
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "in",
    "not_in",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "matches",
    "exists",
    "type",
    "length",
    "empty",
    "each",
)
TYPE_NAMES: tuple[str, ...] = ("string", "number", "integer", "boolean", "array", "object", "null")
BODY_KINDS: tuple[str, ...] = ("json", "raw", "form", "multipart", "file", "graphql")
CHECK_KINDS: tuple[str, ...] = (
    "status",
    "headers",
    "jsonpath",
    "body",
    "schema",
    "time_ms",
    "events",
    "time_to_first_event_ms",
    "joined",
)

# options.max_body (FORMAT.md 1.6): a whole number of bytes, optionally with one of these units.
SIZE_UNITS: Mapping[str, int] = {
    "B": 1,
    "KB": 1000,
    "MB": 1000**2,
    "GB": 1000**3,
    "KiB": 1024,
    "MiB": 1024**2,
    "GiB": 1024**3,
}
SIZE_HINT = (
    "write bytes as a whole number, or with a unit (B KB MB GB KiB MiB GiB): 65536, 64MiB, 10MB"
)
DEFAULT_MAX_BODY = 64 * 1024**2
_UNIT_NAMES = {unit.lower(): factor for unit, factor in SIZE_UNITS.items()}

CheckKind = Literal[
    "status",
    "header",
    "jsonpath",
    "body",
    "schema",
    "time_ms",
    "events",
    "time_to_first_event_ms",
    "joined",
]
CaptureKind = Literal["jsonpath", "header", "cookie", "regex", "status", "joined"]
# stream.sse.max_events unless set: an endless stream of tiny events stops here, since each
# event held costs far more memory than its bytes on the wire (max_body bounds those).
DEFAULT_MAX_EVENTS = 10_000
BodyKind = Literal["json", "raw", "form", "multipart", "file", "graphql"]


class _Missing:
    """The value of a path or header that is not there (distinct from JSON null)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "<missing>"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()


@dataclass(frozen=True, slots=True)
class Matcher:
    """Operators that must all hold, in the order written.

    ``operators`` pairs an operator name with its argument. ``length`` and ``each`` take a nested
    Matcher; ``matches`` takes the pattern text (checked at load time). The internal operator
    ``status`` takes a tuple of ints and class strings such as ``"2xx"``. ``implicit`` is True when
    the user wrote a bare value, which means equality.
    """

    operators: tuple[tuple[str, Any], ...]
    implicit: bool = False

    @classmethod
    def equals(cls, value: Any) -> Matcher:
        return cls((("eq", value),), implicit=True)


@dataclass(frozen=True, slots=True)
class CheckSpec:
    """One assertion. ``target`` is the header name or JSONPath; for ``schema`` the schema's
    file path or ``"inline"``, with the parsed schema in ``schema``.

    ``schema_uri`` is the schema's own URI, which its relative ``$ref`` resolve against (its
    file's, or the collection file's for an inline schema), and ``schema_refs`` the other
    schema files its refs lead to, as ``(uri, contents)`` read by the loader: a ``$ref``
    resolves in these only, never by reading a file or the network when checking.
    """

    kind: CheckKind
    target: str | None
    matcher: Matcher | None
    location: SourceLocation
    schema: Mapping[str, Any] | None = None
    schema_uri: str | None = None
    schema_refs: tuple[tuple[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class CaptureSpec:
    """``name`` takes the value found by ``source`` (a JSONPath, header, cookie or regex)."""

    name: str
    kind: CaptureKind
    source: str
    location: SourceLocation


@dataclass(frozen=True, slots=True)
class BodySpec:
    """The request body. For ``file`` the value is an absolute path; for ``multipart`` a mapping
    whose file parts are ``{"file": absolute path, "content_type": str | None}``."""

    kind: BodyKind
    value: Any
    location: SourceLocation


@dataclass(frozen=True, slots=True)
class AuthSpec:
    """``kind`` is bearer, basic, apikey, digest, oauth2, oauth1 or awsv4; ``params`` as written
    (templated)."""

    kind: str
    params: Any
    location: SourceLocation


@dataclass(frozen=True, slots=True)
class ExampleEvent:
    """One event of an example stream: ``data`` is text, or a mapping or list sent as JSON;
    ``delay_ms`` is the pause before it is sent."""

    data: Any
    event: str | None = None
    id: str | None = None
    retry: int | None = None
    delay_ms: float = 0


@dataclass(frozen=True, slots=True)
class ExampleSpec:
    """A saved response (FORMAT.md 1.5). A mapping or list ``body`` is JSON, a string is text.

    ``events`` holds a stream instead of a body (``Content-Type: text/event-stream`` implied).
    """

    name: str
    status: int
    headers: Mapping[str, str]
    body: Any
    location: SourceLocation
    description: str | None = None
    events: tuple[ExampleEvent, ...] | None = None


@dataclass(frozen=True, slots=True)
class StreamSpec:
    """``stream: sse``: the response is read as server-sent events as they arrive.

    ``join`` is a JSONPath applied to each event's data, its matches joined into one text (the
    ``joined`` check and capture); ``done`` the data of the event that ends the stream, which
    must come (reading stops there); ``max_events`` the most events read.
    """

    location: SourceLocation
    join: str | None = None
    done: str | None = None
    max_events: int = DEFAULT_MAX_EVENTS


@dataclass(frozen=True, slots=True)
class PlaceholderUse:
    """A ``<<name>>`` written somewhere a request renders; ``field`` says where (``url``, ...)."""

    name: str
    field: str
    location: SourceLocation


@dataclass(frozen=True, slots=True)
class VariableScope:
    """One layer of variables (collection, a folder, an environment) with where each was set."""

    name: str
    values: Mapping[str, Any]
    locations: Mapping[str, SourceLocation] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RequestSpec:
    """A request ready to render: defaults merged, checks compiled, folders flattened."""

    name: str
    folders: tuple[str, ...]
    method: str
    url: str
    location: SourceLocation
    params: Mapping[str, Any] = field(default_factory=dict)
    headers: Mapping[str, Any] = field(default_factory=dict)
    auth: AuthSpec | None = None
    body: BodySpec | None = None
    checks: tuple[CheckSpec, ...] = ()
    captures: tuple[CaptureSpec, ...] = ()
    options: Mapping[str, Any] = field(default_factory=dict)
    tags: tuple[str, ...] = ()
    examples: tuple[ExampleSpec, ...] = ()
    description: str | None = None
    folder_scopes: tuple[VariableScope, ...] = ()  # innermost first
    placeholders: tuple[PlaceholderUse, ...] = ()
    stream: StreamSpec | None = None

    @property
    def path(self) -> str:
        """``Folder/Sub/Name``: how ``--request`` and reports name the request."""
        return "/".join((*self.folders, self.name))


@dataclass(frozen=True, slots=True)
class CollectionSpec:
    """A collection file; ``requests`` holds every request in run order (folders depth first).

    ``requests`` is a tuple, or for a large file a ``runner.compact.CompactRequests`` that
    decodes each request when read: walk it, or ``len`` it, but do not turn it into a tuple.
    """

    name: str
    file: str
    variables: VariableScope
    requests: Sequence[RequestSpec]
    secrets: tuple[str, ...] = ()
    description: str | None = None
    secret_locations: Mapping[str, SourceLocation] = field(default_factory=dict)
    # `load: {thresholds: [...]}`: each threshold's text and where it is, for `postrun load`
    # (runner/load parses them, so its errors point here).
    thresholds: tuple[tuple[str, SourceLocation], ...] = ()
    # `set_by_script: {name: Request}`: names a script postrun does not run sets (an imported
    # Postman script kept as text): name -> (the request or folder named, where it is declared).
    set_by_script: Mapping[str, tuple[str, SourceLocation]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class EnvironmentSpec:
    """An environment file (FORMAT.md 2)."""

    name: str
    file: str
    variables: VariableScope
    secrets: tuple[str, ...] = ()
    description: str | None = None
    secret_locations: Mapping[str, SourceLocation] = field(default_factory=dict)


def parse_size(text: str) -> int | None:
    """Bytes from ``65536``, ``512KiB``, ``64 MiB`` or ``10mb``; None when it is none of these."""
    text = text.strip()
    number = text[: len(text) - len(text.lstrip("0123456789"))]
    unit = text[len(number) :].removeprefix(" ")
    factor = _UNIT_NAMES.get(unit.lower()) if unit else 1
    if not 0 < len(number) <= 18 or factor is None:  # int() refuses a 5,000-digit text
        return None
    return int(number) * factor


def format_size(size: int) -> str:
    """A size as people write it: ``64 MiB``, ``10 MB``, ``1500 bytes``."""
    for unit in ("GiB", "MiB", "KiB", "GB", "MB", "KB"):
        factor = SIZE_UNITS[unit]
        if size >= factor and size % factor == 0:
            return f"{size // factor} {unit}"
    return f"{size} byte" if size == 1 else f"{size} bytes"
