"""The exception tree. Each class carries the exit status the CLI returns for it.

PostrunError (exit 2)         invalid input: usage, a file that does not load, an unknown
                              environment, an undefined variable, a missing secret,
                              a selection that matches nothing
  LoadError                   a collection, environment or data file is malformed (has a location)
  TemplateError               a placeholder cannot be rendered (undefined name, cycle, too deep)
TransportError (exit 1)       the request could not be completed (refused, DNS, TLS, timeout, reset)

A failed check is never an exception: it is a CheckResult with passed=False.
"""

from __future__ import annotations

from typing import Any

from runner.source import SourceLocation, format_diagnostic


class PostrunError(Exception):
    """Base of every error postrun reports to the user; exit status 2 (invalid input)."""

    exit_code = 2

    def __init__(
        self,
        message: str,
        *,
        location: SourceLocation | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.location = location
        self.hint = hint

    def render(self) -> str:
        """The full, multi-line message for the terminal."""
        return format_diagnostic("error", self.message, self.location, self.hint)


class LoadError(PostrunError):
    """A file could not be loaded into the model."""


class TemplateError(PostrunError):
    """A ``<<placeholder>>`` could not be rendered."""

    def __init__(
        self,
        message: str,
        *,
        names: tuple[str, ...] = (),
        location: SourceLocation | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, location=location, hint=hint)
        self.names = names


class TransportError(PostrunError):
    """The request could not be completed; the message is one line (masked by the engine).

    ``sent`` is what went on the wire (a SentRequest) when the failure came after sending.
    ``retryable`` is False when another attempt cannot help (a body over ``max_body``).
    """

    exit_code = 1

    def __init__(
        self, message: str, *, sent: Any = None, hint: str | None = None, retryable: bool = True
    ) -> None:
        super().__init__(message, hint=hint)
        self.sent = sent
        self.retryable = retryable
