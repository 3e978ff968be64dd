"""The HTTP server: a threaded stdlib ``http.server`` on loopback, HTTP/1.1 with keep-alive.

A thread per connection answers many clients at once (50 in the tests), and the standard
library costs nothing to install and about 10 ms to import, where uvicorn or waitress add a
dependency and their start-up for a server whose work per request is a dictionary lookup.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Mapping, Sequence
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, TextIO
from urllib.parse import parse_qs, unquote, urlsplit

from runner.mockserver.answer import MockAnswer, answer, chunks_of, miss, reason
from runner.mockserver.matching import Incoming, Match, match
from runner.mockserver.routes import Route

MAX_REQUEST_BODY = 16 * 1024 * 1024
# Headers the server sets itself: an example's own would contradict the body actually sent.
_OWN_HEADERS = frozenset({"content-length", "transfer-encoding", "connection", "date", "server"})
_NO_BODY = frozenset({204, 304})


class MockServer(ThreadingHTTPServer):
    """Serves ``routes`` on ``host:port`` (0: a free port); ``log`` gets a line per request."""

    daemon_threads = True
    request_queue_size = 128  # 50 clients connecting at once must not be refused

    def __init__(
        self,
        routes: Sequence[Route],
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        variables: Mapping[str, Any] | None = None,
        log: TextIO | None = None,
    ) -> None:
        if ":" in host:
            import socket

            self.address_family = socket.AF_INET6
        super().__init__((host, port), _Handler)
        self.routes = tuple(routes)
        self.variables = dict(variables or {})
        self._log = log
        self._log_lock = threading.Lock()
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``: what ``base_url`` is set to for a run against the mock."""
        host, port = self.server_address[:2]
        shown = f"[{host}]" if ":" in str(host) else str(host)
        return f"http://{shown}:{port}"

    def start(self) -> MockServer:
        """Serve on a daemon thread (``stop`` ends it)."""
        self._thread = threading.Thread(target=self.serve_forever, name="postrun-mock", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the listening socket."""
        if self._thread is not None:
            self.shutdown()
            self._thread.join()
            self._thread = None
        self.server_close()

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def respond(self, incoming: Incoming) -> tuple[MockAnswer, str]:
        """The answer to a request, and what the log line says answered it; a bug in postrun
        costs that request a 500, never the server."""
        try:
            found = match(self.routes, incoming)
            if isinstance(found, Match):
                label = f"{found.route.request.path} [{found.example.name}]"
                return answer(found, self.base_url, self.variables), label
            return miss(found), found.reason
        except Exception as exc:  # any bug: one answer, not the server
            reason = f"internal error in postrun mock ({type(exc).__name__}: {exc})"
            body = json.dumps({"error": reason}).encode()
            return MockAnswer(
                500, (("Content-Type", "application/json"),), (body,), len(body)
            ), reason

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away mid-answer is no error; anything else is one log line."""
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return
        self.log_line(f"error answering {client_address[0]}: {type(error).__name__}: {error}")

    def log_line(self, line: str) -> None:
        """Write one line of the request log, whole, whatever thread writes it."""
        if self._log is None:
            return
        with self._log_lock:
            try:
                self._log.write(line + "\n")
                self._log.flush()
            except (OSError, ValueError):  # a closed or full log never stops the server
                pass


class _Handler(BaseHTTPRequestHandler):
    """Every method (``PURGE`` too) is answered by ``_serve``."""

    protocol_version = "HTTP/1.1"
    server: MockServer
    timeout = 60  # an idle keep-alive connection is closed after a minute
    # Headers and body leave in one write (handle_one_request flushes after each request), and
    # without Nagle's delay: otherwise each answer waits ~40 ms for the client's delayed ACK.
    wbufsize = 64 * 1024
    disable_nagle_algorithm = True

    def __getattr__(self, name: str) -> Any:
        if name.startswith("do_"):
            return self._serve
        raise AttributeError(name)

    def log_message(self, format: str, *args: Any) -> None:
        """Silence http.server's own log on stderr: the server logs each request itself."""

    def _serve(self) -> None:
        started = time.perf_counter()
        body = self._read_body()
        if body is None:
            return
        split = urlsplit(self.path)
        headers = {name.lower(): value for name, value in self.headers.items()}
        incoming = Incoming(
            self.command,
            unquote(split.path) or "/",
            parse_qs(split.query, keep_blank_values=True),
            headers,
            body,
        )
        if _is_preflight(incoming, self.server.routes):
            result, label = _preflight(incoming), "CORS preflight"
        else:
            result, label = self.server.respond(incoming)
        self._write(result)
        elapsed = (time.perf_counter() - started) * 1000
        self.server.log_line(
            # The path without its query: a client may send a credential there.
            f"{self.command} {split.path} -> {result.status} {label} ({elapsed:.1f} ms)"
        )

    def _read_body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            self.send_error(400, "bad Content-Length")
            return None
        if length > MAX_REQUEST_BODY or length < 0:
            self.send_error(413, "request body too large for the mock")
            return None
        return self.rfile.read(length) if length else b""

    def _read_chunked(self) -> bytes | None:
        parts: list[bytes] = []
        total = 0
        while True:
            line = self.rfile.readline(1024)
            try:
                size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            except ValueError:
                self.send_error(400, "bad chunked body")
                return None
            if size == 0:
                while self.rfile.readline(1024).strip():  # trailers, up to the blank line
                    pass
                return b"".join(parts)
            total += size
            if total > MAX_REQUEST_BODY:
                self.send_error(413, "request body too large for the mock")
                return None
            parts.append(self.rfile.read(size))
            self.rfile.readline(16)

    def _write(self, result: MockAnswer) -> None:
        self.send_response(result.status, reason(result.status) or None)
        names = set()
        for name, value in result.headers:
            if name.lower() not in _OWN_HEADERS:
                names.add(name.lower())
                self.send_header(name, value)
        if "access-control-allow-origin" not in names:
            self.send_header("Access-Control-Allow-Origin", "*")
        no_body = self.command == "HEAD" or result.status in _NO_BODY or result.status < 200
        chunked = result.length is None and not no_body
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        elif result.status not in _NO_BODY:
            self.send_header("Content-Length", str(result.length or 0))
        self.end_headers()
        if no_body:
            return
        for chunk in chunks_of(result):
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
            if chunked:
                self.wfile.flush()  # a streamed event reaches the client when it is sent
        if chunked:
            self.wfile.write(b"0\r\n\r\n")


def _is_preflight(incoming: Incoming, routes: Sequence[Route]) -> bool:
    """A browser's CORS preflight, for a path no ``OPTIONS`` request of the collection serves."""
    if incoming.method != "OPTIONS" or "access-control-request-method" not in incoming.headers:
        return False
    return not any(
        route.method == "OPTIONS" and route.bind(incoming.path) is not None for route in routes
    )


def _preflight(incoming: Incoming) -> MockAnswer:
    asked = incoming.headers.get("access-control-request-headers", "")
    headers = [
        ("Access-Control-Allow-Origin", incoming.headers.get("origin", "*")),
        ("Access-Control-Allow-Methods", "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"),
        ("Access-Control-Max-Age", "600"),
        ("Vary", "Origin"),
    ]
    if asked:
        headers.append(("Access-Control-Allow-Headers", asked))
    return MockAnswer(204, tuple(headers), (), 0)
