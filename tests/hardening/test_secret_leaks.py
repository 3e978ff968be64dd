"""Secrets never leak (issue 7.3), whichever way a request fails and whichever reporter writes.

One secret goes into the URL path, the query string, headers, a JSON body and a form body, and
the server echoes it back in the response. The requests then fail every way there is: connection
refused, timeout, TLS, an invalid URL, failed checks, a capture of the secret itself. The run
goes through the real CLI with every report format; the secret, raw or URL-encoded, must appear
in none of the output. ``--show-secrets`` is the control: with it the secret must show up, so
the test can see a leak when there is one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from hardening_support import invoke, run_subprocess
from hardening_tls import can_make_certificates, self_signed_context
from rawserver import refused_port, serving

# Characters that URL-encoding changes; then quotes, backslashes and non-ASCII, which JSON and
# repr() escape and which HTTP headers carry as Latin-1.
SECRETS = ("sk-Hard3n/ing+S3cret=Value", 'sk-\u00e9"quote\\back')


def spellings(secret: str) -> set[str]:
    """Every way the secret could be written out and still be read back."""
    forms = {
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        quote(secret),
        json.dumps(secret)[1:-1],
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
    }
    latin = secret.encode("latin-1", errors="ignore")
    forms.add(latin.decode("utf-8", errors="replace"))
    return forms


def _report_formats() -> tuple[str, ...]:
    from runner.cli import reports

    return tuple(getattr(reports, "REPORT_FORMATS", ("junit", "json")))


def _request(name: str, url: str, extra: str = "") -> str:
    return f"""\
  - name: {name}
    method: POST
    url: {url}/<<API_KEY>>
    params: {{key: <<API_KEY>>}}
    headers:
      Authorization: Bearer <<API_KEY>>
      X-Token: <<API_KEY>>
    body:
      json: {{token: <<API_KEY>>, nested: {{list: [<<API_KEY>>]}}}}
{extra}"""


CHECKS = """\
    assert:
      status: 201
      body: {eq: "<<API_KEY>> is not the body"}
      headers: {X-Missing: <<API_KEY>>}
      jsonpath: {$.token: <<API_KEY>>}
    capture:
      token: {regex: 'X-Token: (\\S+)'}
      whole: {regex: '(?s).*'}
"""


# A stream echoing the secret: its events reach -v as they arrive, checks, captures, reports.
STREAM_CHECKS = """\
    stream: {sse: {join: $.echo}}
    assert:
      events: {length: 1}
      jsonpath:
        $[0].data.echo: <<API_KEY>>
        $[2].event: <<API_KEY>>
      joined: <<API_KEY>>
    capture:
      streamed: {joined: true}
"""


def _collection(echo: str, silent: str, tls: str | None, stream: str) -> str:
    parts = [
        "name: Leaks",
        "secrets: [API_KEY]",
        "defaults: {options: {timeout: 1}}",
        "requests:",
        _request("echo", echo, CHECKS),
        _request("form echo", echo, "    body: {form: {token: <<API_KEY>>}}\n" + CHECKS).replace(
            "    body:\n      json: {token: <<API_KEY>>, nested: {list: [<<API_KEY>>]}}\n", ""
        ),
        _request("stream echo", stream, STREAM_CHECKS),
        _request("refused", f"http://127.0.0.1:{refused_port()}/x"),
        _request("timeout", silent),
        _request("invalid url", "http://[<<API_KEY>>"),
        # Only in the URL: a captured value may hold characters a header cannot carry
        # (test_pending.py::test_a_header_value_outside_latin1_fails_that_request_only).
        f"  - name: captured later\n    url: {echo}/<<token>>\n",
    ]
    if tls is not None:
        parts.append(_request("tls", tls))
    return "\n".join(parts)


@dataclass(frozen=True, slots=True)
class LeakRun:
    """Everything a run wrote, as text, and the requests that ran."""

    secret: str
    outputs: dict[str, str]


def _run(folder: Path, secret: str, *extra: str) -> LeakRun:
    context = self_signed_context(folder)
    with serving() as plain, serving(tls=context) as tls:
        text = _collection(
            plain.url("/echo"),
            plain.url("/silent"),
            tls.url("/ok") if context else None,
            plain.url("/sse-echo"),
        )
        (folder / "leaks.yaml").write_text(text, encoding="utf-8")
        reports = [f"{kind}:out/report.{kind}" for kind in _report_formats()]
        args = [
            "run",
            "leaks.yaml",
            "-v",
            *(arg for report in reports for arg in ("--report", report)),
        ]
        completed = run_subprocess([*args, *extra], cwd=folder, timeout=40, env={"API_KEY": secret})
        echoed = [request.raw.decode("latin-1") for request in plain.requests]
    assert completed.returncode == 1, completed.stdout + completed.stderr
    outputs = {"stdout": completed.stdout, "stderr": completed.stderr}
    for kind in _report_formats():
        outputs[kind] = (folder / f"out/report.{kind}").read_text(encoding="utf-8")
    # The secret really was sent (and so came back in the echo): the test is not vacuous.
    assert any(quote_plus(secret) in text for text in echoed)
    return LeakRun(secret, outputs)


@pytest.fixture(scope="module", params=SECRETS, ids=["url-special", "json-special"])
def masked(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LeakRun]:
    yield _run(tmp_path_factory.mktemp("masked"), request.param)


@pytest.fixture(scope="module")
def shown(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LeakRun]:
    yield _run(tmp_path_factory.mktemp("shown"), SECRETS[0], "--show-secrets")


@pytest.mark.parametrize("output", ["stdout", "stderr", *_report_formats()])
def test_the_secret_appears_in_no_output(masked: LeakRun, output: str) -> None:
    text = masked.outputs[output]
    for spelling in spellings(masked.secret):
        assert spelling not in text, f"{spelling!r} leaked into {output}"


FAILING = [
    "echo",
    "form echo",
    "stream echo",
    "refused",
    "timeout",
    "invalid url",
    "captured later",
]
if can_make_certificates():  # else the TLS request is left out of the run
    FAILING.append("tls")


@pytest.mark.parametrize("request_name", FAILING)
def test_every_failing_request_is_reported(masked: LeakRun, request_name: str) -> None:
    assert request_name in masked.outputs["stdout"]
    assert request_name in masked.outputs["json"]
    if request_name == "tls":
        assert "TLS error" in masked.outputs["stdout"]


def test_the_stream_echo_was_read_as_events(masked: LeakRun, shown: LeakRun) -> None:
    """The stream request got its three events (the leak test covers a real stream)."""
    for run in (masked, shown):
        report = json.loads(run.outputs["json"])
        (stream,) = [r for r in report["requests"] if r["name"] == "stream echo"]
        assert stream["stream"]["events"] == 3
    assert SECRETS[0] in json.dumps(stream["stream"]["shown_events"], ensure_ascii=False)


def test_control_show_secrets_does_show_it(shown: LeakRun) -> None:
    """Without masking the secret is in the output: the leak test above can see a leak."""
    assert SECRETS[0] in shown.outputs["stdout"]
    assert any(spelling in shown.outputs["json"] for spelling in spellings(SECRETS[0]))


OTHER_COMMANDS = [
    ["validate", "s.yaml", "--show-vars"],
    ["list", "s.yaml"],
    ["export", "curl", "s.yaml"],
    ["export", "postman", "s.yaml"],
    ["run", "s.yaml", "--mock", "-v"],
    ["run", "s.yaml", "--mock", "-q"],
]


@pytest.mark.parametrize("secret", SECRETS, ids=["url-special", "json-special"])
@pytest.mark.parametrize("args", OTHER_COMMANDS, ids=[" ".join(args) for args in OTHER_COMMANDS])
def test_other_commands_mask_the_secret(
    monkeypatch: pytest.MonkeyPatch, secret: str, args: list[str]
) -> None:
    """Every command that prints a request (or its variables) masks the secret too."""
    monkeypatch.setenv("API_KEY", secret)
    Path("s.yaml").write_text(
        "secrets: [API_KEY]\n"
        "variables: {with_secret: 'https://api.test/<<API_KEY>>'}\n"
        "requests:\n"
        "  - name: r\n"
        "    url: <<with_secret>>?k=<<API_KEY>>\n"
        "    headers: {X-K: <<API_KEY>>, Authorization: Bearer <<API_KEY>>}\n"
        "    body: {json: {k: <<API_KEY>>}}\n"
        "    assert: {body: {contains: <<API_KEY>>}}\n"
        "    examples: [{name: ok, body: {echo: '<<API_KEY>>'}}]\n",
        encoding="utf-8",
    )
    result = invoke(args)
    written = result.output + "".join(
        path.read_text(encoding="utf-8") for path in Path().glob("*.json")
    )
    for spelling in spellings(secret):
        assert spelling not in written, f"{spelling!r} leaked from {' '.join(args)}"
