"""The YAML writer used by import: what it writes loads back as the same values."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runner.interop.yaml_out import dump_yaml
from runner.loader import load_collection

VALUES: list[Any] = [
    "plain",
    "1e3",
    ".5e3",
    "1.e-2",
    "0o17",
    "0x1F",
    ".inf",
    "-.Inf",
    ".nan",
    "1.5",
    "10",
    "true",
    "no",
    "null",
    "~",
    "",
    "12:30",
    "2024-02-01",
    "*/*",
    "a: b",
    "# not a comment",
    "line one\nline two\n",
    "trailing space \nnext",
    "ünïcödé ✓",
    "<<API_KEY>>",
    1,
    2.5,
    True,
    None,
    [1, "2", {"k": "v"}],
]


@pytest.mark.parametrize("value", VALUES)
def test_values_survive_a_round_trip_through_the_loader(tmp_path: Path, value: Any) -> None:
    text = dump_yaml(
        {"name": "C", "variables": {"v": value}, "requests": [{"name": "R", "url": "http://h/"}]}
    )
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    assert load_collection(path, base_dir=tmp_path).variables.values["v"] == value


def test_key_order_and_block_style_are_kept() -> None:
    text = dump_yaml({"name": "x", "requests": [{"name": "a", "method": "POST"}]})
    assert text == "name: x\nrequests:\n  - name: a\n    method: POST\n"
