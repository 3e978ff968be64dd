"""What the ``postrun load`` process hands to its Locust process, and what Locust is told."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runner.engine import RunPlan
from runner.events import RequestFinished
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


class LocustRecorder:
    """An engine listener: each finished request as a Locust request event, with its reason."""

    # RequestFinished alone: the engine then builds no CheckFinished and no masked copy of
    # each request sent for this listener, work a load test would pay on every request.
    events = frozenset({RequestFinished})

    def __init__(self, fire: Callable[..., Any], stats_name: Callable[[str, str], str]) -> None:
        self.fire = fire
        self.stats_name = stats_name
        self.names: dict[tuple[str, str], str] = {}  # one per request of the plan, made once

    def __call__(self, event: object) -> None:
        if not isinstance(event, RequestFinished) or event.result.skipped is not None:
            return
        result = event.result
        key = (result.collection, result.path)
        name = self.names.get(key)
        if name is None:
            name = self.names[key] = self.stats_name(*key)
        self.fire(
            request_type=result.method,
            name=name,
            response_time=result.elapsed_ms,
            response_length=result.response_size,
            response=None,
            context={},
            exception=None if result.passed else failure_message(result),
        )


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
