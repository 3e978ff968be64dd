"""The Locust side of ``postrun load``: a user that runs the plan through the engine, and hooks.

Imported only in the Locust process that runner/load/child.py starts (``python -m locust``), so
gevent has patched the standard library before requests, ssl or the engine are imported. Each
user runs the selected requests in file order, one pass per task, captures flowing within the
pass (``Engine.run_units``); every finished request becomes a Locust request event, a failed
check a failure with its message (masked, as the engine's events are). The master, or the only
process, writes the run's statistics for the parent to read (runner/load/summary.py).
"""

from __future__ import annotations

import functools
import json
import logging
import os
import pickle
from pathlib import Path
from typing import Any

import gevent
from locust import HttpUser, constant, events, task
from locust.exception import StopUser
from locust.runners import MasterRunner, WorkerRunner

from runner.engine import Engine, RunState
from runner.load.setup import SETUP_DIR, LoadSetup, LocustRecorder


@functools.cache
def _setup() -> LoadSetup:
    """What the parent prepared: the plan, the limits, where the statistics go."""
    with open(Path(os.environ[SETUP_DIR]) / "setup.pickle", "rb") as file:
        setup: LoadSetup = pickle.load(file)  # noqa: S301  (written by our parent, mode 0600)
    return setup


class PostrunUser(HttpUser):
    """A Locust user running the selected requests of the collections, pass after pass."""

    wait_time = constant(0)  # passes follow each other; think time is `delay_ms` / --delay

    def on_start(self) -> None:
        from runner.transport import prepare_session
        from runner.transport.loopback import loopback_only

        setup = _setup()
        # Locust's prepare_request reads what its own request() sets; the engine calls send.
        self.client.explicit_name = None
        prepare_session(self.client)  # postrun's User-Agent and codings, no proxy from the env
        if not setup.allow_remote:
            loopback_only(self.client)
        self.passes = 0
        record = LocustRecorder(self.environment.events.request.fire, setup.stats_name)
        self.engine = Engine(setup.plan, self.client, [record], keep_passed=False)
        self.units = setup.plan.units()  # the same every pass: the plan is immutable
        self.state = RunState()  # cleared each pass; the engine's variables for it are kept

    @task
    def run_pass(self) -> None:
        """One pass over the selected requests, captures flowing from one to the next."""
        self.state.clear()
        self.engine.run_units(self.units, state=self.state)
        self.passes += 1
        # Set on the master's command line; Locust sends it to its workers with each spawn.
        iterations = self.environment.parsed_options.postrun_iterations
        if iterations and self.passes >= iterations:
            raise StopUser()


@events.init_command_line_parser.add_listener
def _add_arguments(parser: Any, **_: Any) -> None:
    parser.add_argument("--postrun-iterations", type=int, default=0, help="passes per user")


@events.init.add_listener
def _on_init(environment: Any, **_: Any) -> None:
    """With --iterations, end the run once every user has made its passes (not on workers)."""
    # postrun prints its own summary: Locust's tables would say the same again.
    logging.getLogger("locust.stats_logger").setLevel(logging.WARNING)
    runner = environment.runner
    if isinstance(runner, WorkerRunner) or not environment.parsed_options.postrun_iterations:
        return
    spawned = {"done": False}

    def on_spawned(**_: Any) -> None:
        spawned["done"] = True

    environment.events.spawning_complete.add_listener(on_spawned)

    def watch() -> None:
        idle = 0
        while True:
            gevent.sleep(0.2)
            # A master learns its workers' user counts from their reports, once a second.
            idle = idle + 1 if spawned["done"] and runner.user_count == 0 else 0
            if idle >= (8 if isinstance(runner, MasterRunner) else 1):
                runner.quit()
                return

    gevent.spawn(watch)


@events.quitting.add_listener
def _on_quitting(environment: Any, **_: Any) -> None:
    """Write the run's statistics for the parent (the master's are those of every worker)."""
    if isinstance(environment.runner, WorkerRunner):
        return
    stats = environment.stats
    total = stats.total
    summary = {
        "entries": [_entry(entry) for entry in stats.entries.values()],
        "total": _entry(total),
        "errors": [
            {
                "name": error.name,
                "method": error.method,
                "message": str(error.error),
                "occurrences": error.occurrences,
            }
            for error in stats.errors.values()
        ],
        "duration_s": max(0.0, (total.last_request_timestamp or 0) - total.start_time),
        "users": environment.parsed_options.num_users or 0,
    }
    if environment.parsed_options.csv_prefix:
        _final_csv(environment, environment.parsed_options.csv_prefix)
    path = Path(os.environ[SETUP_DIR]) / "summary.json"
    partial = path.with_suffix(".part")
    partial.write_text(json.dumps(summary), encoding="utf-8")
    partial.replace(path)  # whole or not at all: the parent reads only a finished file
    environment.process_exit_code = 0  # the parent decides the status from the thresholds


def _entry(entry: Any) -> dict[str, Any]:
    return {
        "name": entry.name,
        "method": entry.method or "",
        "requests": entry.num_requests,
        "failures": entry.num_failures,
        "total_ms": entry.total_response_time,
        "min_ms": entry.min_response_time or 0,
        "max_ms": entry.max_response_time,
        "histogram": sorted(entry.response_times.items()),
    }


def _final_csv(environment: Any, prefix: str) -> None:
    """Locust's CSV files as the run ended: its writer rewrites them only every second or
    two, so a run that ends between two writes would leave them a little behind."""
    import csv

    from locust.stats import PERCENTILES_TO_REPORT, StatsCSV

    writer = StatsCSV(environment, PERCENTILES_TO_REPORT)
    for suffix, write in (
        ("_stats.csv", writer.requests_csv),
        ("_failures.csv", writer.failures_csv),
        ("_exceptions.csv", writer.exceptions_csv),
    ):
        with open(prefix + suffix, "w", newline="", encoding="utf-8") as file:
            write(csv.writer(file))
