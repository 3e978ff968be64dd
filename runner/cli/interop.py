"""The ``import`` and ``export`` groups: requests in from curl or Postman, collections out as
curl commands or a Postman collection."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from runner.cli.app import (
    _common_options,
    _handle_errors,
    _request_option,
    _traceback_option,
    cli,
)
from runner.cli.loading import _load
from runner.cli.process import _output_is_log
from runner.errors import PostrunError


@cli.group(
    "import",
    epilog="""\b
Examples:
  postrun import curl 'curl https://api.example.com/v1/me -H "Authorization: Bearer $API_KEY"'
  pbpaste | postrun import curl -o collections/api.yaml
  postrun import postman export.postman_collection.json --environment staging.json -o .
  postrun import postman postman/collections/my-api -o .""",
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
@click.argument("collection_file", metavar="FILE_OR_DIR", type=click.Path(path_type=Path))
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
    """Convert a Postman collection (a v2.1/v2.0 .json export, or a v3 folder of YAML files)
    and environments; secrets never reach the disk."""
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
    from runner.interop.curl import export_commands

    loaded = _load(paths, env_name, variables, env_file, allow_outside)
    options = loaded.run_options(show_secrets=show_secrets)
    notes: list[str] = []
    commands = list(export_commands(loaded.collections, options, request_patterns, notes))
    for note in notes:
        click.echo(f"note: {note}", err=True)
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
