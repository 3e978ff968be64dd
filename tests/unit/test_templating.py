"""Unit tests for runner.templating: placeholders, text and typed rendering, dynamic values."""

from __future__ import annotations

import random
import re
import uuid
from datetime import datetime
from typing import Any

import pytest

from runner.errors import TemplateError
from runner.templating import (
    DYNAMIC_NAMES,
    MAX_DEPTH,
    Renderer,
    SystemDynamic,
    find_broken_placeholders,
    find_placeholders,
    referenced_names,
    single_placeholder,
    template_parts,
    to_text,
)

VARIABLES: dict[str, Any] = {
    "name": "Ada",
    "count": 3,
    "temp": 0.7,
    "flag": True,
    "off": False,
    "nothing": None,
    "items": [1, "two", None],
    "obj": {"a": 1, "b": "é"},
    "scheme": "https",
    "host": "api.example.com",
    "base_url": "<<scheme>>://<<host>>",
    "alias": "<<temp>>",
    "alias2": "<<alias>>",
    "nested_list": ["<<count>>", "<<name>>"],
    "nested_obj": {"<<name>>": "<<alias2>>"},
    "dotted.name-x_1": "ok",
    "key": "k",
}


def renderer(variables: dict[str, Any] | None = None, **kwargs: Any) -> Renderer:
    values = VARIABLES if variables is None else variables
    return Renderer(values.__getitem__, **kwargs)


@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("<<name>>", ("name",)),
        ("<< name >>", ("name",)),
        ("<<\tname  >>", ("name",)),
        ("a <<x>> b <<y>> <<x>>", ("x", "y", "x")),
        ("<<dotted.name-x_1>>", ("dotted.name-x_1",)),
        ("<<$uuid>> <<$nope>>", ("$uuid", "$nope")),
        (r"\<<name>>", ()),
        (r"\<<a>> <<b>>", ("b",)),
        ("std::cout << x", ()),
        ("<<bad name>>", ()),
        ("<<>>", ()),
        ("<<a$b>>", ()),
        ("<<<x>>", ("x",)),
        ("no placeholders", ()),
    ],
)
def test_find_placeholders(text: str, names: tuple[str, ...]) -> None:
    assert find_placeholders(text) == names


@pytest.mark.parametrize(
    ("text", "broken"),
    [
        ("std::cout << x", ()),
        ("a << b", ()),
        ("<<", ()),
        ("x <<", ()),
        ("1<<2", ()),
        ("<<name>>", ()),
        (r"\<<name", ()),
        ("<<name", ("<<name",)),
        ("Bearer <<token", ("<<token",)),
        ("<<name>", ("<<name",)),
        ("<<>>", ("<<>>",)),
        ("<<  >>", ("<<  >>",)),
        ("<<bad name!>>", ("<<bad name!>>",)),
        ("<<$>>", ("<<$>>",)),
        ("<<ok>> and <<broken", ("<<broken",)),
        ("<<a>> <<>> <<b c>>", ("<<>>", "<<b c>>")),
    ],
)
def test_find_broken_placeholders(text: str, broken: tuple[str, ...]) -> None:
    assert find_broken_placeholders(text) == broken


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("<<temp>>", "temp"),
        ("<<  temp >>", "temp"),
        ("<<$uuid>>", "$uuid"),
        (" <<temp>>", None),
        ("<<temp>> ", None),
        ("<<a>><<b>>", None),
        (r"\<<temp>>", None),
        ("temp", None),
    ],
)
def test_single_placeholder(text: str, name: str | None) -> None:
    assert single_placeholder(text) == name


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("plain", "plain"),
        (3, "3"),
        (0.7, "0.7"),
        (True, "true"),
        (False, "false"),
        (None, "null"),
        ([1, "a", None], '[1,"a",null]'),
        ({"a": 1, "b": "é"}, '{"a":1,"b":"é"}'),
        ((1, 2), "[1,2]"),
    ],
)
def test_to_text(value: Any, text: str) -> None:
    assert to_text(value) == text


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Hello <<name>>!", "Hello Ada!"),
        ("<< name >>", "Ada"),
        ("n=<<count>>", "n=3"),
        ("t=<<temp>>", "t=0.7"),
        ("<<flag>>/<<off>>/<<nothing>>", "true/false/null"),
        ("<<items>>", '[1,"two",null]'),
        ("<<obj>>", '{"a":1,"b":"é"}'),
        ("<<base_url>>/v1", "https://api.example.com/v1"),
        ("<<alias2>>", "0.7"),
        ("<<nested_list>>", '[3,"Ada"]'),
        ("<<nested_obj>>", '{"Ada":0.7}'),
        (r"\<<name>> is <<name>>", "<<name>> is Ada"),
        (r"a \<< b", "a << b"),
        ("std::cout << x", "std::cout << x"),
        ("<<bad name>> <<name", "<<bad name>> <<name"),
        ("<<<name>>>", "<Ada>"),
        ("<<dotted.name-x_1>>", "ok"),
    ],
)
def test_render_text(template: str, expected: str) -> None:
    assert renderer().render_text(template) == expected


@pytest.mark.parametrize(
    ("value", "typed", "expected"),
    [
        ("<<temp>>", True, 0.7),
        ("<<temp>>", False, "0.7"),
        ("<< count >>", True, 3),
        ("<<flag>>", True, True),
        ("<<nothing>>", True, None),
        ("<<items>>", True, [1, "two", None]),
        ("<<obj>>", True, {"a": 1, "b": "é"}),
        ("<<obj>>", False, '{"a":1,"b":"é"}'),
        ("x<<temp>>", True, "x0.7"),
        (" <<temp>>", True, " 0.7"),
        ("<<alias2>>", True, 0.7),
        ("<<nested_list>>", True, [3, "Ada"]),
        ("<<nested_obj>>", True, {"Ada": 0.7}),
        (r"\<<temp>>", True, "<<temp>>"),
        (5, True, 5),
        (None, False, None),
        ({"t": "<<temp>>", "l": ["<<count>>", 1.5]}, True, {"t": 0.7, "l": [3, 1.5]}),
        ({"t": "<<temp>>", "l": ["<<count>>", 1.5]}, False, {"t": "0.7", "l": ["3", 1.5]}),
        ({"<<key>>": "<<temp>>", "<<count>>": 1}, True, {"k": 0.7, "3": 1}),
        ({1: "<<name>>"}, True, {1: "Ada"}),
        (("<<count>>",), True, (3,)),
    ],
)
def test_render_value(value: Any, typed: bool, expected: Any) -> None:
    result = renderer().render_value(value, typed=typed)
    assert result == expected
    assert type(result) is type(expected)


def test_render_value_keeps_mapping_order() -> None:
    value = {"z": "<<name>>", "<<key>>": 1, "a": 2}
    assert list(renderer().render_value(value, typed=True)) == ["z", "k", "a"]


def test_render_value_does_not_change_input() -> None:
    value = {"a": ["<<name>>"]}
    renderer().render_value(value, typed=True)
    assert value == {"a": ["<<name>>"]}


def test_keys_rendering_alike_is_an_error() -> None:
    with pytest.raises(TemplateError, match="both render to 'k'"):
        renderer().render_value({"k": 1, "<<key>>": 2}, typed=False)


@pytest.mark.parametrize(
    ("variables", "template", "chain"),
    [
        ({"a": "<<a>>"}, "<<a>>", "a -> a"),
        ({"a": "<<b>>", "b": "<<a>>"}, "x <<a>>", "a -> b -> a"),
        ({"a": "x<<b>>", "b": ["<<c>>"], "c": {"k": "<<b>>"}}, "<<a>>", "b -> c -> b"),
    ],
)
def test_cycle_names_the_chain(variables: dict[str, Any], template: str, chain: str) -> None:
    for typed in (True, False):
        with pytest.raises(TemplateError) as info:
            renderer(variables).render_value(template, typed=typed)
        assert chain in info.value.message
        assert "cycle" in info.value.message


def chain_of(length: int) -> dict[str, Any]:
    """v1 -> v2 -> ... -> v<length>, the last one a plain value."""
    variables: dict[str, Any] = {f"v{i}": f"<<v{i + 1}>>" for i in range(1, length)}
    variables[f"v{length}"] = 42
    return variables


def test_nesting_up_to_the_limit_works() -> None:
    assert renderer(chain_of(MAX_DEPTH)).render_value("<<v1>>", typed=True) == 42
    assert renderer(chain_of(MAX_DEPTH)).render_text("<<v1>>") == "42"


def test_nesting_deeper_than_the_limit_fails() -> None:
    with pytest.raises(TemplateError, match="more than 10 levels") as info:
        renderer(chain_of(MAX_DEPTH + 1)).render_text("<<v1>>")
    assert "v1 -> v2" in info.value.message
    assert info.value.names[-1] == f"v{MAX_DEPTH + 1}"


@pytest.mark.parametrize(
    ("variables", "template", "missing"),
    [
        ({}, "<<nope>>", "nope"),
        ({"a": "<<b>>"}, "x<<a>>", "b"),
        ({"a": {"k": ["<<deep>>"]}}, "<<a>>", "deep"),
    ],
)
def test_undefined_variable(variables: dict[str, Any], template: str, missing: str) -> None:
    with pytest.raises(TemplateError) as info:
        renderer(variables).render_value(template, typed=True)
    assert info.value.message == f"undefined variable '{missing}'"
    assert info.value.names == (missing,)
    assert info.value.exit_code == 2


def test_undefined_inner_variable_hint_names_the_outer_one() -> None:
    with pytest.raises(TemplateError) as info:
        renderer({"a": "<<b>>"}).render_text("<<a>>")
    assert info.value.hint is not None
    assert "a" in info.value.hint


def test_escaped_placeholder_needs_no_variable() -> None:
    assert renderer({}).render_text(r"\<<nope>>") == "<<nope>>"


@pytest.mark.parametrize(("name", "suggestion"), [("$uuuid", "$uuid"), ("$timestmp", "$timestamp")])
def test_unknown_dynamic_value_suggests(name: str, suggestion: str) -> None:
    with pytest.raises(TemplateError, match="unknown dynamic value") as info:
        renderer({}).render_text(f"<<{name}>>")
    assert info.value.names == (name,)
    assert info.value.hint is not None
    assert suggestion in info.value.hint


def seeded(seed: int = 1, clock: float = 1_700_000_000.25) -> SystemDynamic:
    return SystemDynamic(rng=random.Random(seed), clock=lambda: clock)


@pytest.mark.parametrize(
    ("name", "kind", "check"),
    [
        ("$uuid", str, lambda v: uuid.UUID(v).version == 4),
        ("$timestamp", int, lambda v: v == 1_700_000_000),
        ("$isoTimestamp", str, lambda v: v == "2023-11-14T22:13:20.250Z"),
        ("$randomInt", int, lambda v: 0 <= v <= 1000),
        ("$randomString", str, lambda v: re.fullmatch(r"[A-Za-z0-9]{16}", v) is not None),
    ],
)
def test_dynamic_values_have_their_type(name: str, kind: type, check: Any) -> None:
    value = renderer({}, dynamic=seeded()).render_value(f"<<{name}>>", typed=True)
    assert type(value) is kind
    assert check(value)


def test_default_iso_timestamp_is_parseable_utc() -> None:
    text = SystemDynamic()("$isoTimestamp")
    assert text.endswith("Z")
    assert datetime.fromisoformat(text.replace("Z", "+00:00")).utcoffset() is not None


@pytest.mark.parametrize("name", ["$uuid", "$randomString"])
def test_dynamic_values_are_new_on_each_use(name: str) -> None:
    first, second = renderer({}, dynamic=seeded()).render_value([f"<<{name}>>"] * 2, typed=True)
    assert first != second


def test_dynamic_values_in_a_variable_are_new_on_each_use() -> None:
    text = renderer({"id": "<<$uuid>>"}, dynamic=seeded()).render_text("<<id>> <<id>>")
    first, second = text.split()
    assert first != second


def test_dynamic_values_are_reproducible_with_a_seed() -> None:
    template = "<<$uuid>> <<$randomInt>> <<$randomString>>"
    first = renderer({}, dynamic=seeded(7)).render_text(template)
    assert renderer({}, dynamic=seeded(7)).render_text(template) == first
    assert renderer({}, dynamic=seeded(8)).render_text(template) != first


def test_dynamic_provider_is_injectable() -> None:
    calls: list[str] = []

    def provider(name: str) -> Any:
        calls.append(name)
        return len(calls)

    result = renderer({}, dynamic=provider).render_value(
        {"a": "<<$randomInt>>", "b": "n<<$timestamp>>"}, typed=True
    )
    assert result == {"a": 1, "b": "n2"}
    assert calls == ["$randomInt", "$timestamp"]


def test_default_provider_knows_every_dynamic_name() -> None:
    provider = SystemDynamic()
    for name in DYNAMIC_NAMES:
        assert provider(name) is not None
    with pytest.raises(KeyError):
        provider("$other")


@pytest.mark.parametrize(
    ("value", "names"),
    [
        ("<<a>> <<b>> <<a>>", ("a", "b")),
        ({"<<k>>": ["<<v>>", {"x": "<<$uuid>>"}], "n": 1}, ("k", "v", "$uuid")),
        ((r"\<<esc>>", 3, None), ()),
        ("no placeholder", ()),
    ],
)
def test_referenced_names(value: Any, names: tuple[str, ...]) -> None:
    assert referenced_names(value) == names


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("plain", (("plain", None),)),
        ("<<a>>", (("", "a"), ("", None))),
        ("Bearer << token >>!", (("Bearer ", "token"), ("!", None))),
        ("<<a>><<b>>", (("", "a"), ("", "b"), ("", None))),
        ("x \\<<a>> <<b>>", (("x <<a>> ", "b"), ("", None))),
        ("<<not closed", (("<<not closed", None),)),
    ],
)
def test_template_parts_split_static_text_from_names(
    text: str, parts: tuple[tuple[str, str | None], ...]
) -> None:
    assert template_parts(text) == parts
    # A long text (not cached) splits the same way.
    padding = "-" * 2000
    long_parts = template_parts(padding + text)
    assert long_parts[0][0] == padding + parts[0][0]
    assert long_parts[1:] == parts[1:]
