"""A secret a server echoes in its reason phrase is masked there too: in the console line of a
passing request, in -v dumps and in every report (it was not, before issue 21's lazy masking
was reviewed)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from runner.cli import cli

SECRET = "sk-reason-0123456789"

COLLECTION = """\
secrets: [TOKEN]
requests:
  - name: passes
    url: {base}/echo
    headers: {{Authorization: Bearer <<TOKEN>>}}
    assert: {{status: 200}}
  - name: fails
    url: {base}/echo
    headers: {{Authorization: Bearer <<TOKEN>>}}
    assert: {{status: 201}}
"""


def _echo_in_reason(request: Request) -> Response:
    token = request.headers.get("Authorization", "").removeprefix("Bearer ")
    return Response("{}", status=f"200 Hello {token}", content_type="application/json")


@pytest.mark.parametrize("verbose", [False, True])
def test_a_secret_echoed_in_the_reason_phrase_is_masked_everywhere(
    httpserver: HTTPServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, verbose: bool
) -> None:
    httpserver.expect_request("/echo").respond_with_handler(_echo_in_reason)
    path = tmp_path / "c.yaml"
    path.write_text(COLLECTION.format(base=httpserver.url_for("").rstrip("/")))
    monkeypatch.setenv("TOKEN", SECRET)
    monkeypatch.setenv("NO_COLOR", "1")
    reports = {kind: tmp_path / f"report.{kind}" for kind in ("junit", "json", "html")}
    arguments = ["run", str(path), *[f"--report={kind}:{file}" for kind, file in reports.items()]]
    result = CliRunner().invoke(cli, [*arguments, *(["-v"] if verbose else [])])
    assert result.exit_code == 1, result.output
    assert len(httpserver.log) == 2  # the server did echo it: both answers carried it
    assert "200 Hello ****" in result.output  # the passing request's line
    assert SECRET not in result.output
    for file in reports.values():
        text = file.read_text(encoding="utf-8")
        assert SECRET not in text, file.name
        if file.suffix != ".json":  # the JSON report keeps no reason phrase
            assert "Hello ****" in text, file.name
