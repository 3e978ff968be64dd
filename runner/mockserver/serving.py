"""Servers for collections: loaded from paths, or from collections already loaded."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, TextIO

from runner.loader import discover_collections, load_collection, load_environment
from runner.mockserver.routes import build_routes
from runner.mockserver.server import MockServer
from runner.model import CollectionSpec, EnvironmentSpec, RequestSpec


def load_server(
    paths: tuple[str | Path, ...],
    *,
    environment: str | Path | None = None,
    variables: Mapping[str, Any] | None = None,
    host: str = "127.0.0.1",
    port: int = 0,
    log: TextIO | None = None,
) -> MockServer:
    """A server (not started) for the collections at ``paths`` (files or directories)."""
    files = discover_collections([Path(path) for path in paths])[0]
    # The test's own collections: their body files and schemas may sit anywhere (tmp_path).
    collections = [load_collection(file, allow_outside=True) for file in files]
    env = load_environment(Path(environment)) if environment is not None else None
    return serve_collections(collections, env, variables or {}, host=host, port=port, log=log)


def serve_collections(
    collections: list[CollectionSpec],
    environment: EnvironmentSpec | None,
    variables: Mapping[str, Any],
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    log: TextIO | None = None,
) -> MockServer:
    """A server (not started) for loaded collections, ``variables`` winning over theirs."""
    env_values = environment.variables.values if environment is not None else {}

    def defined(collection: CollectionSpec, name: str) -> bool:
        return name in variables or name in env_values or name in collection.variables.values

    def value(collection: CollectionSpec, request: RequestSpec, name: str) -> Any:
        scopes = [variables, env_values]
        scopes += [scope.values for scope in request.folder_scopes]
        scopes.append(collection.variables.values)
        return next((scope[name] for scope in scopes if name in scope), None)

    routes = build_routes(collections, defined, value)
    merged = {**env_values, **variables}
    return MockServer(routes, host, port, variables=merged, log=log)
