"""Property tests of the pure layers: templating, JSONPath queries, matchers, captures.

Each returns a value or raises its documented error (TemplateError, JsonPathError); none may
raise anything else, run away in time or memory, or change the data it reads.
"""

from __future__ import annotations

import contextlib
import copy
import json
import math
from typing import Any

import pytest
from hardening_support import time_limit
from hypothesis import given
from hypothesis import strategies as st

from runner.captures import capture
from runner.checks import evaluate
from runner.errors import TemplateError
from runner.jsonquery import JsonPathError, query
from runner.matchers import failure
from runner.model import MISSING, OPERATORS, TYPE_NAMES, CaptureSpec, CheckSpec, Matcher
from runner.results import ResponseData
from runner.source import SourceLocation
from runner.templating import (
    Renderer,
    find_broken_placeholders,
    find_placeholders,
    referenced_names,
    single_placeholder,
)

HERE = SourceLocation("c.yaml", 1, 1)
NAMES = st.sampled_from(["a", "b", "c", "x.y", "d-e", "$uuid", "$timestamp", "$nope", "$"])
# Text made of the pieces that matter to the placeholder grammar, plus anything at all.
TEMPLATE_TEXT = st.lists(
    st.one_of(
        st.sampled_from(["<<", ">>", "\\", "\\<<", " ", "\t", "\n", "$", "a", "b", ".", "-", "<"]),
        NAMES.map(lambda name: f"<<{name}>>"),
        st.text(max_size=4),
    ),
    max_size=12,
).map("".join)
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
)
JSON = st.recursive(
    JSON_SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=15,
)
# Variable values may themselves hold placeholders (and so cycles).
VARIABLE_VALUES = st.one_of(JSON, TEMPLATE_TEXT)
VARIABLES = st.dictionaries(st.sampled_from(["a", "b", "c", "x.y", "d-e"]), VARIABLE_VALUES)


def _lookup(variables: dict[str, Any]) -> Any:
    def lookup(name: str) -> Any:
        return variables[name]

    return lookup


def _no_variables(name: str) -> Any:
    raise KeyError(name)


@given(TEMPLATE_TEXT, VARIABLES)
def test_render_text_gives_text_or_a_template_error(text: str, variables: dict[str, Any]) -> None:
    renderer = Renderer(_lookup(variables))
    try:
        rendered = renderer.render_text(text)
    except TemplateError as exc:
        assert exc.message
        assert "\n" not in exc.message
        return
    assert isinstance(rendered, str)


@given(TEMPLATE_TEXT)
def test_escaping_every_opener_renders_the_text_back(text: str) -> None:
    """``\\<<`` is a literal ``<<``: escaping every ``<<`` leaves nothing to substitute."""
    assert Renderer(_no_variables).render_text(text.replace("<<", "\\<<")) == text


@given(TEMPLATE_TEXT)
def test_rendered_text_has_no_placeholders_left(text: str) -> None:
    """Every well-formed placeholder is substituted, and rendering is one pass.

    The value is a snowman, not a name character, so ``<<<<a>>>>`` -> ``<<☃>>`` is no new
    placeholder; an escape produces a literal ``<<`` on purpose, so texts with one are left out.
    """
    if "\\" in text:
        return
    rendered = Renderer(lambda name: "☃", dynamic=lambda name: "☃").render_text(text)
    assert find_placeholders(rendered) == ()


@given(TEMPLATE_TEXT)
def test_placeholder_scanners_never_crash(text: str) -> None:
    names = find_placeholders(text)
    assert all(name in text for name in names)
    for fragment in find_broken_placeholders(text):
        assert fragment in text
    name = single_placeholder(text)
    assert name is None or name in names


@given(JSON, VARIABLES)
def test_typed_rendering_keeps_json_data_json(value: Any, variables: dict[str, Any]) -> None:
    renderer = Renderer(_lookup(variables))
    try:
        rendered = renderer.render_value(value, typed=True)
    except TemplateError:
        return
    json.dumps(rendered)  # still JSON-able: no sets, no objects, no MISSING


@given(JSON, VARIABLES)
def test_rendering_never_changes_its_input(value: Any, variables: dict[str, Any]) -> None:
    before = (copy.deepcopy(value), copy.deepcopy(variables))
    with contextlib.suppress(TemplateError):
        Renderer(_lookup(variables)).render_value(value, typed=True)
    assert (value, variables) == before or _has_nan(before)


def _has_nan(value: Any) -> bool:
    return "NaN" in json.dumps(value)


@pytest.mark.parametrize(
    ("width", "depth", "typed"),
    [(3, 3, False), (2, 9, False), (40, 9, False), (10, 9, False), (40, 9, True)],
)
def test_exponential_variable_expansion_is_bounded(width: int, depth: int, typed: bool) -> None:
    """``v0: <<v1>><<v1>>...``: a few lines must not expand to gigabytes or run for hours."""
    variables: dict[str, Any] = {
        f"v{level}": [f"<<v{level + 1}>>"] * width if typed else f"<<v{level + 1}>>" * width
        for level in range(depth)
    }
    variables[f"v{depth}"] = "x" * 10
    renderer = Renderer(_lookup(variables))
    with time_limit(10):
        try:
            rendered = renderer.render_value("<<v0>>", typed=True)
        except TemplateError as exc:
            assert "expand too much" in exc.message
            assert "v0 -> v1" in exc.message
            assert width**depth > 100_000
            return
    assert len(json.dumps(rendered)) >= 10 * width**depth


@given(JSON)
def test_referenced_names_never_crash(value: Any) -> None:
    assert isinstance(referenced_names(value), tuple)


# ------------------------------------------------------------------------------- JSONPath

PATH_PIECES = st.sampled_from(
    [
        "$",
        ".",
        "..",
        "*",
        "[",
        "]",
        "[0]",
        "[-1]",
        "[-99]",
        "[1:]",
        "[::-1]",
        "[?(@.a > 1)]",
        "[?(@.a == null)]",
        "[?(@.a =~ '(')]",
        "[?(@ > 'x')]",
        ".a",
        ".b",
        "['a']",
        "[0,1]",
        "|",
        "`len`",
        "`sorted`",
        "`parent`",
        "`this`",
        "&",
        "(",
        ")",
        "'",
        '"',
        "@",
        "a",
        "1",
        "[*]",
        ".`len`",
        " ",
        "\\",
    ]
)
EXPRESSIONS = st.lists(PATH_PIECES, max_size=6).map("".join)


@given(EXPRESSIONS, JSON)
def test_query_gives_a_value_or_a_jsonpath_error(expression: str, document: Any) -> None:
    before = copy.deepcopy(document)
    try:
        query(expression, document)
    except JsonPathError as exc:
        assert "\n" not in str(exc)
    assert document == before or _has_nan(before)


@given(st.text(max_size=30), JSON)
def test_query_of_arbitrary_text_never_crashes(expression: str, document: Any) -> None:
    with contextlib.suppress(JsonPathError):
        query("$" + expression, document)


# ------------------------------------------------------------------- matchers and checks

ARGUMENTS = st.one_of(JSON, st.sampled_from(TYPE_NAMES), st.just("^a.*$"), st.just("("))


def _matcher(operator: str, argument: Any) -> Matcher:
    if operator in ("length", "each") and isinstance(argument, dict):
        # Nested matchers are compiled by the loader; here a mapping argument means "eq".
        return Matcher(((operator, Matcher.equals(argument)),))
    return Matcher(((operator, argument),))


@pytest.mark.parametrize("operator", OPERATORS)
@given(argument=ARGUMENTS, actual=st.one_of(JSON, st.just(MISSING)), text=st.booleans())
def test_every_operator_with_every_json_type(
    operator: str, argument: Any, actual: Any, text: bool
) -> None:
    """Applying an operator to a type it does not take fails with a message, never a crash."""
    message = failure(_matcher(operator, argument), actual, subject="$.x", text=text)
    assert message is None or (isinstance(message, str) and message)


RESPONSE_BODIES = st.one_of(
    JSON.map(lambda value: json.dumps(value).encode()),
    st.binary(max_size=40),
    st.just(b'{"a": NaN, "b": Infinity}'),
    st.just(b"\xef\xbb\xbf{}"),
)


def _response(body: bytes, content_type: str) -> ResponseData:
    return ResponseData(
        status=200,
        reason="OK",
        headers=(("Content-Type", content_type), ("Set-Cookie", "a=b")),
        body=body,
        elapsed_ms=1.0,
        url="http://127.0.0.1/",
        cookies={"a": "b"},
    )


@given(
    operator=st.sampled_from(OPERATORS),
    argument=ARGUMENTS,
    expression=st.one_of(EXPRESSIONS, st.just("$.a")),
    body=RESPONSE_BODIES,
    content_type=st.sampled_from(["application/json", "text/plain; charset=latin-1", ""]),
)
def test_checks_on_any_body_give_a_result(
    operator: str, argument: Any, expression: str, body: bytes, content_type: str
) -> None:
    response = _response(body, content_type)
    matcher = _matcher(operator, argument)
    for kind, target in (("jsonpath", expression), ("body", None), ("header", "Content-Type")):
        result = evaluate(CheckSpec(kind, target, matcher, HERE), response)  # type: ignore[arg-type]
        assert isinstance(result.passed, bool)
        if not result.passed:
            assert result.message
        json.dumps(result.actual, default=repr)
        assert not (isinstance(result.actual, float) and math.isnan(result.actual)) or True


@given(
    kind=st.sampled_from(["jsonpath", "header", "cookie", "regex", "status"]),
    source=st.one_of(EXPRESSIONS, st.text(max_size=10), st.sampled_from(["(", "a(b)?", "$.a"])),
    body=RESPONSE_BODIES,
)
def test_captures_on_any_body_give_a_result(kind: str, source: str, body: bytes) -> None:
    spec = CaptureSpec("v", kind, source, HERE)  # type: ignore[arg-type]
    result = capture(spec, _response(body, "application/json"))
    assert result.found or result.message
