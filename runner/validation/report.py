"""``validate``: the run's pre-flight, nothing sent, and what validate adds to it.

Secrets count as defined here even when unset (a note says so), so a collection can be
validated on a machine that does not hold the keys.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from runner.engine import (
    RunOptions,
    check_placeholders,
    declared_secrets,
    request_stack,
    variable_scopes,
)
from runner.errors import PostrunError
from runner.masking import Masker
from runner.model import CollectionSpec, EnvironmentSpec
from runner.templating import find_broken_placeholders, to_text
from runner.validation.lints import lint
from runner.validation.urls import check_url_schemes
from runner.variables import check_secret_conflicts, resolve_secrets

_COMMENT = re.compile(r"(^|\s)#.*$")


def validate(
    collections: Sequence[CollectionSpec],
    *,
    environment: EnvironmentSpec | None,
    cli_vars: Mapping[str, Any],
    environ: Mapping[str, str],
    dotenv: Mapping[str, str],
    show_vars: bool = False,
    dotenv_name: str = ".env",
) -> str:
    """Check collections as a run would; return the report text or raise PostrunError."""
    declared = declared_secrets(collections, environment)
    check_secret_conflicts(declared, variable_scopes(collections, environment))
    unset = [
        name
        for name in declared
        if name not in cli_vars and name not in environ and name not in dotenv
    ]
    available = {name: where for name, where in declared.items() if name not in unset}
    secrets = resolve_secrets(
        available, cli_vars=cli_vars, environ=environ, dotenv=dotenv, mock=False
    ).values
    # An unset secret is still a defined name: `run` will ask for it.
    names_only = {**{name: "" for name in unset}, **secrets}
    options = RunOptions(cli_vars=cli_vars, environment=environment)
    check_placeholders(collections, options, names_only)
    # A URL in an error must not show a secret: unset ones stay <<KEY>>, set ones are masked.
    masker = Masker.create(secrets.values())
    try:
        check_url_schemes(collections, options, {})
    except PostrunError as exc:
        exc.message = masker.text(exc.message)
        exc.hint = masker.text(exc.hint) if exc.hint else exc.hint
        raise

    lines: list[str] = []
    for name in unset:
        lines.append(
            f"note: secret {name} is not set; `postrun run` will need it "
            f"(export {name}=... or add it to {dotenv_name})"
        )
    for collection in collections:
        lines.extend(_script_set_notes(collection, options))
        lines.extend(broken_placeholder_warnings(Path(collection.file)))
    lines.extend(lint(collections, environment, cli_vars))
    for collection in collections:
        count = len(collection.requests)
        lines.append(
            f"ok {collection.file}: {collection.name}, {count} request{'s' if count != 1 else ''}"
        )
        if show_vars:
            # Only the secrets this collection and the environment declare, not its neighbours'.
            own = set(declared_secrets([collection], environment))
            own_secrets = {name: value for name, value in names_only.items() if name in own}
            lines.extend(_variables_table(collection, options, own_secrets, own, masker))
    return "\n".join(lines)


def _script_set_notes(collection: CollectionSpec, options: RunOptions) -> list[str]:
    """A note for each ``set_by_script`` name nothing else sets: the run fails where it is used."""
    environment = options.environment.variables.values if options.environment else {}
    return [
        f"note: {location}: '{name}' is set by a script of '{owner}', which postrun does not "
        f"run: a request using it fails unless you capture it in '{owner}' or give --var {name}=..."
        for name, (owner, location) in collection.set_by_script.items()
        if name not in options.cli_vars
        and name not in environment
        and name not in collection.variables.values
    ]


def broken_placeholder_warnings(path: Path) -> list[str]:
    """Warn about text that looks like a broken ``<<placeholder>>``, with file:line:column."""
    warnings: list[str] = []
    try:
        # Line by line: a large collection's lines as a list would take several times its size.
        with path.open(encoding="utf-8-sig") as physical_lines:
            number = 0
            for physical in physical_lines:
                # Split further as str.splitlines does: YAML marks count NEL, LS and PS as line
                # breaks too, and the line numbers must match the loader's.
                for line in physical.splitlines():
                    number += 1
                    code = _COMMENT.sub("", line) if "#" in line else line
                    for fragment in find_broken_placeholders(code):
                        column = code.find(fragment) + 1
                        warnings.append(
                            f"warning: {path}:{number}:{column}: '{fragment}' looks like a broken "
                            "placeholder (write <<name>>, or \\<< for a literal <<)"
                        )
                    if "{{" in code:
                        warnings.extend(_postman_placeholders(path, number, code))
    except (OSError, UnicodeDecodeError):
        return []
    return warnings


_POSTMAN_PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")


def _postman_placeholders(path: Path, number: int, code: str) -> list[str]:
    """A Postman ``{{name}}`` is sent as text: say how postrun writes it."""
    return [
        f"warning: {path}:{number}:{match.start() + 1}: '{match.group(0)}' is Postman's syntax, "
        f"sent as text: write <<{match.group(1)}>>"
        for match in _POSTMAN_PLACEHOLDER.finditer(code)
    ]


def _variables_table(
    collection: CollectionSpec,
    options: RunOptions,
    secrets: Mapping[str, Any],
    secret_names: set[str],
    masker: Masker,
) -> list[str]:
    """Every variable a request can see, its value (secrets masked) and the scope it came from."""
    rows: dict[str, tuple[str, str]] = {}
    requests = collection.requests or ()
    for request in requests:
        stack = request_stack(request, collection, options, secrets, {})
        for name in stack.names():
            origin = stack.origin(name)
            scope = origin.name if origin is not None else "?"
            if name in secret_names:
                value = "**** (secret)" if secrets.get(name) else "(secret, not set)"
            else:
                value = masker.text(_short(to_text(stack.lookup(name))))
            shadowed = stack.shadowed(name)
            note = f"  (overrides {', '.join(shadowed)})" if shadowed else ""
            rows.setdefault(name, (value, f"{scope}{note}"))
    if not rows:
        return ["  (no variables)"]
    width = max(len(name) for name in rows)
    value_width = min(48, max(len(value) for value, _ in rows.values()))
    return [
        f"  {name:<{width}}  {value:<{value_width}}  {scope}"
        for name, (value, scope) in sorted(rows.items())
    ]


def _short(text: str, limit: int = 48) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
