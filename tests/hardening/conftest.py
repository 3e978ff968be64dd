"""Hardening suite setup: hypothesis profiles and a clean working directory for every test.

Hypothesis profiles (choose with ``HYPOTHESIS_PROFILE``):

- ``ci`` (default): 60 examples per property, derandomized so CI is reproducible and quick.
- ``thorough``: 1000 examples per property, random, for a local hunt
  (``HYPOTHESIS_PROFILE=thorough python -m pytest tests/hardening``).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, configuration, settings

# Hypothesis keeps a cache in ./.hypothesis; outside the work tree it cannot end up in git.
configuration.set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "postrun-hypothesis")

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# Secret-looking names a test may set; removed so the developer's shell cannot leak in.
_SECRET_NAMES = ("API_KEY", "HARDENING_SECRET", "NOT_DECLARED", "TOKEN")


@pytest.fixture(autouse=True)
def _workdir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Run in a fresh directory, without colour, without secrets from the developer's shell."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    for name in _SECRET_NAMES:
        monkeypatch.delenv(name, raising=False)
