"""``python -m benchmarks.mock``: requests/s of ``postrun mock`` on loopback, 1 and 8 connections.

Starts ``postrun mock collections/ --port 0`` as its own process (the time to its first answer
is printed too), then keeps each connection busy with keep-alive GETs of one route for a few
seconds from threads of this process (``http.client``: lighter than requests, so the client
costs less of the two cores than the server it measures). Prints requests/s and latencies.
"""

from __future__ import annotations

import argparse
import http.client
import re
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parents[1]
PATH = "/notes/42"


def start_mock() -> tuple[subprocess.Popen[str], str, float]:
    """The mock process, its base URL and the seconds until it answered a first request."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "runner", "mock", "collections", "--port", "0"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    found = re.search(r"on (http://\S+)$", process.stdout.readline().strip())
    if found is None:
        process.kill()
        raise SystemExit("postrun mock printed no base URL")
    base = found.group(1)
    threading.Thread(target=process.stdout.read, daemon=True).start()  # drain the log
    split = urlsplit(base)
    connection = http.client.HTTPConnection(split.hostname or "", split.port)
    connection.request("GET", PATH)
    connection.getresponse().read()
    connection.close()
    return process, base, time.perf_counter() - started


def hammer(base: str, seconds: float, latencies: list[float], errors: list[str]) -> None:
    """One keep-alive connection sending GETs until ``seconds`` have passed."""
    split = urlsplit(base)
    connection = http.client.HTTPConnection(split.hostname or "", split.port, timeout=10)
    own: list[float] = []
    deadline = time.perf_counter() + seconds
    try:
        while (now := time.perf_counter()) < deadline:
            connection.request("GET", PATH)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                errors.append(str(response.status))
            own.append(time.perf_counter() - now)
    except OSError as exc:
        errors.append(repr(exc))
    finally:
        connection.close()
    latencies.extend(own)


def measure(base: str, connections: int, seconds: float) -> dict[str, float]:
    latencies: list[float] = []
    errors: list[str] = []
    threads = [
        threading.Thread(target=hammer, args=(base, seconds, latencies, errors))
        for _ in range(connections)
    ]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} failed requests, first: {errors[0]}")
    ordered = sorted(latencies)
    return {
        "requests": len(ordered),
        "per_second": len(ordered) / elapsed,
        "p50_ms": statistics.median(ordered) * 1000,
        "p99_ms": ordered[int(len(ordered) * 0.99) - 1] * 1000,
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--connections", type=int, nargs="+", default=[1, 8])
    args = parser.parse_args(argv)
    process, base, first = start_mock()
    try:
        print(f"postrun mock: first answer {first * 1000:.0f} ms after start ({base}{PATH})")
        print(
            f"{'connections':>11}  {'requests':>8}  {'requests/s':>10}  "
            f"{'p50 ms':>7}  {'p99 ms':>7}"
        )
        for count in args.connections:
            figures = measure(base, count, args.seconds)
            print(
                f"{count:>11}  {figures['requests']:>8.0f}  {figures['per_second']:>10.0f}  "
                f"{figures['p50_ms']:>7.2f}  {figures['p99_ms']:>7.2f}"
            )
    finally:
        process.terminate()
        process.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
