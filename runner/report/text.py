"""Small text helpers the reporters share."""

from __future__ import annotations

from typing import Any

from runner.matchers import show


def cut(text: str, limit: int, ellipsis: str = "…") -> str:
    """``text`` shortened to ``limit`` characters, ``ellipsis`` marking the cut."""
    return text if len(text) <= limit else text[: limit - len(ellipsis)] + ellipsis


def show_value(value: Any) -> str:
    """A value in JSON spelling, whole (reports cut it themselves where they must)."""
    return show(value, limit=None)
