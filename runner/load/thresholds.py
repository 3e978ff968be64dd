"""Thresholds a load run is held to: ``p95<500ms``, ``errors<1%``, ``Log in: rps>=20``.

Pure: text -> :class:`Threshold` (input errors name where the text came from), and a threshold
against a run's :class:`~runner.load.summary.LoadSummary` -> :class:`ThresholdResult`.
"""

from __future__ import annotations

import difflib
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from runner.errors import PostrunError
from runner.load.summary import LoadSummary, RequestStats
from runner.source import SourceLocation

SYNTAX = (
    "a threshold is [REQUEST:] METRIC OP VALUE, e.g. 'p95<500ms', 'errors<1%', "
    "'Users/Get user: max<2s', 'rps>=50'"
)
METRICS = ("p50..p100", "median", "avg", "min", "max", "errors", "rps", "requests")

_OPERATORS: dict[str, Callable[[float, float], bool]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "<": operator.lt,
    ">": operator.gt,
}
_EXPRESSION = re.compile(r"\s*([A-Za-z][A-Za-z0-9.]*)\s*(<=|>=|==|<|>)\s*(\S.*?)\s*")
_PERCENTILE = re.compile(r"p(\d{1,3}(?:\.\d+)?)")
_TIME = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|s)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
_LATENCY = ("median", "avg", "min", "max")


@dataclass(frozen=True, slots=True)
class Threshold:
    """One threshold: ``metric`` (``p95``, ``errors%``, ...) ``op`` ``limit`` for ``request``
    (its stats name) or, when None, for all requests together."""

    text: str
    request: str | None
    metric: str
    op: str
    limit: float
    location: SourceLocation | None = None


@dataclass(frozen=True, slots=True)
class ThresholdResult:
    """A threshold against a run: the value found (None when there was nothing to measure)."""

    threshold: Threshold
    actual: float | None
    passed: bool


def parse_threshold(text: str, location: SourceLocation | None = None) -> Threshold:
    """The threshold ``text`` means; an PostrunError at ``location`` when it is not one."""
    request, colon, expression = text.rpartition(":")
    match = _EXPRESSION.fullmatch(expression)
    if match is None:
        raise PostrunError(f"not a threshold: {text!r}", location=location, hint=SYNTAX)
    metric, op, value = match.groups()
    metric = metric.lower()
    name = request.strip() or None
    if colon and name is None:
        raise PostrunError(
            f"no request name before ':' in {text!r}", location=location, hint=SYNTAX
        )
    metric, limit = _metric_and_limit(text, metric, value, location)
    return Threshold(text.strip(), name, metric, op, limit, location)


def _metric_and_limit(
    text: str, metric: str, value: str, location: SourceLocation | None
) -> tuple[str, float]:
    """The normalised metric and its limit (milliseconds, a ratio, a count or a rate)."""

    def fail(message: str, hint: str) -> PostrunError:
        return PostrunError(f"{message} in threshold {text!r}", location=location, hint=hint)

    percentile = _PERCENTILE.fullmatch(metric)
    if percentile or metric in _LATENCY:
        if percentile and not 0 < float(percentile.group(1)) <= 100:
            raise fail(f"no percentile {metric}", "percentiles go from p1 to p100 (p99.9 too)")
        time = _TIME.fullmatch(value)
        if time is None:
            raise fail(f"{value!r} is not a time", f"write a unit: '{metric}<500ms' or '2s'")
        scale = 1000.0 if time.group(2) == "s" else 1.0
        return ("p50" if metric == "median" else metric), float(time.group(1)) * scale
    if metric == "errors":
        if value.endswith("%") and _NUMBER.fullmatch(value[:-1].strip()):
            return "errors%", float(value[:-1]) / 100
        if value.isdigit():
            return "errors", float(value)
        raise fail(f"{value!r} is not a count or a percentage", "write 'errors<1%' or 'errors==0'")
    if metric in ("rps", "requests"):
        number = value.removesuffix("/s").strip() if metric == "rps" else value
        if _NUMBER.fullmatch(number) and (metric == "rps" or number.isdigit()):
            return metric, float(number)
        raise fail(f"{value!r} is not a number", f"write '{metric}>=100'")
    close = difflib.get_close_matches(metric, ["p95", "p99", *_LATENCY, "errors", "rps"], n=1)
    hint = f"did you mean '{close[0]}'?" if close else f"metrics: {', '.join(METRICS)}"
    raise fail(f"unknown metric {metric!r}", hint)


def check_names(thresholds: Sequence[Threshold], names: Sequence[str]) -> None:
    """Each threshold on a request names one that runs; otherwise an PostrunError with a hint."""
    for threshold in thresholds:
        if threshold.request is None or threshold.request in names:
            continue
        close = difflib.get_close_matches(threshold.request, names, n=1, cutoff=0.5)
        hint = f"did you mean '{close[0]}'?" if close else f"requests: {', '.join(names)}"
        raise PostrunError(
            f"threshold {threshold.text!r} names no request of this load run",
            location=threshold.location,
            hint=hint,
        )


def evaluate(threshold: Threshold, summary: LoadSummary) -> ThresholdResult:
    """``threshold`` held against the run's statistics."""
    stats = summary.total if threshold.request is None else summary.named(threshold.request)
    actual = None if stats is None else measure(threshold.metric, stats, summary.duration_s)
    passed = actual is not None and _OPERATORS[threshold.op](actual, threshold.limit)
    return ThresholdResult(threshold, actual, passed)


def measure(metric: str, stats: RequestStats, duration_s: float) -> float | None:
    """The value of ``metric`` in ``stats``; None for a latency with no request to measure."""
    if metric == "errors":
        return float(stats.failures)
    if metric == "errors%":
        return stats.failures / stats.requests if stats.requests else 0.0
    if metric == "requests":
        return float(stats.requests)
    if metric == "rps":
        return stats.requests / duration_s if duration_s > 0 else 0.0
    if not stats.requests:
        return None
    if metric == "avg":
        return stats.avg_ms
    if metric == "min":
        return stats.min_ms
    if metric == "max":
        return stats.max_ms
    return stats.percentile(float(metric[1:]) / 100)


def describe(result: ThresholdResult) -> str:
    """``p95<500ms: 212 ms`` as the summary shows it."""
    metric, actual = result.threshold.metric, result.actual
    if actual is None:
        found = "no completed request to measure"
    elif metric == "errors%":
        found = f"{actual * 100:.2f}%"
    elif metric in ("errors", "requests"):
        found = f"{actual:.0f}"
    elif metric == "rps":
        found = f"{actual:.1f}/s"
    else:
        found = f"{actual:.0f} ms"
    return f"{result.threshold.text}: {found}"
