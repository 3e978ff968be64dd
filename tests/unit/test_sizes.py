"""Sizes as ``options.max_body`` and ``--max-body`` take them: the grammar, how a size is shown,
and the load-time errors (file:line:column and a hint) for anything else."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.errors import LoadError
from runner.loader import load_collection
from runner.model import DEFAULT_MAX_BODY, SIZE_HINT, CollectionSpec, format_size, parse_size

REQUEST = """\
name: c
requests:
  - name: r
    url: http://x
"""


@pytest.mark.parametrize(
    ("text", "size"),
    [
        ("65536", 65536),
        ("1", 1),
        ("64MiB", 64 * 1024**2),
        ("64 MiB", 64 * 1024**2),
        ("512KiB", 512 * 1024),
        ("1GiB", 1024**3),
        ("10MB", 10 * 1000**2),
        ("1GB", 1000**3),
        ("2KB", 2000),
        ("100B", 100),
        ("64mib", 64 * 1024**2),  # units in any case
        (" 10 mb ", 10 * 1000**2),
    ],
)
def test_sizes_people_write(text: str, size: int) -> None:
    assert parse_size(text) == size


@pytest.mark.parametrize(
    "text",
    ["", "MiB", "1.5GB", "64M", "64k", "64  MiB", "-1", "+5", "64 TB", "1e6", "٣MiB", "9" * 5000],
)
def test_anything_else_is_not_a_size(text: str) -> None:
    assert parse_size(text) is None


@pytest.mark.parametrize(
    ("size", "shown"),
    [
        (DEFAULT_MAX_BODY, "64 MiB"),
        (1024, "1 KiB"),
        (1000, "1 KB"),
        (10 * 1000**2, "10 MB"),
        (3 * 1024**3, "3 GiB"),
        (1500, "1500 bytes"),
        (1, "1 byte"),
    ],
)
def test_a_size_is_shown_as_people_write_it(size: int, shown: str) -> None:
    assert format_size(size) == shown


def load(tmp_path: Path, text: str) -> CollectionSpec:
    path = tmp_path / "c.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_collection(path, base_dir=tmp_path)


def test_max_body_in_options_and_defaults(tmp_path: Path) -> None:
    collection = load(
        tmp_path,
        """\
        defaults: {options: {max_body: 10MB}}
        requests:
          - name: inherits
            url: http://x
          - name: own
            url: http://x
            options: {max_body: 1048576}
        """,
    )
    inherits, own = collection.requests
    assert inherits.options["max_body"] == 10 * 1000**2
    assert own.options["max_body"] == 1024**2


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("1.5GB", "'max_body' must be a size such as 64MiB, got text '1.5GB'"),
        ("64M", "'max_body' must be a size such as 64MiB, got text '64M'"),
        ("1e6", "'max_body' must be a size such as 64MiB, got a number"),
        ("true", "'max_body' must be a size such as 64MiB, got a boolean"),
        ("[1]", "'max_body' must be a size such as 64MiB, got a list"),
        ("null", "'max_body' must be a size such as 64MiB, got null"),
        ("0", "'max_body' must be at least 1 byte, got 0"),
        ("-1", "'max_body' must be at least 1 byte, got -1"),
        ("'0 KiB'", "'max_body' must be at least 1 byte, got 0 KiB"),
    ],
)
def test_a_bad_max_body_is_a_load_error_at_its_value(
    tmp_path: Path, value: str, message: str
) -> None:
    with pytest.raises(LoadError) as info:
        load(tmp_path, REQUEST + f"    options: {{max_body: {value}}}\n")
    error = info.value
    assert error.message == message
    assert error.location is not None
    assert (error.location.line, error.location.column) == (5, 25)
    assert error.hint == SIZE_HINT
    assert "64MiB" in SIZE_HINT and "10MB" in SIZE_HINT


def test_validate_shows_the_file_line_and_hint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from runner.cli import cli

    monkeypatch.chdir(tmp_path)
    (tmp_path / "c.yaml").write_text(REQUEST + "    options: {max_body: 2 GB!}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "c.yaml"])
    assert result.exit_code == 2
    assert "c.yaml:5:25" in result.output
    assert "hint: write bytes as a whole number" in result.output
