"""Response bodies are read within ``max_body`` (issue 15.3): an endless chunked body reached
3 GB in the 5 s of its timeout, and a gzip bomb (10 MB on the wire, 10 GB decoded) and a 2 GB
body ended the run in MemoryError.

Now reading stops as soon as the decoded body passes the limit, the connection is closed, and
that request fails with one line while the others run. Servers are real (rawserver's floods);
the bombs are built once from zeros and never written out whole.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hardening_support import REPO, invoke, run_subprocess
from rawserver import BOMB_DECODED, FLOOD_BYTES, Flood, bomb_pieces, bomb_size, serving

MIB = 1024**2


def over(limit: str) -> str:
    """The line a request over ``limit`` fails with."""
    return f"the response body is over the {limit} limit (options.max_body; --max-body to raise it)"


def write(folder: Path, requests: str, *, defaults: str = "") -> None:
    text = f"name: Bodies\n{defaults}requests:\n{requests}"
    (folder / "c.yaml").write_text(text, encoding="utf-8")


def run(folder: Path, requests: str, *flags: str, defaults: str = "") -> tuple[Any, dict]:
    """``postrun run`` in-process; the result and the JSON report's requests by name."""
    write(folder, requests, defaults=defaults)
    result = invoke(["run", "c.yaml", "--report", "json:r.json", *flags], seconds=60)
    report = json.loads((folder / "r.json").read_text(encoding="utf-8"))
    return result, {entry["name"]: entry for entry in report["requests"]}


def request(name: str, url: str, extra: str = "") -> str:
    lines = f"  - name: {name}\n    url: {url}\n"
    return lines + "".join(f"    {line}\n" for line in extra.splitlines())


def test_an_endless_chunked_body_fails_at_the_limit_and_the_run_goes_on(tmp_path: Path) -> None:
    flood = Flood()
    with serving() as server:
        server.behaviours["/endless"] = flood
        result, results = run(
            tmp_path,
            request("endless", server.url("/endless"), "options: {max_body: 1MiB, timeout: 20}")
            + request("after", server.url("/ok"), "assert: {jsonpath: {$.ok: true}}"),
        )
        # The client closed the connection (not left unread in the pool) long before the end.
        assert flood.hung_up.wait(10), f"the server sent {flood.sent} bytes, never cut off"
    assert result.exit_code == 1
    assert results["endless"]["error"] == over("1 MiB")  # not "timed out after 20s"
    assert over("1 MiB") in result.output
    assert flood.sent < 64 * MIB < FLOOD_BYTES
    assert results["after"]["passed"] is True


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br"])
def test_a_decompression_bomb_fails_on_its_decoded_bytes(tmp_path: Path, coding: str) -> None:
    """10 GiB of zeros in a few MB (gzip, deflate) or 35 KB (br): the limit, 16 MiB, is more
    than the bomb's size on the wire, so only counting decoded bytes stops it. A child process,
    so a bomb that got through ends that child in MemoryError, not the test run."""
    flood = Flood.bomb(coding)
    assert bomb_size(coding) < 16 * MIB
    with serving() as server:
        server.behaviours["/bomb"] = flood
        write(
            tmp_path,
            request("bomb", server.url("/bomb"), "options: {max_body: 16MiB}")
            + request("after", server.url("/ok")),
        )
        completed = run_subprocess(
            ["run", "c.yaml", "--report", "json:r.json"], cwd=tmp_path, timeout=60
        )
        # The whole br bomb fits in the socket buffers: only gzip and deflate are cut off.
        assert coding == "br" or flood.hung_up.wait(10)
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    results = {entry["name"]: entry for entry in report["requests"]}
    assert completed.returncode == 1, completed.stderr
    assert results["bomb"]["error"] == over("16 MiB")
    assert results["after"]["passed"] is True
    assert coding == "br" or flood.sent < bomb_size(coding) // 2


def test_a_body_at_the_limit_passes_and_one_byte_more_fails(tmp_path: Path) -> None:
    with serving() as server:
        result, results = run(
            tmp_path,
            request("1000", server.url("/sized/1000"), "assert: {body: {length: 1000}}")
            + request("1001", server.url("/sized/1001"))
            + request("1000 gzip", server.url("/sized/1000/gzip"), "assert: {body: {length: 1000}}")
            + request("1001 gzip", server.url("/sized/1001/gzip")),
            defaults="defaults: {options: {max_body: 1000}}\n",
        )
    assert result.exit_code == 1
    assert results["1000"]["passed"] is True
    assert results["1000 gzip"]["passed"] is True  # about 30 bytes on the wire, 1000 decoded
    assert results["1001"]["error"] == over("1 KB")
    assert results["1001 gzip"]["error"] == over("1 KB")


def test_the_command_line_limit_wins_over_the_collection(tmp_path: Path) -> None:
    with serving() as server:
        requests = request("inherits", server.url("/sized/2048")) + request(
            "own", server.url("/sized/2048"), "options: {max_body: 2000}"
        )
        defaults = "defaults: {options: {max_body: 1KiB}}\n"
        raised, _ = run(tmp_path, requests, "--max-body", "2KiB", defaults=defaults)
        lowered, lowered_results = run(tmp_path, requests, "--max-body", "100", defaults=defaults)
        _, plain_results = run(tmp_path, requests, defaults=defaults)
    assert raised.exit_code == 0, raised.output
    assert lowered.exit_code == 1
    assert {entry["error"] for entry in lowered_results.values()} == {over("100 bytes")}
    assert plain_results["inherits"]["error"] == over("1 KiB")
    assert plain_results["own"]["error"] == over("2 KB")


@pytest.mark.parametrize("value", ["1.5GB", "64M", "0", "-1", "64 TB", "lots"])
def test_a_bad_max_body_flag_is_a_usage_error(tmp_path: Path, value: str) -> None:
    write(tmp_path, request("r", "http://127.0.0.1:1/"))
    result = invoke(["run", "c.yaml", "--max-body", value])
    assert result.exit_code == 2
    assert "Invalid value for '--max-body'" in result.output
    assert ("less than 1 byte" if value == "0" else "64MiB, 10MB") in result.output


def test_a_redirect_with_an_endless_body_is_followed_without_reading_it(tmp_path: Path) -> None:
    """requests reads a redirect's body whole before it follows; postrun drains a little of it
    and closes the connection, and the redirect's cookie still reaches the target."""
    flood = Flood(status="302 Found")
    flood.headers += [("Location", "/echo"), ("Set-Cookie", "sid=from-the-redirect; Path=/")]
    with serving() as server:
        server.behaviours["/moved"] = flood
        result, results = run(
            tmp_path,
            request(
                "moved",
                server.url("/moved"),
                "assert: {status: 200, body: {contains: sid=from-the-redirect}}",
            ),
        )
        assert flood.hung_up.wait(10)
    assert result.exit_code == 0, result.output
    assert flood.sent < 64 * MIB
    assert results["moved"]["passed"] is True


def test_a_digest_challenge_with_an_endless_body_fails_at_the_limit(tmp_path: Path) -> None:
    """requests' digest auth reads the 401 challenge's body whole before it answers it."""
    flood = Flood(status="401 Unauthorized")
    flood.headers.append(("WWW-Authenticate", 'Digest realm="r", nonce="n", qop="auth"'))
    with serving() as server:
        server.behaviours["/digest"] = flood
        _, results = run(
            tmp_path,
            request(
                "digest",
                server.url("/digest"),
                "auth: {digest: {username: ann, password: pw}}\noptions: {max_body: 1MiB}",
            ),
        )
        assert flood.hung_up.wait(10)
    assert results["digest"]["error"] == over("1 MiB")


def test_an_oauth2_token_response_is_bounded_too(tmp_path: Path) -> None:
    flood = Flood()
    with serving() as server:
        server.behaviours["/token"] = flood
        token_url = server.url("/token")
        auth = f"auth: {{oauth2: {{token_url: {token_url}, client_id: c, client_secret: s}}}}"
        _, results = run(tmp_path, request("api", server.url("/ok"), auth))
        assert flood.hung_up.wait(10)
    error = results["api"]["error"]
    assert error.startswith(f"OAuth2 token request to {token_url} failed: ")
    assert error.endswith("the response body is over the 1 MiB limit")


def test_a_body_over_the_limit_is_not_retried(tmp_path: Path) -> None:
    """Like curl, whose --retry leaves --max-filesize failures alone: the same answer again
    would pass the limit again."""
    with serving() as server:
        server.behaviours["/endless"] = Flood()
        _, results = run(
            tmp_path,
            request(
                "endless",
                server.url("/endless"),
                "options: {max_body: 64KiB, retries: {count: 2, backoff: 0}}",
            ),
        )
        hits = [seen for seen in server.requests if seen.path == "/endless"]
    assert results["endless"]["error"] == over("64 KiB")
    assert len(hits) == 1


def test_mock_answers_are_held_to_the_same_limit(tmp_path: Path) -> None:
    example = "examples: [{name: ok, body: " + "a" * 2000 + "}]"
    write(
        tmp_path,
        request("big", "http://api.invalid/big", example)
        + request("small", "http://api.invalid/small", "examples: [{name: ok, body: tiny}]"),
    )
    result = invoke(["run", "c.yaml", "--mock", "--max-body", "1KB", "--report", "json:r.json"])
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    results = {entry["name"]: entry for entry in report["requests"]}
    assert result.exit_code == 1
    assert results["big"]["error"] == over("1 KB")
    assert results["small"]["passed"] is True


def peak_rss_run(folder: Path, *args: str) -> tuple[int, float, str]:
    """``postrun run ARGS`` as a program: exit status, its own peak RSS in MiB, stderr."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "NO_COLOR": "1"}
    process = subprocess.Popen(
        [sys.executable, "-m", "runner", "run", *args],
        cwd=folder,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    try:
        errors = process.stderr.read()  # small; read before waiting so the child cannot block
        _, status, usage = os.wait4(process.pid, 0)
        process.returncode = os.waitstatus_to_exitcode(status)
    finally:
        process.stderr.close()
    # ru_maxrss is KiB on Linux, bytes on macOS.
    rss_mib = usage.ru_maxrss / (MIB if sys.platform == "darwin" else 1024)
    return process.returncode, rss_mib, errors.decode("utf-8", "replace")


def test_a_bomb_and_an_endless_body_keep_the_run_under_200_mib(tmp_path: Path) -> None:
    """With the default limit (64 MiB): a 10 GiB gzip bomb (10 MB on the wire, under the
    limit) and an endless body each fail their request, and the process stays under 200 MiB."""
    endless, bomb = Flood(), Flood.bomb("gzip")
    with serving() as server:
        server.behaviours |= {"/endless": endless, "/bomb": bomb}
        write(
            tmp_path,
            request("endless", server.url("/endless"), "options: {timeout: 30}")
            + request("bomb", server.url("/bomb"), "options: {timeout: 30}")
            + request("after", server.url("/ok"), "assert: {jsonpath: {$.ok: true}}"),
        )
        status, rss_mib, errors = peak_rss_run(tmp_path, "c.yaml", "--report", "json:r.json")
        assert endless.hung_up.wait(10) and bomb.hung_up.wait(10)
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    results = {entry["name"]: entry for entry in report["requests"]}
    assert status == 1, errors
    assert results["endless"]["error"] == over("64 MiB")
    assert results["bomb"]["error"] == over("64 MiB")
    assert results["after"]["passed"] is True
    assert rss_mib < 200, f"peak RSS {rss_mib:.0f} MiB"


@pytest.mark.parametrize("coding", ["gzip", "deflate", "br"])
def test_the_bombs_inflate_to_10_gib(coding: str) -> None:
    """What the tests above send really is a 10 GiB body: every piece inflates to 4 MiB."""
    import itertools
    import zlib

    import brotli

    pieces = list(itertools.islice(bomb_pieces(coding), 3))
    if coding == "br":
        decoded = brotli.Decompressor().process(b"".join(pieces))
    else:
        decoded = zlib.decompressobj(31 if coding == "gzip" else 15).decompress(b"".join(pieces))
    assert decoded == bytes(12 * MIB)
    assert sum(1 for _ in bomb_pieces(coding)) * 4 * MIB == BOMB_DECODED == 10 * 1024**3
