"""Each command's module is imported when the command is looked up (runner.cli.app's
COMMAND_MODULES): a run imports its own, ``--help`` lists every command, and an unknown
command is still told apart from a known one. Programs run as postrun is, over loopback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from pytest_httpserver import HTTPServer

from runner.cli.app import COMMAND_MODULES

ROOT = Path(__file__).resolve().parents[2]

# Runs ``cli`` on argv in a fresh interpreter, then prints which command modules it imported.
SCRIPT = """\
import json, sys
from runner.cli import cli
try:
    cli.main(sys.argv[1:], prog_name="postrun")
except SystemExit:
    pass
print(json.dumps(sorted(m for m in sys.modules if m.startswith("runner.cli."))))
"""


def imported(*argv: str, cwd: Path) -> tuple[list[str], str]:
    completed = subprocess.run(
        [sys.executable, "-c", SCRIPT, *argv],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    *output, modules = completed.stdout.rstrip("\n").split("\n")
    return json.loads(modules), "\n".join(output) + completed.stderr


def test_a_run_imports_the_run_command_alone(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/ping").respond_with_json({"ok": True})
    collection = tmp_path / "ping.yaml"
    collection.write_text(
        f"requests:\n  - name: ping\n    url: {httpserver.url_for('/ping')}\n"
        "    assert: {status: 200, jsonpath: {$.ok: true}}\n"
    )
    modules, output = imported("run", str(collection), cwd=tmp_path)
    assert "2 passed, 0 failed" in output, output
    assert "runner.cli.run" in modules
    others = {"runner.cli.interop", "runner.cli.load", "runner.cli.mock", "runner.cli.starter"}
    assert others.isdisjoint(modules), modules
    assert "runner.cli.static" not in modules


def test_help_lists_every_command_in_order(tmp_path: Path) -> None:
    modules, output = imported("--help", cwd=tmp_path)
    lines = output.split("Commands:\n", 1)[1].splitlines()
    names = [line.split()[0] for line in lines if line.startswith("  ") and line[2] != " "]
    assert names == sorted(COMMAND_MODULES)
    assert set(COMMAND_MODULES.values()) <= set(modules)


def test_a_command_of_a_group_and_an_unknown_command(tmp_path: Path) -> None:
    modules, output = imported("export", "curl", "--help", cwd=tmp_path)
    assert "Usage: postrun export curl" in output
    assert "runner.cli.interop" in modules
    _, output = imported("exprot", cwd=tmp_path)
    assert "No such command 'exprot'. Did you mean 'export'?" in output  # every command offered
