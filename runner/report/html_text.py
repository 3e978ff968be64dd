"""Small text pieces of the HTML report: the marks, escaping, and values, places and times."""

from __future__ import annotations

import json
import math
from datetime import datetime, timezone
from html import escape
from typing import Any

from runner.source import SourceLocation

VALUE_LIMIT = 4096
"""Characters of a check's actual value or a capture's value shown before cutting."""

TICK = "✓"
CROSS = "✗"
DASH = "–"


def value_text(value: Any) -> str:
    """A check's or capture's value as compact JSON, cut past VALUE_LIMIT characters."""
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=repr)
        except (TypeError, ValueError):
            text = repr(value)
    if len(text) > VALUE_LIMIT:
        text = text[:VALUE_LIMIT] + f" … (cut, {len(text):,} characters in all)"
    return text


def where_text(location: SourceLocation) -> str:
    """``file:line`` of a location, as the page shows it."""
    return f"{location.file}:{location.line}"


def location_html(location: SourceLocation | None) -> str:
    """The ``file:line`` of a check or capture, the whole location in its title ("" for none)."""
    if location is None:
        return ""
    return f'<code class="where" title="{esc(str(location))}">{esc(where_text(location))}</code>'


def duration_text(milliseconds: float) -> str:
    """``12 ms`` or ``1.50 s``; ``?`` for a time that is not a number."""
    if not math.isfinite(milliseconds):
        return "?"
    if milliseconds < 1000:
        return f"{milliseconds:.0f} ms"
    return f"{milliseconds / 1000:.2f} s"


def date_text(moment: datetime) -> str:
    """The moment in UTC (a naive one is taken as UTC already)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def esc(text: str) -> str:
    """Escape text for HTML, quotes included, so it is safe in an attribute too."""
    return escape(text, quote=True)
