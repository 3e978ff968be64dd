"""The command line: flags -> options -> engine -> reporters -> exit status. Nothing else."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, TypeVar

import click

from runner import __version__
from runner.errors import PostrunError
from runner.source import format_diagnostic

if TYPE_CHECKING:
    from runner.stdio import GuardedStream

F = TypeVar("F", bound=Callable[..., Any])

MAIN_HELP = """Run API requests kept as YAML collections: templated, checked, CI-ready.

\b
Examples:
  postrun run collections/ --mock              run offline, answered from saved examples
  postrun run collections/openai-chat.yaml --env openai
  postrun run api.yaml --var base_url=http://127.0.0.1:8000 --var retries:=3
  postrun validate collections/ --env staging --show-vars
  postrun list collections/ --tag smoke
  postrun import curl 'curl -X POST https://api.example.com/v1/items -d @item.json'
  postrun export curl collections/openai-chat.yaml --env openai

Exit status: 0 all checks passed, 1 a check or request failed, 2 invalid input,
130 interrupted.
"""


class ConsoleEntry:
    """The click ``obj`` when postrun was started as a program (``main``): the process is then
    postrun's, and a command may fork (runner/preload.py). In-process callers pass no such
    object.

    A command whose standard output only logs work whose result lies elsewhere (a run's
    status and reports, an import's files) sets ``output_is_log`` (:func:`_output_is_log`):
    its status then stands when that output could not be written (:func:`_final_status`).
    A command given ``--traceback`` sets ``traceback``: ``main`` then prints the traceback of
    the error it re-raises instead of its message.
    """

    __slots__ = ("output_is_log", "traceback")

    def __init__(self) -> None:
        self.output_is_log = False
        self.traceback = False


def _console_entry() -> ConsoleEntry | None:
    """The running command's ConsoleEntry, when postrun was started as a program."""
    context = click.get_current_context(silent=True)
    return context.obj if context is not None and isinstance(context.obj, ConsoleEntry) else None


def _owns_process() -> bool:
    """Whether the command may fork: started as ``postrun``, and not asked for tracebacks
    (which should show where an error was raised, not where a child's error was re-raised)."""
    entry = _console_entry()
    return entry is not None and not entry.traceback


def _output_is_log() -> None:
    """Say that the running command's standard output is a log, not its result."""
    entry = _console_entry()
    if entry is not None:
        entry.output_is_log = True


@dataclass(frozen=True, slots=True)
class Loaded:
    """What the commands share: the collections, the environment, --var values, .env values."""

    collections: tuple[Any, ...]
    environment: Any
    cli_vars: dict[str, Any]
    dotenv: dict[str, str]
    dotenv_name: str


def _handle_errors(command: F) -> F:
    """Turn PostrunError into a rendered message and its exit status, in this one place."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        traceback = kwargs.pop("traceback", False)
        entry = _console_entry()
        if traceback and entry is not None:
            entry.traceback = True  # main shows the traceback of what is re-raised below
        try:
            return command(*args, **kwargs)
        except PostrunError as exc:
            if traceback:
                raise
            click.echo(exc.render(), err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            if traceback:
                raise
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


# Options several commands share: one definition each.
_allow_outside_option = click.option(
    "--allow-outside",
    is_flag=True,
    help="Let file paths in collections point outside the working directory.",
)
_traceback_option = click.option(
    "--traceback", is_flag=True, hidden=True, help="Re-raise errors (for debugging)."
)
_request_option = click.option(
    "--request",
    "request_patterns",
    multiple=True,
    metavar="PATTERN",
    help="Only requests whose name or Folder/Name path matches (globs: 'Users/*'). Repeatable.",
)


def _selection_options(command: F) -> F:
    options = [
        click.option(
            "--tag",
            "tags",
            multiple=True,
            metavar="TAG",
            help="Only requests with this tag (any of several). Repeatable.",
        ),
        click.option(
            "--exclude-tag",
            "exclude_tags",
            multiple=True,
            metavar="TAG",
            help="Leave out requests with this tag. Repeatable.",
        ),
        _request_option,
    ]
    for option in reversed(options):
        command = option(command)
    return command


def _common_options(command: F) -> F:
    options = [
        click.option(
            "--env",
            "env_name",
            metavar="NAME|FILE",
            help="Environment: environments/NAME.yaml, or a path to a file.",
        ),
        click.option(
            "--var",
            "variables",
            multiple=True,
            metavar="NAME=VALUE|NAME:=JSON",
            help="Set a variable (highest precedence); := takes a typed JSON value. Repeatable.",
        ),
        click.option(
            "--env-file",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Read secrets from this .env file instead of ./.env.",
        ),
        _allow_outside_option,
        _traceback_option,
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.group(help=MAIN_HELP, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "-V", "--version", prog_name="postrun")
def cli() -> None:
    """The postrun command group."""


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


def _import_for_run() -> None:
    """What a run needs once loaded, imported while a child process loads (runner/preload.py)."""
    import importlib

    for name in ("runner.engine", "runner.parallel", "runner.report.console"):
        importlib.import_module(name)
    from runner.transport import import_requests

    import_requests()


class _Buffer(io.StringIO):
    """Holds one file's console output under --jobs; reports the real stream's encoding."""

    def __init__(self, encoding: str | None) -> None:
        super().__init__()
        self._encoding = encoding

    @property
    def encoding(self) -> str | None:  # type: ignore[override]
        return self._encoding


def _worth_parallel(plan: Any, by_iteration: bool) -> bool:
    from runner.parallel import worth_parallel

    return worth_parallel(plan, by_iteration=by_iteration)


def _fan_out(listeners: Sequence[Any]) -> Any:
    def listener(event: Any) -> None:
        for each in listeners:
            each(event)

    return listener


def _release(buffer: io.StringIO, out: TextIO) -> None:
    out.write(buffer.getvalue())
    out.flush()


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


@contextlib.contextmanager
def _sigterm_as_interrupt() -> Iterator[threading.Event]:
    """SIGTERM (a CI job cancelled) stops the run like Ctrl-C; the caller exits 143 for it."""
    terminated = threading.Event()
    if threading.current_thread() is not threading.main_thread():
        yield terminated
        return

    def on_term(signum: int, frame: Any) -> None:
        terminated.set()
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_term)
    try:
        yield terminated
    finally:
        signal.signal(signal.SIGTERM, previous)


REPORT_FORMATS = ("junit", "json", "html")


def _parse_report(text: str) -> tuple[str, Path]:
    """``junit:out/results.xml`` -> ("junit", Path); anything else is a usage error (exit 2)."""
    kind, sep, path = text.partition(":")
    if not sep or not path or kind not in REPORT_FORMATS:
        raise PostrunError(
            f"invalid --report {text!r}",
            hint=f"write FORMAT:PATH with FORMAT one of {', '.join(REPORT_FORMATS)}, "
            "e.g. --report junit:results.xml",
        )
    return kind, Path(path)


def _check_writable(path: Path) -> None:
    """A report path must be a file we can create: its nearest existing folder is writable."""
    if path.is_dir():
        raise PostrunError(f"--report path {path} is a folder", hint="give a file name in it")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK | os.X_OK):
        raise PostrunError(
            f"cannot write the report {path}: {folder} is not a writable folder",
            hint="choose a path in a folder you can write to",
        )


def _new_file_reporter(kind: str) -> Any:
    if kind == "html":
        from runner.report.html import HtmlReporter

        return HtmlReporter()
    if kind == "junit":
        from runner.report.junit import JUnitReporter

        return JUnitReporter()
    from runner.report.json_report import JsonReporter

    return JsonReporter()


@cli.command(
    "validate",
    epilog="""\b
Examples:
  postrun validate collections/
  postrun validate collections/openai-chat.yaml --env openai --show-vars""",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_common_options
@click.option(
    "--show-vars", is_flag=True, help="Print every variable, its value and the scope it came from."
)
@_handle_errors
def validate_command(
    paths: tuple[Path, ...],
    env_name: str | None,
    variables: tuple[str, ...],
    env_file: Path | None,
    allow_outside: bool,
    show_vars: bool,
) -> None:
    """Load and check collections without sending anything (exit 0 valid, 2 not)."""
    from runner.validation import validate

    loaded = _load(paths, env_name, variables, env_file, allow_outside)
    report = validate(
        loaded.collections,
        environment=loaded.environment,
        cli_vars=loaded.cli_vars,
        environ=dict(os.environ),
        dotenv=loaded.dotenv,
        show_vars=show_vars,
    )
    click.echo(report)


@cli.command(
    "list",
    epilog="""\b
Example:
  postrun list collections/""",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_selection_options
@_allow_outside_option
@_traceback_option
@_handle_errors
def list_command(
    paths: tuple[Path, ...],
    tags: tuple[str, ...],
    exclude_tags: tuple[str, ...],
    request_patterns: tuple[str, ...],
    allow_outside: bool,
) -> None:
    """List the requests of collections: folder, name, method and URL (and tags)."""
    from runner.loader import load_collection
    from runner.selection import Selection, select

    files = _discover(paths)
    collections = [load_collection(file, allow_outside=allow_outside) for file in files]
    selected = select(collections, Selection(tags, exclude_tags, request_patterns))
    for collection in selected:
        click.echo(f"{collection.name}  ({collection.file})")
        width = max((len(request.path) for request in collection.requests), default=0)
        for request in collection.requests:
            tags = f"  [{', '.join(request.tags)}]" if request.tags else ""
            click.echo(f"  {request.method:<7} {request.path:<{width}}  {request.url}{tags}")


@cli.group(
    "import",
    epilog="""\b
Examples:
  postrun import curl 'curl https://api.example.com/v1/me -H "Authorization: Bearer $API_KEY"'
  pbpaste | postrun import curl -o collections/api.yaml
  postrun import postman export.postman_collection.json --environment staging.json -o .""",
)
def import_group() -> None:
    """Bring requests in from a curl command or a Postman export."""


@import_group.command("curl")
@click.argument("command", required=False)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Append the request to this collection (created when missing); default: print it.",
)
@_traceback_option
@_handle_errors
def import_curl_command(command: str | None, output: Path | None) -> None:
    """Turn a curl command (an argument, or stdin when COMMAND is '-' or left out) into YAML.

    Literal credentials in the command become declared secrets; their values are not written.
    """
    from runner.interop.credentials import secrets_help
    from runner.interop.curl import collection_text, import_to_file, parse_curl, taken_names

    if command is None or command == "-":
        if sys.stdin is None or sys.stdin.isatty():  # None: started with stdin closed (<&-)
            raise PostrunError(
                "no curl command given",
                hint="pass it quoted: postrun import curl 'curl https://...', or pipe it in",
            )
        command = sys.stdin.read()
    imported = parse_curl(command, taken=taken_names(output) if output else ())
    for warning in imported.warnings:
        click.echo(f"warning: {warning}", err=True)
    for note in imported.notes:
        click.echo(f"note: {note}", err=True)
    if output is None:
        click.echo(collection_text(imported), nl=False)
    else:
        for note in import_to_file(imported, output):
            click.echo(f"note: {note}", err=True)
        click.echo(f"added '{imported.request['name']}' to {output}", err=True)
    # The YAML may be piped on: the secrets to set go to stderr with the other messages.
    for line in secrets_help(imported.secret_names):
        click.echo(line, err=True)


@import_group.command("postman")
@click.argument("collection_file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--environment",
    "environment_files",
    multiple=True,
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="A Postman environment export to convert too. Repeatable.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    metavar="DIR",
    help="Write DIR/collections/<name>.yaml and DIR/environments/<name>.yaml.",
)
@click.option("--overwrite", is_flag=True, help="Replace files that already exist.")
@_traceback_option
@_handle_errors
def import_postman_command(
    collection_file: Path, environment_files: tuple[Path, ...], output: Path, overwrite: bool
) -> None:
    """Convert a Postman collection (v2.1/v2.0) and environments; secrets never reach the disk."""
    from runner.interop.postman_import import import_postman

    _output_is_log()

    summary = import_postman(collection_file, environment_files, output, overwrite=overwrite)
    click.echo(summary.table())


@cli.group(
    "export",
    epilog="""\b
Examples:
  postrun export curl collections/openai-chat.yaml --env openai
  postrun export curl collections/ --request 'Notes/*' --show-secrets
  postrun export postman collections/notes-crud.yaml -o notes.postman_collection.json""",
)
def export_group() -> None:
    """Write collections out as curl commands or a Postman collection."""


@export_group.command("curl")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_common_options
@_request_option
@click.option("--show-secrets", is_flag=True, help="Write secret values instead of ****.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the commands to this file (a shell script) instead of printing them.",
)
@_handle_errors
def export_curl_command(
    paths: tuple[Path, ...],
    env_name: str | None,
    variables: tuple[str, ...],
    env_file: Path | None,
    allow_outside: bool,
    request_patterns: tuple[str, ...],
    show_secrets: bool,
    output: Path | None,
) -> None:
    """Print a runnable curl command for each request, variables resolved, secrets masked."""
    from runner.engine import RunOptions
    from runner.interop.curl import export_commands

    loaded = _load(paths, env_name, variables, env_file, allow_outside)
    options = RunOptions(
        cli_vars=loaded.cli_vars,
        environment=loaded.environment,
        environ=dict(os.environ),
        dotenv=loaded.dotenv,
        dotenv_name=loaded.dotenv_name,
        show_secrets=show_secrets,
    )
    commands = list(export_commands(loaded.collections, options, request_patterns))
    several = len(commands) > 1
    parts = [f"# {path}\n{command}" if several else command for path, command in commands]
    text = "\n\n".join(parts) + "\n"
    if output is None:
        click.echo(text, nl=False)
        return
    from runner.report.files import write_atomic

    write_atomic(output, "#!/bin/sh\n" + text, executable=True)
    click.echo(f"wrote {len(commands)} command(s) to {output}", err=True)


@export_group.command("postman")
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the v2.1 collection here (default: print it); with --env, the environment "
    "goes next to it as <env>.postman_environment.json.",
)
@_request_option
@_common_options
@click.option(
    "--show-secrets",
    is_flag=True,
    help="Write secret values (from --var, the environment, .env) instead of leaving them empty.",
)
@_handle_errors
def export_postman_command(
    paths: tuple[Path, ...],
    output: Path | None,
    request_patterns: tuple[str, ...],
    env_name: str | None,
    variables: tuple[str, ...],
    env_file: Path | None,
    allow_outside: bool,
    show_secrets: bool,
) -> None:
    """Write collections as a Postman v2.1 collection (secrets exported empty)."""
    import json

    from runner.engine import declared_secrets
    from runner.interop.postman_export import export_postman, export_postman_environment
    from runner.report.files import write_atomic
    from runner.selection import Selection, select
    from runner.variables import resolve_secrets

    loaded = _load(paths, env_name, variables, env_file, allow_outside)
    selected = select(loaded.collections, Selection(patterns=request_patterns))
    secret_values: dict[str, str] = {}
    if show_secrets:
        secret_values = dict(
            resolve_secrets(
                declared_secrets(selected, loaded.environment),
                cli_vars=loaded.cli_vars,
                environ=dict(os.environ),
                dotenv=loaded.dotenv,
                mock=False,
                dotenv_name=loaded.dotenv_name,
            ).values
        )
    document = export_postman(selected, secret_values)
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    environment_text = None
    if loaded.environment is not None:
        environment = export_postman_environment(loaded.environment, secret_values)
        environment_text = json.dumps(environment, indent=2, ensure_ascii=False) + "\n"
    if output is None:
        if environment_text is not None:
            raise PostrunError("--env needs -o FILE", hint="the environment is written next to it")
        click.echo(text, nl=False)
        return
    write_atomic(output, text)
    click.echo(f"wrote {output}", err=True)
    if environment_text is not None and env_name:
        target = output.parent / f"{Path(env_name).stem}.postman_environment.json"
        write_atomic(target, environment_text)
        shown = "with" if show_secrets else "without"
        click.echo(f"wrote {target} (secrets listed {shown} their values)", err=True)


def _discover(paths: Sequence[Path]) -> list[Path]:
    from runner.loader import discover_collections

    files, skipped = discover_collections(list(paths))
    if skipped:
        _note_skipped(skipped)
    if not files:
        raise PostrunError(
            f"no collection found in {', '.join(map(str, paths))}",
            hint="a collection is a .yaml/.yml file with a top-level `requests` list",
        )
    return files


def _note_skipped(skipped: Sequence[Path]) -> None:
    names = ", ".join(str(path) for path in skipped)
    click.echo(f"note: skipped YAML files that have no `requests`: {names}", err=True)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while collections load; what they built is frozen after.

    Loading builds a large, long-lived model and frees its garbage by reference counting, so
    the collector's passes over the growing heap were pure cost (a tenth of a 200-request run);
    frozen, the loaded model is not scanned again by the collections during the run.
    """
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _load(
    paths: Sequence[Path],
    env_name: str | None,
    variables: Sequence[str],
    env_file: Path | None,
    allow_outside: bool,
    *,
    meanwhile: Callable[[], object] | None = None,
) -> Loaded:
    """Load what a command runs on. With ``meanwhile`` (imports a run needs next), loading may
    happen in a forked child while ``meanwhile`` runs here (runner/preload.py)."""

    def load(ahead: Callable[[object], object] | None = None) -> Loaded:
        return _load_all(paths, env_name, variables, env_file, allow_outside, on_request=ahead)

    with _collector_paused():
        if meanwhile is not None:
            from runner.preload import load_in_child

            _import_shared()
            answer = load_in_child(_load_telling(load), meanwhile)
            if answer is not None:
                loaded, said = answer
                if said:
                    click.echo(said, err=True, nl=False)
                if isinstance(loaded, PostrunError):
                    raise loaded  # found by the child: not loaded a second time to say so
                return loaded
        return load()


def _import_shared() -> None:
    """Import, before a loading child is forked, the modules both processes need (the model,
    variables, templates, JSONPath): once here instead of once in each."""
    import importlib

    for name in ("runner.variables", "runner.jsonquery", "runner.templating"):
        importlib.import_module(name)


def _load_telling(
    load: Callable[[Callable[[object], object]], Loaded],
) -> Callable[[Callable[[object], object]], tuple[Loaded | PostrunError, str]]:
    """``load`` for a child process, which prints nothing: what it loaded, or the input error
    it met, comes back with what loading wrote to stderr (the note on skipped files, a warning
    python-dotenv logs about a .env line), for the parent to report in that order. Requests
    are passed to ``ahead`` as they are built."""

    def loading(ahead: Callable[[object], object]) -> tuple[Loaded | PostrunError, str]:
        said = io.StringIO()
        with contextlib.redirect_stderr(said):
            try:
                loaded: Loaded | PostrunError = load(ahead)
            except PostrunError as exc:
                exc.__traceback__ = None  # the message, location and hint are what is reported
                loaded = exc
        return loaded, said.getvalue()

    return loading


def _load_all(
    paths: Sequence[Path],
    env_name: str | None,
    variables: Sequence[str],
    env_file: Path | None,
    allow_outside: bool,
    *,
    on_request: Callable[[object], object] | None = None,
) -> Loaded:
    from runner.loader import find_environment, load_collection, load_environment
    from runner.variables import parse_cli_var, read_dotenv

    cli_vars = dict(parse_cli_var(text) for text in variables)
    files = _discover(paths)
    collections = tuple(
        load_collection(file, allow_outside=allow_outside, on_request=on_request) for file in files
    )
    environment = None
    if env_name:
        environment = load_environment(find_environment(env_name, files, Path.cwd()))
    if env_file is not None:
        dotenv = read_dotenv(env_file, required=True)
        dotenv_name = str(env_file)
    else:
        dotenv = read_dotenv(Path(".env"))
        dotenv_name = ".env"
    return Loaded(collections, environment, cli_vars, dotenv, dotenv_name)


def _use_color(flag: bool | None, stream: Any) -> bool:
    if flag is not None:
        return flag
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def main() -> None:
    """Console entry point."""
    from runner.stdio import guard

    # The process is postrun's: everything it writes to the standard streams (the console
    # reporter, click.echo, warnings) goes through guards that never raise (runner/stdio.py).
    out, err = guard(sys.stdout, sys.stderr)
    sys.stdout, sys.stderr = out, err  # type: ignore[assignment]
    entry = ConsoleEntry()
    try:
        cli(prog_name="postrun", obj=entry)
        status = 0
    except PostrunError as exc:  # raised outside a command, or re-raised for --traceback
        if entry.traceback:
            import traceback

            traceback.print_exception(exc)
        else:
            click.echo(format_diagnostic("error", exc.message, exc.location, exc.hint), err=True)
        status = exc.exit_code
    except SystemExit as exc:
        status = _exit_status(exc.code)
    out.flush()  # output buffered for a pipe or a file fails here, if it has not already
    _end_process(_final_status(status, out, entry))


def _final_status(status: int, out: GuardedStream, entry: ConsoleEntry) -> int:
    """``status``, or 1 when a command whose result is its output failed to write it.

    Only a success changes: what the user asked ``list``, ``export``, ``validate``,
    ``--version`` or ``--help`` for did not all reach them. A run keeps its status, which is
    the verdict on the API (1 would say a check failed), with the results whole in its
    reports. Standard output closed from the start is the user's choice, not a failure.
    """
    if status == 0 and out.failed and not entry.output_is_log:
        return 1
    return status


def _exit_status(code: object) -> int:
    """The status ``sys.exit(code)`` would end with (a message is printed, status 1)."""
    if code is None:
        return 0
    if isinstance(code, int):
        return code
    click.echo(str(code), err=True)
    return 1


def _observed() -> bool:
    """Whether a profiler, debugger or coverage tool watches this process."""
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return True
    # pdb (and the debuggers built on bdb) drop their trace function on `continue` with no
    # breakpoint left, but still expect the program to end normally: pdb then restarts it.
    if "bdb" in sys.modules:
        return True
    monitoring = getattr(sys, "monitoring", None)  # Python 3.12+: tools ids 0 to 5
    return monitoring is not None and any(monitoring.get_tool(tool) for tool in range(6))


def _end_process(status: int) -> NoReturn:
    """Run the atexit callbacks, flush, and end without the interpreter's teardown.

    Freeing every module and object one by one took about 20 ms of a 0.2 s run (more after a
    large load); the OS frees the process at once. Reports are written and closed by now, and
    postrun leaves no thread running that should be waited for.
    """
    import atexit

    if _observed():
        sys.exit(status)  # a profiler, debugger or coverage tool reports at the normal exit
    atexit._run_exitfuncs()  # first, as at a normal exit: what they write is flushed below
    for stream in (sys.stdout, sys.stderr):
        # main's guards never raise; this also holds if an atexit callback put a plain stream
        # back, broken or closed (None: nothing more can be said on it).
        with contextlib.suppress(OSError, ValueError, AttributeError):
            stream.flush()
    os._exit(status)
