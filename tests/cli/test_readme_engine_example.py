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


def test_the_readme_listener_that_lists_its_events_works_as_written() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### The engine API, for front-ends", 1)[1].split("\n### ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 2, "the listener example is the section's second python block"
    script = blocks[1] + (
        "\nfrom pathlib import Path"
        "\nfrom runner.engine import Engine, RunOptions, plan_run"
        "\nfrom runner.events import CheckFinished"
        "\nfrom runner.loader import load_collection"
        "\nfrom runner.transport import new_session"
        "\nplan = plan_run([load_collection(Path('collections/notes-crud.yaml'))],"
        " RunOptions(mock=True))"
        "\nseen = []"
        "\nclass Recording(Failures):"
        "\n    def __call__(self, event):"
        "\n        seen.append(type(event))"
        "\n        super().__call__(event)"
        "\nwith new_session() as session:"
        "\n    run = Engine(plan, session, [Recording()]).run()"
        "\nassert run.passed and CheckFinished not in seen and RequestFinished in seen, seen"
        "\nprint('ok')"
    )
    env = {key: value for key, value in os.environ.items() if key != "NOTES_PASSWORD"}
    completed = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == "ok\n"  # every request passed: Failures printed nothing
