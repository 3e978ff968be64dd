"""The mock server in tests: a context manager, and a pytest fixture made from it.

Importable without pytest: ``mock_fixture`` imports it only when called, from a conftest.py or a
test module::

    from runner.mockserver.testing import mock_fixture, mock_server

    notes_api = mock_fixture("collections/notes-crud.yaml")

    def test_reads_a_note(notes_api):
        assert requests.get(f"{notes_api.base_url}/notes/42").json()["id"] == 42

    def test_without_pytest():
        with mock_server("collections/notes-crud.yaml") as server:
            ...
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TextIO

from runner.loader import discover_collections, load_collection, load_environment
from runner.mockserver.routes import build_routes
from runner.mockserver.server import MockServer
from runner.model import CollectionSpec, EnvironmentSpec


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

    routes = build_routes(collections, defined)
    merged = {**env_values, **variables}
    return MockServer(routes, host, port, variables=merged, log=log)


@contextmanager
def mock_server(
    *paths: str | Path,
    environment: str | Path | None = None,
    variables: Mapping[str, Any] | None = None,
) -> Iterator[MockServer]:
    """Serve the collections at ``paths`` on a free loopback port while the block runs."""
    server = load_server(paths, environment=environment, variables=variables)
    with server:
        yield server


def mock_fixture(
    *paths: str | Path,
    environment: str | Path | None = None,
    variables: Mapping[str, Any] | None = None,
    scope: str = "session",
) -> Callable[..., Any]:
    """A pytest fixture giving a started ``MockServer`` for the collections at ``paths``."""
    import pytest

    def fixture() -> Iterator[MockServer]:
        with mock_server(*paths, environment=environment, variables=variables) as server:
            yield server

    return pytest.fixture(scope=scope)(fixture)  # type: ignore[call-overload,no-any-return]
