"""What shapes a run, from the command line or a front-end: variables, mock, selection, data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runner.model import EnvironmentSpec
from runner.selection import Selection

if TYPE_CHECKING:
    from runner.data import DataSet  # only with --data: not imported for other runs


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Everything from the command line that shapes a run."""

    cli_vars: Mapping[str, Any] = field(default_factory=dict)
    environment: EnvironmentSpec | None = None
    environ: Mapping[str, str] = field(default_factory=dict)
    dotenv: Mapping[str, str] = field(default_factory=dict)
    dotenv_name: str = ".env"
    mock: bool = False
    mock_example: str | None = None
    # --mock-missing: "fail" a request with no example under --mock (as before), or "skip" it.
    mock_missing: str = "fail"
    bail: bool = False
    show_secrets: bool = False
    selection: Selection = field(default_factory=Selection)
    data: DataSet | None = None
    iterations: int | None = None  # with data: the first N rows; without: N repeats
    # --timeout, --insecure, --delay, --proxy, --max-body: the command line wins over the file.
    option_overrides: Mapping[str, Any] = field(default_factory=dict)
    # --jobs: each file runs on its own, so captures do not flow from one file to another.
    files_apart: bool = False

    @property
    def data_rows(self) -> tuple[Mapping[str, Any] | None, ...]:
        """One entry per iteration: a data row, or None when the run is not data-driven."""
        if self.data is not None:
            return self.data.rows[: self.iterations] if self.iterations else self.data.rows
        return (None,) * (self.iterations or 1)

    @property
    def iterated(self) -> bool:
        """Whether results carry an iteration number (data-driven or repeated runs)."""
        return self.data is not None or (self.iterations or 1) > 1
