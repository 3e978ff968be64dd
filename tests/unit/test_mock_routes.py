"""Routes from request URLs, and the choice of route and example: pure, no sockets."""

from __future__ import annotations

import pytest

from runner.mockserver.matching import Incoming, Match, Miss, match
from runner.mockserver.routes import build_routes, split_origin
from runner.model import CollectionSpec, ExampleSpec, RequestSpec, VariableScope
from runner.source import SourceLocation

HERE = SourceLocation("api.yaml", 1, 1)


def request(name: str, url: str, method: str = "GET", **fields: object) -> RequestSpec:
    default = (ExampleSpec("ok", 200, {}, {"name": name}, HERE),)
    examples = fields.pop("examples", default)
    return RequestSpec(name, (), method, url, HERE, examples=examples, **fields)  # type: ignore[arg-type]


def routes_of(*requests: RequestSpec, variables: dict[str, object] | None = None):  # type: ignore[no-untyped-def]
    scope = VariableScope("collection", variables or {"base_url": "https://api.example.com/v1"})
    collection = CollectionSpec("api", "api.yaml", scope, list(requests))
    return build_routes([collection], lambda spec, name: name in spec.variables.values)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("<<base_url>>/notes/<<id>>", ("base_url", "", "/notes/<<id>>")),
        ("https://api.example.com/v1/notes", (None, "", "/v1/notes")),
        ("<<scheme>>://<<host>>/x?a=1", (None, "", "/x?a=1")),
        ("<<note_url>>", (None, "note_url", "")),
        ("<<note_url>>/comments", (None, "note_url", "/comments")),
        ("<<base_url>>", ("base_url", "", "")),
        ("/relative/path", (None, "", "/relative/path")),
    ],
)
def test_the_origin_is_split_off_the_url(url: str, expected: tuple[object, ...]) -> None:
    assert split_origin(url, lambda name: name == "base_url") == expected


def test_route_paths_as_they_are_listed() -> None:
    routes = routes_of(
        request("a", "<<base_url>>/notes/<<id>>/"),
        request("b", "<<base_url>>"),
        request("c", "<<next>>/more", method="post"),
        request("no examples", "<<base_url>>/x", examples=()),
    )
    assert [route.label for route in routes[:3]] == [
        "GET /notes/<<id>>",
        "GET /",
        "POST <<next>>/more",
    ]
    assert [route.base for route in routes] == ["base_url", "base_url", None]


def incoming(method: str, path: str, **headers: str) -> Incoming:
    return Incoming(
        method, path, {}, {name.replace("_", "-"): value for name, value in headers.items()}
    )


def test_the_literal_route_beats_the_templated_one_and_binds_nothing() -> None:
    routes = routes_of(
        request("any", "<<base_url>>/notes/<<id>>"), request("me", "<<base_url>>/notes/me")
    )
    found = match(routes, incoming("GET", "/notes/me"))
    assert isinstance(found, Match)
    assert found.route.request.name == "me"
    found = match(routes, incoming("GET", "/notes/7"))
    assert isinstance(found, Match)
    assert found.bound == {"id": "7"}


def test_a_repeated_placeholder_takes_its_first_value_and_dynamic_ones_none() -> None:
    routes = routes_of(request("r", "<<base_url>>/<<a>>/<<a>>/<<$uuid>>"))
    found = match(routes, incoming("GET", "/x/y/z"))
    assert isinstance(found, Match)
    assert found.bound == {"a": "x"}


def test_a_miss_lists_the_closest_routes_first() -> None:
    routes = routes_of(
        request("list", "<<base_url>>/users"),
        request("one", "<<base_url>>/users/<<id>>"),
        request("orders", "<<base_url>>/orders", method="POST"),
    )
    found = match(routes, incoming("GET", "/user"))
    assert isinstance(found, Miss)
    assert found.reason == "no route matches GET /user"
    assert found.closest[0] == "GET /users"


def test_the_example_header_chooses_among_routes_and_examples() -> None:
    gone = ExampleSpec("gone", 404, {}, {}, HERE)
    routes = routes_of(
        request("read", "<<base_url>>/n/1"),
        request(
            "read again", "<<base_url>>/n/1", examples=(ExampleSpec("ok", 200, {}, {}, HERE), gone)
        ),
    )
    assert match(routes, incoming("GET", "/n/1")).route.request.name == "read"  # type: ignore[union-attr]
    found = match(routes, incoming("GET", "/n/1", x_mock_response_name="gone"))
    assert isinstance(found, Match)
    assert (found.route.request.name, found.example.name) == ("read again", "gone")
    found = match(routes, incoming("GET", "/n/1", x_mock_response_code="404"))
    assert isinstance(found, Match)
    assert found.example is gone
