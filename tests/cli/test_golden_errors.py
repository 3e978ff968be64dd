"""Golden files of rendered errors, so the file:line:column output cannot regress."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from runner.cli import cli

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"

CASES = {
    "unknown_key": "requests:\n  - name: Users\n    url: http://127.0.0.1:9/users\n"
    "    headres: {Accept: application/json}\n",
    "quoted_status": "requests:\n  - name: A\n    url: http://127.0.0.1:9/\n"
    '    assert:\n      status: "200"\n',
    "unquoted_star": "requests:\n  - name: A\n    url: http://127.0.0.1:9/\n"
    "    headers:\n      Accept: */*\n",
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_rendered_error_matches_golden_file(
    cli_runner: CliRunner, tmp_path: Path, case: str
) -> None:
    (tmp_path / "api.yaml").write_text(CASES[case], encoding="utf-8")
    result = cli_runner.invoke(cli, ["validate", "api.yaml"])
    assert result.exit_code == 2
    golden = GOLDEN / f"{case}.txt"
    assert result.output == golden.read_text(encoding="utf-8")
