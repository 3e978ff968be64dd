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
from typing import Any

from runner.mockserver.server import MockServer
from runner.mockserver.serving import load_server


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
