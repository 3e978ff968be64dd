"""What an import reports: a row per request, and the table the CLI prints."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from runner.interop.credentials import secrets_help
from runner.interop.postman.fields import plural


@dataclass(frozen=True, slots=True)
class RequestReport:
    """One imported request: its path, what its scripts became, and what was left as text."""

    path: str
    checks: int
    captures: int
    untranslated: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What ``import_postman`` wrote and what the user still has to do."""

    collection_name: str
    collection_file: Path
    environment_files: tuple[Path, ...]
    requests: tuple[RequestReport, ...]
    secrets: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def checks(self) -> int:
        return sum(report.checks for report in self.requests)

    @property
    def untranslated(self) -> tuple[RequestReport, ...]:
        return tuple(report for report in self.requests if report.untranslated)

    def table(self) -> str:
        """The console text: files written, a row per request, notes and secrets to set."""
        lines = [f"Imported '{self.collection_name}' -> {self.collection_file}"]
        lines.extend(f"  environment -> {path}" for path in self.environment_files)
        width = max([len("request"), *(len(report.path) for report in self.requests)])
        lines.append("")
        lines.append(f"{'request':<{width}}  checks  captures  not translated")
        for report in self.requests:
            left = ", ".join(report.untranslated) or "-"
            lines.append(
                f"{report.path:<{width}}  {report.checks:>6}  {report.captures:>8}  {left}"
            )
        captures = sum(report.captures for report in self.requests)
        lines.append(
            f"{plural(len(self.requests), 'request')}, {plural(self.checks, 'check')} and "
            f"{plural(captures, 'capture')} translated; "
            f"{plural(len(self.untranslated), 'request')} with parts not translated"
        )
        if self.untranslated:
            lines.append(
                "Parts not translated are kept in the YAML as x-postman-* text (ignored when "
                "running): rewrite them as assert/capture."
            )
        if self.notes:
            lines.append("")
            lines.append("Notes:")
            lines.extend(f"  - {note}" for note in self.notes)
        if self.secrets:
            lines.append("")
            lines.extend(secrets_help(self.secrets))
        return "\n".join(lines)
