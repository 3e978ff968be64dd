"""A regex that backtracks without end fails its check or capture; it never hangs the run."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from test_engine import run_yaml

from runner import regexes
from runner.jsonquery import JsonPathError, query
from runner.regexes import RegexTimeout, search_regex

# (a|aa)+$ on a run of a's that ends in b takes exponential time in re; regex gives up too.
PATHOLOGICAL = r"(a|aa)+$"
BODY = "a" * 60 + "b"


def test_search_regex_gives_up_after_its_time_limit() -> None:
    started = time.monotonic()
    with pytest.raises(RegexTimeout, match=r"still searching 61 characters after 0.2 s"):
        search_regex(PATHOLOGICAL, BODY, timeout=0.2)
    assert time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        (r"\d+", "order 42", "42"),
        (r"(?i)HELLO", "hello world", "hello"),
        (r"(?P<id>[a-f0-9]{4})", "id=beef;", "beef"),
        (r"^b$", "a\nb", None),
        (r"(?m)^b$", "a\nb", "b"),
        (r"(a+)+$", "a" * 40 + "!", None),  # catastrophic in re, at once here
    ],
)
def test_search_regex_finds_what_re_finds(pattern: str, text: str, found: str | None) -> None:
    match = search_regex(pattern, text)
    assert (match.group(0) if match else None) == found


def test_a_runaway_regex_fails_its_check_and_capture_and_the_run_goes_on(
    tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(regexes, "REGEX_TIMEOUT_SECONDS", 0.3)
    httpserver.expect_request("/slow-regex").respond_with_data(BODY, content_type="text/plain")
    httpserver.expect_request("/next").respond_with_data("ok", content_type="text/plain")
    started = time.monotonic()
    result, _ = run_yaml(
        tmp_path,
        f"""
name: Regex
requests:
  - name: runaway
    url: {httpserver.url_for("/slow-regex")}
    assert:
      status: 200
      body: {{matches: '{PATHOLOGICAL}'}}
    capture:
      tail: {{regex: '{PATHOLOGICAL}'}}
  - name: next
    url: {httpserver.url_for("/next")}
    assert:
      body: ok
""",
    )
    assert time.monotonic() - started < 10
    runaway, after = result.requests
    failed = [check for check in runaway.checks if not check.passed]
    assert len(failed) == 1
    assert "still searching 61 characters after 0.3 s" in (failed[0].message or "")
    assert not runaway.captures[0].found
    assert "backtrack" in (runaway.captures[0].message or "")
    assert after.passed


def test_a_runaway_regex_in_a_jsonpath_filter_is_a_jsonpath_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(regexes, "REGEX_TIMEOUT_SECONDS", 0.2)
    document = {"items": [{"name": BODY}, {"name": "x"}]}
    assert query("$.items[?(@.name =~ 'x')].name", document) == ["x"]
    with pytest.raises(JsonPathError, match="still searching 61 characters"):
        query(f"$.items[?(@.name =~ '{PATHOLOGICAL}')].name", document)
