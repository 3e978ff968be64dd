"""Writing a rendered request as a runnable curl command (`postrun export curl`).

The command sends what postrun's transport sends: the same method, URL and query, headers
(default Content-Types included) and body bytes. Secrets are masked unless the masker is off.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from runner.errors import PostrunError
from runner.masking import MASK, Masker
from runner.selection import matches_pattern
from runner.templating import Renderer

# The transport's own spelling of params and form values, so curl sends the same bytes.
from runner.transport import (
    DEFAULT_CONTENT_TYPES,
    form_pairs,
    form_text,
    has_header,
    json_text,
)

if TYPE_CHECKING:
    from runner.engine import RunOptions
    from runner.model import CollectionSpec, RequestSpec
    from runner.transport import OutgoingRequest

# Characters that would make curl's -F parser split a file name.
_FORM_SPECIAL = frozenset(';,"')


def curl_command(outgoing: OutgoingRequest, masker: Masker) -> str:
    """A shell-quoted, multi-line curl command that sends ``outgoing`` as postrun would."""
    headers = dict(outgoing.headers)
    params: list[tuple[str, str, bool]] = [
        (key, value, False) for key, value in form_pairs(outgoing.params)
    ]
    lines: list[list[str]] = []
    prelude: list[str] = []
    auth_args = _auth(outgoing, headers, params, masker, prelude)
    body_args = _body(outgoing, headers, masker)

    first = ["curl"]
    method = outgoing.method.upper()
    if method == "HEAD" and outgoing.body is None:
        first.append("--head")
    elif method != ("POST" if body_args else "GET"):  # what curl picks by itself
        first += ["-X", method]
    first.append(masker.text(_url(outgoing.url, params)))
    lines.append(first)
    for name, value in headers.items():
        shown = masker.header(name, str(value))
        lines.append(["-H", f"{name}: {shown}" if shown else f"{name};"])
    lines.extend(auth_args)
    lines.extend(body_args)
    lines.extend(_options(outgoing, masker))
    command = " \\\n  ".join(" ".join(_quote(part) for part in line) for line in lines)
    return "\n".join([*prelude, command])


class _Quoted(str):
    """An argument already quoted for the shell (one that must expand ``$OAUTH2_TOKEN``)."""

    __slots__ = ()


def _quote(part: str) -> str:
    return str(part) if isinstance(part, _Quoted) else shlex.quote(part)


def _url(url: str, params: Sequence[tuple[str, str, bool]]) -> str:
    """The URL with ``params`` appended, encoded as requests encodes them; masked ones as ****."""
    if not params:
        return url
    encoded = "&".join(
        f"{urlencode([(key, '')])[:-1]}={MASK}" if masked else urlencode([(key, value)])
        for key, value, masked in params
    )
    parts = urlsplit(url)
    query = f"{parts.query}&{encoded}" if parts.query else encoded
    return urlunsplit(parts._replace(query=query))


def _auth(
    outgoing: OutgoingRequest,
    headers: dict[str, Any],
    params: list[tuple[str, str, bool]],
    masker: Masker,
    prelude: list[str],
) -> list[list[str]]:
    """Auth as curl arguments or headers; a user-written Authorization header wins (as in send)."""
    auth = outgoing.auth
    if auth is None:
        return []
    values = auth.params
    if auth.kind == "bearer":
        if not has_header(headers, "Authorization"):
            headers["Authorization"] = f"Bearer {values}"
        return []
    if auth.kind in ("basic", "digest"):
        if has_header(headers, "Authorization"):
            return []  # the transport sends neither basic nor digest then
        username = masker.text(str(values["username"]))
        password = str(values.get("password", ""))
        if masker.enabled and password:
            password = MASK  # a basic password is a credential even when it is not a secret
        user = ["-u", f"{username}:{password}"]
        return [["--digest", *user]] if auth.kind == "digest" else [user]
    if auth.kind == "apikey":
        if "header" in values:
            name = str(values["header"])
            if not has_header(headers, name):
                value = str(values["value"])
                headers[name] = MASK if masker.enabled and value else value
        else:
            name = str(values["query"])
            if not any(key == name for key, _, _ in params):
                params.append((name, str(values["value"]), masker.enabled))
        return []
    if auth.kind == "oauth2":
        token_url = masker.text(str(values.get("token_url", "the token URL")))
        prelude.append(f"# oauth2: set OAUTH2_TOKEN to an access token from {token_url}")
        if not has_header(headers, "Authorization"):
            return [["-H", _Quoted('"Authorization: Bearer $OAUTH2_TOKEN"')]]
        return []
    prelude.append(f"# auth '{auth.kind}' cannot be written as curl arguments")
    return []


def _body(outgoing: OutgoingRequest, headers: dict[str, Any], masker: Masker) -> list[list[str]]:
    body = outgoing.body
    if body is None:
        return []
    default_type = DEFAULT_CONTENT_TYPES.get(body.kind)
    if default_type and not has_header(headers, "Content-Type"):
        headers["Content-Type"] = default_type
    if body.kind in ("json", "graphql"):
        return [["--data-raw", masker.text(json_text(body.value))]]
    if body.kind == "raw":
        return [["--data-raw", masker.text(str(body.value))]]
    if body.kind == "form":
        # Encoded exactly as requests encodes a form, so the bytes are the same.
        encoded = urlencode(form_pairs(body.value))
        return [["--data-raw", masker.text(encoded)]] if encoded else []
    if body.kind == "file":
        return [["--data-binary", f"@{body.value}"]]
    if body.kind == "multipart":
        return _multipart(body.value, masker)
    return []


def _multipart(parts: Mapping[str, Any], masker: Masker) -> list[list[str]]:
    args: list[list[str]] = []
    for name, value in parts.items():
        if isinstance(value, Mapping) and "file" in value:
            path = str(value["file"])
            if _FORM_SPECIAL & set(path):
                path = '"' + path.replace("\\", "\\\\").replace('"', '\\"') + '"'
            content_type = value.get("content_type")
            spec = f"{name}=@{path}" + (f";type={content_type}" if content_type else "")
            args.append(["-F", spec])
        else:
            # --form-string: a value starting with @ or < is text, not a file to read.
            args.append(["--form-string", f"{name}={masker.text(form_text(value))}"])
    return args


def _options(outgoing: OutgoingRequest, masker: Masker) -> list[list[str]]:
    args: list[list[str]] = []
    if outgoing.verify is False:
        args.append(["-k"])
    elif isinstance(outgoing.verify, str):
        args.append(["--cacert", outgoing.verify])
    if outgoing.cert:
        if isinstance(outgoing.cert, str):
            args.append(["--cert", outgoing.cert])
        else:
            args.append(["--cert", outgoing.cert[0]])
            if len(outgoing.cert) > 1:
                args.append(["--key", outgoing.cert[1]])
    if outgoing.proxy:
        args.append(["--proxy", masker.text(outgoing.proxy)])
    if outgoing.follow_redirects:
        args.append(["-L"])
    if outgoing.timeout is not None:
        args.append(["--max-time", f"{outgoing.timeout:g}"])
    if outgoing.stream is not None:
        args.append(["--no-buffer"])  # print each event as it comes (curl -N)
    return args


def export_commands(
    collections: Sequence[CollectionSpec],
    options: RunOptions,
    patterns: Sequence[str] = (),
    notes: list[str] | None = None,
) -> Iterator[tuple[str, str]]:
    """(request path, curl command) for each request matching ``patterns`` (all when empty).

    Placeholders are resolved as ``postrun run`` would (plan_run: an undefined variable is an
    input error), for the files that hold a selected request only. A secret that is not set is
    needed only where a selected request uses it and ``options.show_secrets`` asks for a
    runnable command (then it is an input error); masked, it shows as ``****`` like a set one,
    with a note in ``notes``. A value captured by an earlier request at run time is unknown
    here: it is written as ``<name>`` for the user to fill in.
    """
    import dataclasses

    from runner.engine import plan_run, render_request, request_stack

    chosen = [c for c in collections if any(_wanted(r, patterns) for r in c.requests)]
    if not chosen:
        listing = ", ".join(r.path for c in collections for r in c.requests[:20])
        raise PostrunError(
            f"no request matches {' '.join(repr(p) for p in patterns)}",
            hint=f"requests: {listing} (see `postrun list`)",
        )
    stand_ins = _stand_ins(chosen, options)
    plan = plan_run(
        chosen, dataclasses.replace(options, cli_vars={**stand_ins, **options.cli_vars})
    )
    captured: dict[str, Any] = {}
    commands: list[tuple[str, str]] = []
    unset_used: dict[str, None] = {}
    for collection in plan.collections:
        captured.update(_set_by_scripts(collection))
        for request in collection.requests:
            if _wanted(request, patterns) and not request.url and notes is not None:
                notes.append(f"'{request.path}' has no url (a skipped draft): no command")
            elif _wanted(request, patterns) and request.url:
                stack = request_stack(
                    request, collection, plan.options, plan.secrets.values, captured
                )
                outgoing = render_request(request, Renderer(stack.lookup))
                written = repr(outgoing)
                unset_used.update((n, None) for n, v in stand_ins.items() if v in written)
                commands.append((request.path, curl_command(outgoing, plan.masker)))
            for spec in request.captures:
                captured.setdefault(spec.name, f"<{spec.name}>")
    if unset_used and options.show_secrets:
        _raise_unset(chosen, options, list(unset_used))
    if notes is not None:
        notes.extend(
            f"secret {name} is not set: the commands show **** for it (--show-secrets needs it set)"
            for name in unset_used
        )
    yield from commands


def _set_by_scripts(collection: CollectionSpec) -> dict[str, str]:
    """``<name>`` for each name a script postrun does not run sets: unknown here, as a capture."""
    return {
        name: f"<{name}>"
        for name in collection.set_by_script
        if name not in collection.variables.values
    }


def _wanted(request: RequestSpec, patterns: Sequence[str]) -> bool:
    return not patterns or any(matches_pattern(request, pattern) for pattern in patterns)


def _stand_ins(collections: Sequence[CollectionSpec], options: RunOptions) -> dict[str, str]:
    """A value for each declared secret that is not set, to find out which commands use it."""
    from runner.engine import declared_secrets

    sources = (options.cli_vars, options.environ, options.dotenv)
    return {
        name: f"postrun-unset-secret-{name}-4f1c9e"
        for name in declared_secrets(collections, options.environment)
        if not any(name in source for source in sources)
    }


def _raise_unset(
    collections: Sequence[CollectionSpec], options: RunOptions, names: Sequence[str]
) -> None:
    """The error `run` gives for these secrets: not set, with how to set them."""
    from runner.engine import declared_secrets
    from runner.variables import resolve_secrets

    declared = declared_secrets(collections, options.environment)
    resolve_secrets(
        {name: declared[name] for name in names},
        cli_vars={},
        environ={},
        dotenv={},
        mock=False,
        dotenv_name=options.dotenv_name,
    )
