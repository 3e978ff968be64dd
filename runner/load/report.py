"""A load run's verdict, its JSON report, and the files it writes (each whole or not at all)."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from runner import __version__
from runner.load.child import LocustOutcome
from runner.load.summary import LoadSummary, stats_row
from runner.load.thresholds import ThresholdResult, describe


def verdict(
    summary: LoadSummary, results: Sequence[ThresholdResult], stopped: int | None
) -> tuple[int, str]:
    """The exit status and the line saying why: thresholds decide when there are any; without
    them, as Locust does, any failed request fails the run."""
    total = summary.total
    if stopped is not None:
        return stopped, "interrupted: the statistics above cover what finished"
    if total.requests == 0:
        return 1, "no request completed: nothing was measured"
    failed = [result for result in results if not result.passed]
    if failed:
        return 1, f"{len(failed)} of {len(results)} thresholds failed"
    if results:
        return 0, f"all {len(results)} thresholds held"
    if total.failures:
        return 1, f"{total.failures} of {total.requests} requests failed (no --threshold given)"
    return 0, f"all {total.requests} requests passed"


def load_report(
    summary: LoadSummary, results: Sequence[ThresholdResult], status: int
) -> dict[str, Any]:
    """The JSON report of a load run: per request, overall, failures, thresholds, verdict."""
    return {
        "postrun": __version__,
        "kind": "load",
        "passed": status == 0,
        "exit_status": status,
        "users": summary.users,
        "duration_s": round(summary.duration_s, 3),
        "requests": [stats_row(entry, summary.duration_s) for entry in summary.entries],
        "total": stats_row(summary.total, summary.duration_s),
        "failures": [
            {
                "name": error.name,
                "method": error.method,
                "message": error.message,
                "occurrences": error.occurrences,
            }
            for error in summary.errors
        ],
        "thresholds": [
            {
                "threshold": result.threshold.text,
                "request": result.threshold.request,
                "metric": result.threshold.metric,
                "actual": result.actual,
                "passed": result.passed,
                "summary": describe(result),
            }
            for result in results
        ],
    }


def write_outputs(
    targets: Sequence[tuple[str, Path]],
    report: dict[str, Any],
    outcome: LocustOutcome,
    csv_prefix: str | None,
    status: int,
) -> None:
    """Write the --report files and Locust's CSV files; one that fails is said, not fatal."""
    from runner.report.files import write_atomic

    files: list[tuple[Path, str | None]] = []
    for kind, path in targets:
        text = json.dumps(report, indent=2) + "\n" if kind == "json" else outcome.html
        files.append((path, text))
    if csv_prefix is not None:
        files += [(Path(csv_prefix + suffix), text) for suffix, text in outcome.csv.items()]
    for path, text in files:
        if text is None:
            print(f"error: Locust wrote no report for {path}", file=sys.stderr)
            continue
        try:
            write_atomic(path, text)
        except OSError as exc:
            print(
                f"error: could not write {path}: {exc.strerror or exc} "
                f"(the exit status stays the run's: {status})",
                file=sys.stderr,
            )
