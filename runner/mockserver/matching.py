"""Which route and which example answer a request: Postman's mock matching, on routes.

1. The method (``HEAD`` is answered by a ``GET`` route too) and the path pattern.
2. ``x-mock-example: NAME`` (or Postman's ``x-mock-response-name``) keeps the routes with an
   example of that name; ``x-mock-response-code: 404`` those with an example of that status.
3. ``x-mock-match-request-headers: A, B`` keeps the routes whose own value of each of these
   headers is the one sent; ``x-mock-match-request-body: true`` those whose JSON body fields
   without placeholders are all in the body sent.
4. The most specific route wins: more literal path characters, then the query parameters, header
   values and JSON body fields it names that the request has as well (one that differs counts
   against it), then file order.
5. The example: the one named or with the status asked for, else the route's first.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runner.mockserver.routes import Route
from runner.model import ExampleSpec

EXAMPLE_HEADERS = ("x-mock-example", "x-mock-response-name")
CODE_HEADER = "x-mock-response-code"
MATCH_HEADERS = "x-mock-match-request-headers"
MATCH_BODY = "x-mock-match-request-body"


@dataclass(frozen=True, slots=True)
class Incoming:
    """What the mock matches on: the request as it arrived (header names lower case)."""

    method: str
    path: str
    query: Mapping[str, Sequence[str]]
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class Match:
    """The route and example that answer, with the values of the path's placeholders."""

    route: Route
    example: ExampleSpec
    bound: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Miss:
    """No example answers: why, and the routes closest to what was asked."""

    reason: str
    closest: tuple[str, ...]


def match(routes: Sequence[Route], incoming: Incoming) -> Match | Miss:
    """The answer to ``incoming`` among ``routes`` (see the module's docstring)."""
    found: list[tuple[Route, dict[str, str]]] = []
    for route in routes:
        if route.method == incoming.method or (route.method == "GET" and incoming.method == "HEAD"):
            bound = route.bind(incoming.path)
            if bound is not None:
                found.append((route, bound))
    asked = f"{incoming.method} {incoming.path}"
    if not found:
        return Miss(f"no route matches {asked}", closest(routes, asked))
    wanted = _wanted_name(incoming.headers)
    code = incoming.headers.get(CODE_HEADER, "").strip()
    kept = [(route, bound) for route, bound in found if _example(route, wanted, code) is not None]
    if not kept:
        names = sorted({example.name for route, _ in found for example in route.request.examples})
        what = f"named '{wanted}'" if wanted else f"with status {code}"
        return Miss(f"no example {what} for {asked}", tuple(names))
    kept = [pair for pair in kept if _required(pair[0], incoming)]
    if not kept:
        return Miss(f"no route matches the headers or body required for {asked}", ())
    route, bound = max(kept, key=lambda pair: _rank(pair[0], incoming))
    example = _example(route, wanted, code)
    assert example is not None  # kept above
    return Match(route, example, bound)


def closest(routes: Sequence[Route], asked: str, count: int = 5) -> tuple[str, ...]:
    """The labels of the routes most like ``asked``, closest first."""
    labels = list(dict.fromkeys(route.label for route in routes))
    return tuple(difflib.get_close_matches(asked, labels, n=count, cutoff=0.0))


def _wanted_name(headers: Mapping[str, str]) -> str:
    for name in EXAMPLE_HEADERS:
        value = headers.get(name, "").strip()
        if value:
            return value
    return ""


def _example(route: Route, wanted: str, code: str) -> ExampleSpec | None:
    examples = route.request.examples
    if wanted:
        return next((example for example in examples if example.name == wanted), None)
    if code:
        return next((example for example in examples if str(example.status) == code), None)
    return examples[0]


def _required(route: Route, incoming: Incoming) -> bool:
    """The Postman headers that turn header and body hints into requirements."""
    listed = incoming.headers.get(MATCH_HEADERS, "")
    own = dict(route.headers)
    for name in (part.strip().lower() for part in listed.split(",")):
        if name and own.get(name) != incoming.headers.get(name):
            return False
    if incoming.headers.get(MATCH_BODY, "").strip().lower() == "true" and route.body:
        return _body_score(route.body, incoming.body) == len(route.body)
    return True


def _rank(route: Route, incoming: Incoming) -> tuple[int, int, int, int, int, int]:
    return (
        not route.anywhere,
        route.literal,
        _query_score(route, incoming.query),
        _header_score(route, incoming.headers),
        _body_score(route.body, incoming.body) if route.body else 0,
        -route.order,
    )


def _query_score(route: Route, query: Mapping[str, Sequence[str]]) -> int:
    score = 0
    for name, values in route.params:
        sent = query.get(name)
        if sent is None:
            score -= 1
        elif all("<<" in value for value in values):
            score += 1
        else:
            static = [value for value in values if "<<" not in value]
            score += 2 if all(value in sent for value in static) else -1
    return score


def _header_score(route: Route, headers: Mapping[str, str]) -> int:
    score = 0
    for name, value in route.headers:
        sent = headers.get(name)
        if sent is not None:
            score += 1 if sent == value else -1
    return score


def _body_score(fields: Mapping[str, Any], body: bytes) -> int:
    try:
        sent = json.loads(body) if body.strip() else None
    except ValueError:
        return 0
    if not isinstance(sent, dict):
        return 0
    return sum(1 if key in sent and sent[key] == value else 0 for key, value in fields.items())
