"""Which variables a request sees, and where secrets and variables are declared."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from runner.compact import summary_of
from runner.engine.options import RunOptions
from runner.model import CollectionSpec, EnvironmentSpec, RequestSpec, VariableScope
from runner.source import SourceLocation
from runner.variables import VariableStack, build_stack


def request_stack(
    request: RequestSpec,
    collection: CollectionSpec,
    options: RunOptions,
    secrets: Mapping[str, Any],
    captured: Mapping[str, Any],
    data_row: Mapping[str, Any] | None = None,
) -> VariableStack:
    """The variables a request sees, in FORMAT.md section 3 order."""
    return folder_stack(request.folder_scopes, collection, options, secrets, captured, data_row)


def folder_stack(
    folder_scopes: Sequence[VariableScope],
    collection: CollectionSpec,
    options: RunOptions,
    secrets: Mapping[str, Any],
    captured: Mapping[str, Any],
    data_row: Mapping[str, Any] | None = None,
) -> VariableStack:
    """The variables the requests of a folder (its scopes, innermost first) see."""
    return build_stack(
        cli_vars=options.cli_vars,
        secrets=secrets,
        captured=captured,
        data_row=data_row,
        environment=options.environment,
        folder_scopes=folder_scopes,
        collection=collection.variables,
    )


def declared_secrets(
    collections: Iterable[CollectionSpec], environment: EnvironmentSpec | None
) -> dict[str, SourceLocation | None]:
    """Every secret name declared by the collections and the environment, with where."""
    declared: dict[str, SourceLocation | None] = {}
    sources: list[CollectionSpec | EnvironmentSpec] = list(collections)
    if environment is not None:
        sources.append(environment)
    for source in sources:
        for name in source.secrets:
            declared.setdefault(name, source.secret_locations.get(name))
    return declared


def variable_scopes(
    collections: Iterable[CollectionSpec], environment: EnvironmentSpec | None
) -> list[VariableScope]:
    """Every scope a variable can be defined in, for the secret/variable conflict check."""
    return scan_scopes(collections, environment)[0]


def scan_scopes(
    collections: Iterable[CollectionSpec], environment: EnvironmentSpec | None
) -> tuple[list[VariableScope], set[str]]:
    """Variable scopes (see variable_scopes) and apikey header names, in one pass.

    One pass, because each pass over a large file decodes every request again (runner.compact).
    """
    scopes = [environment.variables] if environment is not None else []
    apikey_headers: set[str] = set()
    for collection in collections:
        scopes.append(collection.variables)
        # A large file's requests were summed up as they were packed: none is decoded here.
        summary = summary_of(collection.requests)
        seen: set[int] = set()
        for folder_scopes in summary.folder_scopes:
            for scope in folder_scopes:
                if id(scope) not in seen:
                    seen.add(id(scope))
                    scopes.append(scope)
        apikey_headers.update(summary.apikey_headers)  # masked by name, like Authorization
    return scopes, apikey_headers
