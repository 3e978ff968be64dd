"""What the ``postrun load`` process hands to its Locust process, and the names Locust shows."""

from __future__ import annotations

import json
from dataclasses import dataclass

from runner.engine import RunPlan
from runner.results import RequestResult

# The environment variable naming the private folder that holds the setup and the statistics.
SETUP_DIR = "POSTRUN_LOAD_DIR"


@dataclass(frozen=True, slots=True)
class LoadSetup:
    """The plan every user runs and whether remote hosts may be sent to; ``prefixed`` when
    several collections run, so their requests' names stay apart."""

    plan: RunPlan
    allow_remote: bool
    prefixed: bool

    def stats_name(self, collection: str, path: str) -> str:
        """The name a request has in Locust's statistics and in thresholds."""
        return f"{collection}: {path}" if self.prefixed else path


def request_names(plan: RunPlan) -> tuple[list[str], bool]:
    """The stats names of the plan's requests in run order, and whether they are prefixed."""
    units = plan.units()
    prefixed = len({unit.collection.file for unit in units}) > 1
    names: list[str] = []
    for unit in units:
        for request in unit.collection.requests:
            name = f"{unit.collection.name}: {request.path}" if prefixed else request.path
            if name not in names:
                names.append(name)
    return names, prefixed


def failure_message(result: RequestResult) -> str:
    """Why a request did not pass, in one line (its first failure, and how many more)."""
    reasons: list[str] = []
    if result.error is not None:
        reasons.append(result.error)
    for check in result.failed_checks:
        if check.message:
            reasons.append(f"{check.description}: {check.message}")
        else:
            actual = "nothing" if check.actual_missing else _text(check.actual)
            reasons.append(f"{check.description}: expected {check.expected}, got {actual}")
    reasons += [
        f"capture {capture.name}: {capture.message or 'nothing found'}"
        for capture in result.captures
        if not capture.found
    ]
    if not reasons:
        return "failed"
    more = len(reasons) - 1
    return reasons[0] + (f" (and {more} more)" if more else "")


def _text(value: object) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."
