"""Unit tests for runner.jsonquery: compiling, the singular rule, querying, jsonpath-ng fixes."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.jsonquery import CompiledPath, JsonPathError, compile_path, query
from runner.model import MISSING

DOC: dict[str, Any] = {
    "id": 7,
    "name": "Ada",
    "nothing": None,
    "flag": False,
    "tags": ["a", "b", "c"],
    "empty": [],
    "user": {"profile": {"email": "ada@example.com"}, "roles": ["admin"]},
    "items": [
        {"id": 1, "price": 2.7, "name": "pen"},
        {"id": "3", "price": 1, "name": "ink"},
        {"id": None, "name": "cap"},
        {"id": 3, "price": "x", "name": "box"},
        {"id": 4.5, "name": "bag"},
        "not an object",
    ],
    "by_key": {"k1": {"id": 5}, "k2": {"id": 1}},
    "matrix": [[1, 2], [], [3]],
}


@pytest.mark.parametrize(
    ("expression", "singular"),
    [
        ("$", True),
        ("$.id", True),
        ("$.user.profile.email", True),
        ("$.tags[0]", True),
        ("$.tags[-1]", True),
        ('$["name"]', True),
        ("$.tags.`len`", True),
        ("$.matrix[0][1]", True),
        ("$.tags[0,1]", False),
        ("$.tags[*]", False),
        ("$.tags[1:]", False),
        ("$.*", False),
        ("$..id", False),
        ("$.items[?(@.id > 2)]", False),
        ("$['id','name']", False),
        ("$.user.`keys`", False),
        ("$.tags.`sorted`", False),
        ("$.id.`this`", False),
        ("$.id.$", False),
    ],
)
def test_singular_rule(expression: str, singular: bool) -> None:
    compiled = compile_path(expression)
    assert isinstance(compiled, CompiledPath)
    assert compiled.expression == expression
    assert compiled.singular is singular


def test_compile_is_cached() -> None:
    assert compile_path("$.cached.path[0]") is compile_path("$.cached.path[0]")


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("$", DOC),
        ("$.id", 7),
        ("$.nothing", None),
        ("$.flag", False),
        ("$.user.profile.email", "ada@example.com"),
        ("$.tags[0]", "a"),
        ("$.tags[2]", "c"),
        ("$.tags[-1]", "c"),
        ("$.tags[-3]", "a"),
        ("$.matrix[0][-1]", 2),
        ('$["name"]', "Ada"),
        ("$.tags.`len`", 3),
        ("$.user.`len`", 2),
        ("$.name.`len`", 3),
        ("$.empty.`len`", 0),
    ],
)
def test_singular_values(expression: str, expected: Any) -> None:
    assert query(expression, DOC) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "$.missing",
        "$.user.missing.deeper",
        "$.tags[3]",
        "$.tags[-4]",  # jsonpath-ng 1.8 raises IndexError here
        "$.empty[0]",
        "$.empty[-1]",
        "$.user[0]",  # an index on an object: jsonpath-ng raises KeyError
        "$.name[0]",  # strings are not arrays
        "$.tags.name",
        "$.id.`len`",
        "$.nothing.`len`",
        "$.flag.`len`",
        "$.nothing.x",
    ],
)
def test_singular_missing(expression: str) -> None:
    assert query(expression, DOC) is MISSING


def test_root_of_scalar_document() -> None:
    assert query("$", 5) == 5
    assert query("$.a", 5) is MISSING
    assert query("$[0]", [9]) == 9


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("$.tags[*]", ["a", "b", "c"]),
        ("$.tags[0,1]", ["a", "b"]),
        ("$.tags[0,7]", ["a"]),
        ("$.tags[1:]", ["b", "c"]),
        ("$.tags[-1:]", ["c"]),
        ("$.empty[*]", []),
        ("$.missing[*]", []),
        ("$..email", ["ada@example.com"]),
        ("$.items[*].name", ["pen", "ink", "cap", "box", "bag"]),
        ("$.items[?(@.id > 2)].name", ["box", "bag"]),  # "3" is a string, not > 2
        ("$.items[?(@.id == 3)].name", ["box"]),  # JSON equality: "3" != 3
        ('$.items[?(@.id == "3")].name', ["ink"]),
        ("$.items[?(@.price > 2)].name", ["pen"]),  # 2.7 > 2 (jsonpath-ng truncates to 2)
        ("$.items[?(@.price >= 1)].name", ["pen", "ink"]),
        ('$.items[?(@.name =~ "^b")].name', ["box", "bag"]),
        ("$.items[?(@.id > 100)]", []),
        ("$.items[?(@.price)].name", ["pen", "ink", "box"]),
        ("$.by_key[?(@.id > 2)].id", [5]),  # a filter on an object filters its values
        ("$.matrix[*][-1]", [2, 3]),  # the empty row is skipped, not an IndexError
        ("$.tags.`sorted`", [["a", "b", "c"]]),
    ],
)
def test_non_singular_values(expression: str, expected: Any) -> None:
    assert query(expression, DOC) == expected


def test_queries_never_change_the_document() -> None:
    before = copy.deepcopy(DOC)
    for expression in ("$.by_key[?(@.id > 2)]", "$.items[?(@.id == 3)]", "$..id", "$.tags[*]"):
        query(expression, DOC)
    assert before == DOC


@pytest.mark.parametrize(
    ("expression", "fragment"),
    [
        ("a.b", "must start with $"),
        ("", "must start with $"),
        ("   ", "must start with $"),
        ("$.a[", "Parse error"),
        ("$.a]", "Parse error"),
        ("$..", "Parse error"),
        ("$.a[?(@.id >)]", "Parse error"),
        ("$.a.`nope`", "Unknown named operator"),
        ("$.ä", "Unexpected character"),
        ('$.a[?(@.x =~ "[")]', "bad regex"),
        ("$.a[?(@.x =~ 5)]", "=~ needs a quoted regex"),
    ],
)
def test_invalid_expressions(expression: str, fragment: str) -> None:
    with pytest.raises(JsonPathError) as info:
        compile_path(expression)
    message = str(info.value)
    assert fragment in message
    assert "\n" not in message
    assert isinstance(info.value, ValueError)
    with pytest.raises(JsonPathError):
        query(expression, {})


def test_non_string_expression() -> None:
    with pytest.raises(JsonPathError, match="must be a string"):
        compile_path(5)  # type: ignore[arg-type]


def test_runtime_failure_is_a_jsonpath_error() -> None:
    # `sorted` over values Python cannot order: jsonpath-ng raises TypeError
    with pytest.raises(JsonPathError, match="cannot evaluate"):
        query("$.mixed.`sorted`", {"mixed": [1, "a", None]})


# The fast path for simple paths must agree with jsonpath-ng's own parse, walked by _walk.
_names = st.sampled_from(["a", "b", "items", "x-y", "_id", "where", "len", "0"])
_steps = st.one_of(
    _names.map(lambda name: f".{name}"),
    _names.map(lambda name: f"['{name}']"),
    st.integers(min_value=-4, max_value=4).map(lambda index: f"[{index}]"),
    st.just(".`len`"),
)
_json = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=3)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(_names, inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(steps=st.lists(_steps, max_size=5), document=_json)
def test_simple_paths_agree_with_jsonpath_ng(steps: list[str], document: object) -> None:
    from runner.jsonquery import _follow, _simple_steps, _toolkit, _walk

    expression = "$" + "".join(steps)
    fast_steps = _simple_steps(expression)
    kit = _toolkit()
    try:
        parsed = kit.parser.parse(expression)
    except Exception:
        parsed = None
    if parsed is None:  # jsonpath-ng rejects it: so must the fast path
        assert fast_steps is None
        return
    if fast_steps is None:
        return  # left to jsonpath-ng (reserved words)
    slow = _walk(parsed, document, document, kit)
    fast = _follow(fast_steps, document)
    assert (fast is MISSING and slow is MISSING) or fast == slow
