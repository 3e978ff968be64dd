"""Routes: each request of a collection with examples, as a method and a path pattern.

A request's URL is a template (``<<base_url>>/notes/<<note_id>>``). The mock serves the part
after the origin: a leading placeholder naming a defined variable (the base URL) or a
``scheme://host`` is dropped, every other placeholder matches one path segment (or the part of
one it stands in), and a leading placeholder that no variable defines (``<<note_url>>``, a value
captured at run time) stands for the value an earlier request's first example gives that
capture (a ``{header: Location}`` or a ``$.field`` path of its body), else matches any path
ending with the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from runner.model import CollectionSpec, RequestSpec
from runner.templating import find_placeholders, template_parts

_ORIGIN = re.compile(r"^[^/?#]*://[^/?#]*")
_LEADING_SEGMENT = re.compile(r"^[^/?#]*")
_DOTTED = re.compile(r"\$(?:\.[A-Za-z_][A-Za-z0-9_-]*)+")


@dataclass(frozen=True, slots=True)
class Route:
    """One request that has examples, as the mock server matches it."""

    method: str
    path: str  # the path template, as shown in the route list and in 404 suggestions
    pattern: re.Pattern[str]
    names: tuple[str, ...]  # the placeholder of each group of ``pattern``, in order
    base: str | None  # the variable that held the origin (set to the mock's own URL)
    anywhere: bool  # the URL starts with a run-time value: any path ending like ``path``
    literal: int  # characters of the path that are not placeholders (more is more specific)
    params: tuple[tuple[str, tuple[str, ...]], ...]  # query hints; values may be templates
    headers: tuple[tuple[str, str], ...]  # header hints without placeholders, names lower case
    body: Mapping[str, Any] | None  # top-level JSON body fields without placeholders
    request: RequestSpec
    collection: CollectionSpec
    order: int

    @property
    def label(self) -> str:
        """``GET /notes/<<note_id>>``, as a person reads the route."""
        return f"{self.method} {self.path}"

    def bind(self, path: str) -> dict[str, str] | None:
        """The placeholders' values when ``path`` matches, else None."""
        match = self.pattern.fullmatch(path)
        if match is None:
            return None
        bound: dict[str, str] = {}
        for name, value in zip(self.names, match.groups(), strict=True):
            if not name.startswith("$"):
                bound.setdefault(name, value)
        return bound


def build_routes(
    collections: Iterable[CollectionSpec],
    defined: Callable[[CollectionSpec, str], bool],
    value: Callable[[CollectionSpec, RequestSpec, str], Any] = lambda *_: None,
) -> tuple[Route, ...]:
    """A route for every request with examples, in file order; ``defined`` says whether a
    variable is defined for a collection (then a leading ``<<name>>`` is its base URL), and
    ``value`` gives its value: a base URL with a path (``.../v1``) may prefix the route's."""
    routes: list[Route] = []
    for collection in collections:
        captured: dict[str, str] = {}
        for request in collection.requests:
            if request.examples:
                known = _known(collection, request, defined)
                url = _with_captured(request.url.split("#", 1)[0], known, captured)
                route = _route(request, url, collection, known, len(routes))
                if route.base is not None:
                    route = _with_prefix(route, value(collection, request, route.base))
                routes.append(route)
                captured.update(_example_captures(request))
    return tuple(routes)


def _with_prefix(route: Route, base: Any) -> Route:
    """The route also matched under the path of its base URL: ``/v1/chat/completions`` as
    well as ``/chat/completions`` when ``base_url`` is ``https://api.openai.com/v1``."""
    if not isinstance(base, str) or "<<" in base or "://" not in base:
        return route
    prefix = urlsplit(base).path.rstrip("/")
    if not prefix:
        return route
    pattern = re.compile(f"(?:{re.escape(prefix)})?" + route.pattern.pattern)
    return replace(route, pattern=pattern)


def _with_captured(url: str, known: Callable[[str], bool], captured: Mapping[str, str]) -> str:
    """The URL with a leading run-time placeholder replaced by what the examples capture."""
    _, runtime, rest = split_origin(url, known)
    if runtime and runtime in captured:
        return captured[runtime] + rest
    return url


def _example_captures(request: RequestSpec) -> dict[str, str]:
    """The text values the request's captures take from its first example."""
    example = request.examples[0]
    values: dict[str, str] = {}
    for capture in request.captures:
        value: Any = None
        if capture.kind == "header":
            wanted = capture.source.lower()
            value = next((v for k, v in example.headers.items() if k.lower() == wanted), None)
        elif capture.kind == "jsonpath" and _DOTTED.fullmatch(capture.source):
            value = example.body
            for key in capture.source.split(".")[1:]:
                value = value.get(key) if isinstance(value, Mapping) else None
        if isinstance(value, str):
            values[capture.name] = value
    return values


def _known(
    collection: CollectionSpec, request: RequestSpec, defined: Callable[[CollectionSpec, str], bool]
) -> Callable[[str], bool]:
    def known(name: str) -> bool:
        in_folder = any(name in scope.values for scope in request.folder_scopes)
        return in_folder or defined(collection, name)

    return known


def _route(
    request: RequestSpec,
    url: str,
    collection: CollectionSpec,
    known: Callable[[str], bool],
    order: int,
) -> Route:
    base, anywhere, rest = split_origin(url, known)
    path, _, query = rest.partition("?")
    path = path if path.startswith("/") else "/" + path
    if len(path) > 1:
        path = path.rstrip("/") or "/"
    pattern, names, literal = _compile(path, anywhere)
    shown = f"<<{anywhere}>>{path if path != '/' else ''}" if anywhere else path
    return Route(
        method=request.method.upper(),
        path=shown,
        pattern=pattern,
        names=names,
        base=base,
        anywhere=bool(anywhere),
        literal=literal,
        params=_params(query, request.params),
        headers=_static_headers(request.headers),
        body=_static_body(request),
        request=request,
        collection=collection,
        order=order,
    )


def split_origin(url: str, known: Callable[[str], bool]) -> tuple[str | None, str, str]:
    """(base variable, run-time placeholder, the rest from the path on) of a URL template."""
    origin = _ORIGIN.match(url)
    if origin:
        return None, "", url[origin.end() :]
    segment = _LEADING_SEGMENT.match(url)
    first = segment.group(0) if segment else ""
    names = find_placeholders(first)
    if len(names) == 1 and first.strip().startswith("<<") and first.strip().endswith(">>"):
        name = names[0]
        if known(name):
            return name, "", url[len(first) :]
        return None, name, url[len(first) :]
    return None, "", url[len(first) :]


def _compile(path: str, anywhere: str) -> tuple[re.Pattern[str], tuple[str, ...], int]:
    pieces: list[str] = [".*?"] if anywhere else []
    names: list[str] = []
    literal = 0
    for static, name in template_parts(path):
        pieces.append(re.escape(static))
        literal += len(static.replace("/", ""))
        if name is not None:
            pieces.append("([^/]+)")
            names.append(name)
    if path == "/" and anywhere:
        pieces = [".*"]
    else:
        pieces.append("/?")
    return re.compile("".join(pieces)), tuple(names), literal


def _params(query: str, params: Mapping[str, Any]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    hints: dict[str, list[str]] = {}
    for pair in query.split("&") if query else ():
        name, _, value = pair.partition("=")
        hints.setdefault(name, []).append(value)
    for name, value in params.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        hints.setdefault(name, []).extend(_param_text(item) for item in values)
    return tuple((name, tuple(values)) for name, values in hints.items())


def _param_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def _static_headers(headers: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (str(name).lower(), str(value))
        for name, value in headers.items()
        if "<<" not in str(value) and "<<" not in str(name)
    )


def _static_body(request: RequestSpec) -> Mapping[str, Any] | None:
    body = request.body
    if body is None or body.kind != "json" or not isinstance(body.value, Mapping):
        return None
    return {
        key: value
        for key, value in body.value.items()
        if isinstance(key, str) and not _templated(key) and not _templated(value)
    }


def _templated(value: Any) -> bool:
    if isinstance(value, str):
        return "<<" in value
    if isinstance(value, Mapping):
        return any(_templated(key) or _templated(item) for key, item in value.items())
    if isinstance(value, Sequence):
        return any(_templated(item) for item in value)
    return False
