"""The load run, once click has parsed its options: flags -> plan -> targets and thresholds
checked -> Locust in a child process -> summary, thresholds, reports -> exit status."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

import click

from runner.errors import PostrunError

if TYPE_CHECKING:
    from runner.engine import RunPlan
    from runner.load.child import LocustOutcome
    from runner.load.thresholds import Threshold, ThresholdResult

INSTALL_HINT = "install it with: pip install 'postrun[load]'"
LOAD_REPORTS = ("json", "html")


class LoadFlags(NamedTuple):
    """The load command's options, as click parsed them."""

    paths: tuple[Path, ...]
    env_name: str | None
    variables: tuple[str, ...]
    env_file: Path | None
    allow_outside: bool
    tags: tuple[str, ...]
    exclude_tags: tuple[str, ...]
    request_patterns: tuple[str, ...]
    users: int
    spawn_rate: float | None
    duration: float | None
    iterations: int | None
    thresholds: tuple[str, ...]
    reports: tuple[str, ...]
    csv_prefix: str | None
    master: bool
    worker: bool
    master_host: str
    master_port: int
    master_bind_host: str
    expect_workers: int
    expect_workers_max_wait: int
    stop_timeout: float
    allow_remote: bool
    show_secrets: bool


def _load_run(flags: LoadFlags) -> NoReturn:
    """The load run, start to exit status."""
    from runner.cli.loading import _load
    from runner.load.child import LocustRun, run_locust
    from runner.load.setup import LoadSetup, request_names
    from runner.load.targets import check_targets
    from runner.load.thresholds import check_names

    _check_flags(flags)
    report_targets = _report_targets(flags)
    loaded = _load(
        flags.paths, flags.env_name, flags.variables, flags.env_file, flags.allow_outside
    )
    plan = _plan(flags, loaded)
    names, prefixed = request_names(plan)
    thresholds = _thresholds(flags, plan, loaded)
    check_names(thresholds, names)
    host = check_targets(plan, flags.allow_remote)
    run = LocustRun(
        host=host,
        users=flags.users,
        spawn_rate=flags.spawn_rate or float(flags.users),
        duration_s=flags.duration,
        iterations=flags.iterations,
        stop_timeout_s=flags.stop_timeout,
        master=flags.master,
        worker=flags.worker,
        master_host=flags.master_host,
        master_port=flags.master_port,
        master_bind_host=flags.master_bind_host,
        expect_workers=flags.expect_workers,
        expect_workers_max_wait=flags.expect_workers_max_wait,
        csv=flags.csv_prefix is not None,
        html=any(kind == "html" for kind, _ in report_targets),
    )
    outcome = run_locust(LoadSetup(plan, flags.allow_remote, prefixed), run)
    sys.exit(_finish(flags, outcome, thresholds, report_targets))


def _check_flags(flags: LoadFlags) -> None:
    """Locust installed, and options that need (or exclude) another: before anything loads."""
    if not _locust_installed():
        raise PostrunError("postrun load needs Locust, which is not installed", hint=INSTALL_HINT)
    if flags.master and flags.worker:
        raise PostrunError("--master and --worker exclude each other", hint="give one of them")
    if flags.worker:
        given = [
            name
            for name, value in (
                ("--threshold", flags.thresholds),
                ("--report", flags.reports),
                ("--csv", flags.csv_prefix),
            )
            if value
        ]
        if given:
            raise PostrunError(
                f"{', '.join(given)} belong on the master, not on a --worker",
                hint="the master holds the statistics of every worker",
            )
        return
    if flags.duration is None and flags.iterations is None:
        raise PostrunError(
            "a load run needs --duration or --iterations",
            hint="add --duration 1m, or --iterations 10 (passes per user)",
        )


def _locust_installed() -> bool:
    """Whether locust can be imported, found without importing it (that would patch gevent)."""
    try:
        return importlib.util.find_spec("locust") is not None
    except (ImportError, ValueError):  # a broken install, or sys.modules["locust"] = None
        return False


def _report_targets(flags: LoadFlags) -> list[tuple[str, Path]]:
    """``--report`` (json or html) and the ``--csv`` files, checked before anything is sent."""
    from runner.cli.reports import _check_writable

    targets: list[tuple[str, Path]] = []
    for text in flags.reports:
        kind, sep, path = text.partition(":")
        if not sep or not path or kind not in LOAD_REPORTS:
            raise PostrunError(
                f"invalid --report {text!r}",
                hint="write json:PATH or html:PATH, e.g. --report json:load.json "
                "(--csv PREFIX for Locust's CSV files)",
            )
        targets.append((kind, Path(path)))
    seen: set[object] = set()
    for path in [*(path for _, path in targets), *_csv_paths(flags.csv_prefix)]:
        identity = _check_writable(path)
        if identity in seen:
            raise PostrunError(f"two outputs write to {path}", hint="give each its own file")
        seen.add(identity)
    return targets


def _csv_paths(prefix: str | None) -> list[Path]:
    from runner.load.child import CSV_SUFFIXES

    return [] if prefix is None else [Path(prefix + suffix) for suffix in CSV_SUFFIXES]


def _plan(flags: LoadFlags, loaded: Any) -> RunPlan:
    """The engine's plan: what was loaded, selected, with its secrets (exit 2 on bad input)."""
    from runner.engine import plan_run
    from runner.selection import Selection

    options = loaded.run_options(
        show_secrets=flags.show_secrets,
        selection=Selection(flags.tags, flags.exclude_tags, flags.request_patterns),
    )
    return plan_run(loaded.collections, options)


def _thresholds(flags: LoadFlags, plan: RunPlan, loaded: Any) -> list[Threshold]:
    """The command line's thresholds, then each collection's; one on a request that the
    selection (--tag, --request) leaves out is dropped with a note."""
    from dataclasses import replace

    from runner.load.thresholds import parse_threshold

    found = [parse_threshold(text) for text in flags.thresholds]
    selected = {request.path for collection in plan.collections for request in collection.requests}
    prefixed = len(loaded.collections) > 1
    for collection in loaded.collections:
        for text, location in collection.thresholds:
            threshold = parse_threshold(text, location)
            name = threshold.request
            left_out = name is not None and name not in selected
            if left_out and any(request.path == name for request in collection.requests):
                click.echo(
                    f"note: threshold '{text}' ({location.file}:{location.line}) is left "
                    "out: its request is not selected",
                    err=True,
                )
                continue
            if name is not None and prefixed:
                threshold = replace(threshold, request=f"{collection.name}: {name}")
            found.append(threshold)
    return found


def _finish(
    flags: LoadFlags,
    outcome: LocustOutcome,
    thresholds: list[Threshold],
    report_targets: list[tuple[str, Path]],
) -> int:
    """Print the summary and the thresholds, write the reports; the exit status."""
    from runner.load.report import load_report, verdict, write_outputs
    from runner.load.summary import table
    from runner.load.thresholds import describe, evaluate

    if flags.worker:
        return outcome.stopped or (0 if outcome.status == 0 else 1)
    if outcome.summary is None:
        raise PostrunError(
            f"Locust ended (status {outcome.status}) without statistics",
            hint="its messages are above",
        )
    summary = outcome.summary
    click.echo(table(summary))
    for error in sorted(summary.errors, key=lambda error: -error.occurrences)[:10]:
        click.echo(f"{error.occurrences:>7}x  {error.method} {error.name}: {error.message}")
    results: list[ThresholdResult] = [evaluate(threshold, summary) for threshold in thresholds]
    for result in results:
        click.echo(f"{'pass' if result.passed else 'FAIL'}  threshold {describe(result)}")
    status, reason = verdict(summary, results, outcome.stopped)
    click.echo(reason, err=status != 0)
    report = load_report(summary, results, status)
    write_outputs(report_targets, report, outcome, flags.csv_prefix, status)
    return status
