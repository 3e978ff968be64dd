"""oauth1 and awsv4 auth on loopback: a server that checks the signature the way the API would."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from oauthlib.oauth1 import Client
from pytest_httpserver import HTTPServer
from requests_aws4auth import AWS4Auth
from werkzeug import Request, Response

from runner.engine import Engine, RunOptions, plan_run
from runner.loader import load_collection
from runner.results import RunResult
from runner.transport import new_session

CONSUMER_SECRET = "cs-0ZL9q7xTt4"
TOKEN_SECRET = "ts-Wq81jdLx02"
AWS_SECRET = "aws-s3cr3t-Kq2p9LmZ"


def run_yaml(tmp_path: Path, text: str, **options: Any) -> RunResult:
    path = tmp_path / "collection.yaml"
    path.write_text(text, encoding="utf-8")
    plan = plan_run([load_collection(path, base_dir=tmp_path)], RunOptions(**options))
    with new_session() as session:
        return Engine(plan, session, []).run()


def oauth1_verdict(request: Request, consumer_secret: str, token_secret: str) -> Response:
    """Re-sign the request with the known secrets (oauthlib) and compare the signatures."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("OAuth "):
        return Response("no OAuth header", status=401)
    params = dict(part.strip().split("=", 1) for part in header.removeprefix("OAuth ").split(","))
    values = {key: requests.utils.unquote(value.strip('"')) for key, value in params.items()}
    client = Client(
        values["oauth_consumer_key"],
        client_secret=consumer_secret,
        resource_owner_key=values.get("oauth_token"),
        resource_owner_secret=token_secret,
        signature_method=values["oauth_signature_method"],
        nonce=values["oauth_nonce"],
        timestamp=values["oauth_timestamp"],
    )
    _, expected, _ = client.sign(request.url, request.method)
    again = dict(
        part.strip().split("=", 1)
        for part in expected["Authorization"].removeprefix("OAuth ").split(",")
    )
    if again["oauth_signature"] != params["oauth_signature"]:
        return Response("bad signature", status=401)
    body = {"method": values["oauth_signature_method"], "token": values.get("oauth_token")}
    return Response(json.dumps(body), content_type="application/json")


def aws_verdict(request: Request, secret: str) -> Response:
    """Re-sign with the same date and headers (requests-aws4auth) and compare."""
    header = request.headers.get("Authorization", "")
    if not header.startswith("AWS4-HMAC-SHA256 "):
        return Response("no SigV4", status=403)
    credential = header.split("Credential=", 1)[1].split(",", 1)[0]
    access_key, _date, region, service, _ = credential.split("/")
    prepared = requests.Request(
        request.method,
        request.url,
        headers={
            name: value
            for name, value in request.headers.items()
            if name.lower() in ("host", "x-amz-date", "content-type", "x-amz-security-token")
        },
        data=request.get_data(),
    ).prepare()
    token = request.headers.get("X-Amz-Security-Token")
    AWS4Auth(access_key, secret, region, service, session_token=token)(prepared)
    if prepared.headers["Authorization"] != header:
        return Response("signature does not match", status=403)
    return Response(json.dumps({"region": region, "token": token}), content_type="application/json")


def test_oauth1_signs_each_request_as_the_server_checks_it(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/photos").respond_with_handler(
        lambda request: oauth1_verdict(request, CONSUMER_SECRET, TOKEN_SECRET)
    )
    base = httpserver.url_for("").rstrip("/")
    result = run_yaml(
        tmp_path,
        f"""
variables: {{base: "{base}"}}
secrets: [CONSUMER_SECRET, TOKEN_SECRET]
requests:
  - name: HMAC-SHA1 with a token
    url: <<base>>/photos
    params: {{size: original, file: "vacation 1.jpg"}}
    auth:
      oauth1: {{consumer_key: dpf43f3p2l4k3l03, consumer_secret: <<CONSUMER_SECRET>>,
               token: nnch734d00sl2jdk, token_secret: <<TOKEN_SECRET>>}}
    assert: {{status: 200, jsonpath: {{$.method: HMAC-SHA1, $.token: nnch734d00sl2jdk}}}}
  - name: HMAC-SHA256
    url: <<base>>/photos
    auth:
      oauth1: {{consumer_key: k, consumer_secret: <<CONSUMER_SECRET>>,
               token: t, token_secret: <<TOKEN_SECRET>>, signature_method: HMAC-SHA256}}
    assert: {{status: 200, jsonpath: {{$.method: HMAC-SHA256}}}}
  - name: wrong secret is refused
    url: <<base>>/photos
    auth:
      oauth1: {{consumer_key: k, consumer_secret: not-it, token: t, token_secret: x}}
    assert: {{status: 401}}
""",
        environ={"CONSUMER_SECRET": CONSUMER_SECRET, "TOKEN_SECRET": TOKEN_SECRET},
    )
    assert [r.passed for r in result.requests] == [True, True, True], [
        (r.name, r.error, [c.message for c in r.checks if not c.passed]) for r in result.requests
    ]


def test_awsv4_signs_the_body_date_and_session_token(
    httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/prod/items").respond_with_handler(
        lambda request: aws_verdict(request, AWS_SECRET)
    )
    base = httpserver.url_for("").rstrip("/")
    result = run_yaml(
        tmp_path,
        f"""
variables: {{base: "{base}"}}
secrets: [AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN]
defaults:
  auth:
    awsv4: {{access_key: AKIDEXAMPLE, secret_key: <<AWS_SECRET_ACCESS_KEY>>,
            region: eu-west-1, service: execute-api}}
requests:
  - name: GET
    url: <<base>>/prod/items
    params: {{limit: "10"}}
    assert: {{status: 200, jsonpath: {{$.region: eu-west-1}}}}
  - name: POST a JSON body
    method: POST
    url: <<base>>/prod/items
    body: {{json: {{name: widget, price: 10}}}}
    assert: {{status: 200}}
  - name: with a session token
    url: <<base>>/prod/items
    auth:
      awsv4: {{access_key: ASIAEXAMPLE, secret_key: <<AWS_SECRET_ACCESS_KEY>>,
              region: us-east-1, service: s3, session_token: <<AWS_SESSION_TOKEN>>}}
    assert: {{status: 200, jsonpath: {{$.region: us-east-1}}}}
""",
        environ={"AWS_SECRET_ACCESS_KEY": AWS_SECRET, "AWS_SESSION_TOKEN": "FQoGZXIvYXdzE-tok"},
    )
    assert [r.passed for r in result.requests] == [True, True, True], [
        (r.name, r.error, [c.message for c in r.checks if not c.passed]) for r in result.requests
    ]


def test_the_session_token_is_masked_where_echoed(httpserver: HTTPServer, tmp_path: Path) -> None:
    httpserver.expect_request("/prod/items").respond_with_handler(
        lambda request: aws_verdict(request, AWS_SECRET)
    )
    base = httpserver.url_for("").rstrip("/")
    result = run_yaml(
        tmp_path,
        f"""
requests:
  - name: literal token
    url: {base}/prod/items
    auth:
      awsv4: {{access_key: A, secret_key: {AWS_SECRET}, region: r1, service: s,
              session_token: literal-session-token-777}}
    assert: {{jsonpath: {{$.token: nope}}}}
""",
    )
    (request,) = result.requests
    text = json.dumps([check.actual for check in request.checks], default=str)
    assert "literal-session-token-777" not in text and "****" in text


@pytest.mark.parametrize("kind", ["oauth1", "awsv4"])
def test_a_missing_extra_says_how_to_install_it(
    kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from click.testing import CliRunner

    from runner.cli import cli
    from runner.transport import signers

    module = signers.EXTRAS[kind][0]
    real = signers.importlib.util.find_spec
    monkeypatch.setattr(
        signers.importlib.util, "find_spec", lambda name: None if name == module else real(name)
    )
    fields = (
        "{consumer_key: k, consumer_secret: s}"
        if kind == "oauth1"
        else "{access_key: a, secret_key: s, region: r, service: x}"
    )
    path = tmp_path / "c.yaml"
    path.write_text(
        f"requests:\n  - name: a\n    url: http://127.0.0.1:9/\n    auth: {{{kind}: {fields}}}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    outcome = CliRunner().invoke(cli, ["run", str(path)])
    extra = "oauth1" if kind == "oauth1" else "aws"
    assert outcome.exit_code == 2
    assert f"pip install 'postrun[{extra}]'" in outcome.output
