"""Reading a pasted curl command into a postrun request (`postrun import curl`).

The result is a plain mapping in the collection format (FORMAT.md 1, 1.2, 1.6, 1.7), ready for
``yaml_out.dump_yaml``. Flags that change what is sent and that postrun cannot express, or that
the import drops, are reported as warnings rather than silently lost.

The steps live in their own modules: ``curl_tokens`` splits the command line, ``curl_flags``
is the option table, ``curl_options`` reads the options, ``curl_request`` builds the request
and ``curl_secrets`` turns the credentials in it into secrets.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from runner.errors import PostrunError
from runner.interop.credentials import SecretVault
from runner.interop.curl_options import read_options
from runner.interop.curl_request import build_request
from runner.interop.curl_secrets import secure_request
from runner.interop.curl_tokens import split_command

__all__ = ["CurlImport", "parse_curl", "split_command"]

_CURL_NAMES = ("curl", "curl.exe")


@dataclass(frozen=True, slots=True)
class CurlImport:
    """A request read from a curl command, what was dropped, and the secrets it needs.

    ``request`` is a plain dict in the collection format, holding no literal credential.
    ``variables`` are the names of shell variables (``$OPENAI_API_KEY``) that became
    ``<<OPENAI_API_KEY>>`` placeholders; ``secrets`` are the names of new secrets that replaced
    credentials written out in the command (``-u ann:pw`` -> ``<<BASIC_PASSWORD>>``), and
    ``notes`` say which credential became which. Both kinds belong under ``secrets:`` (a new
    collection file declares them itself); their values were never kept.
    """

    request: dict[str, Any]
    warnings: tuple[str, ...] = ()
    variables: tuple[str, ...] = field(default=())
    secrets: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = field(default=())

    @property
    def secret_names(self) -> tuple[str, ...]:
        """Every secret the request uses: shell variables first, then the new ones."""
        return tuple(dict.fromkeys((*self.variables, *self.secrets)))


def parse_curl(command: str, *, taken: Collection[str] = ()) -> CurlImport:
    """Turn a pasted curl command line into a request mapping, with warnings for what it drops.

    Credentials written out in the command become placeholders of new secrets whose names avoid
    ``taken`` (the variables and secrets of the file the request will join).
    """
    variables: list[str] = []
    tokens = split_command(command, variables)
    if tokens and tokens[0] in ("$", ">", "%"):  # a pasted shell prompt
        tokens = tokens[1:]
    if tokens and tokens[0].rsplit("/", 1)[-1].lower() in _CURL_NAMES:
        tokens = tokens[1:]
    elif tokens and re.fullmatch(r"[A-Za-z0-9_+-]+", tokens[0]) and not tokens[0].startswith("-"):
        # A bare word first (wget, http, fetch) is another program, not a URL or a flag.
        raise PostrunError(
            f"this is not a curl command: it starts with '{tokens[0]}'",
            hint="paste a command such as: curl https://api.example.com/users",
        )
    if not tokens:
        raise PostrunError(
            "the curl command is empty",
            hint="paste a command such as: curl https://api.example.com/users",
        )
    parsed = read_options(tokens)
    if not parsed.urls:
        raise PostrunError(
            "the curl command has no URL", hint="curl needs a URL: curl https://host/path"
        )
    request = build_request(parsed)
    vault = SecretVault(taken=frozenset({*taken, *variables}))
    request = secure_request(request, vault, parsed.warnings)
    warnings = [vault.scrub(warning) for warning in parsed.warnings]
    if variables:
        names = ", ".join(f"${name}" for name in variables)
        warnings.append(
            f"shell variables {names} became placeholders; declare them under `secrets:`"
        )
    notes = (*parsed.notes, *vault.notes)
    return CurlImport(request, tuple(warnings), tuple(variables), tuple(vault.created), notes)
