"""GitHub Actions output: error annotations at the failing YAML line, and a job summary table.

Annotations are workflow commands printed on stdout (``::error file=...,line=...::message``);
the summary is Markdown appended to the file ``$GITHUB_STEP_SUMMARY`` names. See
https://docs.github.com/actions/using-workflows/workflow-commands-for-github-actions
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from runner.events import RequestFinished, RunFinished, RunStarted
from runner.report.text import cut, show_value
from runner.results import CheckResult, RequestResult, RunResult
from runner.source import SourceLocation

SUMMARY_MAX_ROWS = 200
CELL_CHARS = 300
ACTUAL_CHARS = 200


def github_enabled(environ: Mapping[str, str]) -> bool:
    """True inside a GitHub Actions job (the runner sets ``GITHUB_ACTIONS=true``)."""
    return environ.get("GITHUB_ACTIONS", "") == "true"


def step_summary_path(environ: Mapping[str, str]) -> Path | None:
    """The job summary file from ``GITHUB_STEP_SUMMARY``, or None when it is not set."""
    value = environ.get("GITHUB_STEP_SUMMARY", "").strip()
    return Path(value) if value else None


def escape_data(text: str) -> str:
    """Escape an annotation message the way the Actions runner unescapes it."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape an annotation property (file, title): as a message, plus ``:`` and ``,``."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(
    level: str,
    message: str,
    *,
    file: str | None = None,
    line: int | None = None,
    col: int | None = None,
    title: str | None = None,
) -> str:
    """One workflow command line, e.g. ``::error file=a.yaml,line=3,col=5,title=T::message``."""
    properties: list[str] = []
    if file is not None:
        properties.append(f"file={escape_property(file)}")
        if line is not None:
            properties.append(f"line={line}")
            if col is not None:
                properties.append(f"col={col}")
    if title is not None:
        properties.append(f"title={escape_property(title)}")
    head = f"::{level} {','.join(properties)}" if properties else f"::{level}"
    return f"{head}::{escape_data(message)}"


def escape_cell(text: str) -> str:
    """Make text safe inside a Markdown table cell: no ``|`` split, no line break, no HTML."""
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    text = text.replace("|", "\\|")
    return "<br>".join(line for line in text.splitlines() if line.strip())


@dataclass(frozen=True, slots=True)
class _Row:
    """One summary table row, kept small: no bodies, at most a few short messages."""

    icon: str
    collection: str
    request: str
    status: str
    time: str
    problems: tuple[str, ...]


class GitHubReporter:
    """Prints error annotations as requests fail and appends a Markdown job summary at the end.

    ``cwd`` is the directory annotation paths are made relative to (the checkout, where the
    job runs); ``summary_path`` None writes no summary; ``annotate`` False prints nothing (under
    --jobs, each file's own reporter annotates into that file's grouped output).
    """

    def __init__(
        self,
        out: TextIO,
        summary_path: Path | None,
        cwd: Path,
        *,
        max_rows: int = SUMMARY_MAX_ROWS,
        annotate: bool = True,
    ) -> None:
        self.out = out
        self.annotate = annotate
        self.summary_path = summary_path
        self.cwd = cwd
        self.max_rows = max_rows
        self._collections: tuple[str, ...] = ()
        self._environment: str | None = None
        # Failures first in the table: keep them apart, each list capped so a long run stays
        # small; the totals come from the RunResult.
        self._failed_rows: list[_Row] = []
        self._other_rows: list[_Row] = []

    def __call__(self, event: Any) -> None:
        if isinstance(event, RunStarted):
            self._collections = event.collections
            self._environment = event.environment
        elif isinstance(event, RequestFinished):
            self._request_finished(event.result)
        elif isinstance(event, RunFinished):
            self._run_finished(event.result)

    # Annotations -------------------------------------------------------------------------

    def _request_finished(self, result: RequestResult) -> None:
        self._add_row(result)
        if not self.annotate:
            return
        title = _title(result)
        if result.skipped is None:
            if result.error is not None:
                self._annotate(result.error, result.location, title)
            for check in result.failed_checks:
                self._annotate(check_message(check), check.location or result.location, title)
            for capture in result.captures:
                if not capture.found:
                    message = capture.message or f"capture {capture.name} found nothing"
                    self._annotate(message, capture.location or result.location, title)

    def _add_row(self, result: RequestResult) -> None:
        if self.summary_path is None:
            return  # only the summary needs the rows
        rows = self._other_rows if result.passed else self._failed_rows
        if len(rows) < self.max_rows:
            rows.append(_row(result))

    def _annotate(self, message: str, location: SourceLocation | None, title: str) -> None:
        if location is None:
            text = annotation("error", message, title=title)
        else:
            text = annotation(
                "error",
                message,
                file=self._relative(location.file),
                line=location.line,
                col=location.column,
                title=title,
            )
        self.out.write(text + "\n")
        self.out.flush()

    def _relative(self, file: str) -> str:
        """The path from the workspace, with ``/``: GitHub matches annotations to repo paths."""
        path = Path(file)
        try:
            return path.resolve().relative_to(self.cwd.resolve()).as_posix()
        except ValueError:
            return path.as_posix()

    # Summary -----------------------------------------------------------------------------

    def _run_finished(self, run: RunResult) -> None:
        if self.summary_path is None:
            return
        text = self.render_summary(run)
        try:
            # Append: other steps of the job (or another postrun run) wrote there before us.
            with self.summary_path.open("a", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            self.out.write(
                annotation("warning", f"postrun could not write the job summary: {exc}") + "\n"
            )
            self.out.flush()

    def render_summary(self, run: RunResult) -> str:
        """The Markdown block for the job summary: heading, totals, then the request table."""
        counts = run.counts
        failed, skipped = counts.failed, counts.skipped
        passed = counts.requests - failed - skipped
        icon = "✅" if run.passed else "❌"
        heading = "postrun"
        if self._collections:
            heading += ": " + ", ".join(self._collections)
        if self._environment:
            heading += f" (env {self._environment})"
        # A blank line first: what an earlier step wrote may not end its last paragraph.
        lines = ["", f"## {icon} {escape_cell(heading)}", ""]
        if run.interrupted:
            lines += ["> [!WARNING]", "> The run was interrupted: the results so far.", ""]
        checks = counts.checks
        lines += [
            "| Requests | Passed | Failed | Skipped | Checks | Checks failed | Time |",
            "|--:|--:|--:|--:|--:|--:|--:|",
            f"| {counts.requests} | {passed} | {failed} | {skipped} | {checks} "
            f"| {counts.failed_checks} | {run.elapsed_ms / 1000:.2f} s |",
            "",
        ]
        rows = (self._failed_rows + self._other_rows)[: self.max_rows]
        if rows:
            lines += [
                "| | Collection | Request | Status | Time | Failed checks |",
                "|:-:|---|---|--:|--:|---|",
            ]
            for row in rows:
                problems = "<br>".join(escape_cell(cut(text, CELL_CHARS)) for text in row.problems)
                lines.append(
                    f"| {row.icon} | {escape_cell(row.collection)} | {escape_cell(row.request)} "
                    f"| {row.status} | {row.time} | {problems} |"
                )
            lines.append("")
        if counts.requests > len(rows):
            lines += [
                f"_Showing {len(rows)} of {counts.requests} requests, failures first; "
                "the JUnit, JSON or HTML report has them all._",
                "",
            ]
        return "\n".join(lines) + "\n"


def check_message(check: CheckResult) -> str:
    """What a failed check says: its own message, or ``description: expected X, got Y``."""
    actual = "nothing" if check.actual_missing else cut(show_value(check.actual), ACTUAL_CHARS)
    if check.message:
        text = f"{check.description}: {check.message}"
        if check.expected and check.expected not in check.message:
            text += f" (expected {check.expected})"
        return text
    return f"{check.description}: expected {check.expected}, got {actual}"


def _title(result: RequestResult) -> str:
    title = f"{result.collection} › {result.path}"
    return title if result.iteration is None else f"{title} (iteration {result.iteration})"


def _row(result: RequestResult) -> _Row:
    request = result.path if result.iteration is None else f"{result.path} #{result.iteration}"
    if result.skipped is not None:
        reason = "" if result.skipped == "skipped" else f": {result.skipped}"
        return _Row("⏭️", result.collection, request, "–", "–", (f"skipped{reason}",))
    problems: list[str] = []
    if result.error is not None:
        problems.append(result.error)
    problems += [check_message(check) for check in result.failed_checks]
    problems += [
        capture.message or f"capture {capture.name} found nothing"
        for capture in result.captures
        if not capture.found
    ]
    status = str(result.status) if result.status is not None else "error"
    timing = f"{result.elapsed_ms:.0f} ms" if result.status is not None else "–"
    return _Row(
        "✅" if result.passed else "❌",
        result.collection,
        request,
        status,
        timing,
        tuple(problems),
    )
