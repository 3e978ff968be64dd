"""Small text helpers the reporters share."""

from __future__ import annotations

import re
from typing import Any

from runner.matchers import show


def cut(text: str, limit: int, ellipsis: str = "…") -> str:
    """``text`` shortened to ``limit`` characters, ``ellipsis`` marking the cut."""
    return text if len(text) <= limit else text[: limit - len(ellipsis)] + ellipsis


def show_value(value: Any) -> str:
    """A value in JSON spelling, whole (reports cut it themselves where they must)."""
    return show(value, limit=None)


# Terminal control characters from a body or header would move the cursor or recolour the
# screen; they are shown escaped instead. Tab and newline are kept (lines are split first).
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """``text`` with its terminal control characters escaped (``\\x1b``)."""
    # Nearly every text is printable: one test in C instead of a regex scan (what the regex
    # escapes is never printable, so a printable text is left as it is either way).
    if text.isprintable():
        return text
    return _CONTROL_CHARS.sub(lambda match: f"\\x{ord(match.group()):02x}", text)
