"""Warnings ``postrun validate`` gives on what loads but fails, or does nothing, at run time.

Each is a line ``warning: FILE:LINE:COLUMN: ...`` (``--var`` ones have no place in a file): the
collection is still valid (exit 0), since each may be meant, but a first day should not have to
find out from a failed run.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from runner.model import OPERATORS, CheckSpec, CollectionSpec, EnvironmentSpec, Matcher, RequestSpec
from runner.templating import referenced_names

# `$NAME` and `${NAME}`: the shell's and many tutorials' spelling of a variable (not `$.path`).
_DOLLAR = re.compile(r"(?<![\w$<])\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))")
_COMMENT = re.compile(r"(^|\s)#.*$")

# RFC 9110 methods, PATCH (RFC 5789), WebDAV's and CalDAV's, and the common cache and draft ones.
KNOWN_METHODS = frozenset(
    [
        "GET",
        "HEAD",
        "POST",
        "PUT",
        "DELETE",
        "CONNECT",
        "OPTIONS",
        "TRACE",
        "PATCH",
        "QUERY",
        "PURGE",
        "BAN",
        "LINK",
        "UNLINK",
        "PROPFIND",
        "PROPPATCH",
        "MKCOL",
        "COPY",
        "MOVE",
        "LOCK",
        "UNLOCK",
        "REPORT",
        "SEARCH",
        "MKCALENDAR",
    ]
)

# Operator names as other tools spell them (Chai and Postman, Hurl, Tavern, JSON Schema ...).
OPERATOR_ALIASES: Mapping[str, str] = {
    "equals": "eq", "equal": "eq", "eql": "eq", "is": "eq", "==": "eq",
    "not_equal": "ne", "not_equals": "ne", "neq": "ne", "!=": "ne", "not": "ne",
    "greater_than": "gt", "greaterthan": "gt", "above": "gt", ">": "gt",
    "greater_than_or_equal": "gte", "ge": "gte", "at_least": "gte", "min": "gte", ">=": "gte",
    "minimum": "gte",
    "less_than": "lt", "lessthan": "lt", "below": "lt", "<": "lt",
    "less_than_or_equal": "lte", "le": "lte", "at_most": "lte", "max": "lte", "<=": "lte",
    "maximum": "lte",
    "one_of": "in", "oneof": "in", "any_of": "in", "enum": "in",
    "include": "contains", "includes": "contains", "has": "contains",
    "startswith": "starts_with", "start_with": "starts_with", "prefix": "starts_with",
    "endswith": "ends_with", "end_with": "ends_with", "suffix": "ends_with",
    "regex": "matches", "match": "matches", "pattern": "matches", "matches_regex": "matches",
    "exist": "exists", "present": "exists", "len": "length", "size": "length",
    "count": "length", "is_empty": "empty", "every": "each", "all": "each",
}  # fmt: skip


def lint(
    collections: Sequence[CollectionSpec],
    environment: EnvironmentSpec | None,
    cli_vars: Mapping[str, Any],
) -> list[str]:
    """Every warning for these collections, in file order, then those about ``--var``."""
    lines: list[str] = []
    for collection in collections:
        lines += dollar_warnings(Path(collection.file), _declared_names(collection, environment))
        lines += unused_secret_warnings(collection)
        for request in collection.requests:
            lines += request_warnings(request)
    lines += unused_var_warnings(collections, environment, cli_vars)
    return lines


def dollar_warnings(path: Path, declared: Iterable[str]) -> list[str]:
    """``$NAME`` or ``${NAME}`` where NAME is a declared variable or secret: sent as written."""
    names = set(declared)
    warnings: list[str] = []
    try:
        with path.open(encoding="utf-8-sig") as physical_lines:
            number = 0
            for physical in physical_lines:
                for line in physical.splitlines():  # as the loader counts lines
                    number += 1
                    if "$" not in line:
                        continue
                    code = _COMMENT.sub("", line) if "#" in line else line
                    for match in _DOLLAR.finditer(code):
                        name = match.group(1) or match.group(2)
                        if name in names:
                            warnings.append(
                                f"warning: {path}:{number}:{match.start() + 1}: "
                                f"'{match.group()}' is sent as written: postrun fills in "
                                f"<<{name}>>, not {match.group()}"
                            )
    except (OSError, UnicodeDecodeError):
        return []
    return warnings


def unused_secret_warnings(collection: CollectionSpec) -> list[str]:
    """A secret the collection declares and none of its requests uses (even via a variable)."""
    used = _used_names([collection], None)
    warnings = []
    for name in collection.secrets:
        if name not in used:
            where = collection.secret_locations.get(name)
            place = f"{where}: " if where is not None else f"{collection.file}: "
            warnings.append(
                f"warning: {place}secret {name} is declared but no request uses it "
                f"(write <<{name}>> where it goes, e.g. Authorization: Bearer <<{name}>>)"
            )
    return warnings


def unused_var_warnings(
    collections: Sequence[CollectionSpec],
    environment: EnvironmentSpec | None,
    cli_vars: Mapping[str, Any],
) -> list[str]:
    """A ``--var`` whose name no request uses: usually a typo, or the wrong collection."""
    if not cli_vars:
        return []
    used = _used_names(collections, environment)
    known = sorted(used | _all_declared(collections, environment))
    warnings = []
    for name in cli_vars:
        if name in used:
            continue
        close = difflib.get_close_matches(name, known, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        warnings.append(f"warning: --var {name}: no request uses '{name}'{hint}")
    return warnings


def request_warnings(request: RequestSpec) -> list[str]:
    """An unknown method, a JSON body written as a string, literal objects that look like
    matchers."""
    warnings: list[str] = []
    if request.method.upper() not in KNOWN_METHODS:
        close = difflib.get_close_matches(request.method.upper(), sorted(KNOWN_METHODS), n=1)
        hint = f"did you mean {close[0]}?" if close else "any token is sent as it is"
        warnings.append(
            f"warning: {request.location}: '{request.method}' is not a known HTTP method ({hint})"
        )
    body = request.body
    if body is not None and body.kind == "json" and _is_json_text(body.value):
        warnings.append(
            f"warning: {body.location}: this json body is a string holding JSON, so it is sent "
            "as one JSON string; write the object in YAML (json: {a: 1}), or use raw: with a "
            "Content-Type header"
        )
    for check in request.checks:
        warning = _literal_matcher_warning(check)
        if warning is not None:
            warnings.append(warning)
    return warnings


def _literal_matcher_warning(check: CheckSpec) -> str | None:
    """A literal mapping compared for equality whose keys read as operators (greater_than)."""
    matcher = check.matcher
    if not isinstance(matcher, Matcher) or not matcher.implicit:
        return None
    value = matcher.operators[0][1]
    if not isinstance(value, Mapping) or not value:
        return None
    meant = {key: _operator_meant(key) for key in value}
    # Every key, not some: {count: 3, total: 10} is an object a response may well hold.
    if any(op is None for op in meant.values()):
        return None
    guesses = [f"{op} for '{key}'" for key, op in meant.items()]
    return (
        f"warning: {check.location}: {_short(value)} is compared as a literal object, not "
        f"as a matcher: did you mean {', '.join(guesses)}? (to compare with an object, "
        "write {eq: {...}})"
    )


def _operator_meant(key: Any) -> str | None:
    if not isinstance(key, str):
        return None
    alias = OPERATOR_ALIASES.get(key.lower().replace("-", "_"))
    if alias is not None:
        return alias
    close = difflib.get_close_matches(key, OPERATORS, n=1, cutoff=0.75)
    return close[0] if close else None


def _is_json_text(value: Any) -> bool:
    if not isinstance(value, str) or value.strip()[:1] not in ("{", "["):
        return False
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def _used_names(
    collections: Sequence[CollectionSpec], environment: EnvironmentSpec | None
) -> set[str]:
    """Names the requests use, directly or through the values of variables."""
    used: set[str] = set()
    values: list[Any] = []
    if environment is not None:
        values.append(dict(environment.variables.values))
    for collection in collections:
        values.append(dict(collection.variables.values))
        seen: set[int] = set()
        for request in collection.requests:
            used.update(use.name for use in request.placeholders)
            for scope in request.folder_scopes:
                if id(scope) not in seen:
                    seen.add(id(scope))
                    values.append(dict(scope.values))
    used.update(referenced_names(values))
    return used


def _declared_names(collection: CollectionSpec, environment: EnvironmentSpec | None) -> set[str]:
    return _all_declared([collection], environment)


def _all_declared(
    collections: Sequence[CollectionSpec], environment: EnvironmentSpec | None
) -> set[str]:
    names: set[str] = set()
    if environment is not None:
        names.update(environment.variables.values)
        names.update(environment.secrets)
    for collection in collections:
        names.update(collection.variables.values)
        names.update(collection.secrets)
        for request in collection.requests:
            for scope in request.folder_scopes:
                names.update(scope.values)
    return names


def _short(value: Any, limit: int = 60) -> str:
    text = json.dumps(value, default=str)
    return text if len(text) <= limit else text[: limit - 3] + "..."
