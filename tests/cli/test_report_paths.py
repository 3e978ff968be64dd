"""Where ``--report FORMAT:PATH`` writes: devices, FIFOs, symlinks, duplicates, failures.

A regular file (or a new path) is replaced whole through a temp file and a rename; a character
device or a FIFO is written straight through, never replaced (as root, a rename over
/dev/null deleted it for every later CI step); a symlink is followed, its target replaced and
the link kept. Every path is checked before the first request, two options naming one file are
an input error, and a report that still cannot be written keeps the run's status.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from pytest_httpserver import HTTPServer

from runner.cli import cli
from runner.report.files import STREAM, destination

ROOT = os.geteuid() == 0


def _collection(tmp_path: Path, httpserver: HTTPServer, *, passing: bool = True) -> None:
    httpserver.expect_request("/ok").respond_with_data("fine")
    status = 200 if passing else 201
    (tmp_path / "c.yaml").write_text(
        f"name: C\nrequests:\n  - name: Ok\n    url: {httpserver.url_for('/ok')}\n"
        f"    assert: {{status: {status}}}\n",
        encoding="utf-8",
    )


def _run(*reports: str) -> Result:
    args = ["run", "c.yaml"]
    for report in reports:
        args += ["--report", report]
    return CliRunner().invoke(cli, args)


def _device(tmp_path: Path, name: str, minor: int) -> Path:
    """A character device to write to: made in tmp_path as root (1,3 is null, 1,7 full), else
    the system's own, which a non-root process could not replace anyway."""
    if not ROOT:
        return Path("/dev") / name
    node = tmp_path / "dev" / name
    node.parent.mkdir()
    os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, minor))
    return node


def _temp_files(folder: Path) -> list[str]:
    return [path.name for path in folder.iterdir() if path.name.endswith(".tmp")]


@pytest.mark.parametrize("kind", ["junit", "json", "html"])
def test_a_report_to_a_character_device_is_written_through_never_replaced(
    tmp_path: Path, httpserver: HTTPServer, kind: str
) -> None:
    _collection(tmp_path, httpserver)
    null = _device(tmp_path, "null", 3)
    assert destination(null).kind == STREAM  # written through, so never renamed over
    before = os.lstat(null)
    result = _run(f"{kind}:{null}")
    assert result.exit_code == 0, result.output
    after = os.lstat(null)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev
    assert (after.st_ino, after.st_mode, after.st_uid) == (
        before.st_ino,
        before.st_mode,
        before.st_uid,
    )
    assert _temp_files(null.parent) == []
    assert len(httpserver.log) == 1


def test_a_report_to_a_fifo_is_written_through_to_its_reader(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    _collection(tmp_path, httpserver)
    fifo = tmp_path / "results.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    try:
        result = _run(f"junit:{fifo}")
        reader.join(timeout=30)
    finally:
        if reader.is_alive():  # nothing was written: let the reader go
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
    assert result.exit_code == 0, result.output
    (xml,) = received
    assert ET.fromstring(xml).find("testsuite/testcase").get("name") == "Ok"
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_report_through_a_symlink_replaces_its_target_and_keeps_the_link(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    _collection(tmp_path, httpserver)
    (tmp_path / "real").mkdir()
    (tmp_path / "out").mkdir()
    target = tmp_path / "real" / "r.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "out" / "r.json"
    link.symlink_to("../real/r.json")
    dangling = tmp_path / "out" / "new.xml"
    dangling.symlink_to("../real/new.xml")
    result = _run(f"json:{link}", "junit:out/new.xml")
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == "../real/r.json"
    assert json.loads(target.read_text(encoding="utf-8"))["totals"]["requests"] == 1
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert dangling.is_symlink() and (tmp_path / "real" / "new.xml").is_file()
    assert ET.parse(tmp_path / "real" / "new.xml").getroot().tag == "testsuites"
    assert _temp_files(tmp_path / "out") == [] and _temp_files(tmp_path / "real") == []


@pytest.mark.parametrize(
    "second",
    ["junit:./r.json", "html:out/../r.json", "junit:link.json", "json:dev.out"],
)
def test_two_reports_to_the_same_file_are_an_input_error(
    tmp_path: Path, httpserver: HTTPServer, second: str
) -> None:
    _collection(tmp_path, httpserver)
    (tmp_path / "out").mkdir()
    (tmp_path / "link.json").symlink_to("r.json")  # r.json does not exist yet
    first = "json:r.json"
    if second == "json:dev.out":  # one device under two names, through a link
        null = _device(tmp_path, "null", 3)
        (tmp_path / "dev.out").symlink_to(null)
        first = f"junit:{null}"
    result = _run(first, second)
    assert result.exit_code == 2, result.output
    assert "two --report options write to the same file" in result.output
    assert "give each report its own file" in result.output
    assert httpserver.log == []
    assert not (tmp_path / "r.json").exists()


def test_a_path_no_report_can_go_to_is_refused_before_anything_is_sent(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    _collection(tmp_path, httpserver)
    listening = socket.socket(socket.AF_UNIX)
    listening.bind(str(tmp_path / "sock"))
    (tmp_path / "loop1").symlink_to("loop2")
    (tmp_path / "loop2").symlink_to("loop1")
    try:
        for report, message in [
            ("json:sock", "--report path sock is a socket"),
            ("json:out/", "--report path out/ names a folder"),
            ("junit:loop1", "cannot write the report loop1: Too many levels of symbolic links"),
        ]:
            result = _run("html:fine.html", report)
            assert result.exit_code == 2, result.output
            assert message in result.output
    finally:
        listening.close()
    assert httpserver.log == []
    assert not (tmp_path / "fine.html").exists()


@pytest.mark.parametrize("passing", [True, False])
def test_a_report_that_cannot_be_written_keeps_the_runs_status(
    tmp_path: Path, httpserver: HTTPServer, passing: bool
) -> None:
    """A full device passes the check (it is writable) and fails the write: ENOSPC."""
    _collection(tmp_path, httpserver, passing=passing)
    full = _device(tmp_path, "full", 7)
    result = _run(f"json:{full}", "junit:kept.xml")
    status = 0 if passing else 1
    assert result.exit_code == status, result.output
    assert (
        f"error: could not write the report {full}: No space left on device "
        f"(the exit status stays the run's: {status})"
    ) in result.stderr
    assert ET.parse(tmp_path / "kept.xml").getroot().tag == "testsuites"  # the others are written
    assert stat.S_ISCHR(os.lstat(full).st_mode)


def test_an_import_follows_a_symlink_to_the_collection_it_extends(tmp_path: Path) -> None:
    """``import curl -o`` uses the same writer: the link is kept, its target extended."""
    (tmp_path / "shared").mkdir()
    (tmp_path / "api.yaml").symlink_to("shared/api.yaml")
    for url in ("http://h/items", "http://h/users"):
        result = CliRunner().invoke(cli, ["import", "curl", "-o", "api.yaml", f"curl {url}"])
        assert result.exit_code == 0, result.output
    assert (tmp_path / "api.yaml").is_symlink()
    text = (tmp_path / "shared" / "api.yaml").read_text(encoding="utf-8")
    assert "http://h/items" in text and "http://h/users" in text
