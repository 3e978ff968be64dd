"""Evaluate assertions on a response: ``evaluate(CheckSpec, ResponseData) -> CheckResult``.

Pure: no I/O, and a failed check is data, never an exception. Operator semantics live in
``runner.matchers``; this module picks the actual value for each kind of check (FORMAT.md 1.3).
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping, Sequence
from itertools import islice
from typing import Any

from runner.jsonquery import JsonPathError, query
from runner.matchers import describe_matcher, failure
from runner.model import MISSING, CheckSpec, Matcher
from runner.results import CheckResult, DeferredCheck, ResponseData, StreamData
from runner.streamed import events_value, joined_text, not_a_stream

__all__ = [
    "BODY_ACTUAL_LIMIT",
    "describe_matcher",
    "evaluate",
    "matches_all",
    "schema_registry",
    "schema_specification",
]

# A CheckResult outlives its response (reports keep every result), so it keeps only the start of
# a body: a long run must not hold every response body in memory.
BODY_ACTUAL_LIMIT = 4096
# How many schema errors a message lists, and how many are counted at most.
_SCHEMA_ERRORS_SHOWN = 3
_SCHEMA_ERRORS_COUNTED = 100
_PRESENT = Matcher((("exists", True),))


def evaluate(check: CheckSpec, response: ResponseData) -> CheckResult:
    """Evaluate one check against a response; the result says pass or fail, and why."""
    kind = check.kind
    if kind == "status":
        return _matched(check, "status", response.status, subject="status")
    if kind in ("header", "headers"):  # "headers" is the YAML key; accept it too
        name = check.target or ""
        value = response.header(name)
        return _matched(
            check,
            f"header {name}",
            MISSING if value is None else value,
            subject=f"header {name}",
            missing=f"header {name} is absent",
            text=True,
        )
    if kind == "jsonpath":
        return _jsonpath(check, response)
    if kind == "body":
        return _matched(check, "body", response.text, subject="body", text=True)
    if kind == "schema":
        return _schema(check, response)
    if kind == "time_ms":
        return _time(check, response.elapsed_ms)
    if kind in ("events", "time_to_first_event_ms", "joined"):
        return _streamed(check, response)
    return _result(check, str(kind), "", None, f"unknown check kind {kind!r}", missing=True)


def matches_all(checks: Sequence[CheckSpec], response: ResponseData) -> bool:
    """True when every check passes (retries ``unless``); stops at the first failure."""
    return all(evaluate(check, response).passed for check in checks)


def _matched(
    check: CheckSpec,
    description: str,
    actual: Any,
    *,
    subject: str,
    missing: str | None = None,
    text: bool = False,
) -> CheckResult:
    matcher = check.matcher or _PRESENT
    message = failure(matcher, actual, subject=subject, missing=missing, text=text)
    shown = actual
    if (
        check.kind in ("body", "joined")
        and isinstance(actual, str)
        and len(actual) > BODY_ACTUAL_LIMIT
    ):
        shown = f"{actual[:BODY_ACTUAL_LIMIT]}... ({len(actual) - BODY_ACTUAL_LIMIT} more chars)"
    if message is None:
        return _passed(check, description, matcher, shown, missing=actual is MISSING)
    return _result(
        check,
        description,
        describe_matcher(matcher),
        shown,
        message,
        missing=actual is MISSING,
    )


def _time(check: CheckSpec, elapsed_ms: float, name: str = "time_ms") -> CheckResult:
    """A time_ms (or time_to_first_event_ms) check: judged on the exact time, shown to a
    tenth of a millisecond.

    The clock's last digits are noise (``0.15272800010279752``); the message rounds too, unless
    rounding would make a failure read as a pass (``lte 0.1`` against 0.1004).
    """
    matcher = check.matcher or _PRESENT
    message = failure(matcher, elapsed_ms, subject=name)
    shown = round(elapsed_ms, 1)
    if message is None:
        return _passed(check, name, matcher, shown)
    message = failure(matcher, shown, subject=name) or message
    return _result(check, name, describe_matcher(matcher), shown, message)


def _jsonpath(check: CheckSpec, response: ResponseData) -> CheckResult:
    expression = check.target or "$"
    description = f"jsonpath {expression}"
    matcher = check.matcher or _PRESENT
    body = response.json
    if not body.ok:
        return _result(
            check, description, describe_matcher(matcher), None, body.error, missing=True
        )
    try:
        actual = query(expression, body.value)
    except JsonPathError as exc:
        return _result(check, description, describe_matcher(matcher), None, str(exc), missing=True)
    return _matched(check, description, actual, subject=expression)


def _streamed(check: CheckSpec, response: ResponseData) -> CheckResult:
    """``events``, ``time_to_first_event_ms`` and ``joined``: checks of a stream's response."""
    kind = check.kind
    matcher = check.matcher or _PRESENT
    problem = not_a_stream(response)
    if problem is not None or not isinstance(response, StreamData):
        return _result(check, kind, describe_matcher(matcher), None, problem, missing=True)
    if kind == "events":
        events = events_value(response)
        message = failure(matcher, events, subject="events")
        return _result(check, kind, describe_matcher(matcher), _cut_events(events), message)
    if kind == "time_to_first_event_ms":
        if response.first_event_ms is None:
            message = "the stream had no event"
            return _result(check, kind, describe_matcher(matcher), None, message, missing=True)
        return _time(check, response.first_event_ms, kind)
    try:
        text = joined_text(response, check.target or "$")
    except JsonPathError as exc:
        return _result(check, kind, describe_matcher(matcher), None, str(exc), missing=True)
    return _matched(check, kind, text, subject=f"joined {check.target}", text=True)


def _cut_events(events: list[Any]) -> Any:
    """The events a result keeps (it outlives the response): the first ones, within
    BODY_ACTUAL_LIMIT characters of JSON, and how many more there were."""
    size = 0
    for count, event in enumerate(events):
        size += len(json.dumps(event, ensure_ascii=False, default=str))
        if size > BODY_ACTUAL_LIMIT:
            return [*events[:count], f"... {len(events) - count} more events"]
    return events


def _schema(check: CheckSpec, response: ResponseData) -> CheckResult:
    target = check.target or "inline"
    description = f"schema {target}"
    expected = f"valid against {target}"
    if check.schema is None:
        return _result(check, description, expected, None, "no schema given", missing=True)
    body = response.json
    if not body.ok:
        return _result(check, description, expected, None, body.error, missing=True)
    try:
        key = [check.schema_uri, check.schema, check.schema_refs]
        validator = _validator(json.dumps(key, sort_keys=True, default=_plain))
        errors = list(islice(validator.iter_errors(body.value), _SCHEMA_ERRORS_COUNTED + 1))
    except Exception as exc:  # a bad schema or an unresolvable $ref: the check fails, no crash
        return _result(
            check, description, expected, None, f"schema error: {_first_line(exc)}", missing=True
        )
    if not errors:
        return _result(check, description, expected, "valid", None)
    capped = len(errors) > _SCHEMA_ERRORS_COUNTED
    count = f"{min(len(errors), _SCHEMA_ERRORS_COUNTED)}{'+' if capped else ''}"
    listed = "; ".join(
        f"{error.json_path}: {_first_line(error.message)}"
        for error in errors[:_SCHEMA_ERRORS_SHOWN]
    )
    if len(errors) > _SCHEMA_ERRORS_SHOWN:
        more = min(len(errors), _SCHEMA_ERRORS_COUNTED) - _SCHEMA_ERRORS_SHOWN
        listed += f" (and {more}{'+' if capped else ''} more)"
    noun = "error" if len(errors) == 1 else "errors"
    return _result(check, description, expected, f"invalid ({count} {noun})", listed)


@functools.lru_cache(maxsize=256)
def _validator(key: str) -> Any:
    """A validator for ``[schema_uri, schema, schema_refs]`` as canonical JSON (``id()`` keys
    would be reused), resolving ``$ref`` in ``schema_registry`` only."""
    from jsonschema import Draft202012Validator
    from jsonschema.validators import validator_for

    uri, schema, refs = json.loads(key)
    cls = validator_for(schema, default=Draft202012Validator)
    cls.check_schema(schema)
    if uri is None:  # a CheckSpec not from the loader (the engine API): in-document refs only
        return cls(schema, registry=schema_registry((), schema))
    # The schema is entered through a $ref to its own URI, so that its relative refs resolve
    # against its file, as the loader resolved them.
    return cls({"$ref": uri}, registry=schema_registry([(uri, schema), *refs], schema))


def schema_registry(documents: Iterable[Sequence[Any]], root: Any) -> Any:
    """Where a schema's ``$ref`` may lead: the ``(uri, contents)`` documents given and the
    drafts' own meta-schemas, never to a file or the network (nothing is retrieved: jsonschema's
    default registry would fetch any URL). Documents are read in ``root``'s draft unless they
    name their own."""
    from jsonschema_specifications import REGISTRY as SPECIFICATIONS
    from referencing import Registry, Resource

    default = schema_specification(root)
    resources = [
        (uri, Resource.from_contents(contents, default_specification=default))
        for uri, contents in documents
    ]
    return SPECIFICATIONS.combine(Registry().with_resources(resources))


def schema_specification(root: Any) -> Any:
    """The draft (a ``referencing`` Specification) a schema declares, 2020-12 by default."""
    from referencing.jsonschema import DRAFT202012, specification_with

    dialect = root.get("$schema") if isinstance(root, Mapping) else None
    if not isinstance(dialect, str):
        return DRAFT202012
    return specification_with(dialect, default=DRAFT202012)


def _plain(value: Any) -> Any:
    """Read-only mappings (the loader may freeze schemas) serialise as plain objects."""
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"{type(value).__name__} is not JSON")


def _first_line(value: Any) -> str:
    text = getattr(value, "message", None) or str(value)
    lines = str(text).strip().splitlines()
    return lines[0] if lines else type(value).__name__


def _result(
    check: CheckSpec,
    description: str,
    expected: str,
    actual: Any,
    message: str | None,
    *,
    missing: bool = False,
) -> CheckResult:
    return CheckResult(
        kind=check.kind,
        target=check.target,
        description=description,
        passed=message is None,
        expected=expected,
        actual=None if missing else _jsonable(actual),
        location=check.location,
        message=message,
        actual_missing=missing,
    )


def _passed(
    check: CheckSpec, description: str, matcher: Matcher, actual: Any, *, missing: bool = False
) -> CheckResult:
    """A passing check: what it expected and found are spelled only when a report reads them."""
    return DeferredCheck.later(
        check.kind,
        check.target,
        check.location,
        lambda: (description, describe_matcher(matcher), None if missing else _jsonable(actual)),
        actual_missing=missing,
    )


def _jsonable(value: Any) -> Any:
    """Values from JSON are JSON-able already; tuples and mappings are normalised just in case."""
    if isinstance(value, tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, Mapping) and not isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if value is MISSING:
        return None
    return value
