"""The run, once click has parsed its options: flags -> RunOptions -> plan -> listeners ->
engine -> reports -> exit status. Imported when ``run`` runs, not at start-up."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple, NoReturn

from runner.cli.loading import Loaded, _import_for_run, _load
from runner.cli.output import ConsoleStyle, RunListeners, _run_listeners, _use_color
from runner.cli.process import (
    _output_is_log,
    _owns_process,
    _sigterm_as_interrupt,
    _wants_tracebacks,
)
from runner.cli.reports import _new_file_reporter, _report_targets, _write_reports
from runner.errors import PostrunError

if TYPE_CHECKING:
    from runner.engine import RunPlan
    from runner.recording import Recorder
    from runner.results import RunResult
    from runner.transport import Session


# NamedTuples, not dataclasses: this module is imported by every run, and defining a frozen
# dataclass of 24 fields costs about 2 ms (a NamedTuple about a sixth of that).
class RunFlags(NamedTuple):
    """The run command's options, as click parsed them."""

    paths: tuple[Path, ...]
    env_name: str | None
    variables: tuple[str, ...]
    env_file: Path | None
    allow_outside: bool
    mock: bool
    mock_example: str | None
    mock_missing: str
    bail: bool
    quiet: bool
    verbose: bool
    color: bool | None
    show_secrets: bool
    tags: tuple[str, ...]
    exclude_tags: tuple[str, ...]
    request_patterns: tuple[str, ...]
    data_file: Path | None
    iterations: int | None
    timeout: float | None
    insecure: bool
    delay: int | None
    proxy: str | None
    max_body: int | None
    jobs: int
    parallel_iterations: bool
    record: bool
    record_missing: bool
    reports: tuple[str, ...]


class Concurrency(NamedTuple):
    """How the plan is sent: --jobs N, --parallel-iterations, and whether files run side by
    side (only when that pays, :func:`_worth_parallel`)."""

    jobs: int
    by_iteration: bool
    parallel: bool


def _run(flags: RunFlags) -> NoReturn:
    """The run, start to exit status."""
    _output_is_log()
    _check_flags(flags)
    recorder = _recorder(flags)
    report_targets = _report_targets(flags.reports)
    loaded = _load(
        flags.paths,
        flags.env_name,
        flags.variables,
        flags.env_file,
        flags.allow_outside,
        meanwhile=_import_for_run if _owns_process() else None,
        early=_may_run_while_loading(flags),
    )
    plan = _plan(flags, loaded)
    _check_auth_extras(plan)
    if flags.mock:
        _say_missing_examples(plan)
    if recorder is not None:
        recorder.guard(plan.masker)
    out = sys.stdout
    parallel = flags.jobs > 1 and _worth_parallel(plan, flags.parallel_iterations)
    file_reporters = [(_new_file_reporter(kind), path) for kind, path in report_targets]
    listeners = _run_listeners(
        out,
        ConsoleStyle(_use_color(flags.color, out), flags.quiet, flags.verbose),
        [file_reporter for file_reporter, _ in file_reporters],
        progress=flags.jobs == 1,
        parallel=parallel,
        tracebacks=sys.stderr if _wants_tracebacks() else None,
    )
    if recorder is not None:
        listeners.shared.append(recorder)
    from runner.transport import new_session  # imported before SIGTERM means an interrupt

    concurrency = Concurrency(flags.jobs, flags.parallel_iterations, parallel)
    with _sigterm_as_interrupt() as terminated:
        result = _execute(plan, listeners, concurrency, new_session)
    _stop_loading(loaded)
    status = 143 if result.interrupted and terminated.is_set() else result.exit_code
    if recorder is not None:
        _write_recorded(recorder)
    sys.exit(_write_reports(file_reporters, status))


def _may_run_while_loading(flags: RunFlags) -> bool:
    """Whether a large file checked early may be sent while it is built (runner/cli/arriving.py):
    a plain run of its requests in order, where nothing needs the whole list first."""
    selects = flags.tags or flags.exclude_tags or flags.request_patterns
    return flags.jobs == 1 and not (flags.mock or selects or flags.record or flags.record_missing)


def _stop_loading(loaded: Loaded) -> None:
    """End a loading child whose requests the run did not read to the end (--bail)."""
    from runner.cli.arriving import stop_arrivals

    stop_arrivals(loaded.collections)


def _check_flags(flags: RunFlags) -> None:
    """Options that need another one: usage errors before anything is loaded."""
    if flags.mock_example and not flags.mock:
        raise PostrunError("--mock-example needs --mock", hint="add --mock")
    if flags.mock_missing != "fail" and not flags.mock:
        raise PostrunError("--mock-missing needs --mock", hint="add --mock")
    if flags.parallel_iterations and flags.jobs < 2:
        raise PostrunError("--parallel-iterations needs --jobs N with N > 1", hint="add --jobs 4")
    if flags.record or flags.record_missing:
        _check_record_flags(flags)


def _check_record_flags(flags: RunFlags) -> None:
    """--record saves real responses, masked: never mocked ones, never unmasked ones."""
    if flags.record and flags.record_missing:
        raise PostrunError(
            "--record and --record-missing exclude each other",
            hint="--record rewrites every recorded example, --record-missing adds the missing",
        )
    option = "--record" if flags.record else "--record-missing"
    if flags.mock:
        raise PostrunError(f"{option} records real responses: it cannot go with --mock")
    if flags.show_secrets:
        raise PostrunError(
            f"{option} cannot go with --show-secrets: a secret would be written to the file"
        )


def _recorder(flags: RunFlags) -> Recorder | None:
    """The listener that keeps responses for --record, after checking ruamel.yaml is there."""
    if not (flags.record or flags.record_missing):
        return None
    from importlib.util import find_spec

    if find_spec("ruamel") is None or find_spec("ruamel.yaml") is None:
        raise PostrunError(
            "--record needs ruamel.yaml, which is not installed",
            hint="pip install 'postrun[record]'",
        )
    from runner.recording import Recorder

    return Recorder(missing_only=flags.record_missing)


def _write_recorded(recorder: Recorder) -> None:
    """Write the recorded examples; a file that cannot be written is said, the run's status
    kept (as for a report)."""
    written, problems = recorder.write()
    for line in written:
        print(line)
    for line in problems:
        print(f"warning: {line}", file=sys.stderr)


def _plan(flags: RunFlags, loaded: Loaded) -> RunPlan:
    """The engine's plan of the run: what was loaded, the --data rows and the run's options."""
    from runner.engine import plan_run
    from runner.selection import Selection

    data = None
    if flags.data_file is not None:
        from runner.data import load_data

        data = load_data(flags.data_file, allow_outside=flags.allow_outside)
    options = loaded.run_options(
        mock=flags.mock,
        mock_example=flags.mock_example,
        mock_missing=flags.mock_missing,
        bail=flags.bail,
        show_secrets=flags.show_secrets,
        selection=Selection(flags.tags, flags.exclude_tags, flags.request_patterns),
        data=data,
        iterations=flags.iterations,
        option_overrides=_option_overrides(flags),
        files_apart=flags.jobs > 1,
    )
    return plan_run(loaded.collections, options)


def _check_auth_extras(plan: RunPlan) -> None:
    """oauth1 and awsv4 sign with an optional extra: say how to install it before sending."""
    from runner.compact import summary_of
    from runner.transport.signers import EXTRAS, check_extras

    # From each collection's summary: a large file's requests are not decoded for this.
    kinds = {
        kind
        for collection in plan.collections
        for kind in summary_of(collection.requests).auth_kinds
        if kind in EXTRAS
    }
    if kinds:
        check_extras(kinds)


def _say_missing_examples(plan: RunPlan) -> None:
    """Under --mock, how many selected requests have no example, and what they will do."""
    import click

    from runner.mock import choose_example

    missing = sum(
        1
        for collection in plan.collections
        for request in collection.requests
        if choose_example(request, plan.options.mock_example) is None
        and not request.options.get("skip")
    )
    if not missing:
        return
    what = "request has" if missing == 1 else "requests have"
    if plan.options.mock_missing == "skip":
        click.echo(
            f"note: {missing} {what} no saved example: skipped (--mock-missing skip)", err=True
        )
    else:
        click.echo(
            f"note: {missing} {what} no saved example: failed under --mock "
            "(--mock-missing skip runs the others alone)",
            err=True,
        )


def _option_overrides(flags: RunFlags) -> dict[str, Any]:
    """Run-wide options from the command line, which win over the collection's `options`."""
    overrides: dict[str, Any] = {}
    if flags.timeout is not None:
        overrides["timeout"] = flags.timeout
    if flags.insecure:
        overrides["verify"] = False
    if flags.delay is not None:
        overrides["delay_ms"] = flags.delay
    if flags.proxy:
        overrides["proxy"] = flags.proxy
    if flags.max_body is not None:
        overrides["max_body"] = flags.max_body
    return overrides


def _worth_parallel(plan: RunPlan, by_iteration: bool) -> bool:
    from runner.engine.parallel import worth_parallel

    return worth_parallel(plan, by_iteration=by_iteration)


def _execute(
    plan: RunPlan,
    listeners: RunListeners,
    options: Concurrency,
    new_session: Callable[[], Session],
) -> RunResult:
    """Send the plan's requests, in order on one session, or under --jobs a group of them per
    thread: the one place a command calls the engine to run."""
    from runner.engine import Engine
    from runner.engine.parallel import GroupOutput, run_parallel

    if options.parallel:

        def group_output() -> GroupOutput:
            return GroupOutput(*listeners.group())

        return run_parallel(
            plan,
            options.jobs,
            new_session,
            run_listeners=[listeners.console],
            shared_listeners=listeners.shared,
            group_output=group_output,
            by_iteration=options.by_iteration,
            keep_passed=False,
        )
    with new_session() as session:
        # The file reporters hear each event before the console prints it: a Ctrl-C that lands
        # between two listeners then never leaves a printed request out of the reports.
        return Engine(
            plan, session, [*listeners.shared, listeners.console], keep_passed=False
        ).run()
