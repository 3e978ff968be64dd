"""The commands that read collections and send nothing: ``validate`` and ``list``."""

from __future__ import annotations

import os
from pathlib import Path

import click

from runner.cli.app import (
    _allow_outside_option,
    _common_options,
    _handle_errors,
    _selection_options,
    _traceback_option,
    cli,
)
from runner.cli.loading import _discover, _load


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
        dotenv_name=loaded.dotenv_name,
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
