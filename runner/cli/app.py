"""The click group ``cli``, the options its commands share, and the two places an error becomes
a message and an exit status: :func:`_handle_errors` for a command, ``main`` for the program."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import click

from runner import __version__
from runner.cli.process import (
    ConsoleEntry,
    _ask_for_tracebacks,
    _console_entry,
    _end_process,
    _exit_status,
    _final_status,
)
from runner.errors import PostrunError
from runner.source import format_diagnostic

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
  postrun load api.yaml --users 20 --duration 1m --threshold 'p95<500ms'

Exit status: 0 all checks passed, 1 a check or request failed, 2 invalid input,
130 interrupted (Ctrl-C), 143 stopped by SIGTERM (a cancelled CI job).

Add --traceback to a command to see the Python traceback of an internal error.
"""


def _handle_errors(command: F) -> F:
    """Turn PostrunError into a rendered message and its exit status, in this one place."""

    @wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        traceback = kwargs.pop("traceback", False)
        if traceback:
            _ask_for_tracebacks()  # a run then also shows those of internal errors
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
    "--traceback",
    is_flag=True,
    help="Show the Python traceback of an internal error (for a bug report); in a run, one "
    "inside a request goes to standard error, masked, and the run goes on.",
)
_request_option = click.option(
    "--request",
    "request_patterns",
    multiple=True,
    metavar="PATTERN",
    help="Only requests whose name or Folder/Name path matches (globs: 'Users/*'). Repeatable.",
)


def _selection_options(command: F) -> F:
    """--tag, --exclude-tag and --request."""
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
    """What every command that loads an environment takes: --env, --var, --env-file,
    --allow-outside and --traceback."""
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
            help="Read secrets from this file instead of ./.env and ./.env.NAME (for --env NAME).",
        ),
        _allow_outside_option,
        _traceback_option,
    ]
    for option in reversed(options):
        command = option(command)
    return command


# Each command and the module that registers it on ``cli`` (runner/cli/__init__.py).
COMMAND_MODULES = {
    "export": "runner.cli.interop",
    "import": "runner.cli.interop",
    "init": "runner.cli.starter",
    "list": "runner.cli.static",
    "load": "runner.cli.load",
    "mock": "runner.cli.mock",
    "run": "runner.cli.run",
    "validate": "runner.cli.static",
}


class _Commands(click.Group):
    """The group: a command's module is imported when the command is looked up, so a run
    imports the ``run`` command's alone (about 3 ms of the others' options and help)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*self.commands, *COMMAND_MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            import importlib

            known = COMMAND_MODULES.get(cmd_name)
            # An unknown name imports them all: click's "Did you mean" offers self.commands.
            for module in [known] if known else sorted(set(COMMAND_MODULES.values())):
                importlib.import_module(module)  # its decorators add it to self.commands
        return super().get_command(ctx, cmd_name)


@click.group(
    cls=_Commands, help=MAIN_HELP, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.version_option(__version__, "-V", "--version", prog_name="postrun")
def cli() -> None:
    """The postrun command group."""


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
