"""Issue 16 item 6: a Postman request with no URL (a draft) is imported skipped, with no url;
the collection loads, validates and runs the other requests, and exports it back as it was.

Runs send real HTTP to pytest-httpserver on loopback, through the CLI in-process.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer

from runner.cli import cli
from runner.errors import LoadError
from runner.loader import load_collection

SCHEMA = "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"


def invoke(args: list[str]) -> Result:
    """Run postrun in-process; no Python traceback may reach the user."""
    result = CliRunner().invoke(cli, args)
    assert "Traceback" not in result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result


@pytest.fixture
def imported(httpserver: HTTPServer) -> Path:
    """An export with a draft between two requests, imported into collections/drafts.yaml."""
    httpserver.expect_request("/ping").respond_with_json({"ok": True})
    ping = {"method": "GET", "url": httpserver.url_for("/ping")}
    check = ["pm.test('up', function () { pm.response.to.have.status(200); });"]
    document = {
        "info": {"name": "drafts", "schema": SCHEMA},
        "item": [
            {
                "name": "Ping",
                "request": ping,
                "event": [{"listen": "test", "script": {"exec": check}}],
            },
            {"name": "Draft", "request": {"method": "GET", "header": [], "url": {"raw": ""}}},
            {"name": "Ping again", "request": ping},
        ],
    }
    Path("drafts.postman_collection.json").write_text(json.dumps(document), encoding="utf-8")
    result = invoke(["import", "postman", "drafts.postman_collection.json"])
    assert result.exit_code == 0, result.output
    assert "'Draft' has no URL (a draft): kept with options.skip" in result.output
    return Path("collections/drafts.yaml")


def test_the_draft_validates_and_is_skipped_while_the_others_run(
    imported: Path, httpserver: HTTPServer
) -> None:
    assert invoke(["validate", "collections/"]).exit_code == 0
    result = invoke(["run", "collections/", "--report", "json:r.json"])
    assert result.exit_code == 0, result.output
    assert (
        "- Draft  skipped: no URL in the Postman export (a draft): add a url, then remove this "
        "skip" in result.output
    )
    report = json.loads(Path("r.json").read_text(encoding="utf-8"))
    assert [(r["name"], r["skipped"] is not None) for r in report["requests"]] == [
        ("Ping", False),
        ("Draft", True),
        ("Ping again", False),
    ]
    assert len(httpserver.log) == 2


def test_export_postman_gives_the_draft_back_with_no_url(imported: Path) -> None:
    result = invoke(["export", "postman", "collections/", "-o", "back.json"])
    assert result.exit_code == 0, result.output
    items = json.loads(Path("back.json").read_text(encoding="utf-8"))["item"]
    assert items[1] == {
        "name": "Draft",
        "request": {"method": "GET", "header": [], "url": {"raw": ""}},
        "response": [],
    }
    again = invoke(["import", "postman", "back.json", "-o", "again"])
    assert again.exit_code == 0, again.output
    assert Path("again/collections/drafts.yaml").read_text(encoding="utf-8") == imported.read_text(
        encoding="utf-8"
    )


def test_export_curl_leaves_the_draft_out_with_a_note(imported: Path) -> None:
    result = invoke(["export", "curl", "collections/"])
    assert result.exit_code == 0, result.output
    assert "'Draft' has no url (a skipped draft): no command" in result.output
    assert "curl ''" not in result.output
    assert result.output.count("/ping") == 2


@pytest.mark.parametrize(
    "options", ["", "    options: {skip: false}\n", "    options: {skip: ''}\n"]
)
def test_a_request_with_no_url_that_is_not_skipped_is_a_load_error(
    tmp_path: Path, options: str
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(f"requests:\n  - name: Draft\n{options}", encoding="utf-8")
    with pytest.raises(LoadError) as caught:
        load_collection(path)
    assert caught.value.message == "request 'Draft' has no 'url'"
    assert caught.value.location is not None and caught.value.location.line == 2
    assert (
        caught.value.hint == "add url: ... (a draft without one needs options: {skip: 'a draft'})"
    )
