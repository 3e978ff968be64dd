"""Thresholds of `postrun load`: the syntax, the errors, and what they measure (pure)."""

from __future__ import annotations

import pytest

from runner.errors import PostrunError
from runner.load.summary import LoadSummary, RequestStats, table
from runner.load.thresholds import check_names, evaluate, parse_threshold


@pytest.mark.parametrize(
    ("text", "name", "metric", "op", "limit"),
    [
        ("p95<500ms", None, "p95", "<", 500.0),
        ("p99.9 <= 2s", None, "p99.9", "<=", 2000.0),
        ("median<0.5s", None, "p50", "<", 500.0),
        ("errors<1%", None, "errors%", "<", 0.01),
        ("errors==0", None, "errors", "==", 0.0),
        ("rps>=50", None, "rps", ">=", 50.0),
        ("rps>20/s", None, "rps", ">", 20.0),
        ("requests>1000", None, "requests", ">", 1000.0),
        ("Users/Get user: max<2s", "Users/Get user", "max", "<", 2000.0),
        ("a: b: avg<10ms", "a: b", "avg", "<", 10.0),
    ],
)
def test_each_form_of_threshold_parses(text, name, metric, op, limit):
    threshold = parse_threshold(text)
    assert (threshold.request, threshold.metric, threshold.op, threshold.limit) == (
        name,
        metric,
        op,
        limit,
    )


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        ("p95<500", "'500' is not a time", "write a unit"),
        ("p95", "not a threshold", "[REQUEST:] METRIC OP VALUE"),
        ("p0<1s", "no percentile p0", "p1 to p100"),
        ("p959<1s", "no percentile p959", "p1 to p100"),
        ("erors<1%", "unknown metric 'erors'", "did you mean 'errors'?"),
        ("errors<lots", "is not a count or a percentage", "errors<1%"),
        ("requests>1.5", "is not a number", "requests>=100"),
        (": p95<1s", "no request name", "REQUEST"),
    ],
)
def test_a_bad_threshold_says_what_is_wrong_and_how_to_write_it(text, message, hint):
    with pytest.raises(PostrunError) as raised:
        parse_threshold(text)
    assert message in raised.value.message
    assert hint in (raised.value.hint or "")


def test_a_threshold_on_an_unknown_request_suggests_the_closest():
    with pytest.raises(PostrunError) as raised:
        check_names([parse_threshold("Log inn: p95<1s")], ["Log in", "Read note"])
    assert raised.value.hint == "did you mean 'Log in'?"


def stats(name, times, failures=0, method="GET"):
    histogram = {}
    for millis in times:
        histogram[millis] = histogram.get(millis, 0) + 1
    return RequestStats(
        name, method, len(times), failures, float(sum(times)), float(min(times, default=0)),
        float(max(times, default=0)), tuple(histogram.items()),
    )  # fmt: skip


SUMMARY = LoadSummary(
    entries=(stats("fast", [10] * 99 + [900], failures=1), stats("none", [])),
    total=stats("Aggregated", [10] * 99 + [900], failures=1),
    errors=(),
    duration_s=10.0,
    users=5,
)


@pytest.mark.parametrize(
    ("text", "actual", "passed"),
    [
        ("p50<20ms", 10.0, True),
        ("p98<20ms", 10.0, True),
        ("p99<20ms", 900.0, False),  # Locust's way: 99 of 100 faster is not enough
        ("p100<500ms", 900.0, False),
        ("max<1s", 900.0, True),
        ("errors<1%", 0.01, False),
        ("errors<=1%", 0.01, True),
        ("errors==1", 1.0, True),
        ("rps>=10", 10.0, True),
        ("fast: requests==100", 100.0, True),
        ("none: p95<1s", None, False),  # nothing to measure is not a pass
        ("none: errors==0", 0.0, True),
    ],
)
def test_thresholds_measure_what_locust_measured(text, actual, passed):
    result = evaluate(parse_threshold(text), SUMMARY)
    assert (result.actual, result.passed) == (actual, passed)


def test_the_summary_table_has_a_line_per_request_and_one_for_all():
    lines = table(SUMMARY).splitlines()
    assert lines[0].split() == ["Request", "Requests", "Failures", "p50", "ms", "p95", "ms",
                                "p99", "ms", "req/s"]  # fmt: skip
    assert lines[2].split()[:4] == ["GET", "fast", "100", "1"]
    assert lines[-1].split()[:4] == ["All", "requests", "100", "1"]
