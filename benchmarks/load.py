"""``postrun load`` next to plain Locust running an equivalent hand-written ``HttpUser``.

Both run one Locust process (one core) for the same time with the same users against the fast
loopback server, sending the same checked POST (the throughput workload's request: a JSON body,
a bearer token from the environment, status and two JSON fields checked). Requests per second
come from each run's own Locust CSV (the Aggregated row), so both are counted the same way.
On a busy machine requests/s move a lot between runs; the CPU time per request (of every
process of a run, start-up included, so a little against postrun) moves less.
"""

from __future__ import annotations

import csv
import importlib.util
import resource
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.servers import start_server
from benchmarks.workloads import TOKEN_NAME, write_collection

if TYPE_CHECKING:
    from benchmarks.run import Context, Row

TARGET = 0.8  # postrun load / plain Locust, requests per second

PLAIN_LOCUSTFILE = """\
import os

from locust import HttpUser, constant, task

TOKEN = os.environ["{token}"]


class Plain(HttpUser):
    wait_time = constant(0)

    @task
    def chat(self):
        body = {{
            "model": "gpt-3.5-turbo",
            "messages": [{{"role": "user", "content": "Hello number 1"}}],
            "temperature": 0.7,
        }}
        with self.client.post(
            "/v1/chat/completions",
            json=body,
            headers={{"Authorization": f"Bearer {{TOKEN}}"}},
            name="chat 1",
            catch_response=True,
        ) as response:
            data = response.json()
            if response.status_code != 200:
                response.failure(f"status {{response.status_code}}")
            elif data["object"] != "chat.completion":
                response.failure("object")
            elif data["choices"][0]["message"]["role"] != "assistant":
                response.failure("role")
"""


def aggregated_rps(prefix: Path) -> tuple[float, int, int]:
    """Requests/s, requests and failures of the Aggregated row of ``PREFIX_stats.csv``."""
    with open(f"{prefix}_stats.csv", newline="", encoding="utf-8") as file:
        for row in csv.DictReader(file):
            if row["Name"] == "Aggregated":
                return (
                    float(row["Requests/s"]),
                    int(row["Request Count"]),
                    int(row["Failure Count"]),
                )
    raise RuntimeError(f"no Aggregated row in {prefix}_stats.csv")


def bench_load(ctx: Context) -> Iterator[Row]:
    """Requests/s of one ``postrun load`` process and of plain Locust, and their ratio."""
    from benchmarks.run import Row

    if importlib.util.find_spec("locust") is None:
        yield Row("load", "postrun load / plain Locust", "skipped: pip install 'postrun[load]'")
        return
    seconds, users = (5, 5) if ctx.quick else (15, 10)
    locustfile = ctx.work / "plain_locustfile.py"
    locustfile.write_text(PLAIN_LOCUSTFILE.format(token=TOKEN_NAME), encoding="utf-8")
    rates: dict[str, list[float]] = {"plain": [], "postrun": []}
    cpu: dict[str, list[float]] = {"plain": [], "postrun": []}  # CPU µs a request
    with start_server() as server:
        collection = write_collection(ctx.work, "load-1", 1, server.url)
        common = ["-u", str(users), "-r", str(users), "-t", f"{seconds}s"]
        for run in range(ctx.runs):
            commands = {
                "plain": [
                    sys.executable, "-m", "locust", "-f", str(locustfile), "--headless",
                    "--host", server.url, "--only-summary", "--loglevel", "WARNING", *common,
                ],
                "postrun": [*ctx.postrun, "load", str(collection), *common],
            }  # fmt: skip
            for name, command in commands.items():
                prefix = ctx.work / f"{name}-{run}"
                before = resource.getrusage(resource.RUSAGE_CHILDREN)
                subprocess.run(
                    [*command, "--csv", str(prefix)],
                    cwd=ctx.work,
                    env=ctx.env,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    check=False,
                )
                after = resource.getrusage(resource.RUSAGE_CHILDREN)
                rate, count, failures = aggregated_rps(prefix)
                # Every process of the run (postrun's and its Locust child), start-up included.
                used = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
                cpu[name].append(used / max(count, 1) * 1e6)
                if failures:
                    ctx.notes.append(f"load: {name} run {run + 1} had {failures} of {count} fail")
                rates[name].append(rate)
    plain, postrun = (sorted(values)[len(values) // 2] for values in rates.values())
    plain_cpu, postrun_cpu = (sorted(values)[len(values) // 2] for values in cpu.values())
    label = f"{users} users, {seconds} s, one process"
    yield Row("load", f"plain Locust HttpUser, {label}", f"{plain:.0f} req/s")
    yield Row("load", f"postrun load, {label}", f"{postrun:.0f} req/s")
    yield Row("load", "CPU a request, plain Locust / postrun load", f"{plain_cpu:.0f} / "
              f"{postrun_cpu:.0f} µs = {plain_cpu / postrun_cpu:.2f}x")  # fmt: skip
    ratio = postrun / plain if plain else 0.0
    yield Row(
        "load", "postrun load / plain Locust", f"{ratio:.2f}x", f">= {TARGET}", ratio >= TARGET
    )


def instructions_a_request(sizes: tuple[int, int] = (200, 1200)) -> int:
    """Print the instructions one request of one Locust user costs, plain and postrun's.

    Each user runs in-process (benchmarks/load_worker.py) under callgrind for two request
    counts; the difference over the difference takes start-up and warm-up out. Counts do not
    move with the machine's load as requests/s and CPU times do. Needs valgrind and Locust.
    """
    import os
    import shutil
    import tempfile

    from benchmarks.instructions import count_instructions
    from benchmarks.run import ROOT
    from benchmarks.workloads import TOKEN_VALUE

    if shutil.which("valgrind") is None or importlib.util.find_spec("locust") is None:
        print("needs valgrind on PATH and Locust (pip install 'postrun[load]')", file=sys.stderr)
        return 1
    env = {**os.environ, TOKEN_NAME: TOKEN_VALUE}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    small, large = sorted(sizes)
    per_request: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="postrun-load-") as scratch, start_server() as server:
        work = Path(scratch)
        collection = write_collection(work, "load-1", 1, server.url)
        for kind in ("plain", "postrun"):
            worker = [sys.executable, "-m", "benchmarks.load_worker", kind]
            counts = [
                count_instructions([*worker, str(size), server.url, str(collection)], env, work)
                for size in (small, large)
            ]
            per_request[kind] = (counts[1] - counts[0]) / (large - small)
            print(f"  {kind}: {counts[0] / 1e6:,.0f}M, {counts[1] / 1e6:,.0f}M", file=sys.stderr)
    plain, postrun = per_request["plain"], per_request["postrun"]
    print(f"instructions a request, plain Locust / postrun load: {plain / 1e3:,.0f}k / "
          f"{postrun / 1e3:,.0f}k = {plain / postrun:.3f}x")  # fmt: skip
    return 0


def main() -> None:
    """``python -m benchmarks.load``: this one alone, as ``python -m benchmarks --only load``;
    ``--instructions`` counts a request's instructions instead (instructions_a_request)."""
    from benchmarks.run import main as run_main

    if sys.argv[1:2] == ["--instructions"]:
        sys.exit(instructions_a_request())
    sys.exit(run_main(["--only", "load", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
