"""A tiny raw-socket HTTP server for fault tests: each path misbehaves in one scripted way.

``http.server`` cannot send a short body, reset a connection mid-body or answer with something
that is not HTTP, so this one writes bytes to the socket itself. Every behaviour is bounded in
time and size, and the server stops with its context manager.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import json
import socket
import ssl
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field

Behaviour = Callable[[socket.socket, "Request"], None]

BIG_BODY_BYTES = 50 * 1024 * 1024
TRICKLE_BYTES = 40
TRICKLE_PAUSE = 0.1  # seconds between bytes: 4 s in all, far above a 1 s timeout
# A flood (an endless body, a bomb) stops by itself after this much or this long, so a client
# that never stops reading fails its test instead of filling the machine.
FLOOD_BYTES = 256 * 1024**2
FLOOD_SECONDS = 30
BOMB_DECODED = 10 * 1024**3  # what a decompression bomb inflates to
_BOMB_BLOCK = 4 * 1024**2  # zeros compressed once and repeated


@dataclass(frozen=True, slots=True)
class Request:
    """The request line and headers the server read (the body is ignored)."""

    method: str
    path: str
    headers: dict[str, str]
    raw: bytes


def _head(status: str, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status}", *(f"{name}: {value}" for name, value in headers)]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def reply(
    conn: socket.socket,
    body: bytes,
    *,
    status: str = "200 OK",
    content_type: str = "application/json",
    extra: list[tuple[str, str]] | None = None,
) -> None:
    """Send a complete, well-formed response and close."""
    headers = [
        ("Content-Type", content_type),
        ("Content-Length", str(len(body))),
        ("Connection", "close"),
        *(extra or []),
    ]
    conn.sendall(_head(status, headers) + body)


def ok(conn: socket.socket, request: Request) -> None:
    reply(conn, b'{"ok": true}')


def echo(conn: socket.socket, request: Request) -> None:
    """Answer with the raw request (so a secret sent in it comes back in the response)."""
    reply(conn, request.raw, content_type="text/plain")


def sse_echo(conn: socket.socket, request: Request) -> None:
    """Stream the raw request back as server-sent events: in a JSON data, as data lines, and as
    an event's type and id, split over several writes (a secret sent comes back in each)."""
    text = request.raw.decode("latin-1")
    first_line = text.split("\r\n", 1)[0]
    conn.sendall(_head("200 OK", [("Content-Type", "text/event-stream"), ("Connection", "close")]))
    events = [
        f"data: {json.dumps({'echo': text})}\n\n",
        "".join(f"data: {line}\n" for line in text.split("\r\n")) + "\n",
        f"event: {first_line}\nid: {first_line}\ndata: x\n\n",
    ]
    for event in events:
        conn.sendall(event.encode("utf-8"))
        time.sleep(0.01)


def reset_mid_body(conn: socket.socket, request: Request) -> None:
    conn.sendall(
        _head("200 OK", [("Content-Type", "application/json"), ("Content-Length", "1000")])
    )
    conn.sendall(b'{"partial": "')
    time.sleep(0.05)
    # SO_LINGER with a zero timeout makes close() send RST instead of FIN.
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def short_body(conn: socket.socket, request: Request) -> None:
    conn.sendall(_head("200 OK", [("Content-Type", "application/json"), ("Content-Length", "100")]))
    conn.sendall(b'{"short": 1}')


def trickle(conn: socket.socket, request: Request) -> None:
    """Each byte arrives well within the timeout; the whole body does not."""
    conn.sendall(
        _head("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(TRICKLE_BYTES))])
    )
    for index in range(TRICKLE_BYTES):
        if index:
            time.sleep(TRICKLE_PAUSE)
        conn.sendall(b"x")


def silent(conn: socket.socket, request: Request) -> None:
    """Accept and never answer (until the client gives up or 5 s pass)."""
    conn.settimeout(5)
    with contextlib.suppress(OSError):
        conn.recv(1)


def invalid_json(conn: socket.socket, request: Request) -> None:
    reply(conn, b'{"id": 1, "name": ')


def invalid_utf8(conn: socket.socket, request: Request) -> None:
    reply(conn, b'{"name": "caf\xe9 \xff\xfe"}', content_type="application/json; charset=utf-8")


def redirect_loop(conn: socket.socket, request: Request) -> None:
    reply(conn, b"", status="302 Found", extra=[("Location", request.path)])


def not_http(conn: socket.socket, request: Request) -> None:
    conn.sendall(b"SSH-2.0-OpenSSH_9.6\r\nProtocol mismatch.\r\n")


def big_body(conn: socket.socket, request: Request) -> None:
    conn.sendall(
        _head(
            "200 OK",
            [("Content-Type", "application/octet-stream"), ("Content-Length", str(BIG_BODY_BYTES))],
        )
    )
    chunk = b"\0" * (1024 * 1024)
    for _ in range(BIG_BODY_BYTES // len(chunk)):
        conn.sendall(chunk)


def slow_ok(conn: socket.socket, request: Request) -> None:
    """A well-formed answer after half a second (for interrupt tests)."""
    time.sleep(0.5)
    ok(conn, request)


GZIP = ("Content-Encoding", "gzip")


def sized(conn: socket.socket, request: Request) -> None:
    """``/sized/N``: a body of exactly N bytes; ``/sized/N/gzip`` the same, gzip-encoded."""
    parts = request.path.split("/")
    body = b"a" * int(parts[2])
    if parts[3:] == ["gzip"]:
        reply(conn, gzip.compress(body), content_type="text/plain", extra=[GZIP])
    else:
        reply(conn, body, content_type="text/plain")


def endless_chunks() -> Iterator[bytes]:
    """Chunks of a chunked body that never ends (64 KiB of text each)."""
    block = b"x" * 65536
    chunk = b"%x\r\n%s\r\n" % (len(block), block)
    while True:
        yield chunk


@functools.cache
def _bomb_parts(coding: str) -> tuple[bytes, bytes]:
    """The start of a bomb and the block that repeats: each inflates to 4 MiB of zeros.

    After a full flush the compressor starts afresh, so compressing the same zeros again gives
    the same bytes: a few MB on the wire, built in milliseconds, never written out whole.
    """
    zeros = bytes(_BOMB_BLOCK)
    if coding == "br":
        import brotli

        compressor = brotli.Compressor(quality=5)
        return (
            compressor.process(zeros) + compressor.flush(),
            compressor.process(zeros) + compressor.flush(),
        )
    wbits = 31 if coding == "gzip" else 15  # HTTP's deflate is the zlib format
    packer = zlib.compressobj(9, zlib.DEFLATED, wbits)
    head = packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)
    return head, packer.compress(zeros) + packer.flush(zlib.Z_FULL_FLUSH)


def bomb_size(coding: str) -> int:
    """Bytes on the wire of the whole bomb (no trailer: a client must stop long before it)."""
    head, block = _bomb_parts(coding)
    return len(head) + len(block) * (BOMB_DECODED // _BOMB_BLOCK - 1)


def bomb_pieces(coding: str) -> Iterator[bytes]:
    """A body of ``coding`` (gzip, deflate, br) that inflates to BOMB_DECODED zero bytes."""
    head, block = _bomb_parts(coding)
    yield head
    for _ in range(BOMB_DECODED // _BOMB_BLOCK - 1):
        yield block


@dataclass
class Flood:
    """A behaviour sending a body without end, or a bomb: how much went out, and whether the
    client hung up (closed the connection) before the end."""

    pieces: Callable[[], Iterable[bytes]] = endless_chunks
    status: str = "200 OK"
    headers: list[tuple[str, str]] = field(
        default_factory=lambda: [("Content-Type", "text/plain"), ("Transfer-Encoding", "chunked")]
    )
    sent: int = 0
    hung_up: threading.Event = field(default_factory=threading.Event)
    finished: threading.Event = field(default_factory=threading.Event)

    @classmethod
    def bomb(cls, coding: str, *, chunked: bool = False) -> Flood:
        """A decompression bomb, with its Content-Length or chunked."""
        framing = (
            ("Transfer-Encoding", "chunked")
            if chunked
            else ("Content-Length", str(bomb_size(coding)))
        )
        pieces = (
            (lambda: _chunked(bomb_pieces(coding))) if chunked else (lambda: bomb_pieces(coding))
        )
        headers = [("Content-Type", "application/json"), ("Content-Encoding", coding), framing]
        return cls(pieces, headers=headers)

    def __call__(self, conn: socket.socket, request: Request) -> None:
        started = time.monotonic()
        try:
            conn.sendall(_head(self.status, self.headers))
            for piece in self.pieces():
                conn.sendall(piece)
                self.sent += len(piece)
                if self.sent > FLOOD_BYTES or time.monotonic() - started > FLOOD_SECONDS:
                    return
        except TimeoutError:
            return  # the client stopped reading but kept the connection open
        except OSError:
            self.hung_up.set()  # broken pipe or reset: the client closed the connection
        finally:
            self.finished.set()


def _chunked(pieces: Iterable[bytes]) -> Iterator[bytes]:
    for piece in pieces:
        yield b"%x\r\n%s\r\n" % (len(piece), piece)


BEHAVIOURS: dict[str, Behaviour] = {
    "/ok": ok,
    "/echo": echo,
    "/sse-echo": sse_echo,
    "/reset": reset_mid_body,
    "/short": short_body,
    "/trickle": trickle,
    "/silent": silent,
    "/invalid-json": invalid_json,
    "/invalid-utf8": invalid_utf8,
    "/loop": redirect_loop,
    "/not-http": not_http,
    "/big": big_body,
    "/slow": slow_ok,
    "/sized": sized,
}


def _read_request(conn: socket.socket) -> Request | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > 1024 * 1024:
            return None
    head, _, _ = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ")
    if len(parts) < 2:
        return None
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    # Read a small body too, so an echoed request includes it.
    length = int(headers.get("content-length", "0") or 0)
    body = data.partition(b"\r\n\r\n")[2]
    while len(body) < min(length, 1024 * 1024):
        chunk = conn.recv(65536)
        if not chunk:
            break
        body += chunk
    path = parts[1].split("?", 1)[0]
    return Request(parts[0], path, headers, head + b"\r\n\r\n" + body)


@dataclass
class RawServer:
    """A listening socket on 127.0.0.1 and a thread per connection; optional TLS."""

    tls: ssl.SSLContext | None = None
    behaviours: dict[str, Behaviour] = field(default_factory=lambda: dict(BEHAVIOURS))
    _sock: socket.socket | None = None
    _stop: threading.Event = field(default_factory=threading.Event)
    requests: list[Request] = field(default_factory=list)

    @property
    def port(self) -> int:
        assert self._sock is not None
        return int(self._sock.getsockname()[1])

    def url(self, path: str) -> str:
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self.port}{path}"

    def start(self) -> RawServer:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        sock.settimeout(0.2)
        self._sock = sock
        threading.Thread(target=self._accept_loop, daemon=True).start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._sock is not None:
            self._sock.close()

    def _accept_loop(self) -> None:
        assert self._sock is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        conn.settimeout(10)
        try:
            if self.tls is not None:
                try:
                    conn = self.tls.wrap_socket(conn, server_side=True)
                except (ssl.SSLError, OSError):
                    return  # the client refused our certificate: that is the test
            request = _read_request(conn)
            if request is None:
                return
            self.requests.append(request)
            # Dispatch on the first path segment, so /echo/anything is the echo.
            behaviour = self.behaviours.get("/" + request.path.split("/")[1])
            if behaviour is None:
                reply(conn, b"not found", status="404 Not Found", content_type="text/plain")
            else:
                behaviour(conn, request)
        except OSError:
            pass  # the client went away: expected in half of these cases
        finally:
            with contextlib.suppress(OSError):
                conn.close()


@contextlib.contextmanager
def serving(tls: ssl.SSLContext | None = None) -> Iterator[RawServer]:
    """Run a RawServer for the duration of the block."""
    server = RawServer(tls=tls).start()
    try:
        yield server
    finally:
        server.stop()


def refused_port() -> int:
    """A loopback port with nothing listening (bound, then closed)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
