"""Rendering a request's placeholders: what goes on the wire, and checks with their values."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from runner.errors import TemplateError
from runner.model import DEFAULT_MAX_BODY, AuthSpec, BodySpec, CheckSpec, Matcher, RequestSpec
from runner.templating import Renderer, template_parts, to_text

if TYPE_CHECKING:
    from runner.transport import OutgoingRequest

DEFAULT_TIMEOUT = 60.0


def templated_fields(request: RequestSpec) -> frozenset[str]:
    """The parts of a request that rendering can change: placeholders, and ``\\<<`` escapes."""
    fields = {use.field for use in request.placeholders}
    # A text holding ``<<`` keeps it in its repr (``<`` is never escaped, and the quotes around
    # each text keep two texts from forming one), so one repr in C replaces a walk of the tree.
    # A false positive only renders a part that did not need it. A part with a placeholder is
    # rendered anyway: it is not looked at.
    fields.update(
        name for name in _PARTS if name not in fields and "<<" in repr(_part(request, name))
    )
    return frozenset(fields)


_PARTS = ("url", "params", "headers", "body", "auth", "assert", "capture")


def _part(request: RequestSpec, name: str) -> Any:
    """What ``name`` of ``_PARTS`` holds in ``request``, for templated_fields."""
    if name == "url":
        return request.url
    if name == "params":
        return request.params
    if name == "headers":
        return request.headers
    if name == "body":
        return request.body.value if request.body else None
    if name == "auth":
        return request.auth.params if request.auth else None
    if name == "assert":
        # A matcher's operators, not the matcher: a dataclass repr costs more than a tuple's.
        return [
            (check.target, check.matcher.operators if check.matcher else None)
            for check in request.checks
        ]
    return [spec.source for spec in request.captures]


def render_request(
    request: RequestSpec, renderer: Renderer, fields: frozenset[str] | None = None
) -> OutgoingRequest:
    """Render every placeholder of ``request``: what goes on the wire (also for `export curl`).

    ``fields`` (from templated_fields) lets the hot path skip the parts with no placeholder.
    """
    from runner.transport.encoding import OutgoingRequest  # the module: see exchange.py

    def templated(name: str) -> bool:
        return fields is None or name in fields

    options = request.options
    timeout = options.get("timeout", DEFAULT_TIMEOUT)
    body, auth = request.body, request.auth
    return OutgoingRequest(
        method=request.method,
        url=renderer.render_text(request.url) if templated("url") else request.url,
        params=renderer.render_value(dict(request.params), typed=False)
        if templated("params")
        else request.params,
        headers=renderer.render_value(dict(request.headers), typed=False)
        if templated("headers")
        else request.headers,
        body=_render_body(body, renderer) if body and templated("body") else body,
        auth=_render_auth(auth, renderer) if auth and templated("auth") else auth,
        timeout=float(timeout) if timeout else None,
        follow_redirects=bool(options.get("follow_redirects", True)),
        verify=options.get("verify", True),
        cert=options.get("cert"),
        proxy=options.get("proxy"),
        max_body=options.get("max_body", DEFAULT_MAX_BODY),
        stream=request.stream,
        idle_timeout=options.get("idle_timeout"),
    )


def render_what_can(text: str, renderer: Renderer) -> str:
    """``text`` with every placeholder that renders rendered, the others left as ``<<name>>``.

    For showing a request that could not be rendered whole (its capture found nothing): the
    reader sees which part is missing, not ``<<base_url>>`` that was defined all along.
    """
    parts: list[str] = []
    for static, name in template_parts(text):
        parts.append(static)
        if name is not None:
            try:
                parts.append(to_text(renderer.resolve(name)))
            except TemplateError:
                parts.append(f"<<{name}>>")
    return "".join(parts)


def _render_body(body: BodySpec, renderer: Renderer) -> BodySpec:
    if body.kind == "json":
        value = renderer.render_value(body.value, typed=True)
    elif body.kind == "graphql":
        value = {
            "query": renderer.render_text(body.value["query"]),
            "variables": renderer.render_value(body.value.get("variables") or {}, typed=True),
        }
    elif body.kind == "raw":
        value = renderer.render_text(body.value)
    elif body.kind == "file":
        value = body.value
    else:
        value = renderer.render_value(body.value, typed=False)
    return dataclasses.replace(body, value=value)


def _render_auth(auth: AuthSpec, renderer: Renderer) -> AuthSpec:
    return dataclasses.replace(auth, params=renderer.render_value(auth.params, typed=False))


def render_check(check: CheckSpec, renderer: Renderer) -> CheckSpec:
    """Substitute placeholders in a check's target and expected values (typed)."""
    target = check.target
    if target is not None and check.kind in ("jsonpath", "header") and "<<" in target:
        target = renderer.render_text(target)
    matcher = _render_matcher(check.matcher, renderer) if check.matcher is not None else None
    if target == check.target and matcher is check.matcher:
        return check
    return dataclasses.replace(check, target=target, matcher=matcher)


def _render_matcher(matcher: Matcher, renderer: Renderer) -> Matcher:
    operators: list[tuple[str, Any]] = []
    changed = False
    for operator, argument in matcher.operators:
        if isinstance(argument, Matcher):
            rendered: Any = _render_matcher(argument, renderer)
        else:
            rendered = renderer.render_value(argument, typed=True)
            if operator == "length" and not isinstance(rendered, Matcher):
                rendered = Matcher.equals(rendered)
        changed = changed or rendered is not argument
        operators.append((operator, rendered))
    return dataclasses.replace(matcher, operators=tuple(operators)) if changed else matcher
