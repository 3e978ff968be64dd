"""Regexes written by users: compiled once with re's syntax, searched with a time limit.

Used by the ``matches`` operator, ``regex`` captures and JSONPath filters; the loader compiles
each pattern at load time with ``compile_regex``, so syntax errors are load-time errors.
"""

from __future__ import annotations

import functools
import re
import threading
import warnings
from typing import Any

# warnings.catch_warnings changes process-wide state: one compile at a time.
_COMPILE_LOCK = threading.Lock()


@functools.lru_cache(maxsize=512)
def compile_regex(pattern: str) -> re.Pattern[str]:
    """Compile a regex written by a user; every way it can fail is an ``re.error``.

    Python warns about syntax that may change meaning (``[[`` is a "possible nested set"): that
    is noise on a user's terminal and an exception under ``-W error``, so it is not shown. A
    pattern too large for the compiler (``a{99999999999}``) raises OverflowError or
    RecursionError, turned into ``re.error`` so callers need one ``except``.
    """
    with _COMPILE_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return re.compile(pattern)
        except (OverflowError, RecursionError) as exc:
            raise re.error(f"the pattern is too large ({exc})") from None


# How long one regex may search one value before the check fails instead of hanging the run.
REGEX_TIMEOUT_SECONDS = 10.0


class RegexTimeout(Exception):
    """A regex searched longer than its time limit (catastrophic backtracking, most likely)."""

    def __init__(self, pattern: str, text: str, seconds: float) -> None:
        super().__init__(
            f"regex '{pattern}' was still searching {len(text):,} characters after {seconds:g} s "
            "(nested quantifiers such as (a+)+ backtrack without end: simplify the pattern)"
        )


def search_regex(pattern: str, text: str, *, timeout: float | None = None) -> Any:
    """``compile_regex(pattern).search(text)`` that cannot hang the run.

    Python's ``re`` has no time limit, so the search runs on the ``regex`` package (re's syntax,
    and it cuts most catastrophic backtracking short by itself) with ``timeout`` (default
    REGEX_TIMEOUT_SECONDS), raising RegexTimeout past it. The rare pattern ``re`` takes and
    ``regex`` does not is searched by ``re``. Syntax errors are ``re.error``, as before.
    """
    compiled = compile_regex(pattern)  # re's syntax is the reference, and its errors
    timed = _timed_regex(pattern)
    if timed is None:
        return compiled.search(text)
    seconds = REGEX_TIMEOUT_SECONDS if timeout is None else timeout
    try:
        return timed.search(text, timeout=seconds)
    except TimeoutError:
        raise RegexTimeout(pattern, text, seconds) from None


@functools.lru_cache(maxsize=512)
def _timed_regex(pattern: str) -> Any:
    import regex

    with _COMPILE_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return regex.compile(pattern)
        except (regex.error, OverflowError, RecursionError, ValueError):
            return None
