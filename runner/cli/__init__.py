"""The command line: flags -> options -> engine -> reporters -> exit status. Nothing else."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import click

from runner.cli import interop, static  # noqa: F401  (they register their commands)
from runner.cli.app import (
    _common_options,
    _handle_errors,
    _selection_options,
    cli,
    main,  # noqa: F401  (the console entry: runner.cli:main)
)
from runner.cli.loading import _import_for_run, _load
from runner.cli.output import _Buffer, _fan_out, _release, _use_color
from runner.cli.process import (
    _output_is_log,
    _owns_process,
    _sigterm_as_interrupt,
)
from runner.cli.reports import (  # noqa: F401  (REPORT_FORMATS: tests read it here)
    REPORT_FORMATS,
    _check_writable,
    _new_file_reporter,
    _parse_report,
)
from runner.errors import PostrunError


@cli.command(
    "run",
    epilog="""\b
Examples:
  postrun run collections/ --mock
  postrun run collections/openai-chat.yaml --mock --mock-example insufficient_quota
  export API_KEY=sk-...; postrun run collections/openai-chat.yaml --env openai
  postrun run api.yaml --env staging --var user_id:=42 --bail
  postrun run collections/ --tag smoke --exclude-tag destructive --jobs 4
  postrun run users.yaml --data users.csv --report junit:out/junit.xml --report html:out/report.html
  postrun run api.yaml --request 'Users/*' -v --timeout 10""",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_common_options
@click.option(
    "--mock", is_flag=True, help="Answer each request from its saved example; no network."
)
@click.option(
    "--mock-example",
    metavar="NAME",
    help="With --mock, answer from the example NAME where a request has one.",
)
@click.option("--bail", is_flag=True, help="Stop after the first failed request.")
@click.option("-q", "--quiet", is_flag=True, help="Show only failures and the summary.")
@click.option(
    "-v",
    "--verbose",
    is_flag=True,
    help="Print every request and response in full (masked; bodies cut past 8 KiB).",
)
@click.option(
    "--color/--no-color",
    default=None,
    help="Colour the output (default: on a terminal, unless NO_COLOR is set).",
)
@click.option("--show-secrets", is_flag=True, help="Do not mask secrets (local debugging only).")
@_selection_options
@click.option(
    "--data",
    "data_file",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Run once per row of a CSV (header row, text values) or JSON list of objects (typed).",
)
@click.option(
    "--iterations",
    type=int,
    metavar="N",
    help="Run the requests N times (with --data: the first N rows).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(min=0, min_open=True),
    metavar="SECONDS",
    help="Deadline for each whole request, overriding the collection's `timeout`.",
)
@click.option("--insecure", is_flag=True, help="Do not verify TLS certificates (verify: false).")
@click.option(
    "--delay",
    type=click.IntRange(min=0),
    metavar="MS",
    help="Wait this many milliseconds before each request (overrides `delay_ms`).",
)
@click.option(
    "--proxy",
    metavar="URL",
    help="Send every request through this proxy (overrides `proxy`).",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    metavar="N",
    help="Run up to N collection files at once (each keeps its own order, cookies, captures).",
)
@click.option(
    "--parallel-iterations",
    is_flag=True,
    help="With --jobs, also run the iterations of one file side by side (captures do not flow "
    "between them).",
)
@click.option(
    "--report",
    "reports",
    multiple=True,
    metavar="FORMAT:PATH",
    help="Also write a report: junit:results.xml, json:results.json or html:report.html. "
    "Repeatable.",
)
@_handle_errors
def run_command(
    paths: tuple[Path, ...],
    env_name: str | None,
    variables: tuple[str, ...],
    env_file: Path | None,
    allow_outside: bool,
    mock: bool,
    mock_example: str | None,
    bail: bool,
    quiet: bool,
    verbose: bool,
    color: bool | None,
    show_secrets: bool,
    tags: tuple[str, ...],
    exclude_tags: tuple[str, ...],
    request_patterns: tuple[str, ...],
    data_file: Path | None,
    iterations: int | None,
    timeout: float | None,
    insecure: bool,
    delay: int | None,
    proxy: str | None,
    jobs: int,
    parallel_iterations: bool,
    reports: tuple[str, ...],
) -> None:
    """Send the requests of collection files (or directories of them) and check the responses."""
    _output_is_log()
    if mock_example and not mock:
        raise PostrunError("--mock-example needs --mock", hint="add --mock")
    if parallel_iterations and jobs < 2:
        raise PostrunError("--parallel-iterations needs --jobs N with N > 1", hint="add --jobs 4")
    report_targets = [_parse_report(text) for text in reports]
    for _, target in report_targets:
        _check_writable(target)  # before the run, not after minutes of it
    loaded = _load(
        paths,
        env_name,
        variables,
        env_file,
        allow_outside,
        meanwhile=_import_for_run if _owns_process() else None,
    )
    from runner.engine import Engine, RunOptions, plan_run
    from runner.report.console import ConsoleReporter
    from runner.report.progress import progress_enabled
    from runner.selection import Selection
    from runner.transport import new_session

    data = None
    if data_file is not None:
        from runner.data import load_data

        data = load_data(data_file, allow_outside=allow_outside)
    options = RunOptions(
        cli_vars=loaded.cli_vars,
        environment=loaded.environment,
        environ=dict(os.environ),
        dotenv=loaded.dotenv,
        dotenv_name=loaded.dotenv_name,
        mock=mock,
        mock_example=mock_example,
        bail=bail,
        show_secrets=show_secrets,
        selection=Selection(tags, exclude_tags, request_patterns),
        data=data,
        iterations=iterations,
        option_overrides=_option_overrides(timeout, insecure, delay, proxy),
        files_apart=jobs > 1,
    )
    plan = plan_run(loaded.collections, options)
    out = sys.stdout
    use_color = _use_color(color, out)
    isatty = bool(getattr(out, "isatty", None) and out.isatty())
    reporter = ConsoleReporter(
        out,
        color=use_color,
        quiet=quiet,
        verbose=verbose,
        progress=progress_enabled(isatty, os.environ) and jobs == 1,
    )
    file_reporters = [(_new_file_reporter(kind), path) for kind, path in report_targets]
    shared: list[Any] = [file_reporter for file_reporter, _ in file_reporters]
    on_github = os.environ.get("GITHUB_ACTIONS") == "true"
    parallel = jobs > 1 and _worth_parallel(plan, parallel_iterations)
    if on_github:
        from runner.report.github import GitHubReporter, step_summary_path

        # After the console, so each annotation follows its request's line; under --jobs each
        # file's annotations go with its grouped output, and this one writes the summary only.
        summary = GitHubReporter(
            out, step_summary_path(os.environ), Path.cwd(), annotate=not parallel
        )
        shared.insert(0, summary)
    with _sigterm_as_interrupt() as terminated:
        if parallel:
            from runner.parallel import GroupOutput, run_parallel

            def group_output() -> GroupOutput:
                buffer = _Buffer(getattr(out, "encoding", None))
                listeners: list[Any] = [
                    ConsoleReporter(buffer, color=use_color, quiet=quiet, verbose=verbose)
                ]
                if on_github:
                    from runner.report.github import GitHubReporter

                    listeners.append(GitHubReporter(buffer, None, Path.cwd()))
                return GroupOutput(_fan_out(listeners), lambda: _release(buffer, out))

            result = run_parallel(
                plan,
                jobs,
                new_session,
                run_listeners=[reporter],
                shared_listeners=shared,
                group_output=group_output,
                by_iteration=parallel_iterations,
                keep_passed=False,
            )
        else:
            with new_session() as session:
                result = Engine(plan, session, [reporter, *shared], keep_passed=False).run()
    from runner.report.files import write_atomic

    status = 143 if result.interrupted and terminated.is_set() else result.exit_code
    for file_reporter, path in file_reporters:
        try:
            write_atomic(path, file_reporter.render())
        except OSError as exc:  # checked before the run, so rare: say so, write the others
            click.echo(f"error: cannot write the report {path}: {exc.strerror or exc}", err=True)
            status = status if status in (130, 143) else 2
    sys.exit(status)


def _worth_parallel(plan: Any, by_iteration: bool) -> bool:
    from runner.parallel import worth_parallel

    return worth_parallel(plan, by_iteration=by_iteration)


def _option_overrides(
    timeout: float | None, insecure: bool, delay: int | None, proxy: str | None
) -> dict[str, Any]:
    """Run-wide options from the command line, which win over the collection's `options`."""
    overrides: dict[str, Any] = {}
    if timeout is not None:
        overrides["timeout"] = timeout
    if insecure:
        overrides["verify"] = False
    if delay is not None:
        overrides["delay_ms"] = delay
    if proxy:
        overrides["proxy"] = proxy
    return overrides
