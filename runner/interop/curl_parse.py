"""Reading a pasted curl command into a postrun request (`postrun import curl`).

The result is a plain mapping in the collection format (FORMAT.md 1, 1.2, 1.6, 1.7), ready for
``yaml_out.dump_yaml``. Flags that change what is sent and that postrun cannot express, or that
the import drops, are reported as warnings rather than silently lost.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from runner.errors import PostrunError
from runner.interop.credentials import PLACEHOLDER, SecretVault

FORM_TYPE = "application/x-www-form-urlencoded"

# Long options that take an argument, with the short spellings mapped to them.
_SHORT_WITH_ARG: Mapping[str, str] = {
    "X": "--request",
    "H": "--header",
    "d": "--data",
    "F": "--form",
    "u": "--user",
    "b": "--cookie",
    "A": "--user-agent",
    "e": "--referer",
    "m": "--max-time",
    "x": "--proxy",
    "E": "--cert",
    "T": "--upload-file",
    "o": "--output",
    "w": "--write-out",
    "c": "--cookie-jar",
    "r": "--range",
    "C": "--continue-at",
    "K": "--config",
    "D": "--dump-header",
    "U": "--proxy-user",
    "Y": "--speed-limit",
    "y": "--speed-time",
    "z": "--time-cond",
    "t": "--telnet-option",
    "P": "--ftp-port",
    "Q": "--quote",
}
_SHORT_FLAGS: Mapping[str, str] = {
    "G": "--get",
    "k": "--insecure",
    "L": "--location",
    "I": "--head",
    "s": "--silent",
    "S": "--show-error",
    "v": "--verbose",
    "i": "--include",
    "O": "--remote-name",
    "f": "--fail",
    "N": "--no-buffer",
    "#": "--progress-bar",
    "g": "--globoff",
    "n": "--netrc",
    "J": "--remote-header-name",
    "l": "--list-only",
    "q": "--disable",
    "j": "--junk-session-cookies",
    "R": "--remote-time",
    "Z": "--parallel",
    "0": "--http1.0",
    "1": "--tlsv1",
    "2": "--sslv2",
    "3": "--sslv3",
    "4": "--ipv4",
    "6": "--ipv6",
    "a": "--append",
    "B": "--use-ascii",
    "M": "--manual",
    "V": "--version",
    "h": "--help",
    "p": "--proxytunnel",
}
_DATA_OPTIONS = frozenset(
    {"--data", "--data-ascii", "--data-raw", "--data-binary", "--data-urlencode", "--json"}
)
_HANDLED_WITH_ARG = frozenset(
    {
        "--request",
        "--header",
        "--form",
        "--form-string",
        "--user",
        "--cookie",
        "--user-agent",
        "--referer",
        "--max-time",
        "--proxy",
        "--cert",
        "--key",
        "--cacert",
        "--url",
        "--upload-file",
        "--oauth2-bearer",
        "--retry",
        "--max-redirs",
        *_DATA_OPTIONS,
    }
)
# Flags that only change curl's own output or progress display: dropped without a word.
_QUIET_FLAGS = frozenset(
    {
        "--silent",
        "--show-error",
        "--verbose",
        "--include",
        "--remote-name",
        "--no-buffer",
        "--progress-bar",
        "--globoff",
        "--fail",
        "--fail-with-body",
        "--compressed",
        "--no-progress-meter",
        "--location-trusted",
        "--http1.1",
        "--http2",
        "--tr-encoding",
        "--raw",
    }
)
_QUIET_WITH_ARG = frozenset(
    {"--output", "--write-out", "--dump-header", "--stderr", "--trace", "--trace-ascii"}
)
# Arguments of options we do not know: those listed here take one, so it is skipped with them.
_OTHER_WITH_ARG = frozenset(
    {
        "--connect-timeout",
        "--cookie-jar",
        "--range",
        "--continue-at",
        "--config",
        "--proxy-user",
        "--resolve",
        "--connect-to",
        "--interface",
        "--limit-rate",
        "--retry-delay",
        "--retry-max-time",
        "--capath",
        "--cert-type",
        "--key-type",
        "--pass",
        "--ciphers",
        "--request-target",
        "--aws-sigv4",
        "--unix-socket",
        "--abstract-unix-socket",
        "--dns-servers",
        "--expect100-timeout",
        "--keepalive-time",
        "--local-port",
        "--max-filesize",
        "--netrc-file",
        "--noproxy",
        "--parallel-max",
        "--proto",
        "--proto-redir",
        "--proxy-header",
        "--speed-limit",
        "--speed-time",
        "--time-cond",
        "--tls-max",
        "--variable",
        "--url-query",
        "--create-file-mode",
        "--happy-eyeballs-timeout-ms",
        "--output-dir",
        "--telnet-option",
        "--ftp-port",
        "--quote",
    }
)
# Options whose argument is a credential: a warning names the option, never the argument.
_SECRET_ARGUMENT = frozenset({"--proxy-user", "--pass"})
_UNSUPPORTED_AUTH = frozenset(
    {"--ntlm", "--ntlm-wb", "--negotiate", "--anyauth", "--aws-sigv4", "--proxy-user"}
)
# `$NAME` or `${NAME}` outside single quotes: a shell variable, usually a secret (OpenAI's docs).
_SHELL_VAR = re.compile(r"\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))")
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


@dataclass
class _Parsed:
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
    warnings: list[str] = field(default_factory=list)


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
    parsed = _read_options(tokens)
    if not parsed.urls:
        raise PostrunError(
            "the curl command has no URL", hint="curl needs a URL: curl https://host/path"
        )
    request = _build_request(parsed)
    vault = SecretVault(taken=frozenset({*taken, *variables}))
    request = _secure(request, vault, parsed.warnings)
    warnings = [vault.scrub(warning) for warning in parsed.warnings]
    if variables:
        names = ", ".join(f"${name}" for name in variables)
        warnings.append(
            f"shell variables {names} became placeholders; declare them under `secrets:`"
        )
    return CurlImport(
        request, tuple(warnings), tuple(variables), tuple(vault.created), tuple(vault.notes)
    )


def split_command(command: str, variables: list[str] | None = None) -> list[str]:
    """Split a command line the way a POSIX shell would, without running anything.

    Line continuations (``\\``, Windows ``^`` and PowerShell backtick) are joined first, and shell
    variables outside single quotes become ``<<NAME>>`` placeholders (their names are appended to
    ``variables``).
    """
    text = command.strip()
    # Tolerate spaces pasted after a continuation backslash, which bash would not.
    text = re.sub(r"\\[ \t]+\r?\n", " ", text)
    text = re.sub(r"\\\r?\n", "", text)
    if re.search(r"\^\r?\n", text):
        text = re.sub(r"\^\r?\n", " ", text)
        text = text.replace('^"', '"')
    text = re.sub(r"`\r?\n", " ", text)
    text = _replace_shell_variables(text, [] if variables is None else variables)
    try:
        return shlex.split(text, comments=False, posix=True)
    except ValueError as exc:
        raise PostrunError(
            f"cannot split the curl command: {exc}",
            hint="check that every quote is closed; in a terminal, quote the command with '...'",
        ) from None


_ANSI_C_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "e": "\x1b",
    "E": "\x1b",
    "\\": "\\",
    "'": "'",
    '"': '"',
    "?": "?",
}
_ANSI_C_NUMERIC = re.compile(
    r"x([0-9A-Fa-f]{1,2})|u([0-9A-Fa-f]{1,4})|U([0-9A-Fa-f]{1,8})|([0-7]{1,3})"
)


def _ansi_c_quoted(text: str, start: int) -> tuple[str, int]:
    """Decode a ``$'...'`` string whose text begins at ``start``; return it and the end index.

    ``\\xHH`` and octal escapes are bytes, as in bash: runs of them are decoded as UTF-8.
    """
    out: list[str] = []
    raw = bytearray()

    def flush() -> None:
        if raw:
            out.append(raw.decode("utf-8", errors="replace"))
            raw.clear()

    index = start
    while index < len(text):
        char = text[index]
        if char == "'":
            flush()
            return "".join(out), index + 1
        numeric = _ANSI_C_NUMERIC.match(text, index + 1) if char == "\\" else None
        if numeric and (numeric.group(1) or numeric.group(4)):
            byte = numeric.group(1)
            raw.append(int(byte, 16) if byte else int(numeric.group(4), 8) & 0xFF)
            index = numeric.end()
            continue
        flush()
        if char != "\\" or index + 1 >= len(text):
            out.append(char)
            index += 1
        elif text[index + 1] in _ANSI_C_ESCAPES:
            out.append(_ANSI_C_ESCAPES[text[index + 1]])
            index += 2
        elif numeric:  # \\uHHHH or \\UHHHHHHHH
            out.append(chr(min(int(numeric.group(2) or numeric.group(3), 16), 0x10FFFF)))
            index = numeric.end()
        else:
            out.append(text[index : index + 2])  # unknown escapes stay as written, as in bash
            index += 2
    raise PostrunError(
        "cannot split the curl command: a $'...' string is not closed",
        hint="check that every quote is closed",
    )


def _replace_shell_variables(text: str, names: list[str]) -> str:
    """``$NAME`` outside single quotes -> ``<<NAME>>``; quoting context is tracked by hand."""
    out: list[str] = []
    quote: str | None = None
    index = 0
    while index < len(text):
        char = text[index]
        if quote != "'" and char == "\\" and index + 1 < len(text):
            out.append(text[index : index + 2])
            index += 2
            continue
        if quote is None and text.startswith("$'", index):
            # bash's ANSI-C quoting, which browsers' "Copy as cURL (bash)" uses for bodies.
            decoded, index = _ansi_c_quoted(text, index + 2)
            out.append(shlex.quote(decoded))
            continue
        if char in "'\"" and quote in (None, char):
            quote = None if quote == char else char
        elif char == "$" and quote != "'":
            match = _SHELL_VAR.match(text, index)
            if match:
                name = match.group(1) or match.group(2)
                if name not in names:
                    names.append(name)
                out.append(f"<<{name}>>")
                index = match.end()
                continue
        out.append(char)
        index += 1
    return "".join(out)


def _read_options(tokens: Sequence[str]) -> _Parsed:
    parsed = _Parsed()
    index = 0
    while index < len(tokens):
        word = tokens[index]
        index += 1
        if word.startswith("--") and len(word) > 2:
            if word in _HANDLED_WITH_ARG or word in _QUIET_WITH_ARG or word in _OTHER_WITH_ARG:
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


def _read_short(parsed: _Parsed, token: str, tokens: Sequence[str], index: int) -> int:
    """Combined short flags (``-sSL``); an option taking an argument ends the group (``-XPOST``)."""
    position = 1
    while position < len(token):
        letter = token[position]
        position += 1
        if letter in _SHORT_WITH_ARG:
            name = _SHORT_WITH_ARG[letter]
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
        if letter in _SHORT_FLAGS:
            _apply_flag(parsed, _SHORT_FLAGS[letter])
        else:
            parsed.warnings.append(f"unknown option -{letter}; ignored")
    return index


def _apply_flag(parsed: _Parsed, name: str) -> None:
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
    elif name in _QUIET_FLAGS:
        return
    elif name in _UNSUPPORTED_AUTH:
        parsed.warnings.append(f"{name}: this authentication is not supported by postrun; ignored")
    elif name in _SHORT_FLAGS.values() or name.startswith("--no-"):
        parsed.warnings.append(f"{name} does not change the request postrun sends; ignored")
    else:
        parsed.warnings.append(f"unknown option {name}; ignored")


def _apply(parsed: _Parsed, name: str, argument: str) -> None:
    if name == "--request":
        parsed.method = argument.upper()
    elif name == "--url":
        parsed.urls.append(argument)
    elif name == "--header":
        _add_header(parsed, argument)
    elif name in _DATA_OPTIONS:
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
    elif name in _QUIET_WITH_ARG:
        return
    elif name in _SECRET_ARGUMENT:
        parsed.warnings.append(f"{name}: not imported (its argument is not repeated here)")
    else:
        parsed.warnings.append(f"{name} {argument}: not imported")


def _add_header(parsed: _Parsed, argument: str) -> None:
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
    return int(value) if value == int(value) else value


# ---------------------------------------------------------------------------- building the request


def _build_request(parsed: _Parsed) -> dict[str, Any]:
    url = parsed.urls[0]
    for extra in parsed.urls[1:]:
        parsed.warnings.append(f"only the first URL is imported; {extra} was left out")
    if "://" not in url and not url.startswith("<<"):
        url = f"http://{url}"  # curl's guess for a URL without a scheme
    headers = _merge_headers(parsed)
    params: dict[str, Any] = {}
    url, params = _split_query(url)
    body: dict[str, Any] | None = None
    if parsed.form:
        if parsed.data:
            parsed.warnings.append("curl refuses -F together with -d; only the -F parts are kept")
        body = {"multipart": _multipart(parsed)}
    elif parsed.data and parsed.get:
        _data_to_params(parsed, params)
    elif parsed.data:
        body = _data_body(parsed, headers)
    elif parsed.upload is not None:
        if parsed.upload == "-":
            parsed.warnings.append("-T - (upload from stdin) is not imported")
        else:
            body = {"file": parsed.upload}
    method = _method(parsed)
    request: dict[str, Any] = {"name": f"{method} {_url_path(url)}", "method": method}
    request["url"] = url
    if params:
        request["params"] = params
    if headers:
        request["headers"] = headers
    auth = _auth(parsed)
    if auth is not None:
        request["auth"] = auth
    if body is not None:
        request["body"] = body
    options = dict(parsed.options)
    if parsed.cert is not None:
        options["cert"] = [parsed.cert, parsed.key] if parsed.key else parsed.cert
    if options:
        request["options"] = options
    return request


def _url_path(url: str) -> str:
    """The path for the request's name; a leading ``<<base_url>>`` is left out of it."""
    if url.startswith("<<") and ">>" in url:
        path = url.split(">>", 1)[1].split("?", 1)[0]
        return path if path.startswith("/") else f"/{path}"
    return urlsplit(url).path or "/"


def _method(parsed: _Parsed) -> str:
    """curl's rules: -X wins; -I is HEAD; -G is GET; data or a form is POST; -T is PUT."""
    if parsed.method:
        return parsed.method
    if parsed.head:
        return "HEAD"
    if parsed.get:
        return "GET"
    if parsed.data or parsed.form:
        return "POST"
    if parsed.upload is not None:
        return "PUT"
    return "GET"


def _merge_headers(parsed: _Parsed) -> dict[str, str]:
    """Headers in order; a repeated name is joined with ``, `` as HTTP allows (with a warning)."""
    headers: dict[str, str] = {}
    lower: dict[str, str] = {}
    pairs = list(parsed.headers)
    if parsed.cookies:
        pairs.append(("Cookie", "; ".join(parsed.cookies)))
    if parsed.json:
        for name in ("Content-Type", "Accept"):
            if not any(key.lower() == name.lower() for key, _ in pairs):
                pairs.append((name, "application/json"))
    for name, value in pairs:
        key = lower.get(name.lower())
        if key is None:
            lower[name.lower()] = name
            headers[name] = value
        else:
            separator = "; " if name.lower() == "cookie" else ", "
            headers[key] = f"{headers[key]}{separator}{value}"
            parsed.warnings.append(f"header {name} given twice; the values were joined")
    return headers


def _split_query(url: str) -> tuple[str, dict[str, Any]]:
    """Move a well-formed query string into ``params`` (a repeated key becomes a list)."""
    try:
        parts = urlsplit(url)
    except ValueError as exc:  # an unbalanced [ or ] (IPv6 brackets)
        raise PostrunError(
            f"the URL {url!r} is not valid: {exc}",
            hint="quote the URL as curl would get it: curl 'https://host/path?a[0]=1'",
        ) from None
    if not parts.query:
        return url, {}
    try:
        pairs = parse_qsl(parts.query, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return url, {}
    params: dict[str, Any] = {}
    _add_pairs(params, pairs)
    return urlunsplit(parts._replace(query="")), params


def _add_pairs(target: dict[str, Any], pairs: Sequence[tuple[str, str]]) -> None:
    for key, value in pairs:
        if key not in target:
            target[key] = value
        elif isinstance(target[key], list):
            target[key].append(value)
        else:
            target[key] = [target[key], value]


def _data_pieces(parsed: _Parsed) -> tuple[list[str], list[str]]:
    """The data arguments as curl would send them (joined by ``&``), and the files they name."""
    from urllib.parse import quote_plus

    pieces: list[str] = []
    files: list[str] = []
    for option, argument in parsed.data:
        if option == "--data-urlencode":
            name, equals, content = argument.partition("=")
            if not equals and "@" in argument:
                files.append(argument.partition("@")[2])
                pieces.append(argument)
            elif not equals:
                pieces.append(quote_plus(argument))
            else:
                pieces.append(f"{name}={quote_plus(content)}" if name else quote_plus(content))
        elif option != "--data-raw" and argument.startswith("@"):
            files.append(argument[1:])
            pieces.append(argument)
        else:
            pieces.append(argument)
    return pieces, files


def _data_to_params(parsed: _Parsed, params: dict[str, Any]) -> None:
    pieces, files = _data_pieces(parsed)
    if files:
        parsed.warnings.append(f"-G with data from a file ({', '.join(files)}) is not imported")
        return
    pairs = parse_qsl("&".join(pieces), keep_blank_values=True)
    _add_pairs(params, pairs)


def _data_body(parsed: _Parsed, headers: dict[str, str]) -> dict[str, Any] | None:
    pieces, files = _data_pieces(parsed)
    content_type = _header(headers, "Content-Type")
    if files:
        if len(pieces) == 1 and files[0] not in ("", "-"):
            option = parsed.data[0][0]
            if option in ("--data", "--data-ascii"):
                parsed.warnings.append(
                    f"{option} @{files[0]}: curl strips newlines from the file; "
                    "postrun sends it unchanged"
                )
            if option == "--data-urlencode":
                parsed.warnings.append(
                    f"--data-urlencode {pieces[0]}: postrun sends the file unencoded"
                )
            if content_type is None:
                headers["Content-Type"] = FORM_TYPE  # what curl would send
            return {"file": files[0]}
        parsed.warnings.append(
            "data read from files (" + ", ".join(f"@{name}" for name in files) + ") "
            "cannot be mixed with other data in postrun; the @ references are kept as text"
        )
    text = "&".join(pieces)
    kind = (content_type or FORM_TYPE).split(";")[0].strip().lower()
    if "json" in kind:
        try:
            value = json.loads(text)
        except ValueError:
            value = None
        if isinstance(value, (dict, list)):
            return {"json": value}
    elif kind == FORM_TYPE and not files:
        form = _form_pairs(text)
        if form is not None:
            return {"form": form}
    if content_type is None:
        headers["Content-Type"] = FORM_TYPE
        if text.lstrip().startswith(("{", "[")) and _is_json(text):
            parsed.warnings.append(
                "the data looks like JSON but no JSON Content-Type was given; curl sends it as "
                f"{FORM_TYPE} (add -H 'Content-Type: application/json' to send JSON)"
            )
    return {"raw": text}


def _form_pairs(text: str) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        return None
    form: dict[str, Any] = {}
    _add_pairs(form, pairs)
    return form


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def _header(headers: Mapping[str, str], name: str) -> str | None:
    for key, value in headers.items():
        if key.lower() == name.lower():
            return value
    return None


def _multipart(parsed: _Parsed) -> dict[str, Any]:
    parts: dict[str, Any] = {}
    for option, argument in parsed.form:
        name, equals, value = argument.partition("=")
        if not equals:
            parsed.warnings.append(f"-F {argument!r} is not `name=value`; ignored")
            continue
        if name in parts:
            parsed.warnings.append(f"form field {name} given twice; only the first is kept")
            continue
        if option == "--form-string" or not value.startswith(("@", "<")):
            text, attributes = (value, {}) if option == "--form-string" else _form_value(value)
            if attributes:
                parsed.warnings.append(
                    f"-F {name}: {', '.join(attributes)} on a text field is not imported"
                )
            parts[name] = text
            continue
        path, attributes = _form_value(value[1:])
        if value.startswith("<"):
            parsed.warnings.append(f"-F {name}=<{path}: imported as a file upload")
        part: dict[str, Any] = {"file": path}
        if "type" in attributes:
            part["content_type"] = attributes["type"]
        if "filename" in attributes:
            parsed.warnings.append(f"-F {name}: filename={attributes['filename']} not imported")
        parts[name] = part
    return parts


def _form_value(text: str) -> tuple[str, dict[str, str]]:
    """Split ``value;type=...;filename=...`` (a double-quoted value may hold ``;``)."""
    if text.startswith('"'):
        end = 1
        chars: list[str] = []
        while end < len(text) and text[end] != '"':
            if text[end] == "\\" and end + 1 < len(text):
                end += 1
            chars.append(text[end])
            end += 1
        value, rest = "".join(chars), text[end + 1 :]
    else:
        value, _, rest = text.partition(";")
        rest = f";{rest}" if rest else ""
    attributes: dict[str, str] = {}
    for item in rest.split(";"):
        key, equals, argument = item.partition("=")
        if equals and key.strip() in ("type", "filename", "headers", "encoder"):
            attributes[key.strip()] = argument.strip().strip('"')
        elif item.strip():
            # Not an attribute: the value itself holds a `;` (a text field like `a;b`).
            value = f"{value};{item}"
    return value, attributes


def _auth(parsed: _Parsed) -> dict[str, Any] | None:
    if parsed.bearer is not None:
        return {"bearer": parsed.bearer}
    if parsed.user is None:
        return None
    username, colon, password = parsed.user.partition(":")
    if not colon:
        parsed.warnings.append(
            f"-u {username} has no password (curl would ask for one); it was set to ''"
        )
    kind = "digest" if parsed.digest else "basic"
    return {kind: {"username": username, "password": password}}


def _secure(request: dict[str, Any], vault: SecretVault, warnings: list[str]) -> dict[str, Any]:
    """``request`` with each literal credential replaced by the placeholder of a new secret.

    The same rules as ``import postman``: auth passwords and tokens, and headers and query
    parameters named like a credential; then the values found are scrubbed from every other
    string (a token repeated in the URL or the body).
    """
    secured = dict(request)
    _url_credentials(secured, warnings)
    headers = dict(secured.get("headers") or {})
    if "auth" not in secured:
        _basic_header_to_auth(secured, headers)
    auth = secured.get("auth")
    if isinstance(auth, dict) and "bearer" in auth:
        secured["auth"] = {
            "bearer": vault.for_literal(auth["bearer"], "BEARER_TOKEN", "the bearer token")
        }
    elif isinstance(auth, dict):
        ((kind, fields),) = auth.items()
        password = vault.for_literal(
            fields["password"], f"{kind.upper()}_PASSWORD", f"the {kind} auth password"
        )
        secured["auth"] = {kind: {**fields, "password": password}}
    secured.pop("headers", None)
    if headers:
        secured["headers"] = {
            name: vault.credential(name, value, f"header {name}") for name, value in headers.items()
        }
    params = secured.get("params")
    if params:
        secured["params"] = {
            name: [vault.credential(name, item, f"query parameter {name}") for item in value]
            if isinstance(value, list)
            else vault.credential(name, value, f"query parameter {name}")
            for name, value in params.items()
        }
    proxy = (secured.get("options") or {}).get("proxy")
    if isinstance(proxy, str):
        stripped = _without_userinfo(proxy)
        if stripped != proxy:
            secured["options"] = {**secured["options"], "proxy": stripped}
            warnings.append(
                "-x: the proxy's user and password were left out of the file; "
                "give them when running: postrun run --proxy URL"
            )
    scrubbed: dict[str, Any] = vault.scrub(secured)
    # Keys in the order _build_request writes them, whatever was added or removed here.
    order = ("name", "method", "url", "params", "headers", "auth", "body", "options")
    rank = {key: index for index, key in enumerate(order)}
    return {key: scrubbed[key] for key in sorted(scrubbed, key=lambda key: rank.get(key, 99))}


def _url_credentials(request: dict[str, Any], warnings: list[str]) -> None:
    """``https://user:pw@host/`` is basic auth to curl: it becomes ``auth`` (-u wins over it)."""
    from urllib.parse import unquote

    url = str(request["url"])
    try:
        parts = urlsplit(url)
    except ValueError:
        return
    if "@" not in parts.netloc or parts.password is None:
        return
    request["url"] = _without_userinfo(url)
    if "auth" in request:
        warnings.append("the user and password in the URL were left out; -u gives the login")
        return
    username, password = unquote(parts.username or ""), unquote(parts.password)
    request["auth"] = {"basic": {"username": username, "password": password}}


def _without_userinfo(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def _basic_header_to_auth(request: dict[str, Any], headers: dict[str, str]) -> None:
    """``Authorization: Basic <base64 of user:pw>`` becomes ``auth: {basic: ...}``, as -u would.

    Only when the login is plain ASCII, so that the header postrun sends is the same bytes.
    """
    import base64
    import binascii

    for name, value in headers.items():
        if name.lower() != "authorization":
            continue
        scheme, _, encoded = value.strip().partition(" ")
        if scheme.lower() != "basic" or PLACEHOLDER.search(encoded):
            return
        try:
            login = base64.b64decode(encoded.strip(), validate=True).decode("ascii")
        except (binascii.Error, UnicodeDecodeError):
            return
        username, colon, password = login.partition(":")
        if not colon or not login.isprintable():
            return
        del headers[name]
        request["auth"] = {"basic": {"username": username, "password": password}}
        return
