"""Running one request: skip, render, send with retries, check, capture, and its RequestResult."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from runner.engine.context import EngineContext, RunState
from runner.engine.exchange import send_with_retries
from runner.engine.outcomes import run_capture, run_check
from runner.engine.render import render_request, render_what_can, templated_fields
from runner.engine.scopes import request_stack
from runner.errors import TemplateError
from runner.events import InternalError, MaskedOnce, RequestFinished
from runner.model import CollectionSpec, ExampleSpec, RequestSpec
from runner.results import RequestResult, ResponseData, SentRequest, StreamData
from runner.templating import Renderer, SystemDynamic
from runner.variables import VariableStack


class RequestRunner:
    """Runs requests one at a time for an engine, keeping per-request work done once.

    Caches keyed by id keep the request itself too: an id is reused once its object is freed (a
    large file's requests are decoded afresh), and an entry for another object must never be
    taken for this one.
    """

    def __init__(self, context: EngineContext) -> None:
        self.context = context
        self.dynamic = SystemDynamic()
        # Per request, its templated parts; per folder, its variables for the current captures.
        self._fields: dict[int, tuple[RequestSpec, frozenset[str]]] = {}
        self._stacks: dict[tuple[int, int, int], tuple[tuple[object, ...], VariableStack]] = {}
        self._stacks_row: Mapping[str, Any] | None = None
        self._stacks_captured: dict[str, Any] | None = None

    def run(
        self,
        collection: CollectionSpec,
        request: RequestSpec,
        state: RunState,
        data_row: Mapping[str, Any] | None,
        iteration: int | None,
        index: int,
    ) -> RequestResult:
        """Run ``request`` with the captures in ``state``; emits its events, ending with
        RequestFinished at plan position ``index``."""
        masker = self.context.masker
        # Keyword arguments of the RequestResult, which is built once when the outcome is known.
        base: dict[str, Any] = {
            "collection": collection.name,
            "name": request.name,
            "path": request.path,
            "method": request.method,
            "location": request.location,
            "iteration": iteration,
        }  # and "url", masked: as written, rendered as far as it can be, or as sent
        skip = request.options.get("skip") or self._without_example(request)
        if skip:
            reason = skip if isinstance(skip, str) else "skipped"
            base["url"] = masker.text(request.url)
            return self._finish(index, RequestResult(**base, skipped=reason))
        fields = self._templated_fields(request)
        stack = self._stack(collection, request, state, data_row)
        renderer = Renderer(stack.lookup, self.dynamic)
        try:
            outgoing = render_request(request, renderer, fields)
            example = self._mock_example(request, renderer)
        except TemplateError as exc:
            error = masker.text(_explain(exc, state, collection))
            base["url"] = masker.text(render_what_can(request.url, renderer))
            return self._finish(index, RequestResult(**base, error=error))
        delay_ms = request.options.get("delay_ms")
        if delay_ms:
            self.context.sleep(float(delay_ms) / 1000)
        exchange = send_with_retries(self.context, request, outgoing, example, renderer)
        response, attempts = exchange.response, exchange.attempts
        base["url"] = masker.text(outgoing.url)
        if response is None:
            error = masker.text(exchange.error or "")
            failed = RequestResult(
                **base, error=error, attempts=attempts, elapsed_ms=exchange.elapsed_ms
            )
            return self._finish(index, failed, exchange.sent)
        result = self._judged(base, request, response, renderer, state, fields, attempts)
        return self._finish(index, result, exchange.sent, exchange.masked_response)

    def _judged(
        self,
        base: dict[str, Any],
        request: RequestSpec,
        response: ResponseData,
        renderer: Renderer,
        state: RunState,
        fields: frozenset[str],
        attempts: int,
    ) -> RequestResult:
        """The result of a request that got a response: its checks, then its captures."""
        context = self.context
        render_checks = "assert" in fields
        checks = tuple(
            run_check(context, check, response, renderer, render_checks) for check in request.checks
        )
        render_captures = "capture" in fields
        captures = tuple(
            run_capture(context, spec, request, response, renderer, state, render_captures)
            for spec in request.captures
        )
        if isinstance(response, StreamData):
            base["events"] = len(response.events)
            base["first_event_ms"] = response.first_event_ms
        return RequestResult(
            **base,
            status=response.status,
            elapsed_ms=response.elapsed_ms,
            checks=checks,
            captures=captures,
            attempts=attempts,
            response_size=len(response.body),
        )

    def _templated_fields(self, request: RequestSpec) -> frozenset[str]:
        cached = self._fields.get(id(request))
        if cached is None or cached[0] is not request:
            cached = self._fields[id(request)] = (request, templated_fields(request))
        return cached[1]

    def _stack(
        self,
        collection: CollectionSpec,
        request: RequestSpec,
        state: RunState,
        data_row: Mapping[str, Any] | None,
    ) -> VariableStack:
        """The request's variables. They depend on its collection and folders only (the loader
        shares one tuple of scopes per folder), and a stack holds the live captured mapping, so
        one per folder serves a whole iteration, a large file's decoded requests included; kept
        for the current data row and captures only, so neither a long data file nor the passes
        of a load test (a fresh RunState each) pile them up."""
        folders, captured = request.folder_scopes, state.captured
        if self._stacks_row is not data_row or self._stacks_captured is not captured:
            self._stacks.clear()
            self._stacks_row, self._stacks_captured = data_row, captured
        key = (id(collection), id(folders), id(captured))
        cached = self._stacks.get(key)
        # The entry keeps what its key names alive, so no id in it is reused by another object.
        owners = (collection, folders, captured)
        if cached is None or not _same(cached[0], owners):
            plan = self.context.plan
            stack = request_stack(
                request, collection, plan.options, plan.secrets.values, captured, data_row
            )
            cached = self._stacks[key] = (owners, stack)
        return cached[1]

    def forget(self, request: RequestSpec, state: RunState) -> None:
        """Drop what ``run`` cached for ``request``, so the decoded request can be freed (its
        folder's variables stay: the next request of the folder uses them)."""
        self._fields.pop(id(request), None)

    def internal_error(
        self,
        collection: CollectionSpec,
        request: RequestSpec,
        iteration: int | None,
        index: int,
        exc: Exception,
    ) -> RequestResult:
        """The result of a request whose run raised: a bug costs one request, never the run.

        The traceback goes out as an event (the engine never prints) for ``--traceback``.
        """
        import traceback

        masker = self.context.masker
        message = masker.text(f"{type(exc).__name__}: {exc}")
        trace = masker.text("".join(traceback.format_exception(exc)))
        self.context.emit(InternalError(request.path, trace, index))
        return self._finish(
            index,
            RequestResult(
                collection=collection.name,
                name=request.name,
                path=request.path,
                method=request.method,
                url=masker.text(request.url),
                location=request.location,
                iteration=iteration,
                error=f"internal error in postrun ({message}); please report it",
            ),
        )

    def _finish(
        self,
        index: int,
        result: RequestResult,
        sent: SentRequest | None = None,
        response: MaskedOnce | None = None,
    ) -> RequestResult:
        self.context.emit(RequestFinished(result, sent, None, index, masked=response))
        return result

    def _without_example(self, request: RequestSpec) -> str | None:
        """The skip reason under ``--mock --mock-missing skip`` for a request with no example."""
        options = self.context.plan.options
        if self.context.mock_adapter is None or options.mock_missing != "skip":
            return None
        from runner.mock import choose_example

        if choose_example(request, options.mock_example) is not None:
            return None
        return "no example to answer from under --mock (--mock-missing skip)"

    def _mock_example(self, request: RequestSpec, renderer: Renderer) -> ExampleSpec | None:
        if self.context.mock_adapter is None:
            return None
        from runner.mock import choose_example

        example = choose_example(request, self.context.plan.options.mock_example)
        if example is None:
            return None
        events = example.events
        if events is not None:
            events = tuple(
                dataclasses.replace(
                    event,
                    data=renderer.render_value(event.data, typed=not isinstance(event.data, str)),
                )
                for event in events
            )
        return dataclasses.replace(
            example,
            headers=renderer.render_value(dict(example.headers), typed=False),
            body=renderer.render_value(example.body, typed=isinstance(example.body, (dict, list))),
            events=events,
        )


def _same(kept: tuple[object, ...], owners: tuple[object, ...]) -> bool:
    """The very objects, one by one (no generator set up per request)."""
    return kept[0] is owners[0] and kept[1] is owners[1] and kept[2] is owners[2]


def _explain(exc: TemplateError, state: RunState, collection: CollectionSpec) -> str:
    """Say which capture, or which script postrun does not run, left a variable undefined."""
    for name in exc.names:
        if name in state.failed_captures:
            return f"{exc.message}: {state.failed_captures[name]}"
    for name in exc.names:
        if name in collection.set_by_script:
            owner, location = collection.set_by_script[name]
            return (
                f"{exc.message}: it is set by a script of '{owner}' (set_by_script, {location}), "
                f"which postrun does not run: capture '{name}' in '{owner}', or give "
                f"--var {name}=..."
            )
    return exc.message if exc.hint is None else f"{exc.message} ({exc.hint})"
