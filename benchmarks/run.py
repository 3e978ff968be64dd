"""Run the postrun benchmarks and print a table of medians, ratios and targets.

Every figure is the wall time, CPU time or peak RSS of a fresh child process, so start-up
counts the same way for postrun and for the plain ``requests`` loop it is compared with.
Servers run in their own processes on 127.0.0.1. Usage (from the repository root)::

    python -m benchmarks                 # everything, medians of 5 runs, about 3 minutes
    python -m benchmarks --quick         # smaller workloads, one run each, under a minute
    python -m benchmarks --only throughput --only startup --runs 5
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.load import bench_load
from benchmarks.servers import start_server
from benchmarks.workloads import TOKEN_NAME, TOKEN_VALUE, write_collection, write_loop_script

ROOT = Path(__file__).resolve().parent.parent
BENCHMARKS = ("throughput", "startup", "parallel", "memory", "newman", "load")


@dataclass(frozen=True, slots=True)
class Sample:
    """One child process: wall seconds, CPU seconds (user + system), peak RSS in MiB, status."""

    seconds: float
    cpu: float
    rss_mib: float
    status: int


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the table; ``passed`` is None when the figure has no target."""

    group: str
    figure: str
    value: str
    target: str = ""
    passed: bool | None = None


@dataclass(frozen=True, slots=True)
class Context:
    """What every benchmark needs: how to call postrun, the environment, a scratch folder."""

    postrun: tuple[str, ...]
    postrun_alternatives: tuple[tuple[str, tuple[str, ...]], ...]  # (label, command)
    env: dict[str, str]
    work: Path
    runs: int
    quick: bool
    notes: list[str] = field(default_factory=list)


def measure(command: Sequence[str], ctx: Context, *, expect: int | None = 0) -> Sample:
    """Run ``command`` in a fresh child; its own peak RSS comes from ``os.wait4``."""
    started = time.perf_counter()
    process = subprocess.Popen(
        list(command),
        cwd=ctx.work,
        env=ctx.env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert process.stderr is not None
    # stderr is small (errors only); read it before waiting so a chatty child cannot block.
    errors = process.stderr.read()
    _, wait_status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(wait_status)
    process.stderr.close()
    if expect is not None and process.returncode != expect:
        raise RuntimeError(
            f"{' '.join(command)} exited {process.returncode}, expected {expect}:\n"
            + errors.decode("utf-8", "replace")[-2000:]
        )
    # ru_maxrss is KiB on Linux (bytes on macOS).
    divisor = 1024 * 1024 if sys.platform == "darwin" else 1024
    cpu = usage.ru_utime + usage.ru_stime
    return Sample(seconds, cpu, usage.ru_maxrss / divisor, process.returncode)


@dataclass(frozen=True, slots=True)
class Timing:
    """Medians over several runs: wall seconds, and the child's own CPU seconds."""

    wall: float
    cpu: float


def medians(commands: dict[str, Sequence[str]], ctx: Context, runs: int) -> dict[str, Timing]:
    """Median times of each command, the commands interleaved run by run against drift."""
    samples: dict[str, list[Sample]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, command in commands.items():
            samples[name].append(measure(command, ctx))
    return {
        name: Timing(
            statistics.median(sample.seconds for sample in values),
            statistics.median(sample.cpu for sample in values),
        )
        for name, values in samples.items()
    }


# What pip writes for a [project.scripts] entry point (the installed ``postrun`` command).
_CONSOLE_SCRIPT = """\
#!{python}
import re
import sys
from runner.cli import main
if __name__ == "__main__":
    sys.argv[0] = re.sub(r"(-script\\.pyw|\\.exe)?$", "", sys.argv[0])
    sys.exit(main())
"""


def find_postrun(work: Path) -> tuple[tuple[str, ...], tuple[tuple[str, tuple[str, ...]], ...]]:
    """The ``postrun`` script next to the interpreter, else one like it; and ``-m runner``.

    Returns the command to use and every (label, command) worth timing at start-up.
    """
    module = (sys.executable, "-m", "runner")
    script = Path(sys.executable).parent / ("postrun.exe" if os.name == "nt" else "postrun")
    label = "postrun script"
    if not script.exists():
        if os.name == "nt":
            return module, (("python -m runner", module),)
        # Not installed (a plain checkout): time the same wrapper pip would have written.
        script = work / "bin" / "postrun"
        script.parent.mkdir(exist_ok=True)
        script.write_text(_CONSOLE_SCRIPT.format(python=sys.executable), encoding="utf-8")
        script.chmod(0o755)
        label = "postrun script (pip-style)"
    return (str(script),), ((label, (str(script),)), ("python -m runner", module))


def postrun_help(ctx: Context, *args: str) -> str:
    """The text of ``postrun ARGS --help`` (for feature detection)."""
    completed = subprocess.run(
        [*ctx.postrun, *args, "--help"],
        cwd=ctx.work,
        env=ctx.env,
        capture_output=True,
        text=True,
        check=False,
    )
    return completed.stdout


def _ratio_row(group: str, figure: str, ratio: float, limit: float, *, at_least: bool) -> Row:
    sign = ">=" if at_least else "<="
    passed = ratio >= limit if at_least else ratio <= limit
    return Row(group, figure, f"{ratio:.3f}x", f"{sign} {limit:g}", passed)


def warm_up(ctx: Context) -> None:
    """One unmeasured pass over every code path, so byte-code is compiled before timing."""
    with start_server() as server:
        one = write_collection(ctx.work, "warm-up", 1, server.url)
        loop = write_loop_script(ctx.work)
        measure([*ctx.postrun, "--version"], ctx)
        measure([*ctx.postrun, "validate", str(one)], ctx)
        measure([*ctx.postrun, "run", str(one)], ctx)
        measure([sys.executable, str(loop), "1", server.url], ctx)


# Benchmarks ---------------------------------------------------------------------------------


# Issue 21's targets: postrun within 10 % of the loop at every size, and per extra request.
_THROUGHPUT_LIMIT = 1.10
_MARGINAL_LIMIT = 1.10


def bench_throughput(ctx: Context) -> Iterator[Row]:
    """N checked POSTs: ``postrun run FILE`` against a plain requests.Session loop.

    Three sizes: 200 (loading hidden behind the imports), 1,000 (loading longer than them) and
    10,000 (a file over 1 MB, kept packed: runner/compact.py). The marginal cost is the time
    per request from 1,000 to 10,000: start-up taken out, what each further request costs.
    """
    sizes = (200, 3000) if ctx.quick else (200, 1000, 10_000)
    loop = write_loop_script(ctx.work)
    measured: dict[int, dict[str, Timing]] = {}
    with start_server() as server:
        url = server.url + "/v1/chat/completions"
        for count in sizes:
            file = write_collection(ctx.work, f"throughput-{count}", count, server.url)
            commands = {
                "postrun": [*ctx.postrun, "run", str(file)],
                "loop": [sys.executable, str(loop), str(count), url],
                "loop, no env": [sys.executable, str(loop), str(count), url, "--no-env"],
            }
            measured[count] = result = medians(commands, ctx, ctx.runs)
            yield from _throughput_rows(count, result)
            if count >= 1000:
                yield from _first_request_rows(count, commands, ctx, server.url)
    yield from _marginal_rows(measured)


def _first_request_rows(
    count: int, commands: dict[str, Sequence[str]], ctx: Context, server_url: str
) -> Iterator[Row]:
    """How long after it started each run sent its first request (issue 21: running while
    loading), postrun against the loop, whose first request follows ``import requests``."""
    for name, label in (("postrun", "postrun"), ("loop", "requests loop")):
        delays = []
        for _ in range(1 if ctx.quick else min(ctx.runs, 3)):
            _first_seen(server_url)  # forget what came before
            started = time.monotonic()
            measure(commands[name], ctx)
            seen = _first_seen(server_url)
            if seen is not None:
                delays.append((seen - started) * 1000)
        value = f"{statistics.median(delays):.0f} ms" if delays else "n/a"
        yield Row("throughput", f"{label}: first request after, {count:,} POSTs", value)


def _first_seen(server_url: str) -> float | None:
    """When the benchmark server saw its first request since it was last asked (monotonic)."""
    import urllib.request

    with urllib.request.urlopen(server_url + "/first", timeout=10) as answer:
        text = answer.read().decode("ascii")
    return None if text == "none" else float(text)


def _throughput_rows(count: int, result: dict[str, Timing]) -> Iterator[Row]:
    postrun, plain, no_env = result["postrun"], result["loop"], result["loop, no env"]
    group = "throughput"
    yield Row(group, f"postrun run, {count:,} POSTs", _timing(postrun))
    yield Row(group, f"requests loop, {count:,} POSTs", _timing(plain))
    ratio = postrun.wall / plain.wall
    figure = f"postrun / loop, {count:,} (wall)"
    yield _ratio_row(group, figure, ratio, _THROUGHPUT_LIMIT, at_least=False)
    yield Row(group, f"postrun / loop, {count:,} (CPU)", f"{postrun.cpu / plain.cpu:.3f}x")
    yield Row(group, f"loop with trust_env=False, {count:,}", _timing(no_env))
    figure = f"postrun / that loop, {count:,} (CPU)"
    yield Row(group, figure, f"{postrun.cpu / no_env.cpu:.3f}x")


def _marginal_rows(measured: dict[int, dict[str, Timing]]) -> Iterator[Row]:
    """Milliseconds per request between the two largest sizes, postrun's against the loop's."""
    if len(measured) < 2:
        return
    low, high = sorted(measured)[-2:]
    extra: dict[str, Timing] = {}
    for name, label in (("postrun", "postrun"), ("loop", "requests loop")):
        wall = (measured[high][name].wall - measured[low][name].wall) / (high - low)
        cpu = (measured[high][name].cpu - measured[low][name].cpu) / (high - low)
        extra[name] = Timing(wall, cpu)
        figure = f"{label}: ms per request, {low:,} -> {high:,}"
        yield Row("throughput", figure, f"{wall * 1000:.3f} ms (CPU {cpu * 1000:.3f} ms)")
    ours, floor = extra["postrun"], extra["loop"]
    figure = f"marginal postrun / loop, {low:,} -> {high:,} (wall)"
    yield _ratio_row("throughput", figure, ours.wall / floor.wall, _MARGINAL_LIMIT, at_least=False)
    figure = f"marginal postrun / loop, {low:,} -> {high:,} (CPU)"
    yield Row("throughput", figure, f"{ours.cpu / floor.cpu:.3f}x")


def _timing(timing: Timing) -> str:
    return f"{timing.wall:.3f} s (CPU {timing.cpu:.3f} s)"


def bench_startup(ctx: Context) -> Iterator[Row]:
    """Start-up: --version, validate, a one-request run, against ``import requests``."""
    with start_server() as server:
        one = write_collection(ctx.work, "startup-1", 1, server.url)
        commands: dict[str, Sequence[str]] = {}
        for label, postrun in ctx.postrun_alternatives:
            commands[f"{label} --version"] = [*postrun, "--version"]
        commands["validate"] = [*ctx.postrun, "validate", str(one)]
        commands["run 1"] = [*ctx.postrun, "run", str(one)]
        commands["python -c pass"] = [sys.executable, "-c", "pass"]
        commands["import requests"] = [sys.executable, "-c", "import requests"]
        runs = max(ctx.runs, 5)  # cheap, and noisy: take more samples
        result = medians(commands, ctx, runs)
    for label, _ in ctx.postrun_alternatives:
        seconds = result[f"{label} --version"].wall
        yield Row("startup", f"{label} --version", f"{seconds:.3f} s", "<= 0.12 s", seconds <= 0.12)
    yield Row("startup", "postrun validate (1 request)", f"{result['validate'].wall:.3f} s")
    yield Row("startup", "postrun run (1 request)", f"{result['run 1'].wall:.3f} s")
    yield Row("startup", "python -c pass", f"{result['python -c pass'].wall:.3f} s")
    yield Row("startup", 'python -c "import requests"', f"{result['import requests'].wall:.3f} s")
    yield _ratio_row(
        "startup",
        "run 1 / import requests",
        result["run 1"].wall / result["import requests"].wall,
        2.0,
        at_least=False,
    )


def bench_parallel(ctx: Context) -> Iterator[Row]:
    """16 collections x 20 requests against a server that waits 20 ms: --jobs 1 vs --jobs 8."""
    if "--jobs" not in postrun_help(ctx, "run"):
        yield Row("parallel", "--jobs 8 / --jobs 1 speed-up", "n/a (no --jobs)", ">= 6.5")
        return
    files, per_file = (8, 10) if ctx.quick else (16, 20)
    with start_server(delay_ms=20) as server:
        folder = ctx.work / "parallel"
        folder.mkdir(exist_ok=True)
        for index in range(files):
            write_collection(folder, f"c{index:02d}", per_file, server.url)
        commands = {
            "jobs 1": [*ctx.postrun, "run", str(folder), "--jobs", "1"],
            "jobs 8": [*ctx.postrun, "run", str(folder), "--jobs", "8"],
        }
        result = medians(commands, ctx, 1 if ctx.quick else min(ctx.runs, 3))
    shape = f"{files} files x {per_file}"
    one, eight = result["jobs 1"].wall, result["jobs 8"].wall
    yield Row("parallel", f"--jobs 1, {shape}", f"{one:.3f} s")
    yield Row("parallel", f"--jobs 8, {shape}", f"{eight:.3f} s")
    yield _ratio_row("parallel", "--jobs 8 speed-up", one / eight, 6.5, at_least=True)


# The absolute target: a 200-request run stays under this peak RSS.
_CEILING_RUN = 200
_CEILING_MIB = 45


def bench_memory(ctx: Context) -> Iterator[Row]:
    """Peak RSS: a small against a large run (streaming), a 200-request run's ceiling, and one
    big JSON response."""
    # 3,000 requests make a file over 1 MB, so --quick measures the same (packed) path.
    small, large = (100, 3000) if ctx.quick else (100, 10_000)
    megabytes = 10 if ctx.quick else 50
    with start_server(big_mb=megabytes) as server:
        rss: dict[int, float] = {}
        for count in (small, _CEILING_RUN, large):
            file = write_collection(ctx.work, f"memory-{count}", count, server.url)
            rss[count] = measure([*ctx.postrun, "run", str(file)], ctx).rss_mib
            figure, value = f"peak RSS, run {count:,} requests", f"{rss[count]:.1f} MiB"
            if count == _CEILING_RUN:
                limit = _CEILING_MIB
                yield Row("memory", figure, value, f"<= {limit} MiB", rss[count] <= limit)
            else:
                yield Row("memory", figure, value)
        # How much of the large run's memory is the loaded collection rather than the run.
        loaded = measure([*ctx.postrun, "validate", str(file)], ctx).rss_mib
        yield Row("memory", f"peak RSS, validate {large:,} requests", f"{loaded:.1f} MiB")
        yield _ratio_row(
            "memory",
            f"RSS {large:,} / {small:,} (one file)",
            rss[large] / rss[small],
            1.1,
            at_least=False,
        )
        # The same number of requests from the small file run again and again: what the run
        # itself keeps (results, events), without the larger collection to load.
        if "--iterations" in postrun_help(ctx, "run"):
            repeats = large // small
            file = ctx.work / f"memory-{small}.yaml"
            command = [*ctx.postrun, "run", str(file), "--iterations", str(repeats)]
            repeated = measure(command, ctx).rss_mib
            yield Row(
                "memory",
                f"peak RSS, {small} requests x {repeats} iterations",
                f"{repeated:.1f} MiB",
            )
            yield _ratio_row(
                "memory",
                f"RSS {large:,} / {small:,} (--iterations)",
                repeated / rss[small],
                1.1,
                at_least=False,
            )
        big = write_collection(ctx.work, "memory-big", 1, server.url, path="/big")
        sample = measure([*ctx.postrun, "run", str(big)], ctx)
        yield Row(
            "memory",
            f"peak RSS, one {megabytes} MB JSON response",
            f"{sample.rss_mib:.1f} MiB ({sample.seconds:.2f} s)",
        )
        floor = measure(
            [
                sys.executable,
                "-c",
                "import requests,sys; d=requests.get(sys.argv[1]).json(); "
                "assert d['object']=='chat.completion'",
                server.url + "/big",
            ],
            ctx,
        )
        yield Row(
            "memory",
            f"requests .get().json(), same {megabytes} MB",
            f"{floor.rss_mib:.1f} MiB ({floor.seconds:.2f} s)",
        )
        yield Row(
            "memory", "big response: postrun / requests", f"{sample.rss_mib / floor.rss_mib:.3f}x"
        )


def bench_newman(ctx: Context) -> Iterator[Row]:
    """Optional: the 1,000-request workload exported to Postman and run by newman."""
    newman = shutil.which("newman")
    if newman is None:
        yield Row("newman", "newman run (1,000 POSTs)", "skipped: newman not on PATH")
        return
    help_text = postrun_help(ctx)
    if "export" not in help_text:
        yield Row("newman", "newman run (1,000 POSTs)", "skipped: no `postrun export`")
        return
    count = 200 if ctx.quick else 1000
    with start_server() as server:
        file = write_collection(ctx.work, f"newman-{count}", count, server.url)
        exported = ctx.work / f"newman-{count}.postman.json"
        measure([*ctx.postrun, "export", "postman", str(file), "-o", str(exported)], ctx)
        # The export leaves the secret as an empty collection variable; --env-var outranks it
        # (a --global-var would not), and newman does not read the process environment.
        newman_cmd = [
            newman,
            "run",
            str(exported),
            "--env-var",
            f"{TOKEN_NAME}={TOKEN_VALUE}",
            "--reporters",
            "cli",
        ]
        postrun_cmd = [*ctx.postrun, "run", str(file)]
        medians({"newman": newman_cmd}, ctx, 1)  # warm-up: node's own caches
        result = medians({"newman": newman_cmd, "postrun": postrun_cmd}, ctx, ctx.runs)
    newman_time, postrun_time = result["newman"].wall, result["postrun"].wall
    yield Row("newman", f"newman run, {count} POSTs", f"{newman_time:.3f} s")
    yield Row("newman", f"newman / postrun, {count}", f"{newman_time / postrun_time:.2f}x")


RUNNERS: dict[str, Callable[[Context], Iterator[Row]]] = {
    "throughput": bench_throughput,
    "startup": bench_startup,
    "parallel": bench_parallel,
    "memory": bench_memory,
    "newman": bench_newman,
    "load": bench_load,
}


# Output -------------------------------------------------------------------------------------


def format_table(rows: Sequence[Row]) -> str:
    """Rows as an aligned plain-text table with a pass/FAIL mark column."""
    header = ("benchmark", "figure", "median", "target", "")
    cells = [header]
    for row in rows:
        mark = "" if row.passed is None else ("pass" if row.passed else "FAIL")
        cells.append((row.group, row.figure, row.value, row.target, mark))
    widths = [max(len(line[column]) for line in cells) for column in range(len(header))]
    lines = []
    for number, line in enumerate(cells):
        padded = (cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        lines.append("  ".join(padded).rstrip())
        if number == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """The benchmark command line."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Measure postrun against a plain requests loop on a loopback server.",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smaller workloads, one run each (under a minute)"
    )
    parser.add_argument(
        "--only",
        action="append",
        choices=BENCHMARKS,
        metavar="NAME",
        help=f"run only this benchmark (repeatable): {', '.join(BENCHMARKS)}",
    )
    parser.add_argument(
        "--runs", type=int, default=None, help="runs per figure, median taken (default 5)"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the selected benchmarks, printing each row as it comes and the table at the end."""
    args = parse_args(argv)
    runs = args.runs if args.runs is not None else (1 if args.quick else 5)
    env = dict(os.environ)
    env[TOKEN_NAME] = TOKEN_VALUE
    env["NO_COLOR"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    selected = args.only or list(BENCHMARKS)
    rows: list[Row] = []
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="postrun-bench-") as work:
        # Byte-code caches go to the scratch folder (so the checkout stays clean) and are written
        # even under PYTHONDONTWRITEBYTECODE: an installed postrun starts from .pyc files.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = str(Path(work) / "pycache")
        postrun, alternatives = find_postrun(Path(work))
        ctx = Context(postrun, alternatives, env, Path(work), max(runs, 1), args.quick)
        load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
        if load > 0.5:
            print(
                f"warning: load average {load:.2f} before starting; figures will be noisy",
                file=sys.stderr,
            )
        warm_up(ctx)
        print(
            f"postrun: {' '.join(postrun)}\npython {sys.version.split()[0]}, "
            f"{os.cpu_count()} CPUs, {runs} run(s) per figure" + (", quick" if args.quick else ""),
            file=sys.stderr,
        )
        for name in BENCHMARKS:
            if name not in selected:
                continue
            for row in RUNNERS[name](ctx):
                rows.append(row)
                print(f"  {row.group}: {row.figure}: {row.value}", file=sys.stderr, flush=True)
    print()
    print(format_table(rows))
    print(f"\n({time.perf_counter() - started:.0f} s in all)")
    return 1 if any(row.passed is False for row in rows) else 0
