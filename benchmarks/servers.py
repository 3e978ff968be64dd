"""A fast loopback HTTP/1.1 keep-alive server, run in its own process for the benchmarks.

The server is raw asyncio (no http.server): it answers every request with a canned OpenAI-like
chat completion, so that on one connection it is never the bottleneck for a Python client.
``/big`` answers a large JSON document (built once, at start-up) for the memory benchmark.
``--delay-ms`` holds each answer back, to measure overlap of concurrent connections.
``/first`` answers when (``time.monotonic()``, shared by the processes of one machine) the first
other request came since the last ``/first``, or ``none``: when a run sent its first request.

Started by ``start_server`` as a subprocess (``python -m benchmarks.servers``), so it does not
share the client's GIL; it prints its port on the first line of stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

CHAT_BODY = (
    b'{"object":"chat.completion","choices":[{"message":{"role":"assistant","content":"hi"}}]}'
)
_HEAD_END = b"\r\n\r\n"


def _response(body: bytes) -> bytes:
    head = (
        "HTTP/1.1 200 OK\r\n"
        "Content-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: keep-alive\r\n\r\n"
    )
    return head.encode("ascii") + body


def big_json(megabytes: int) -> bytes:
    """A JSON chat completion padded with ``data`` items to about ``megabytes`` MB."""
    item = b'{"id":12345,"name":"item","tags":["a","b","c"],"score":0.5,"ok":true}'
    count = megabytes * 1024 * 1024 // (len(item) + 1)
    return (
        b'{"object":"chat.completion","choices":[{"message":{"role":"assistant","content":"hi"}}],'
        b'"data":[' + b",".join([item] * count) + b"]}"
    )


class _Protocol(asyncio.Protocol):
    """Parses pipelined-or-not HTTP/1.1 requests with Content-Length bodies; answers each."""

    def __init__(self, small: bytes, big: bytes, delay: float, first: list[float]) -> None:
        self.small = small
        self.big = big
        self.delay = delay
        self.first = first  # shared by every connection: [] or [when the first request came]
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(_HEAD_END)
            if end < 0:
                return
            head = bytes(self.buffer[:end])
            length = 0
            for line in head.split(b"\r\n")[1:]:
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            total = end + 4 + length
            if len(self.buffer) < total:
                return
            del self.buffer[:total]
            path = head.split(b" ", 2)[1] if b" " in head else b"/"
            if path == b"/first":
                seen = f"{self.first[0]!r}" if self.first else "none"
                self.first.clear()
                self._write(_response(seen.encode("ascii")))
                continue
            if not self.first:
                self.first.append(time.monotonic())
            payload = self.big if path.startswith(b"/big") else self.small
            if self.delay:
                asyncio.get_running_loop().call_later(self.delay, self._write, payload)
            else:
                self._write(payload)

    def _write(self, payload: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(payload)


async def _serve(port: int, delay: float, big_mb: int) -> None:
    small = _response(CHAT_BODY)
    big = _response(big_json(big_mb)) if big_mb else small
    loop = asyncio.get_running_loop()
    first: list[float] = []
    server = await loop.create_server(
        lambda: _Protocol(small, big, delay, first), "127.0.0.1", port, backlog=256
    )
    bound = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"{bound}\n")
    sys.stdout.flush()
    async with server:
        await server.serve_forever()


@dataclass(frozen=True, slots=True)
class Server:
    """A running benchmark server: its base URL and its process."""

    url: str
    process: subprocess.Popen[str]


@contextlib.contextmanager
def start_server(delay_ms: float = 0, big_mb: int = 0) -> Iterator[Server]:
    """Start the server in a child process on 127.0.0.1; stop it on exit."""
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "benchmarks.servers",
            "--delay-ms",
            str(delay_ms),
            "--big-mb",
            str(big_mb),
        ],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.strip():
            raise RuntimeError("the benchmark server did not start")
        yield Server(f"http://127.0.0.1:{int(line)}", process)
    finally:
        process.terminate()
        process.wait(timeout=10)


def main(argv: list[str] | None = None) -> None:
    """Command line of the server process."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--delay-ms", type=float, default=0.0)
    parser.add_argument("--big-mb", type=int, default=0)
    args = parser.parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve(args.port, args.delay_ms / 1000, args.big_mb))


if __name__ == "__main__":
    main()
