"""The ``load`` command as click declares it: its options and help, read at every start-up.

What it does is in runner/cli/loadrun.py, imported only when it runs (and Locust only in the
child process that starts).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from runner.cli.app import _common_options, _handle_errors, _selection_options, cli

_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s?)?")


class _Duration(click.ParamType):
    """A duration as Locust's ``--run-time`` takes it: ``30s``, ``10m``, ``1h30m``, ``90``."""

    name = "duration"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> float:
        if isinstance(value, float):
            return value
        text = str(value).strip().lower()
        match = _DURATION.fullmatch(text)
        if not text or match is None or not any(match.groups()):
            self.fail(f"{value!r} is not a duration: write 30s, 10m or 1h30m", param, ctx)
        hours, minutes, seconds = match.groups()
        total = int(hours or 0) * 3600 + int(minutes or 0) * 60 + float(seconds or 0)
        if total < 1:
            self.fail(f"{value!r} is shorter than one second", param, ctx)
        return total


@cli.command(
    "load",
    epilog="""\b
Examples:
  postrun load api.yaml --users 20 --spawn-rate 5 --duration 1m
  postrun load api.yaml --users 10 --iterations 50 --threshold 'p95<500ms' --threshold 'errors<1%'
  postrun load api.yaml --users 50 --duration 5m --threshold 'Users/Get user: p99<1s'
  postrun load api.yaml --users 20 --duration 1m --report json:load.json --csv out/load
  postrun load api.yaml --master --expect-workers 2 --users 40 --duration 2m
  postrun load api.yaml --worker --master-host 127.0.0.1

\b
Exit status: 0 every threshold held (without thresholds: no request failed), 1 one did not,
2 invalid input, 130 interrupted.""",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_common_options
@_selection_options
@click.option(
    "-u", "--users", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
    help="Simulated users, each running the requests in file order, pass after pass.",
)  # fmt: skip
@click.option(
    "-r", "--spawn-rate", type=click.FloatRange(min=0, min_open=True), metavar="R",
    help="Users started per second (default: all of them in the first second).",
)  # fmt: skip
@click.option(
    "-t", "--duration", type=_Duration(), metavar="T",
    help="Stop after this long: 30s, 10m, 1h30m. This or --iterations is required.",
)  # fmt: skip
@click.option(
    "--iterations", type=click.IntRange(min=1), metavar="N",
    help="Each user makes N passes over the requests, then stops (users x N in all).",
)  # fmt: skip
@click.option(
    "--threshold", "thresholds", multiple=True, metavar="[REQUEST:]METRIC<VALUE",
    help="Fail (exit 1) unless it holds: 'p95<500ms', 'errors<1%', 'rps>=50', "
    "'Log in: max<2s'. Repeatable; adds to the collection's load.thresholds.",
)  # fmt: skip
@click.option(
    "--report", "reports", multiple=True, metavar="FORMAT:PATH",
    help="Also write json:load.json (statistics and thresholds) or html:load.html "
    "(Locust's report). Repeatable.",
)  # fmt: skip
@click.option(
    "--csv", "csv_prefix", metavar="PREFIX",
    help="Write Locust's CSV files: PREFIX_stats.csv, PREFIX_stats_history.csv, "
    "PREFIX_failures.csv, PREFIX_exceptions.csv.",
)  # fmt: skip
@click.option("--master", is_flag=True, help="Run as Locust master: workers send the requests.")
@click.option(
    "--worker", is_flag=True, help="Run as a Locust worker of the master at --master-host."
)
@click.option(
    "--master-host", default="127.0.0.1", show_default=True, metavar="HOST",
    help="With --worker: the master to connect to.",
)  # fmt: skip
@click.option(
    "--master-port", type=click.IntRange(1, 65535), default=5557, show_default=True,
    metavar="PORT", help="The master's port (it listens on it; workers connect to it).",
)  # fmt: skip
@click.option(
    "--master-bind-host", default="127.0.0.1", show_default=True, metavar="ADDRESS",
    help="With --master: the address to listen on (0.0.0.0 for workers on other hosts).",
)  # fmt: skip
@click.option(
    "--expect-workers", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
    help="With --master: start once N workers have connected.",
)  # fmt: skip
@click.option(
    "--expect-workers-max-wait", type=click.IntRange(min=0), default=0, metavar="SECONDS",
    help="With --master: give up when the workers have not all connected by then "
    "(default: wait for ever).",
)  # fmt: skip
@click.option(
    "--stop-timeout", type=click.FloatRange(min=0), default=10.0, show_default=True,
    metavar="SECONDS", help="At the end, let users finish their pass for up to this long.",
)  # fmt: skip
@click.option(
    "--allow-remote", is_flag=True,
    help="Allow hosts other than this machine (only servers you are allowed to load).",
)  # fmt: skip
@click.option("--show-secrets", is_flag=True, help="Do not mask secrets (local debugging only).")
@_handle_errors
def load_command(**flags: Any) -> None:
    """Run the requests of collections as a load test on Locust, and check its thresholds."""
    from runner.cli.loadrun import LoadFlags, _load_run

    _load_run(LoadFlags(**flags))
