"""Hostile collections (issue 7.5): a collection from elsewhere is data, never a key to the house.

It cannot read environment variables it did not declare, cannot make postrun write anywhere but
the report paths given on the command line, cannot read files outside the working directory
without ``--allow-outside``, cannot run code through YAML tags, and cannot exhaust memory or
time with aliases, nesting or self-multiplying variables.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from hardening_support import invoke

HOSTILE_ENV = "NOT_DECLARED"
HOSTILE_VALUE = "value-the-collection-must-not-see"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def collection(request_lines: str, top: str = "") -> str:
    return (
        f"{top}requests:\n  - name: r\n    url: https://api.test/x\n{request_lines}"
        "    examples: [{name: ok, body: {a: 1}}]\n"
    )


# ------------------------------------------------------------------ environment variables


@pytest.mark.parametrize(
    "where",
    [
        "    headers: {X-Leak: <<NOT_DECLARED>>}\n",
        "    params: {q: <<NOT_DECLARED>>}\n",
        "    body: {json: {leak: <<NOT_DECLARED>>}}\n",
        "    assert: {body: {contains: <<NOT_DECLARED>>}}\n",
    ],
)
@pytest.mark.parametrize("command", ["validate", "run"])
def test_an_undeclared_environment_variable_is_undefined(
    monkeypatch: pytest.MonkeyPatch, where: str, command: str
) -> None:
    monkeypatch.setenv(HOSTILE_ENV, HOSTILE_VALUE)
    write(Path(".env"), f"{HOSTILE_ENV}=from-dotenv-{HOSTILE_VALUE}\n")
    path = write(Path("c.yaml"), collection(where))
    args = [command, str(path), *(["--mock"] if command == "run" else [])]
    result = invoke(args)
    assert result.exit_code == 2, result.output
    assert "undefined variable" in result.output
    assert HOSTILE_VALUE not in result.output


def test_a_declared_secret_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    """The counterpart: declaring the name is what lets it in."""
    monkeypatch.setenv(HOSTILE_ENV, HOSTILE_VALUE)
    path = write(
        Path("c.yaml"),
        collection("    headers: {X-Key: <<NOT_DECLARED>>}\n", top="secrets: [NOT_DECLARED]\n"),
    )
    assert invoke(["run", str(path), "--mock"]).exit_code == 0


def test_common_process_variables_are_not_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", "/home/someone")
    for name in ("HOME", "PATH", "USER", "PWD"):
        path = write(Path("c.yaml"), collection(f"    headers: {{X: <<{name}>>}}\n"))
        result = invoke(["run", str(path), "--mock"])
        assert result.exit_code == 2, (name, result.output)


# ------------------------------------------------------------------------------- writing


def _snapshot(root: Path) -> set[str]:
    return {str(path.relative_to(root)) for path in root.rglob("*")}


def test_a_run_writes_only_the_reports_it_is_given(tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    os.chdir(work)
    write(
        work / "c.yaml",
        "name: ../../escape\n"
        "requests:\n"
        "  - name: ../../../tmp/evil\n"
        "    url: https://api.test/x\n"
        "    examples: [{name: ../../ex, body: {a: 1}}]\n",
    )
    before = _snapshot(tmp_path)
    result = invoke(
        ["run", "c.yaml", "--mock", "--report", "json:out/r.json", "--report", "junit:out/r.xml"]
    )
    created = _snapshot(tmp_path) - before
    assert created == {"work/out", "work/out/r.json", "work/out/r.xml"}, (created, result.output)
    assert not Path("/tmp/evil").exists()


# ------------------------------------------------------------------------ reading files

OUTSIDE_FORMS = [
    "    body: {file: ../outside/secret.txt}\n",
    "    body: {multipart: {f: {file: ../outside/secret.txt}}}\n",
    "    body: {file: ABSOLUTE}\n",
    "    body: {file: link-out.txt}\n",
    "    assert: {schema: ../outside/schema.json}\n",
]


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """cwd is tmp/work; tmp/outside holds files a collection must not reach by default."""
    work = tmp_path / "work"
    work.mkdir()
    os.chdir(work)
    folder = tmp_path / "outside"
    write(folder / "secret.txt", "outside-secret")
    write(folder / "schema.json", '{"type": "object"}')
    (work / "link-out.txt").symlink_to(folder / "secret.txt")
    return folder


@pytest.mark.parametrize("form", OUTSIDE_FORMS)
def test_paths_outside_the_working_directory_need_allow_outside(outside: Path, form: str) -> None:
    form = form.replace("ABSOLUTE", str(outside / "secret.txt"))
    path = write(Path("c.yaml"), collection(form))
    for command in (["validate", str(path)], ["run", str(path), "--mock"]):
        refused = invoke(command)
        assert refused.exit_code == 2, refused.output
        assert "outside the working directory" in refused.output
        assert "--allow-outside" in refused.output
        allowed = invoke([*command, "--allow-outside"])
        assert allowed.exit_code == 0, allowed.output


def test_etc_passwd_is_refused() -> None:
    path = write(Path("c.yaml"), collection("    body: {file: ../../../../../../etc/passwd}\n"))
    result = invoke(["validate", str(path)])
    assert result.exit_code == 2
    assert "--allow-outside" in result.output


# ------------------------------------------------------------------------------ YAML


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system ['touch pwned']",
        "!!python/name:os.system",
        "!!python/object/new:os.system ['touch pwned']",
        "!!binary aGVsbG8=",
        "!!timestamp 2024-01-01",
        "!custom x",
    ],
)
def test_yaml_tags_cannot_run_code(tag: str) -> None:
    path = write(Path("c.yaml"), f"variables: {{x: {tag}}}\n" + collection(""))
    result = invoke(["run", str(path), "--mock"])
    assert result.exit_code == 2, result.output
    assert "tag" in result.output
    assert not Path("pwned").exists()


def _timed(args: list[str], limit: float) -> None:
    started = time.monotonic()
    result = invoke(args, seconds=limit)
    assert result.exit_code in (0, 1, 2)
    assert time.monotonic() - started < limit


def test_alias_bomb_ends_quickly() -> None:
    """The "billion laughs": nine levels of ten aliases each."""
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for level in range(1, 10):
        refs = ",".join([f"*a{level - 1}"] * 10)
        lines.append(f"a{level}: &a{level} [{refs}]")
    text = "variables:\n" + "".join(f"  {line}\n" for line in lines)
    write(Path("c.yaml"), text + collection("    body: {json: <<a9>>}\n"))
    _timed(["validate", "c.yaml"], 10)
    _timed(["run", "c.yaml", "--mock"], 10)


@pytest.mark.parametrize(
    "nested",
    [
        "[" * 1000 + "]" * 1000,
        "[" * 100_000 + "]" * 100_000,
        "{a: " * 100_000 + "1" + "}" * 100_000,
        "\n    " + "- " * 100_000 + "x",
    ],
    ids=["flow-1k", "flow-100k", "mapping-100k", "block-100k"],
)
def test_deep_nesting_ends_quickly(nested: str) -> None:
    """libyaml's composer recursed in C and crashed the process on these (now a LoadError)."""
    write(Path("c.yaml"), "variables:\n  x: " + nested + "\n" + collection(""))
    _timed(["validate", "c.yaml"], 15)
    if len(nested) > 10_000:
        result = invoke(["validate", "c.yaml"])
        assert result.exit_code == 2
        assert "nested too deeply" in result.output


def test_a_huge_document_ends_quickly() -> None:
    big = "x" * 5_000_000
    many = "".join(f"  v{index}: {index}\n" for index in range(20_000))
    write(Path("c.yaml"), f"variables:\n  big: {big}\n{many}" + collection(""))
    _timed(["validate", "c.yaml"], 20)


def test_self_multiplying_variables_end_quickly() -> None:
    """``v0: <<v1>><<v1>>...`` nine levels deep expands to 10^10 copies unless bounded."""
    variables = "".join(f"  v{level}: '{f'<<v{level + 1}>>' * 10}'\n" for level in range(9))
    text = f"variables:\n{variables}  v9: x\n" + collection("    headers: {X: <<v0>>}\n")
    write(Path("c.yaml"), text)
    _timed(["validate", "c.yaml"], 10)
    started = time.monotonic()
    result = invoke(["run", "c.yaml", "--mock"], seconds=10)
    assert result.exit_code in (1, 2), result.output
    assert "expand too much" in result.output
    assert time.monotonic() - started < 10


@pytest.mark.parametrize("name", ["rows.csv", "rows.json"])
def test_a_data_file_outside_the_working_directory_needs_allow_outside(
    outside: Path, name: str
) -> None:
    write(outside / name, "a\n1\n" if name.endswith(".csv") else '[{"a": 1}]')
    path = write(Path("c.yaml"), collection(""))
    refused = invoke(["run", str(path), "--mock", "--data", f"../outside/{name}"])
    assert refused.exit_code == 2, refused.output
    assert "--allow-outside" in refused.output
    allowed = invoke(
        ["run", str(path), "--mock", "--data", f"../outside/{name}", "--allow-outside"]
    )
    assert allowed.exit_code == 0, allowed.output
