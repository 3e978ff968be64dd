"""The ``run`` command as click declares it: its options and help, read at every start-up.

What it does is in runner/cli/running.py, imported only when it runs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from runner.cli.app import _common_options, _handle_errors, _selection_options, cli


class _Size(click.ParamType):
    """A size in bytes as ``max_body`` takes it: ``65536``, ``64MiB``, ``10MB``."""

    name = "size"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        from runner.model import SIZE_HINT, parse_size

        size = parse_size(str(value))
        if size is None:
            self.fail(f"{value!r} is not a size: {SIZE_HINT}", param, ctx)
        if size < 1:
            self.fail(f"{value!r} is less than 1 byte", param, ctx)
        return size


@cli.command(
    "run",
    epilog="""\b
Examples:
  postrun run collections/ --mock
  postrun run collections/openai-chat.yaml --mock --mock-example insufficient_quota
  postrun run collections/imported.yaml --mock --mock-missing skip
  export API_KEY=sk-...; postrun run collections/openai-chat.yaml --env openai
  postrun run api.yaml --env staging --var user_id:=42 --bail
  postrun run collections/ --tag smoke --exclude-tag destructive --jobs 4
  postrun run users.yaml --data users.csv --report junit:out/junit.xml --report html:out/report.html
  postrun run api.yaml --request 'Users/*' -v --timeout 10
  postrun run api.yaml --env staging --record-missing""",
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
@click.option(
    "--mock-missing",
    type=click.Choice(["fail", "skip"]),
    default="fail",
    show_default=True,
    help="With --mock, what a request with no saved example does: fail, or skip (a partial "
    "collection smoke-tested offline).",
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
    "--max-body",
    type=_Size(),
    metavar="SIZE",
    help="Fail a response whose decoded body is over SIZE (64MiB, 10MB, bytes; overrides "
    "`max_body`, default 64MiB).",
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
    "--record",
    is_flag=True,
    help="Write each response into its collection file as the example `recorded` (masked; "
    "needs postrun[record]).",
)
@click.option(
    "--record-missing",
    is_flag=True,
    help="Like --record, for the requests that have no example yet.",
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
def run_command(**flags: Any) -> None:
    """Send the requests of collection files (or directories of them) and check the responses."""
    from runner.cli.running import RunFlags, _run

    _run(RunFlags(**flags))
