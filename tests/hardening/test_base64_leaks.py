"""Secrets stay hidden in base64 (issue 15, item 5): echoed Basic credentials, encoded bodies.

A server echoes the request's headers in its JSON body and in a response header, as httpbin's
``/headers`` does, so the ``Authorization: Basic`` value postrun built comes back; another
answers with the secret's base64 at each offset, in both alphabets. The run goes through the
real CLI with ``-v`` and every report format; checks fail so their messages show what they saw,
and captured values travel on to the next request. No output may hold the secret, the Basic
token or any stable part of the secret's base64. ``--show-secrets`` is the control.
"""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hardening_support import invoke, run_subprocess

PASSWORD = "Pa55-w0rd/Base64+Leak"  # "/" and "+": standard and URL-safe base64 differ
LITERAL = "literal-Pa55word"  # written in the YAML, not a declared secret
SHORT = "ab1"  # under 4 characters: masked only where it stands whole


def b64(data: str, encode: object = base64.b64encode) -> str:
    return encode(data.encode()).decode()  # type: ignore[operator]


def stable_parts(secret: str) -> set[str]:
    """The characters of the secret's base64 that are the same at each offset mod 3."""
    parts = set()
    for offset in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            encoded = encode(bytes(offset) + secret.encode() + bytes(2)).decode()
            parts.add(encoded[-(-8 * offset // 6) : (8 * (offset + len(secret))) // 6])
    return parts


FORBIDDEN = {
    PASSWORD,
    b64(f"ann:{PASSWORD}"),
    b64(f"bob:{LITERAL}"),
    b64(PASSWORD),
    *stable_parts(PASSWORD),
}


def encoded_body() -> dict[str, str]:
    """The secret inside longer base64 at offsets 0, 1 and 2, in both alphabets, and alone."""
    body = {"alone": b64(PASSWORD), "alone-unpadded": b64(PASSWORD).rstrip("=")}
    for offset in range(3):
        text = "x" * offset + PASSWORD + "-tail"
        body[f"std{offset}"] = b64(text)
        body[f"url{offset}"] = b64(text, base64.urlsafe_b64encode)
    return body


class _Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path.startswith("/headers"):
            body = {"headers": dict(self.headers.items()), "url": self.path}
            extra = [("X-Echo-Authorization", self.headers.get("Authorization", ""))]
        elif self.path.startswith("/encoded"):
            body, extra = encoded_body(), []
        else:  # /short: ordinary text holding the short secret inside words
            body, extra = {"text": f"cab1net lab1 {b64(SHORT)}", "id": SHORT}, []
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for name, value in extra:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def collection(base: str) -> str:
    return f"""\
name: Base64
secrets: [PASSWORD, SHORT]
requests:
  - name: basic echoed
    url: {base}/headers
    auth: {{basic: {{username: ann, password: <<PASSWORD>>}}}}
    assert:
      jsonpath: {{$.headers.Authorization: {{eq: wrong}}}}
      headers: {{X-Echo-Authorization: {{eq: wrong}}}}
      body: {{contains: not in the body}}
    capture:
      echoed: $.headers.Authorization
      echoed_header: {{header: X-Echo-Authorization}}
  - name: literal password echoed
    url: {base}/headers
    auth: {{basic: {{username: bob, password: {LITERAL}}}}}
    assert: {{jsonpath: {{$.headers.Authorization: {{eq: wrong}}}}}}
  - name: encoded secret in a body
    url: {base}/encoded
    assert: {{body: {{eq: wrong}}, jsonpath: {{$.std1: {{eq: wrong}}}}}}
    capture: {{blob: $.std2}}
  - name: captured values sent on
    url: {base}/headers?echoed=<<echoed>>&blob=<<blob>>
    headers: {{X-Echoed: <<echoed_header>>, X-Blob: <<blob>>}}
    assert: {{status: 500}}
  - name: short secret
    url: {base}/short
    headers: {{X-Short: <<SHORT>>}}
    assert: {{status: 500, jsonpath: {{$.text: {{eq: wrong}}}}}}
"""


def _report_formats() -> tuple[str, ...]:
    from runner.cli import reports

    return tuple(getattr(reports, "REPORT_FORMATS", ("junit", "json")))


def _run(folder: Path, base: str, *extra: str) -> dict[str, str]:
    (folder / "b64.yaml").write_text(collection(base), encoding="utf-8")
    reports = [arg for kind in _report_formats() for arg in ("--report", f"{kind}:out/r.{kind}")]
    completed = run_subprocess(
        ["run", "b64.yaml", "-v", *reports, *extra],
        cwd=folder,
        timeout=40,
        env={"PASSWORD": PASSWORD, "SHORT": SHORT},
    )
    assert completed.returncode == 1, completed.stdout + completed.stderr
    outputs = {"stdout": completed.stdout, "stderr": completed.stderr}
    for kind in _report_formats():
        outputs[kind] = (folder / f"out/r.{kind}").read_text(encoding="utf-8")
    return outputs


@pytest.fixture(scope="module")
def masked(base_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return _run(tmp_path_factory.mktemp("masked"), base_url)


@pytest.mark.parametrize("output", ["stdout", "stderr", *_report_formats()])
def test_no_output_shows_the_secret_or_its_base64(masked: dict[str, str], output: str) -> None:
    text = masked[output]
    # The checks, captures and echoes really ran and were reported (the test is not vacuous).
    assert "captured values sent on" in text or output == "stderr"
    for form in FORBIDDEN:
        for spelling in (form, form.replace("/", "\\/"), form.replace("=", "%3D")):
            assert spelling not in text, f"{spelling!r} leaked into {output}"


def test_the_echoed_basic_header_reads_as_masked(masked: dict[str, str]) -> None:
    """What the server echoed shows as the header does: the scheme kept, the token masked."""
    stdout = masked["stdout"]
    assert '"Authorization": "Basic ****"' in stdout  # the echoed body, in -v
    assert "< X-Echo-Authorization: Basic ****" in stdout  # the echoed response header
    assert 'expected "wrong", got "Basic ****"' in stdout  # the failed check
    assert "> X-Echoed: Basic ****" in stdout  # the captured value, sent on
    actuals = [
        check["actual"]
        for request in json.loads(masked["json"])["requests"]
        for check in request["checks"]
        if check["target"] == "$.headers.Authorization"
    ]
    assert actuals == ["Basic ****", "Basic ****"]  # the declared secret's and the literal's


def test_a_short_secret_is_not_masked_inside_other_text(masked: dict[str, str]) -> None:
    assert "cab1net lab1" in masked["stdout"]
    assert b64(SHORT) in masked["stdout"]
    assert "X-Short: ****" in masked["stdout"]
    assert "secret SHORT is shorter than 4 characters" in masked["stderr"] + masked["stdout"]


def test_control_show_secrets_shows_the_base64(
    base_url: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Without masking the token and the encoded secret are in the output: a leak would show."""
    shown = _run(tmp_path_factory.mktemp("shown"), base_url, "--show-secrets")
    assert b64(f"ann:{PASSWORD}") in shown["stdout"]
    assert b64(f"bob:{LITERAL}") in shown["json"]
    assert any(part in shown["json"] for part in stable_parts(PASSWORD))


def test_export_curl_shows_neither_the_secret_nor_its_base64(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PASSWORD", PASSWORD)
    monkeypatch.setenv("SHORT", SHORT)
    token = b64(f"ann:{PASSWORD}")
    Path("b64.yaml").write_text(
        collection("http://127.0.0.1:1").replace(
            "headers: {X-Short: <<SHORT>>}", f"headers: {{X-Short: <<SHORT>>, X-Pasted: {token}}}"
        ),
        encoding="utf-8",
    )
    result = invoke(["export", "curl", "b64.yaml"])
    assert result.exit_code == 0, result.output
    assert "-u 'ann:****'" in result.output
    assert "X-Pasted: " in result.output
    for form in FORBIDDEN:
        assert form not in result.output, f"{form!r} leaked into export curl"
