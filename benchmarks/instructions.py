"""Count instructions (valgrind's callgrind) instead of timing: figures that do not move with load.

Wall times on a shared machine vary by 20-30 % from run to run; the number of instructions a
process executes does not (to within a fraction of a percent), so a change of a few percent in
postrun's own cost shows here when it would drown in the noise of ``python -m benchmarks``.
Usage (from the repository root; needs ``valgrind`` on PATH, and takes a few minutes)::

    python -m benchmarks.instructions             # 200 and 1,000 POSTs, postrun and the loop
    python -m benchmarks.instructions --sizes 100 500

Each command runs once under callgrind against the same loopback server as the throughput
benchmark. Printed: millions of instructions per run, the ratio postrun / loop (the throughput
targets, counted instead of timed), and instructions per extra request. Waiting on the network
costs no instructions, so these ratios are higher than the wall-time ones: they measure CPU work.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchmarks.run import ROOT, find_postrun
from benchmarks.servers import start_server
from benchmarks.workloads import TOKEN_NAME, TOKEN_VALUE, write_collection, write_loop_script


def count_instructions(command: Sequence[str], env: dict[str, str], cwd: Path) -> int:
    """Instructions executed by ``command``, as callgrind counts them: the sum over its own
    process and those it forks (postrun's loading child, runner/preload.py), since CPU work is
    what is counted; programs it executes are not followed.

    A forked child starts with its parent's counts; they are zeroed as it starts
    (``PyOS_AfterFork_Child``), so that what ran before the fork is counted once.
    """
    with tempfile.TemporaryDirectory(prefix="callgrind-") as logs:
        subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                "--callgrind-out-file=/dev/null",
                "--zero-before=PyOS_AfterFork_Child",
                f"--log-file={logs}/%p.log",
                *command,
            ],
            env=env,
            cwd=cwd,
            capture_output=True,
            check=False,
        )
        counts = [
            int(line.rsplit(":", 1)[1].strip())
            for log in Path(logs).glob("*.log")
            for line in log.read_text(encoding="utf-8", errors="replace").splitlines()
            if "Collected :" in line
        ]
        if not counts:
            found = "".join(log.read_text(errors="replace") for log in Path(logs).glob("*.log"))
            raise RuntimeError(f"no instruction count from callgrind:\n{found[-2000:]}")
    return sum(counts)


def main(argv: Sequence[str] | None = None) -> int:
    """Print instruction counts of postrun and the plain loop for each workload size."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.instructions", description=__doc__)
    parser.add_argument("--sizes", type=int, nargs=2, default=(200, 1000), metavar=("N", "M"))
    args = parser.parse_args(argv)
    if shutil.which("valgrind") is None:
        print("valgrind is not on PATH: nothing to count", file=sys.stderr)
        return 1
    python = sys.executable  # the interpreter itself: callgrind would not follow a shim into it
    small, large = sorted(args.sizes)
    env = dict(os.environ)
    env[TOKEN_NAME] = TOKEN_VALUE
    env["NO_COLOR"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    counts: dict[tuple[str, int], int] = {}
    with tempfile.TemporaryDirectory(prefix="postrun-instructions-") as scratch:
        work = Path(scratch)
        env["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
        postrun, _ = find_postrun(work)
        # A script (pip's or the pip-style wrapper) is run by the interpreter, under callgrind.
        postrun_command = [python, *postrun] if len(postrun) == 1 else list(postrun)
        loop = write_loop_script(work)
        with start_server() as server:
            url = server.url + "/v1/chat/completions"
            for count in (small, large):
                file = write_collection(work, f"instructions-{count}", count, server.url)
                commands = {
                    "postrun": [*postrun_command, "run", str(file)],
                    "loop": [python, str(loop), str(count), url],
                }
                for name, command in commands.items():
                    subprocess.run(command, env=env, cwd=work, capture_output=True, check=False)
                    counts[name, count] = count_instructions(command, env, work)
                    print(f"  {name}, {count}: {counts[name, count] / 1e6:,.0f}M", file=sys.stderr)
    print(f"{'figure':<34} {'postrun':>10} {'loop':>10} {'ratio':>7}")
    for count in (small, large):
        ours, floor = counts["postrun", count], counts["loop", count]
        label = f"instructions, {count} POSTs"
        print(f"{label:<34} {ours / 1e6:>9,.0f}M {floor / 1e6:>9,.0f}M {ours / floor:>6.3f}x")
    extra = {
        name: (counts[name, large] - counts[name, small]) / (large - small)
        for name in ("postrun", "loop")
    }
    ours, floor = extra["postrun"] / 1e3, extra["loop"] / 1e3
    label = "per extra request"
    print(f"{label:<34} {ours:>9,.0f}k {floor:>9,.0f}k {ours / floor:>6.3f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
