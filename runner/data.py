"""Data files for data-driven runs (`--data`): CSV rows of text, or a JSON list of typed objects."""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.errors import LoadError, PostrunError
from runner.source import SourceLocation

_COLUMN_NAME = re.compile(r"[A-Za-z0-9_.\-]+")
_NAME_HINT = "column names become variables: use letters, digits, '_', '-' and '.'"


@dataclass(frozen=True, slots=True)
class DataSet:
    """The rows of a data file; each row is one iteration's variables (FORMAT.md section 3.4)."""

    file: str
    rows: tuple[Mapping[str, Any], ...]
    row_lines: tuple[int, ...]  # 1-based line of each row, for messages

    @property
    def columns(self) -> tuple[str, ...]:
        """Every column name, in first-seen order."""
        seen: dict[str, None] = {}
        for row in self.rows:
            seen.update(dict.fromkeys(row))
        return tuple(seen)


def load_data(path: Path, *, base_dir: Path | None = None, allow_outside: bool = False) -> DataSet:
    """Read ``--data FILE``: ``.csv`` (header row, text values) or ``.json`` (list of objects)."""
    shown = str(path)
    base = (base_dir or Path.cwd()).resolve()
    try:
        resolved = path.resolve()
    except (OSError, ValueError) as exc:
        raise PostrunError(f"--data {shown}: path is not usable: {exc}") from None
    if not allow_outside and not resolved.is_relative_to(base):
        raise PostrunError(
            f"--data {shown} is outside the working directory ({base})",
            hint="pass --allow-outside to read it",
        )
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".json"):
        raise PostrunError(
            f"--data {shown}: unknown data file type '{path.suffix or '(none)'}'",
            hint="use a .csv file (header row, one iteration per line) or a .json list of objects",
        )
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise PostrunError(f"--data {shown}: file not found") from None
    except OSError as exc:
        raise PostrunError(f"--data {shown}: cannot read it ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise LoadError(
            "data file is not UTF-8 text",
            location=SourceLocation(shown, line, 1),
            hint="save it as UTF-8",
        ) from None
    dataset = _read_csv(shown, text) if suffix == ".csv" else _read_json(shown, text)
    if not dataset.rows:
        raise LoadError(
            "data file has no rows",
            location=SourceLocation(shown, 1, 1),
            hint="a CSV needs a header row and at least one data row; JSON a non-empty list",
        )
    return dataset


def _read_csv(file: str, text: str) -> DataSet:
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            return DataSet(file, (), ())
        names = [name.strip() for name in header]
        _check_columns(file, names, 1)
        rows: list[dict[str, str]] = []
        lines: list[int] = []
        for values in reader:
            line = reader.line_num
            if not values or values == [""]:
                continue  # a blank line
            if len(values) != len(names):
                raise LoadError(
                    f"row has {len(values)} values but the header has {len(names)} columns",
                    location=SourceLocation(file, line, 1),
                    hint='quote values that contain commas: "a, b"',
                )
            rows.append(dict(zip(names, values, strict=True)))
            lines.append(line)
    except csv.Error as exc:
        unclosed = "end of data" in str(exc)
        raise LoadError(
            f"malformed CSV: {exc}",
            location=SourceLocation(file, _last_row_start(text, reader.line_num), 1),
            hint='a quoted value is not closed: end it with "' if unclosed else None,
        ) from None
    return DataSet(file, tuple(rows), tuple(lines))


def _last_row_start(text: str, lines_read: int) -> int:
    """The csv module counts lines read so far; point at the row that started, not the end."""
    return max(1, min(lines_read, text.count("\n") or 1))


def _check_columns(file: str, names: list[str], line: int) -> None:
    seen: set[str] = set()
    for index, name in enumerate(names, start=1):
        where = SourceLocation(file, line, 1)
        if not _COLUMN_NAME.fullmatch(name):
            raise LoadError(
                f"column {index} has an invalid name {name!r}", location=where, hint=_NAME_HINT
            )
        if name in seen:
            raise LoadError(f"column '{name}' appears twice in the header", location=where)
        seen.add(name)


def _read_json(file: str, text: str) -> DataSet:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise LoadError(
            f"invalid JSON: {exc.msg}", location=SourceLocation(file, exc.lineno, exc.colno)
        ) from None
    if not isinstance(data, list):
        raise LoadError(
            f"a JSON data file must be a list of objects, not {_json_type(data)}",
            location=SourceLocation(file, 1, 1),
            hint='write [{"user": "ann", "id": 1}, {"user": "bob", "id": 2}]',
        )
    starts = _element_lines(text, len(data))
    rows: list[Mapping[str, Any]] = []
    for index, row in enumerate(data):
        where = SourceLocation(file, starts[index], 1)
        if not isinstance(row, dict):
            raise LoadError(
                f"item {index + 1} of the list is {_json_type(row)}, not an object",
                location=where,
                hint="each item is one iteration's variables: an object of name -> value",
            )
        for name in row:
            if not _COLUMN_NAME.fullmatch(name):
                raise LoadError(
                    f"item {index + 1} has an invalid variable name {name!r}",
                    location=where,
                    hint=_NAME_HINT,
                )
        rows.append(row)
    return DataSet(file, tuple(rows), tuple(starts))


def _element_lines(text: str, count: int) -> list[int]:
    """The line each top-level list element starts on (a cheap scan; JSON has no marks)."""
    decoder = json.JSONDecoder()
    lines: list[int] = []
    position = text.index("[") + 1
    for _ in range(count):
        while text[position] in " \t\r\n,":
            position += 1
        lines.append(text.count("\n", 0, position) + 1)
        _, position = decoder.raw_decode(text, position)
    return lines


def _json_type(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, bool):
        return "a boolean"
    if value is None:
        return "null"
    return "a number"
