"""Reading curl's options into Parsed: what the flags said, before it becomes a request."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from runner.interop.curl_flags import (
    DATA_OPTIONS,
    HANDLED_WITH_ARG,
    OTHER_WITH_ARG,
    QUIET_FLAGS,
    QUIET_WITH_ARG,
    SECRET_ARGUMENT,
    SHORT_FLAGS,
    SHORT_WITH_ARG,
    UNSUPPORTED_AUTH,
)


@dataclass
class Parsed:
    """What the flags said, before it is turned into a request."""

    method: str | None = None
    urls: list[str] = field(default_factory=list)
    headers: list[tuple[str, str]] = field(default_factory=list)
    data: list[tuple[str, str]] = field(default_factory=list)  # (option, argument)
    form: list[tuple[str, str]] = field(default_factory=list)
    user: str | None = None
    digest: bool = False
    bearer: str | None = None
    cookies: list[str] = field(default_factory=list)
    get: bool = False
    head: bool = False
    json: bool = False
    upload: str | None = None
    options: dict[str, Any] = field(default_factory=dict)
    cert: str | None = None
    key: str | None = None
    no_buffer: bool = False  # -N: the answer is read as it comes (a stream)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def read_options(tokens: Sequence[str]) -> Parsed:
    """Every option and URL of the command words, in order; what is ignored becomes a warning."""
    parsed = Parsed()
    index = 0
    while index < len(tokens):
        word = tokens[index]
        index += 1
        if word.startswith("--") and len(word) > 2:
            if word in HANDLED_WITH_ARG or word in QUIET_WITH_ARG or word in OTHER_WITH_ARG:
                if index >= len(tokens):
                    parsed.warnings.append(f"{word} has no argument; ignored")
                    break
                _apply(parsed, word, tokens[index])
                index += 1
            else:
                _apply_flag(parsed, word)
        elif word.startswith("-") and word not in ("-", "--"):
            index = _read_short(parsed, word, tokens, index)
        elif word != "--":
            parsed.urls.append(word)
    return parsed


def _read_short(parsed: Parsed, token: str, tokens: Sequence[str], index: int) -> int:
    """Combined short flags (``-sSL``); an option taking an argument ends the group (``-XPOST``)."""
    position = 1
    while position < len(token):
        letter = token[position]
        position += 1
        if letter in SHORT_WITH_ARG:
            name = SHORT_WITH_ARG[letter]
            if position < len(token):
                argument = token[position:]
            elif index < len(tokens):
                argument = tokens[index]
                index += 1
            else:
                parsed.warnings.append(f"-{letter} has no argument; ignored")
                return index
            _apply(parsed, name, argument)
            return index
        if letter in SHORT_FLAGS:
            _apply_flag(parsed, SHORT_FLAGS[letter])
        else:
            parsed.warnings.append(f"unknown option -{letter}; ignored")
    return index


def _apply_flag(parsed: Parsed, name: str) -> None:
    if name == "--get":
        parsed.get = True
    elif name == "--head":
        parsed.head = True
    elif name == "--insecure":
        parsed.options["verify"] = False
    elif name == "--location":
        # postrun follows redirects by default; see the README on -L.
        parsed.options.pop("follow_redirects", None)
    elif name == "--digest":
        parsed.digest = True
    elif name == "--basic":
        parsed.digest = False
    elif name in ("--no-buffer", "--buffer"):
        parsed.no_buffer = name == "--no-buffer"  # the last one wins, as in curl
    elif name in QUIET_FLAGS:
        return
    elif name in UNSUPPORTED_AUTH:
        parsed.warnings.append(f"{name}: this authentication is not supported by postrun; ignored")
    elif name in SHORT_FLAGS.values() or name.startswith("--no-"):
        parsed.warnings.append(f"{name} does not change the request postrun sends; ignored")
    else:
        parsed.warnings.append(f"unknown option {name}; ignored")


def _apply(parsed: Parsed, name: str, argument: str) -> None:
    if name == "--request":
        parsed.method = argument.upper()
    elif name == "--url":
        parsed.urls.append(argument)
    elif name == "--header":
        _add_header(parsed, argument)
    elif name in DATA_OPTIONS:
        parsed.data.append((name, argument))
        parsed.json = parsed.json or name == "--json"
    elif name in ("--form", "--form-string"):
        parsed.form.append((name, argument))
    elif name == "--user":
        parsed.user = argument
    elif name == "--oauth2-bearer":
        parsed.bearer = argument
    elif name == "--cookie":
        if "=" in argument:
            parsed.cookies.append(argument.strip().rstrip(";"))
        else:
            parsed.warnings.append(f"-b {argument}: reading cookies from a file is not imported")
    elif name == "--user-agent":
        parsed.headers.append(("User-Agent", argument))
    elif name == "--referer":
        parsed.headers.append(("Referer", argument.removesuffix(";auto")))
    elif name == "--max-time":
        seconds = _number(argument)
        if seconds is None:
            parsed.warnings.append(f"--max-time {argument}: not a number; ignored")
        else:
            parsed.options["timeout"] = seconds
    elif name == "--proxy":
        parsed.options["proxy"] = argument
    elif name == "--cert":
        parsed.cert = argument
    elif name == "--key":
        parsed.key = argument
    elif name == "--cacert":
        parsed.options["verify"] = argument
    elif name == "--upload-file":
        parsed.upload = argument
    elif name == "--retry":
        count = _number(argument)
        if count is None or count != int(count):
            parsed.warnings.append(f"--retry {argument}: not a whole number; ignored")
        elif count:
            parsed.options["retries"] = {"count": int(count)}
    elif name == "--max-redirs":
        if argument.strip() == "0":
            parsed.options["follow_redirects"] = False
    elif name in QUIET_WITH_ARG:
        return
    elif name in SECRET_ARGUMENT:
        parsed.warnings.append(f"{name}: not imported (its argument is not repeated here)")
    else:
        parsed.warnings.append(f"{name} {argument}: not imported")


def _add_header(parsed: Parsed, argument: str) -> None:
    if argument.startswith("@"):
        parsed.warnings.append(f"-H {argument}: headers from a file are not imported")
        return
    name, colon, value = argument.partition(":")
    name = name.strip()
    if not colon:
        if name.endswith(";"):  # curl's spelling of a header with an empty value
            parsed.headers.append((name[:-1].strip(), ""))
        else:
            parsed.warnings.append(f"-H {argument!r} is not a `Name: value` header; ignored")
        return
    value = value.strip()
    if not value:
        # `-H 'Expect:'` removes a header curl would add; requests does not add those.
        parsed.warnings.append(f"-H {argument!r} removes a curl default header; ignored")
        return
    parsed.headers.append((name, value))


def _number(text: str) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    if not math.isfinite(value):  # inf and nan are no timeout or count: int() would raise
        return None
    return int(value) if value == int(value) else value
