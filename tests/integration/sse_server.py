"""A threaded loopback server that streams: each route writes and flushes its parts with pauses.

A route is a function of the request (method, path, headers, body) returning a ``Reply``: its
status, headers and parts ``(pause in seconds, bytes)``, sent chunked (or, with
``chunked=False``, delimited by closing the connection); ``cut`` ends the connection without
the end of the body; ``stall`` keeps the connection open that long after the last part.
Writes go out at once (TCP_NODELAY), so each part is its own TCP read on the other side.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Seen:
    """A request the server got."""

    method: str
    path: str
    headers: Message  # case-insensitive: ``headers["accept"]``, None when absent
    body: bytes


@dataclass
class Reply:
    """What a route answers; ``parts`` may be an endless iterator."""

    parts: Iterable[tuple[float, bytes]]
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/event-stream"})
    chunked: bool = True
    cut: bool = False
    stall: float = 0.0


Route = Callable[[Seen], Reply]


def events(*data: Any, pause: float = 0.0, first: float | None = None) -> list[tuple[float, bytes]]:
    """Parts of one event each (mappings and lists as JSON); ``first``: the first one's pause."""
    parts = []
    for index, item in enumerate(data):
        text = item if isinstance(item, str) else json.dumps(item)
        wait = first if index == 0 and first is not None else pause
        parts.append((wait, f"data: {text}\n\n".encode()))
    return parts


def json_reply(value: Any, status: int = 200) -> Reply:
    body = json.dumps(value).encode()
    return Reply([(0.0, body)], status, {"Content-Type": "application/json"})


class StreamServer:
    """The server on 127.0.0.1, an ephemeral port; ``routes`` maps a path to a Route."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self.stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._answer()

            def do_POST(self) -> None:
                self._answer()

            def _answer(self) -> None:
                self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                length = int(self.headers.get("Content-Length") or 0)
                path = self.path.split("?", 1)[0]
                seen = Seen(self.command, self.path, self.headers, self.rfile.read(length))
                server.seen.append(seen)
                route = server.routes.get(path)
                reply = route(seen) if route else Reply([(0.0, b"no route")], 404, {})
                server.write(self, reply)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        # A client that stops reading (at a limit, a done event) resets the connection; the
        # server's thread must not print that on the stderr a CLI test reads.
        self.httpd.handle_error = lambda *_: None  # type: ignore[method-assign]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def write(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        handler.send_response(reply.status)
        for name, value in reply.headers.items():
            handler.send_header(name, value)
        if reply.chunked:
            handler.send_header("Transfer-Encoding", "chunked")
        else:
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.end_headers()
        handler.wfile.flush()
        try:
            for pause, data in reply.parts:
                if self.stopping.is_set():
                    return
                if pause:
                    time.sleep(pause)
                if reply.chunked:
                    handler.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
                else:
                    handler.wfile.write(data)
                handler.wfile.flush()
            if reply.stall:
                self.stopping.wait(reply.stall)
            if reply.cut:
                handler.close_connection = True
                handler.connection.shutdown(socket.SHUT_RDWR)
                return
            if reply.chunked:
                handler.wfile.write(b"0\r\n\r\n")
                handler.wfile.flush()
        except OSError:
            handler.close_connection = True  # the client went away (a limit, a timeout)

    def __enter__(self) -> StreamServer:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stopping.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def endless(part: bytes, pause: float = 0.0) -> Iterator[tuple[float, bytes]]:
    """The same part for ever."""
    while True:
        yield pause, part
