"""Data files for --data: CSV (text) and JSON (typed) rows, and their errors with file:line."""

from __future__ import annotations

from pathlib import Path

import pytest

from runner.data import load_data
from runner.errors import LoadError, PostrunError


@pytest.mark.parametrize(
    ("name", "text", "rows"),
    [
        (
            "rows.csv",
            "user,id\nann,1\nbob,2\n",
            [{"user": "ann", "id": "1"}, {"user": "bob", "id": "2"}],
        ),
        ("rows.csv", '\ufeffa,b\n"x, y",""\n\n', [{"a": "x, y", "b": ""}]),
        ("rows.csv", "a\r\n1\r\n2\r\n", [{"a": "1"}, {"a": "2"}]),
        (
            "rows.json",
            '[{"id": 1, "ok": true}, {"id": 2.5, "tags": ["a"]}]',
            [{"id": 1, "ok": True}, {"id": 2.5, "tags": ["a"]}],
        ),
        ("ROWS.JSON", '[{"x": null}]', [{"x": None}]),
    ],
)
def test_rows_are_read_with_their_types(tmp_path: Path, name: str, text: str, rows: list) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    data = load_data(path, base_dir=tmp_path)
    assert [dict(row) for row in data.rows] == rows


def test_row_lines_and_columns(tmp_path: Path) -> None:
    path = tmp_path / "rows.json"
    path.write_text('[\n  {"a": 1},\n\n  {"a": 2, "b": 3}\n]\n', encoding="utf-8")
    data = load_data(path, base_dir=tmp_path)
    assert data.row_lines == (2, 4)
    assert data.columns == ("a", "b")


@pytest.mark.parametrize(
    ("name", "content", "message", "line"),
    [
        ("rows.csv", b"a,b\n1,2\n3\n", "row has 1 values but the header has 2 columns", 3),
        ("rows.csv", b"a,a\n1,2\n", "column 'a' appears twice", 1),
        ("rows.csv", b"a,b c\n1,2\n", "column 2 has an invalid name 'b c'", 1),
        ("rows.csv", b"a\n", "data file has no rows", 1),
        ("rows.csv", b"", "data file has no rows", 1),
        ("rows.csv", b'a\n"unclosed\n', "malformed CSV", 2),
        ("rows.csv", b"a\n\xff\xfe\n", "not UTF-8", 2),
        ("rows.json", b'[{"a": 1},\n {"a": }]', "invalid JSON: Expecting value", 2),
        ("rows.json", b'{"a": 1}', "must be a list of objects, not an object", 1),
        ("rows.json", b'[{"a": 1},\n 3]', "item 2 of the list is a number, not an object", 2),
        ("rows.json", b'[{"a b": 1}]', "invalid variable name 'a b'", 1),
        ("rows.json", b"[]", "data file has no rows", 1),
    ],
)
def test_bad_data_files_name_the_line(
    tmp_path: Path, name: str, content: bytes, message: str, line: int
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LoadError) as caught:
        load_data(path, base_dir=tmp_path)
    assert message in caught.value.message
    assert caught.value.location is not None
    assert caught.value.location.line == line
    assert caught.value.location.file == str(path)


@pytest.mark.parametrize(
    ("name", "message"),
    [("missing.csv", "file not found"), ("rows.txt", "unknown data file type '.txt'")],
)
def test_unusable_paths(tmp_path: Path, name: str, message: str) -> None:
    (tmp_path / "rows.txt").write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(PostrunError, match=message):
        load_data(tmp_path / name, base_dir=tmp_path)


def test_data_outside_the_working_directory_needs_allow_outside(tmp_path: Path) -> None:
    inside = tmp_path / "work"
    inside.mkdir()
    outside = tmp_path / "rows.csv"
    outside.write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(PostrunError, match="outside the working directory") as caught:
        load_data(outside, base_dir=inside)
    assert caught.value.hint is not None and "--allow-outside" in caught.value.hint
    assert load_data(outside, base_dir=inside, allow_outside=True).rows == ({"a": "1"},)
