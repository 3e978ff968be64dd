"""Profile one in-process ``postrun run`` of N checked POSTs with cProfile.

Usage (from the repository root)::

    python -m benchmarks.hotpath                # 1,000 requests, top 25 by own time
    python -m benchmarks.hotpath -n 200 --sort cumulative --top 40 --save run.prof

The server runs in its own process (benchmarks.servers), so only the client is profiled.
Times are also printed per request (µs), which is the unit the hot-path findings are given in.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import os
import pstats
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from benchmarks.servers import start_server
from benchmarks.workloads import TOKEN_NAME, TOKEN_VALUE, write_collection


def profile_run(count: int) -> tuple[cProfile.Profile, float]:
    """Run ``postrun run`` over ``count`` requests in this process; return profile and seconds.

    Called as an in-process caller would (``cli``, not the console entry ``main``), so loading
    happens here, in the profile, and the process is not ended by the run.
    """
    from runner.cli import cli

    os.environ[TOKEN_NAME] = TOKEN_VALUE
    os.environ["NO_COLOR"] = "1"
    with tempfile.TemporaryDirectory(prefix="postrun-profile-") as work, start_server() as server:
        file = write_collection(Path(work), f"profile-{count}", count, server.url)
        argv = ["postrun", "run", str(file)]
        saved_argv, saved_cwd = sys.argv, Path.cwd()
        profiler = cProfile.Profile()
        sys.argv = argv
        os.chdir(work)
        started = time.perf_counter()
        try:
            with contextlib.redirect_stdout(io.StringIO()), contextlib.suppress(SystemExit):
                profiler.runcall(cli, prog_name="postrun")
        finally:
            seconds = time.perf_counter() - started
            sys.argv = saved_argv
            os.chdir(saved_cwd)
    return profiler, seconds


def main(argv: Sequence[str] | None = None) -> None:
    """Print the top functions of a profiled run, with µs per request."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hotpath", description=__doc__)
    parser.add_argument("-n", "--requests", type=int, default=1000)
    parser.add_argument("--sort", default="tottime", choices=("tottime", "cumulative"))
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--save", type=Path, help="also write the raw profile (for snakeviz)")
    args = parser.parse_args(argv)
    profiler, seconds = profile_run(args.requests)
    if args.save:
        profiler.dump_stats(str(args.save))
    stats = pstats.Stats(profiler)
    print(
        f"{args.requests} requests in {seconds:.3f} s under cProfile "
        f"({seconds / args.requests * 1e6:.0f} µs per request)\n"
    )
    entries = stats.stats  # type: ignore[attr-defined]  # pstats keeps no public accessor
    per = 1e6 / args.requests
    rows = sorted(
        (
            (own if args.sort == "tottime" else cumulative, own, cumulative, calls, key)
            for key, (_, calls, own, cumulative, _) in entries.items()
        ),
        reverse=True,
    )
    print(f"{'own µs/req':>10} {'cum µs/req':>10} {'calls/req':>9}  function")
    for _, own, cumulative, calls, (file, line, function) in rows[: args.top]:
        print(
            f"{own * per:10.1f} {cumulative * per:10.1f} {calls / args.requests:9.1f}  "
            f"{_short(file)}:{line}({function})"
        )
    # Own time summed by module: what postrun's code costs next to requests, urllib3, yaml...
    by_module: dict[str, float] = {}
    for (file, _, _), (_, _, own, _, _) in entries.items():
        module = _module(file)
        by_module[module] = by_module.get(module, 0.0) + own
    print(f"\n{'own µs/req':>10}  module")
    for module, own in sorted(by_module.items(), key=lambda item: -item[1])[: args.top]:
        print(f"{own * per:10.1f}  {module}")


def _module(file: str) -> str:
    if "/runner/" in file:
        return "runner/" + file.split("/runner/", 1)[1]
    if "site-packages/" in file:
        return file.split("site-packages/", 1)[1].split("/", 1)[0]
    if file == "~":
        return "(built-in functions)"
    if "/lib/python3" in file:
        return "stdlib " + file.rsplit("/", 1)[-1]
    return file


def _short(file: str) -> str:
    for marker in ("site-packages/", "lib/python3", "/work/main/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


if __name__ == "__main__":
    main()
