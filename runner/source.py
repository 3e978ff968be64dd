"""Where something was written: file, line and column, and the snippet shown under an error."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class SourceLocation:
    """A 1-based position in a source file; ``length`` is how many columns to underline."""

    file: str
    line: int
    column: int
    length: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


def location_from_mark(file: str, mark: object, length: int = 1) -> SourceLocation:
    """Turn a 0-based PyYAML mark (anything with ``line`` and ``column``) into a location."""
    return SourceLocation(
        file, getattr(mark, "line", 0) + 1, getattr(mark, "column", 0) + 1, length
    )


def read_source_line(location: SourceLocation) -> str | None:
    """Return the text of the location's line, or None when the file cannot be read."""
    try:
        with Path(location.file).open(encoding="utf-8", errors="replace") as handle:
            for number, text in enumerate(handle, start=1):
                if number == location.line:
                    return text.rstrip("\r\n")
    except OSError:
        return None
    return None


def format_diagnostic(
    severity: str, message: str, location: SourceLocation | None, hint: str | None
) -> str:
    """Render a rustc/Hurl style message: headline, ``-->`` location, source line, caret, hint."""
    lines = [f"{severity}: {message}"]
    if location is not None:
        lines.append(f"  --> {location}")
        source = read_source_line(location)
        if source is not None:
            gutter = " " * len(str(location.line))
            carets = "^" * max(1, location.length)
            lines.append(f"{gutter} |")
            lines.append(f"{location.line} | {source}")
            lines.append(f"{gutter} | {' ' * (location.column - 1)}{carets}")
            if hint:
                lines.append(f"{gutter} = hint: {hint}")
            return "\n".join(lines)
    if hint:
        lines.append(f"  = hint: {hint}")
    return "\n".join(lines)
