"""The engine example of README's Development section runs as written, from the repository root."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def readme_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The engine API, for front-ends", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, "the engine API section has no python example"
    return match.group(1)


def test_the_readme_engine_example_runs_each_request_then_a_whole_pass() -> None:
    env = {key: value for key, value in os.environ.items() if key != "NOTES_PASSWORD"}
    completed = subprocess.run(
        [sys.executable, "-c", readme_example()],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    # The Notes collection (collections/notes-crud.yaml), once request by request, then once
    # more as a pass over its unit: every request passes both times, from its saved example.
    assert len(lines) == 16  # its 8 requests, twice
    assert lines[:8] == lines[8:]
    assert lines[0] == "Log in passed"
    assert all(line.endswith(" passed") for line in lines)
