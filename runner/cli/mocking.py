"""The ``mock`` command once click has parsed it: load, print the routes, serve until Ctrl-C."""

from __future__ import annotations

import errno
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click

from runner.cli.loading import _load
from runner.cli.process import _output_is_log, _sigterm_as_interrupt
from runner.errors import PostrunError

if TYPE_CHECKING:
    from runner.mockserver import MockServer


def serve(
    paths: tuple[Path, ...],
    env_name: str | None,
    variables: tuple[str, ...],
    env_file: Path | None,
    allow_outside: bool,
    port: int,
    host: str,
) -> None:
    """Serve until interrupted: exit 130 on Ctrl-C, 143 on SIGTERM."""
    from runner.mockserver.serving import serve_collections

    _output_is_log()
    loaded = _load(paths, env_name, variables, env_file, allow_outside)
    try:
        server = serve_collections(
            list(loaded.collections),
            loaded.environment,
            loaded.cli_vars,
            host=host,
            port=port,
            log=sys.stdout,
        )
    except OSError as exc:
        raise _bind_error(exc, host, port) from None
    if not server.routes:
        server.server_close()
        raise PostrunError(
            "no request in these collections has an example to serve",
            hint="add examples: to the requests (README, 'Examples and --mock')",
        )
    _print_start(server, loaded.collections, sys.stdout)
    with _sigterm_as_interrupt() as terminated:
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.server_close()
    click.echo("postrun mock: stopped", err=True)
    sys.exit(143 if terminated.is_set() else 130)


def _bind_error(exc: OSError, host: str, port: int) -> PostrunError:
    if exc.errno == errno.EADDRINUSE:
        return PostrunError(
            f"cannot listen on {host}:{port}: the port is in use",
            hint="choose another with --port, or --port 0 for a free one",
        )
    return PostrunError(f"cannot listen on {host}:{port}: {exc.strerror or exc}")


def _print_start(server: MockServer, collections: Sequence[object], out: TextIO) -> None:
    """The base URL first (scripts read it), the routes, and how to run against them."""
    routes = server.routes
    files = len(collections)
    out.write(
        f"postrun mock: {len(routes)} routes from {files} file{'s' * (files != 1)} "
        f"on {server.base_url}\n"
    )
    width = max(len(route.path) for route in routes)
    for route in routes:
        names = ", ".join(example.name for example in route.request.examples)
        out.write(f"  {route.method:<7} {route.path:<{width}}  {route.request.path}  ({names})\n")
    bases = sorted({route.base for route in routes if route.base})
    if bases:
        given = " ".join(f"--var {base}={server.base_url}" for base in bases)
        out.write(f"Run against it: postrun run PATH {given}\n")
    out.write("Ctrl-C stops it; each request is logged below.\n")
    out.flush()
