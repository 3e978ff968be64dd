"""Building the request mapping from Parsed options: URL and query, headers, body, auth.

The mapping is in the collection format (FORMAT.md 1, 1.2, 1.6, 1.7); what the import drops,
or cannot express, is added to ``parsed.warnings``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from runner.errors import PostrunError
from runner.interop.curl_options import Parsed

FORM_TYPE = "application/x-www-form-urlencoded"


def build_request(parsed: Parsed) -> dict[str, Any]:
    """The request mapping for what the options said, keys in the order the file shows them."""
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
    if _streamed(parsed, headers, body):
        request["stream"] = "sse"
    options = dict(parsed.options)
    if parsed.cert is not None:
        options["cert"] = [parsed.cert, parsed.key] if parsed.key else parsed.cert
    if options:
        request["options"] = options
    return request


def _streamed(parsed: Parsed, headers: Mapping[str, str], body: Mapping[str, Any] | None) -> bool:
    """Whether the command reads a stream (``-N``, or an ``Accept`` of server-sent events),
    noting why: the answer's events then become what checks see."""
    accept = _header(headers, "Accept") or ""
    wants_events = any(
        kind.split(";")[0].strip().lower() == "text/event-stream" for kind in accept.split(",")
    )
    if not (parsed.no_buffer or wants_events):
        asked = body.get("json") if body is not None else None
        if isinstance(asked, dict) and asked.get("stream") is True:
            # OpenAI's own examples send "stream": true without -N: the answer is events.
            parsed.notes.append(
                'the JSON body asks for "stream": true; add `stream: sse` to the request to '
                "check the events it answers with (curl -N would have given it)"
            )
        return False
    why = "-N (--no-buffer)" if parsed.no_buffer else "Accept: text/event-stream"
    if parsed.no_buffer and wants_events:
        why = "-N (--no-buffer) with Accept: text/event-stream"
    parsed.notes.append(
        f"{why} became `stream: sse`: checks see the answer's events "
        "(`events`, `time_to_first_event_ms`, `$[0].data`); an answer "
        "that is not text/event-stream is still checked as it is"
    )
    return True


def _url_path(url: str) -> str:
    """The path for the request's name; a leading ``<<base_url>>`` is left out of it."""
    if url.startswith("<<") and ">>" in url:
        path = url.split(">>", 1)[1].split("?", 1)[0]
        return path if path.startswith("/") else f"/{path}"
    return urlsplit(url).path or "/"


def _method(parsed: Parsed) -> str:
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


def _merge_headers(parsed: Parsed) -> dict[str, str]:
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


def _data_pieces(parsed: Parsed) -> tuple[list[str], list[str]]:
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


def _data_to_params(parsed: Parsed, params: dict[str, Any]) -> None:
    pieces, files = _data_pieces(parsed)
    if files:
        parsed.warnings.append(f"-G with data from a file ({', '.join(files)}) is not imported")
        return
    pairs = parse_qsl("&".join(pieces), keep_blank_values=True)
    _add_pairs(params, pairs)


def _data_body(parsed: Parsed, headers: dict[str, str]) -> dict[str, Any] | None:
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


def _multipart(parsed: Parsed) -> dict[str, Any]:
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


def _auth(parsed: Parsed) -> dict[str, Any] | None:
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
