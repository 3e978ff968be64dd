"""The reusable CI glue: the GitHub Action (action.yml and its script, run here with bash) and
the pre-commit hook (.pre-commit-hooks.yaml, its command run as pre-commit runs it)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from click.testing import CliRunner

from runner.cli import cli

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # where this environment's postrun is


def action() -> dict:
    return yaml.safe_load((REPO / "action.yml").read_text())


def run_action(project: Path, **inputs: str) -> tuple[subprocess.CompletedProcess[str], dict]:
    """The action's step as GitHub runs it: its inputs in INPUT_*, outputs to GITHUB_OUTPUT."""
    outputs = project / "github-output"
    env = {
        "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
        "HOME": str(project),
        "GITHUB_OUTPUT": str(outputs),
        "POSTRUN_ACTION_PATH": str(REPO),
        "INPUT_INSTALL": "none",  # postrun is installed here already
        "NO_COLOR": "1",
        **{f"INPUT_{name.upper()}": value for name, value in inputs.items()},
    }
    done = subprocess.run(
        ["bash", str(REPO / "action" / "run.sh")],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    said = dict(line.split("=", 1) for line in outputs.read_text().splitlines())
    return done, said


def test_the_action_is_a_composite_that_runs_its_script_and_uploads_the_reports() -> None:
    described = action()
    steps = described["runs"]["steps"]
    assert described["runs"]["using"] == "composite"
    run = next(step for step in steps if step.get("id") == "run")
    assert run["run"] == 'bash "$GITHUB_ACTION_PATH/action/run.sh"'
    # every input reaches the script through env, none is pasted into its text
    assert "${{" not in run["run"]
    for name in ("paths", "args", "install", "report-dir"):
        assert f"${{{{ inputs.{name} }}}}" in run["env"].values(), name
    upload = steps[-1]
    assert upload["uses"].startswith("actions/upload-artifact@")
    assert upload["if"].startswith("always()")  # reports also when checks fail
    used = {"paths", "args", "install", "report-dir", "python-version", "upload", "artifact-name"}
    assert set(described["inputs"]) == used
    assert all("description" in spec for spec in described["inputs"].values())


def test_the_action_script_runs_the_collections_and_writes_every_report(tmp_path: Path) -> None:
    shutil.copytree(REPO / "collections", tmp_path / "collections")
    done, said = run_action(tmp_path, paths="collections/", args="--mock --tag smoke")
    assert done.returncode == 0, done.stdout + done.stderr
    assert said == {"report-dir": "postrun-reports", "exit-code": "0"}
    reports = tmp_path / "postrun-reports"
    assert "<testsuites" in (reports / "results.xml").read_text()
    assert (reports / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert json.loads((reports / "report.json").read_text())["totals"]["failed"] == 0


def test_the_action_script_fails_with_postruns_status_and_keeps_the_reports(
    tmp_path: Path,
) -> None:
    (tmp_path / "api.yaml").write_text(
        "requests:\n"
        "  - name: Wrong\n"
        "    url: https://api.invalid/x\n"
        "    assert: {status: 201}\n"
        "    examples: [{name: ok, status: 200}]\n"
    )
    done, said = run_action(tmp_path, paths="api.yaml", args="--mock", report_dir="out")
    assert done.returncode == 1
    assert said["exit-code"] == "1"
    assert json.loads((tmp_path / "out" / "report.json").read_text())["totals"]["failed"] == 1


def test_the_action_script_says_why_for_invalid_input(tmp_path: Path) -> None:
    done, said = run_action(tmp_path, paths="missing/")
    assert done.returncode == 2 and said["exit-code"] == "2"
    assert "'missing' does not exist" in done.stderr


def hook() -> dict:
    (only,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    return only


def test_the_pre_commit_hook_runs_postrun_validate() -> None:
    described = hook()
    assert described["id"] == "postrun-validate"
    assert described["entry"] == "postrun validate"
    assert described["language"] == "python"
    assert described["pass_filenames"] is False


def run_hook(project: Path) -> tuple[int, str]:
    """The hook's command as pre-commit runs it: entry, then args (no file names)."""
    described = hook()
    words = described["entry"].split() + described["args"]
    assert words[0] == "postrun"
    cwd = Path.cwd()
    os.chdir(project)
    try:
        result = CliRunner().invoke(cli, words[1:])
    finally:
        os.chdir(cwd)
    return result.exit_code, result.output


def test_the_pre_commit_hook_passes_good_collections_and_stops_a_broken_one(
    tmp_path: Path,
) -> None:
    shutil.copytree(REPO / "collections", tmp_path / "collections")
    assert run_hook(tmp_path)[0] == 0
    (tmp_path / "collections" / "typo.yaml").write_text(
        "requests:\n  - name: a\n    url: u\n    headres: {}\n"
    )
    code, output = run_hook(tmp_path)
    assert code == 2
    assert "collections/typo.yaml:4:5" in output and "did you mean 'headers'?" in output
