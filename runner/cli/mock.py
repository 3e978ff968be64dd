"""The ``mock`` command as click declares it; what it does is in runner/cli/mocking.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from runner.cli.app import _common_options, _handle_errors, cli

DEFAULT_PORT = 4010  # Prism's, the best-known API mock server; 8000 and 3000 are often taken


@cli.command(
    "mock",
    epilog="""\b
Examples:
  postrun mock collections/
  postrun mock collections/notes-crud.yaml --port 0
  postrun run collections/notes-crud.yaml --var base_url=http://127.0.0.1:4010""",
)
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_common_options
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    metavar="P",
    help="Port to listen on; 0 picks a free one (the printed base URL says which).",
)
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    metavar="ADDRESS",
    help="Address to listen on (0.0.0.0 serves other machines too).",
)
@_handle_errors
def mock_command(**flags: Any) -> None:
    """Serve the examples of collections over HTTP, until Ctrl-C."""
    from runner.cli.mocking import serve

    serve(**flags)
