"""Checks and captures of one response, evaluated on the real response and returned masked."""

from __future__ import annotations

import dataclasses

from runner.captures import capture
from runner.checks import evaluate
from runner.engine.context import EngineContext, RunState
from runner.engine.masked import masked_check, sensitive_capture
from runner.engine.render import render_check
from runner.errors import TemplateError
from runner.events import CheckFinished
from runner.model import CaptureSpec, CheckSpec, RequestSpec
from runner.results import CaptureResult, CheckResult, ResponseData
from runner.templating import Renderer


def run_check(
    context: EngineContext,
    check: CheckSpec,
    response: ResponseData,
    renderer: Renderer,
    render: bool = True,
) -> CheckResult:
    """Evaluate one check (its placeholders rendered when ``render``); emit it masked."""
    try:
        result = evaluate(render_check(check, renderer) if render else check, response)
    except TemplateError as exc:
        result = CheckResult(
            kind=check.kind,
            target=check.target,
            description=f"{check.kind} {check.target or ''}".strip(),
            passed=False,
            expected="",
            actual=None,
            location=check.location,
            message=exc.message,
            actual_missing=True,
        )
    masker = context.masker
    if (
        check.kind == "header"
        and masker.enabled
        and isinstance(result.actual, str)
        and result.actual
        and (check.target or "").lower() in masker.sensitive_headers
    ):
        masker = masker.with_secrets([result.actual])  # a cookie or token seen in a check
    if masker.active:
        result = masked_check(result, masker)
    if CheckFinished in context.takes:
        context.emit(CheckFinished(result))
    return result


def run_capture(
    context: EngineContext,
    spec: CaptureSpec,
    request: RequestSpec,
    response: ResponseData,
    renderer: Renderer,
    state: RunState,
    render: bool = True,
) -> CaptureResult:
    """Take one capture into ``state`` (or record why it found nothing); return it masked."""
    try:
        rendered = (
            dataclasses.replace(spec, source=renderer.render_text(spec.source)) if render else spec
        )
        result = capture(rendered, response)
    except TemplateError as exc:
        result = CaptureResult(spec.name, False, message=exc.message, location=spec.location)
    if result.found:
        state.captured[spec.name] = result.value
        if sensitive_capture(spec, context.masker) and result.value is not None:
            context.learnt.learn(str(result.value))  # a session cookie is as secret as a key
            context.mask_learnt()
        state.failed_captures.pop(spec.name, None)
    else:
        state.captured.pop(spec.name, None)
        # Where to look, for the later requests that fail for want of it.
        state.failed_captures[spec.name] = (
            f"capture '{spec.name}' in '{request.path}' found nothing ({spec.location})"
        )
    masker = context.masker
    return dataclasses.replace(
        result,
        value=masker.value(result.value),
        message=masker.text(result.message) if result.message else None,
        location=result.location or spec.location,
    )
