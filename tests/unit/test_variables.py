"""Unit tests for runner.variables: --var parsing, .env, secrets, precedence, undefined names."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runner.errors import PostrunError, TemplateError
from runner.model import EnvironmentSpec, PlaceholderUse, VariableScope
from runner.source import SourceLocation
from runner.templating import Renderer
from runner.variables import (
    VariableStack,
    build_stack,
    check_secret_conflicts,
    find_undefined,
    format_undefined,
    parse_cli_var,
    read_dotenv,
    resolve_secrets,
    undefined_error,
)


def loc(line: int, column: int = 1, file: str = "c.yaml") -> SourceLocation:
    return SourceLocation(file, line, column)


# --- --var -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name=value", ("name", "value")),
        ("name=", ("name", "")),
        ("url=http://x/?a=b", ("url", "http://x/?a=b")),
        ("n=1", ("n", "1")),
        ("n:=1", ("n", 1)),
        ("t:=0.7", ("t", 0.7)),
        ("f:=true", ("f", True)),
        ("z:=null", ("z", None)),
        ('s:="text"', ("s", "text")),
        ('l:=[1, "a"]', ("l", [1, "a"])),
        ('o:={"a": {"b": 2}}', ("o", {"a": {"b": 2}})),
        ("dotted.name-x_1=v", ("dotted.name-x_1", "v")),
    ],
)
def test_parse_cli_var(text: str, expected: tuple[str, Any]) -> None:
    result = parse_cli_var(text)
    assert result == expected
    assert type(result[1]) is type(expected[1])


@pytest.mark.parametrize(
    ("text", "in_message", "in_hint"),
    [
        ("name", "no '='", "name=value"),
        ("n:=text", "not JSON", "--var n:='\"text\"'"),
        ("n:=", "not JSON", "--var n="),
        ("=value", "invalid variable name", "letters"),
        ("bad name=1", "invalid variable name", "letters"),
        ("$uuid=1", "invalid variable name", "letters"),
        ("a:b=1", "invalid variable name", "letters"),
    ],
)
def test_parse_cli_var_errors(text: str, in_message: str, in_hint: str) -> None:
    with pytest.raises(PostrunError) as info:
        parse_cli_var(text)
    assert in_message in info.value.message
    assert info.value.hint is not None
    assert in_hint in info.value.hint
    assert info.value.exit_code == 2


# --- .env --------------------------------------------------------------------------------------


def test_read_dotenv(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text(
        '# comment\nAPI_KEY=sk-123\nQUOTED="a b"\nexport EXPORTED=yes\nREF=${API_KEY}\nBARE\n',
        encoding="utf-8",
    )
    assert read_dotenv(path) == {
        "API_KEY": "sk-123",
        "QUOTED": "a b",
        "EXPORTED": "yes",
        "REF": "${API_KEY}",
    }


def test_read_dotenv_missing_file_is_empty(tmp_path: Path) -> None:
    assert read_dotenv(tmp_path / ".env") == {}


@pytest.mark.parametrize("make_dir", [False, True])
def test_read_dotenv_required_missing_file(tmp_path: Path, make_dir: bool) -> None:
    path = tmp_path / "custom.env"
    if make_dir:
        path.mkdir()
    with pytest.raises(PostrunError, match=r"custom\.env"):
        read_dotenv(path, required=True)


# --- secrets -----------------------------------------------------------------------------------

CLI = {"KEY": "from-cli"}
ENV = {"KEY": "from-env", "OTHER": "x"}
DOTENV = {"KEY": "from-dotenv"}


@pytest.mark.parametrize(
    ("cli", "environ", "dotenv", "expected"),
    [
        (CLI, ENV, DOTENV, "from-cli"),
        ({}, ENV, DOTENV, "from-env"),
        ({}, {}, DOTENV, "from-dotenv"),
        ({"KEY": 12345}, ENV, DOTENV, "12345"),
        ({"KEY": True}, ENV, DOTENV, "true"),
    ],
)
def test_secret_precedence(
    cli: dict[str, Any], environ: dict[str, str], dotenv: dict[str, str], expected: str
) -> None:
    result = resolve_secrets(
        {"KEY": None}, cli_vars=cli, environ=environ, dotenv=dotenv, mock=False
    )
    assert result.values == {"KEY": expected}
    assert result.notes == ()
    assert result.to_mask == (expected,)


def test_undeclared_names_are_never_read() -> None:
    result = resolve_secrets({"KEY": None}, cli_vars={}, environ=ENV, dotenv={}, mock=False)
    assert "OTHER" not in result.values


def test_missing_secrets_are_one_error_listing_all() -> None:
    declared = {"API_KEY": loc(3, 10), "PRESENT": loc(3, 19), "TOKEN": loc(5, 4, "env.yaml")}
    with pytest.raises(PostrunError) as info:
        resolve_secrets(declared, cli_vars={}, environ={"PRESENT": "value"}, dotenv={}, mock=False)
    error = info.value
    assert "2 secrets are not set" in error.message
    assert "API_KEY (declared at c.yaml:3:10)" in error.message
    assert "TOKEN (declared at env.yaml:5:4)" in error.message
    assert "PRESENT" not in error.message
    assert error.location == loc(3, 10)
    assert error.hint is not None
    assert "export API_KEY=... TOKEN=..." in error.hint
    assert ".env" in error.hint


def test_one_missing_secret_without_location() -> None:
    with pytest.raises(PostrunError) as info:
        resolve_secrets({"API_KEY": None}, cli_vars={}, environ={}, dotenv={}, mock=False)
    assert info.value.message == "secret API_KEY is not set"
    assert info.value.hint == "export API_KEY=..., or add API_KEY=... to .env"


def test_mock_fills_missing_secrets_with_a_note() -> None:
    result = resolve_secrets(
        {"API_KEY": loc(1), "SET": None},
        cli_vars={},
        environ={"SET": "real-value"},
        dotenv={},
        mock=True,
    )
    assert result.values == {"API_KEY": "mock-API_KEY", "SET": "real-value"}
    assert result.notes == ("secret API_KEY is not set; --mock uses 'mock-API_KEY'",)
    assert set(result.to_mask) == {"mock-API_KEY", "real-value"}


@pytest.mark.parametrize(
    ("value", "note"),
    [("abc", "shorter than 4"), ("", "is empty"), ("abcd", None)],
)
def test_short_secret_note(value: str, note: str | None) -> None:
    result = resolve_secrets(
        {"PIN": None}, cli_vars={}, environ={"PIN": value}, dotenv={}, mock=False
    )
    assert result.values == {"PIN": value}
    if note is None:
        assert result.notes == ()
    else:
        assert len(result.notes) == 1
        assert note in result.notes[0]
        assert "PIN" in result.notes[0]


def test_to_mask_is_distinct_and_non_empty() -> None:
    result = resolve_secrets(
        {"A": None, "B": None, "C": None},
        cli_vars={},
        environ={"A": "same", "B": "same", "C": ""},
        dotenv={},
        mock=False,
    )
    assert result.to_mask == ("same",)


@pytest.mark.parametrize("declared", [{"API_KEY": loc(2, 10)}, ["API_KEY"]])
def test_secret_that_is_also_a_variable(declared: Any) -> None:
    scopes = [
        VariableScope("collection c", {"base": "x"}, {"base": loc(4)}),
        VariableScope("folder Users", {"API_KEY": "oops"}, {"API_KEY": loc(9, 5)}),
    ]
    with pytest.raises(PostrunError) as info:
        check_secret_conflicts(declared, scopes)
    assert "'API_KEY' is both a variable (folder Users) and a secret" in info.value.message
    assert info.value.location == loc(9, 5)


def test_no_secret_conflict() -> None:
    scopes = [VariableScope("collection c", {"base": "x"})]
    check_secret_conflicts({"API_KEY": None}, scopes)


# --- the stack ---------------------------------------------------------------------------------


def full_stack(drop: int = 0) -> VariableStack:
    """``x`` defined in every layer; the ``drop`` highest layers leave it out."""

    def value(rank: int, label: str) -> dict[str, Any]:
        return {} if rank < drop else {"x": label}

    environment = EnvironmentSpec(
        name="dev",
        file="environments/dev.yaml",
        variables=VariableScope("dev", value(4, "environment"), {"x": loc(2)} if drop <= 4 else {}),
    )
    return build_stack(
        cli_vars=value(0, "cli"),
        secrets=value(1, "secret"),
        captured=value(2, "captured"),
        data_row=value(3, "data"),
        environment=environment,
        folder_scopes=[
            VariableScope("Inner", value(5, "inner folder")),
            VariableScope("Outer", value(6, "outer folder")),
        ],
        collection=VariableScope("Demo", {"x": "collection", "only_here": 1}),
    )


PRECEDENCE = [
    ("cli", "--var"),
    ("secret", "secret"),
    ("captured", "captured"),
    ("data", "data row"),
    ("environment", "environment dev"),
    ("inner folder", "folder Inner"),
    ("outer folder", "folder Outer"),
    ("collection", "collection Demo"),
]


@pytest.mark.parametrize("drop", range(len(PRECEDENCE)))
def test_precedence(drop: int) -> None:
    stack = full_stack(drop)
    expected_value, expected_scope = PRECEDENCE[drop]
    assert stack.lookup("x") == expected_value
    origin = stack.origin("x")
    assert origin is not None
    assert origin.name == expected_scope
    assert stack.shadowed("x") == [scope for _, scope in PRECEDENCE[drop + 1 :]]


def test_stack_queries() -> None:
    stack = full_stack()
    assert stack.defined("only_here")
    assert not stack.defined("nope")
    assert stack.origin("nope") is None
    assert stack.names() == ["only_here", "x"]
    assert stack.shadowed("only_here") == []
    assert stack.location("x") is None
    assert full_stack(4).location("x") == loc(2)
    with pytest.raises(KeyError):
        stack.lookup("nope")


def test_stack_without_data_row_or_environment() -> None:
    stack = build_stack(
        cli_vars={},
        secrets={},
        captured={},
        data_row=None,
        environment=None,
        folder_scopes=[],
        collection=VariableScope("collection Demo", {"a": 1}),
    )
    assert [layer.name for layer in stack.layers] == [
        "--var",
        "secret",
        "captured",
        "collection Demo",
    ]


def test_stack_lookup_suits_the_renderer() -> None:
    stack = build_stack(
        cli_vars={"host": "cli.example"},
        secrets={"API_KEY": "sk"},
        captured={},
        data_row={"temp": 0.5},
        environment=None,
        folder_scopes=[],
        collection=VariableScope(
            "c", {"host": "h", "base": "https://<<host>>", "auth": "Bearer <<API_KEY>>"}
        ),
    )
    renderer = Renderer(stack.lookup)
    assert renderer.render_text("<<base>>/x") == "https://cli.example/x"
    assert renderer.render_value({"t": "<<temp>>", "a": "<<auth>>"}, typed=True) == {
        "t": 0.5,
        "a": "Bearer sk",
    }


# --- undefined names ---------------------------------------------------------------------------


def use(name: str, line: int, field: str = "url") -> PlaceholderUse:
    return PlaceholderUse(name, field, loc(line, 7))


def collection_stack(values: dict[str, Any]) -> VariableStack:
    return build_stack(
        cli_vars={},
        secrets={},
        captured={},
        data_row=None,
        environment=None,
        folder_scopes=[],
        collection=VariableScope("c", values),
    )


VALUES: dict[str, Any] = {
    "base": "<<scheme>>://<<host>>",
    "scheme": "https",
    "body": {"k": ["<<inner>>"], "<<keyvar>>": 1},
    "loop_a": "<<loop_b>>",
    "loop_b": "<<loop_a>> <<lost>>",
    "self": "<<self>>",
    "uses_capture": "Bearer <<token>>",
    "model": "gpt",
}


@pytest.mark.parametrize(
    ("uses", "also", "expected"),
    [
        ([use("scheme", 1)], (), {}),
        ([use("nope", 1)], (), {"nope": [1]}),
        ([use("base", 1)], (), {"host": [1]}),
        ([use("base", 1), use("base", 2, "headers")], (), {"host": [1, 2]}),
        ([use("body", 3, "body")], (), {"inner": [3], "keyvar": [3]}),
        ([use("loop_a", 4)], (), {"lost": [4]}),
        ([use("self", 4)], (), {}),
        ([use("uses_capture", 5, "headers")], (), {"token": [5]}),
        ([use("uses_capture", 5, "headers")], ("token",), {}),
        ([use("token", 6)], ("token",), {}),
        ([use("$uuid", 6), use("$timestamp", 7)], (), {}),
        ([use("$uuuid", 6)], (), {"$uuuid": [6]}),
        ([use("nope", 1), use("base", 2), use("nope", 3)], (), {"nope": [1, 3], "host": [2]}),
        ([use("nope", 1), use("nope", 1)], (), {"nope": [1]}),
    ],
)
def test_find_undefined(
    uses: list[PlaceholderUse], also: tuple[str, ...], expected: dict[str, list[int]]
) -> None:
    found = find_undefined(uses, collection_stack(VALUES), also_defined=also)
    assert {name: [u.location.line for u in places] for name, places in found.items()} == expected
    assert list(found) == list(expected)


def test_format_undefined() -> None:
    undefined = {
        "modle": [use("modle", 12, "body"), use("modle", 20, "url")],
        "zzz": [use("zzz", 3)],
        "$uuuid": [use("$uuuid", 4)],
    }
    text = format_undefined(undefined, known=["model", "base"])
    lines = text.splitlines()
    assert lines[0] == "'modle' used at c.yaml:12:7 (body), c.yaml:20:7 (url)"
    assert "did you mean 'model'?" in lines[1]
    assert "--var modle=..." in lines[1]
    assert lines[2] == "'zzz' used at c.yaml:3:7 (url)"
    assert "did you mean" not in lines[3]
    assert "--var zzz=..." in lines[3]
    assert "<<$uuid>>" in lines[5]


@pytest.mark.parametrize(
    ("names", "headline"),
    [(["nope"], "undefined variable 'nope'"), (["a", "b"], "2 undefined variables")],
)
def test_undefined_error(names: list[str], headline: str) -> None:
    undefined = {name: [use(name, i + 1)] for i, name in enumerate(names)}
    error = undefined_error(undefined)
    assert isinstance(error, TemplateError)
    assert error.exit_code == 2
    assert error.message.splitlines()[0] == headline
    assert error.names == tuple(names)
    assert error.location is None
    assert all(f"'{name}' used at" in error.message for name in names)
