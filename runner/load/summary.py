"""A load run's statistics as plain data, read back from what the Locust process wrote.

Locust keeps each request name's response times as a histogram of rounded milliseconds; the
percentiles here are computed from it the way Locust computes them, so the summary, the
thresholds and Locust's own CSV and HTML agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RequestStats:
    """One request name's statistics (or, named ``Aggregated``, those of all requests)."""

    name: str
    method: str
    requests: int
    failures: int
    total_ms: float
    min_ms: float
    max_ms: float
    histogram: tuple[tuple[int, int], ...]  # (rounded milliseconds, how many), any order

    @property
    def avg_ms(self) -> float:
        return self.total_ms / self.requests if self.requests else 0.0

    def percentile(self, fraction: float) -> float:
        """The response time under which ``fraction`` of the requests fell (Locust's way)."""
        wanted = int(self.requests * fraction)
        seen = 0
        for millis, count in sorted(self.histogram, reverse=True):
            seen += count
            if self.requests - seen <= wanted:
                return float(millis)
        return 0.0


@dataclass(frozen=True, slots=True)
class ErrorStats:
    """One failure message of one request name, and how often it happened."""

    name: str
    method: str
    message: str
    occurrences: int


@dataclass(frozen=True, slots=True)
class LoadSummary:
    """What a load run measured: per request name, all together, the failures, the duration."""

    entries: tuple[RequestStats, ...]
    total: RequestStats
    errors: tuple[ErrorStats, ...]
    duration_s: float
    users: int

    def named(self, name: str) -> RequestStats | None:
        """The statistics of request ``name`` (its methods together), None when it never ran."""
        found = [entry for entry in self.entries if entry.name == name]
        if not found:
            return None
        return found[0] if len(found) == 1 else merge(name, found)


def merge(name: str, entries: Sequence[RequestStats]) -> RequestStats:
    """Several entries as one (a request name sent with two methods)."""
    histogram: dict[int, int] = {}
    for entry in entries:
        for millis, count in entry.histogram:
            histogram[millis] = histogram.get(millis, 0) + count
    counted = [entry for entry in entries if entry.requests]
    return RequestStats(
        name,
        "/".join(sorted({entry.method for entry in entries})),
        sum(entry.requests for entry in entries),
        sum(entry.failures for entry in entries),
        sum(entry.total_ms for entry in entries),
        min((entry.min_ms for entry in counted), default=0.0),
        max((entry.max_ms for entry in counted), default=0.0),
        tuple(histogram.items()),
    )


def stats_from_json(data: Mapping[str, Any]) -> RequestStats:
    return RequestStats(
        str(data["name"]),
        str(data["method"]),
        int(data["requests"]),
        int(data["failures"]),
        float(data["total_ms"]),
        float(data["min_ms"]),
        float(data["max_ms"]),
        tuple((int(millis), int(count)) for millis, count in data["histogram"]),
    )


def summary_from_json(data: Mapping[str, Any]) -> LoadSummary:
    """The summary the Locust process wrote as JSON (runner/load/locust_user.py)."""
    return LoadSummary(
        tuple(stats_from_json(entry) for entry in data["entries"]),
        stats_from_json(data["total"]),
        tuple(
            ErrorStats(str(e["name"]), str(e["method"]), str(e["message"]), int(e["occurrences"]))
            for e in data["errors"]
        ),
        float(data["duration_s"]),
        int(data["users"]),
    )


def stats_row(stats: RequestStats, duration_s: float) -> dict[str, Any]:
    """One row of the summary table and of the JSON report."""
    rate = stats.requests / duration_s if duration_s > 0 else 0.0
    return {
        "name": stats.name,
        "method": stats.method,
        "requests": stats.requests,
        "failures": stats.failures,
        "error_rate": stats.failures / stats.requests if stats.requests else 0.0,
        "p50_ms": stats.percentile(0.5),
        "p95_ms": stats.percentile(0.95),
        "p99_ms": stats.percentile(0.99),
        "avg_ms": round(stats.avg_ms, 1),
        "min_ms": round(stats.min_ms, 1),
        "max_ms": round(stats.max_ms, 1),
        "rps": round(rate, 2),
    }


def table(summary: LoadSummary) -> str:
    """The summary table: one line per request name, then all requests together."""
    header = ("Request", "Requests", "Failures", "p50 ms", "p95 ms", "p99 ms", "req/s")
    rows = [header]
    for stats in (*summary.entries, summary.total):
        row = stats_row(stats, summary.duration_s)
        failures = f"{row['failures']} ({row['error_rate'] * 100:.1f}%)"
        label = "All requests" if stats is summary.total else f"{stats.method} {stats.name}"
        rows.append(
            (
                label,
                str(row["requests"]),
                failures,
                f"{row['p50_ms']:.0f}",
                f"{row['p95_ms']:.0f}",
                f"{row['p99_ms']:.0f}",
                f"{row['rps']:.1f}",
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = []
    for index, row in enumerate(rows):
        cells = [row[0].ljust(widths[0])]
        cells += [cell.rjust(width) for cell, width in zip(row[1:], widths[1:], strict=True)]
        lines.append("  ".join(cells).rstrip())
        if index == 0 or index == len(rows) - 2:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)
