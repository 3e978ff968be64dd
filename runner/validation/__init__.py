"""``postrun validate``: everything a run checks before sending, and nothing sent.

- ``report``: ``validate``, the run's pre-flight with secrets counted as defined, and its report;
- ``lints``: warnings on what loads but fails (or does nothing) at run time: ``$NAME`` text,
  unused secrets and ``--var``, literal objects that look like matchers, unknown methods, JSON
  bodies written as a string;
- ``urls``: request URLs rendered with the variables known before sending: a scheme is needed.

Only the CLI imports it; it imports the engine, the model and the layers below.
"""

from __future__ import annotations

from runner.validation.report import validate

__all__ = ["validate"]
