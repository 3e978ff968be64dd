"""Fixtures for the CLI tests: a clean working directory and no colour."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run every test in its own directory, without colour and without a real API key."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    for name in ("API_KEY", "NOTES_PASSWORD"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def cli_runner() -> CliRunner:
    """A click test runner."""
    return CliRunner()


@pytest.fixture
def shipped(tmp_path: Path) -> Path:
    """Copy the shipped collections and environments into the test directory."""
    shutil.copytree(REPO / "collections", tmp_path / "collections")
    shutil.copytree(REPO / "environments", tmp_path / "environments")
    return tmp_path
