"""Cookies across a run, response decoding, and the transport options (FORMAT.md 1.6), on loopback.

The TLS tests make their certificates with the ``cryptography`` package (a CA and a server
certificate for 127.0.0.1); without it they cannot run, so the module needs it installed.
"""

from __future__ import annotations

import datetime
import gzip
import importlib.util
import ipaddress
import json
import ssl
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import brotli
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from runner.engine import Engine, RunOptions, plan_run
from runner.events import ResponseReceived
from runner.loader import load_collection
from runner.results import ResponseData, RunResult
from runner.transport import accept_encoding, new_session

PAYLOAD = {"greeting": "hello", "items": list(range(50))}


def run_yaml(
    tmp_path: Path, text: str, options: RunOptions | None = None
) -> tuple[RunResult, list[Any]]:
    path = tmp_path / "collection.yaml"
    path.write_text(text, encoding="utf-8")
    plan = plan_run([load_collection(path, base_dir=tmp_path)], options or RunOptions())
    events: list[Any] = []
    with new_session() as session:
        return Engine(plan, session, [events.append]).run(), events


def responses(events: list[Any]) -> list[ResponseData]:
    return [event.response for event in events if isinstance(event, ResponseReceived)]


# ----------------------------------------------------------------------------------- cookies


def test_a_login_cookie_is_sent_on_later_requests(tmp_path: Path, httpserver: HTTPServer) -> None:
    def login(request: Request) -> Response:
        response = Response(json.dumps({"ok": True}), content_type="application/json")
        response.set_cookie("sid", "s3ss10n-abc", httponly=True, path="/")
        return response

    def account(request: Request) -> Response:
        if request.cookies.get("sid") != "s3ss10n-abc":
            return Response("login first", status=401)
        return Response(json.dumps({"user": "ann"}), content_type="application/json")

    httpserver.expect_request("/login", method="POST").respond_with_handler(login)
    httpserver.expect_request("/account").respond_with_handler(account)
    result, _ = run_yaml(
        tmp_path,
        f"""
variables: {{base: "{httpserver.url_for("")}"}}
requests:
  - name: Before login
    url: <<base>>/account
    assert: {{status: 401}}
  - name: Login
    method: POST
    url: <<base>>/login
    capture: {{sid: {{cookie: sid}}}}
  - name: Account
    url: <<base>>/account
    assert: {{status: 200, jsonpath: {{$.user: ann}}}}
""",
    )
    assert [r.passed for r in result.requests] == [True, True, True], result.requests
    # The cookie was captured; in results it is masked like Set-Cookie (FORMAT.md 3).
    assert result.requests[1].captures[0].found
    assert result.requests[1].captures[0].value == "****"


def test_a_cookie_set_by_a_redirecting_login_is_captured_and_kept(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    def login(request: Request) -> Response:
        response = Response("", status=302, headers={"Location": "/home"})
        response.set_cookie("sid", "from-redirect", path="/")
        return response

    def home(request: Request) -> Response:
        status = 200 if request.cookies.get("sid") == "from-redirect" else 401
        return Response("home", status=status)

    httpserver.expect_request("/login", method="POST").respond_with_handler(login)
    httpserver.expect_request("/home").respond_with_handler(home)
    result, _ = run_yaml(
        tmp_path,
        f"""
requests:
  - name: Login
    method: POST
    url: {httpserver.url_for("/login")}
    capture: {{sid: {{cookie: sid}}}}
    assert: {{status: 200}}
  - name: Home again
    url: {httpserver.url_for("/home")}
    assert: {{status: 200}}
""",
    )
    assert result.exit_code == 0, result.requests
    # Captured, and used by the next request (it passed), but a cookie is masked in results
    # like Set-Cookie itself (FORMAT.md 3).
    assert result.requests[0].captures[0].found
    assert result.requests[0].captures[0].value == "****"


# ---------------------------------------------------------------------------------- decoding


def raw_deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(wbits=-zlib.MAX_WBITS)
    return compressor.compress(data) + compressor.flush()


@pytest.mark.parametrize(
    ("coding", "compress"),
    [
        ("gzip", gzip.compress),
        ("deflate", zlib.compress),  # RFC 9110 deflate: zlib-wrapped
        ("deflate", raw_deflate),  # what some servers send instead
        ("GZIP", gzip.compress),  # codings are case-insensitive
        ("br", brotli.compress),  # the test extra installs brotli
    ],
)
def test_compressed_responses_are_decoded(
    tmp_path: Path,
    httpserver: HTTPServer,
    coding: str,
    compress: Callable[[bytes], bytes],
) -> None:
    plain = json.dumps(PAYLOAD).encode()
    compressed = compress(plain)
    assert compressed != plain
    seen: list[str | None] = []

    def handler(request: Request) -> Response:
        seen.append(request.headers.get("Accept-Encoding"))
        return Response(
            compressed,
            content_type="application/json",
            headers={"Content-Encoding": coding},
        )

    httpserver.expect_request("/z").respond_with_handler(handler)
    result, events = run_yaml(
        tmp_path,
        f"""
requests:
  - name: Compressed
    url: {httpserver.url_for("/z")}
    assert:
      jsonpath: {{$.greeting: hello, $.items: {{length: 50}}}}
""",
    )
    assert result.exit_code == 0, result.requests[0].checks
    (response,) = responses(events)
    assert response.body == plain
    assert result.requests[0].response_size == len(plain)
    assert seen[0] is not None and seen[0].startswith("gzip, deflate")
    assert "br" in seen[0]  # offered, since brotli is importable


@pytest.mark.parametrize(
    ("decodable", "header"),
    [
        (["gzip", "deflate"], "gzip, deflate"),
        (["deflate", "gzip", "br"], "gzip, deflate, br"),
        (["gzip", "deflate", "br", "zstd"], "gzip, deflate, br, zstd"),
        (["gzip", "deflate", "compress"], "gzip, deflate"),
    ],
)
def test_accept_encoding_offers_only_what_can_be_decoded(decodable: list[str], header: str) -> None:
    assert accept_encoding(decodable) == header


def test_brotli_is_offered_exactly_when_it_is_importable() -> None:
    has_brotli = any(importlib.util.find_spec(name) for name in ("brotli", "brotlicffi"))
    with new_session() as session:
        offered = [part.strip() for part in session.headers["Accept-Encoding"].split(",")]
    assert offered[:2] == ["gzip", "deflate"]
    assert ("br" in offered) == has_brotli


@pytest.mark.parametrize(
    ("content_type", "body", "text"),
    [
        ("text/plain; charset=iso-8859-1", "café crème".encode("latin-1"), "café crème"),
        ('text/plain; charset="ISO-8859-1"', "naïve".encode("latin-1"), "naïve"),
        ("text/plain; charset=utf-8", "café".encode(), "café"),
        ("text/plain", "café".encode(), "café"),  # no charset: UTF-8
        ("text/plain; charset=no-such-charset", "café".encode(), "café"),  # unknown: UTF-8
        ("application/json; charset=iso-8859-1", '{"x": "é"}'.encode("latin-1"), '{"x": "é"}'),
    ],
)
def test_the_declared_charset_decodes_the_text(
    tmp_path: Path, httpserver: HTTPServer, content_type: str, body: bytes, text: str
) -> None:
    httpserver.expect_request("/t").respond_with_data(body, content_type=content_type)
    result, events = run_yaml(
        tmp_path,
        f"""
requests:
  - name: Text
    url: {httpserver.url_for("/t")}
    assert: {{body: '{text}'}}
""",
    )
    assert result.exit_code == 0, result.requests[0].checks
    (response,) = responses(events)
    assert response.text == text


def test_binary_bodies_are_kept_byte_for_byte_even_with_secrets_masked(
    tmp_path: Path, httpserver: HTTPServer
) -> None:
    image = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
    httpserver.expect_request("/img").respond_with_data(image, content_type="image/png")
    result, events = run_yaml(
        tmp_path,
        f"""
secrets: [TOKEN]
requests:
  - name: Image
    url: {httpserver.url_for("/img")}
    headers: {{X-Token: <<TOKEN>>}}
    assert: {{status: 200, headers: {{Content-Type: image/png}}}}
""",
        RunOptions(environ={"TOKEN": "tok-secret-1"}),
    )
    assert result.exit_code == 0
    (response,) = responses(events)
    assert response.is_binary
    assert response.body == image
    assert result.requests[0].response_size == len(image)


# ----------------------------------------------------------------------------------- options


class Server:
    """A stdlib server in a daemon thread whose handler is one function per test."""

    def __init__(self, handle: Callable[[BaseHTTPRequestHandler], None]) -> None:
        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                handle(self)

            def log_message(self, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def reply(handler: BaseHTTPRequestHandler, body: bytes, status: int = 200) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


def test_timeout_covers_a_body_that_trickles_in(tmp_path: Path) -> None:
    def trickle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "40")
        handler.end_headers()
        try:
            for _ in range(40):  # each byte well within the timeout, all of them far beyond it
                handler.wfile.write(b"x")
                handler.wfile.flush()
                time.sleep(0.1)
        except OSError:
            pass  # the client gave up, as it should

    with Server(trickle) as server:
        started = time.perf_counter()
        result, _ = run_yaml(
            tmp_path,
            f"""
requests:
  - name: Trickle
    url: http://127.0.0.1:{server.port}/slow
    options: {{timeout: 0.5}}
""",
        )
        elapsed = time.perf_counter() - started
    assert result.requests[0].error == "timed out after 0.5s waiting for the response"
    assert elapsed < 2.0


def test_redirects_are_followed_unless_turned_off(tmp_path: Path, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/old").respond_with_data(
        "", status=302, headers={"Location": "/new"}
    )
    httpserver.expect_request("/new").respond_with_json({"page": "new"})
    result, _ = run_yaml(
        tmp_path,
        f"""
requests:
  - name: Followed
    url: {httpserver.url_for("/old")}
    assert: {{status: 200, jsonpath: {{$.page: new}}}}
  - name: Not followed
    url: {httpserver.url_for("/old")}
    options: {{follow_redirects: false}}
    assert: {{status: 302, headers: {{Location: /new}}}}
""",
    )
    assert [r.passed for r in result.requests] == [True, True], result.requests


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A CA, and a server certificate for 127.0.0.1 signed by it: (ca.pem, cert.pem, key.pem)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "postrun test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = (folder / "ca.pem", folder / "cert.pem", folder / "key.pem")
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, Path]]:
    """An HTTPS server on loopback with a certificate from a private CA: (port, ca.pem)."""
    ca, cert, key = make_certificates(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = Server(lambda handler: reply(handler, b'{"secure": true}'))
    server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
    with server:
        yield server.port, ca


@pytest.mark.parametrize(
    ("verify", "error"),
    [
        ("false", None),
        ("ca.pem", None),  # the private CA, relative to the collection file
        ("true", "certificate verify failed"),
        ("no-such-ca.pem", "Could not find a suitable TLS CA certificate bundle"),
    ],
)
def test_tls_verification_can_be_turned_off_or_given_a_ca(
    tmp_path: Path, tls_server: tuple[int, Path], verify: str, error: str | None
) -> None:
    port, _ca = tls_server
    result, _ = run_yaml(
        tmp_path,
        f"""
requests:
  - name: Secure
    url: https://127.0.0.1:{port}/
    options: {{verify: {verify}, timeout: 5}}
    assert: {{jsonpath: {{$.secure: true}}}}
""",
    )
    (request,) = result.requests
    if error is None:
        assert request.passed, request
    else:
        assert request.error is not None and request.error.startswith("TLS error: ")
        assert error in request.error
        assert "\n" not in request.error


def test_requests_go_through_the_proxy(tmp_path: Path) -> None:
    lines: list[str] = []

    def proxy(handler: BaseHTTPRequestHandler) -> None:
        lines.append(handler.requestline)
        reply(handler, json.dumps({"via": "proxy", "host": handler.headers["Host"]}).encode())

    with Server(proxy) as server:
        result, _ = run_yaml(
            tmp_path,
            f"""
requests:
  - name: Proxied
    url: http://api.example.test/v1/users?page=2
    options: {{proxy: "http://127.0.0.1:{server.port}", timeout: 5}}
    assert: {{jsonpath: {{$.via: proxy, $.host: api.example.test}}}}
""",
        )
    assert result.exit_code == 0, result.requests
    # The absolute form of the request line is what a forward proxy receives.
    assert lines == ["GET http://api.example.test/v1/users?page=2 HTTP/1.1"]
