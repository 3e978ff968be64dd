"""The Engine: runs a plan's requests in order, or a front-end's units and single requests."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from runner.compact import CompactRequests
from runner.engine.context import EngineContext, RunState
from runner.engine.learnt import RunSecrets
from runner.engine.plan import RunPlan, WorkUnit, run_started
from runner.engine.request import RequestRunner
from runner.events import Listener, Note, RequestStarted, RunFinished, taken
from runner.model import RequestSpec
from runner.results import RequestResult, RunResult, RunTally

if TYPE_CHECKING:
    from runner.transport import Session


class Engine:
    """Runs a plan: one request after another, emitting masked events to the listeners.

    Everything outside is injected: the session (a ``requests.Session``, or one like Locust's
    ``HttpSession``), the listeners, the clock, ``sleep`` (retries, ``delay_ms``) and the
    random source of the retry jitter. The engine never prints and never exits.
    """

    def __init__(
        self,
        plan: RunPlan,
        session: Session,
        listeners: Sequence[Listener] = (),
        *,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.perf_counter,
        rng: random.Random | None = None,
        learnt: RunSecrets | None = None,
        keep_passed: bool = True,
    ) -> None:
        self.listeners = tuple(listeners)
        self.clock = clock
        self.context = EngineContext(
            plan,
            session,
            self.emit,
            sleep=sleep,
            clock=clock,
            rng=rng or random.Random(),  # noqa: S311 -- jitter, not cryptography
            learnt=learnt or RunSecrets(),
            takes=taken(self.listeners),
        )
        # False for long runs: results stream to the reporters, and the RunResult keeps counts
        # and the failed results only, so memory does not grow with the number of requests.
        self.keep_passed = keep_passed
        self.tally = RunTally()
        self._requests = RequestRunner(self.context)
        self._total = plan.total_requests  # for RequestStarted; a data file's rows sliced once

    @property
    def plan(self) -> RunPlan:
        """The plan, its masker grown by the secrets learnt so far."""
        return self.context.plan

    def emit(self, event: Any) -> None:
        for listener in self.listeners:
            listener(event)

    def run(self) -> RunResult:
        """Run every request of the plan; Ctrl-C stops it and still returns what finished."""
        plan = self.plan
        started = self.clock()
        self.emit(run_started(plan))
        for note in plan.notes:
            self.emit(Note(note))  # notes name secrets, never hold a real value
        results, interrupted = self.run_units(plan.units())
        tally = None if self.keep_passed else self.tally
        run = RunResult(tuple(results), (self.clock() - started) * 1000, interrupted, tally)
        self.emit(RunFinished(run))
        return run

    def run_units(
        self,
        units: Iterable[WorkUnit],
        stop: threading.Event | None = None,
        state: RunState | None = None,
    ) -> tuple[list[RequestResult], bool]:
        """Run units in order, sharing captures; returns the results and whether interrupted.

        ``stop`` lets parallel workers end early together (--bail, Ctrl-C in the main thread).
        The captures start empty, or are those of ``state`` (a front-end that runs pass after
        pass clears and passes the same one, and the variables built for it serve every pass).
        """
        results: list[RequestResult] = []
        state = RunState() if state is None else state
        bail = self.plan.options.bail
        try:
            for unit in units:
                # A large file's requests are decoded afresh each time (runner.compact): the
                # per-request caches would keep every one alive, so each entry goes after use.
                transient = isinstance(unit.collection.requests, CompactRequests)
                for position, request in enumerate(unit.collection.requests):
                    if stop is not None and stop.is_set():
                        return results, True
                    result = self.run_request(unit, request, state, position)
                    if transient:
                        self.forget(request, state)
                    if self.keep_passed or not result.passed:
                        results.append(result)
                    if bail and not result.passed:
                        if stop is not None:
                            stop.set()
                        return results, False
        except KeyboardInterrupt:
            return results, True
        return results, False

    def run_request(
        self, unit: WorkUnit, request: RequestSpec, state: RunState, position: int = 0
    ) -> RequestResult:
        """Run one request of ``unit`` (its ``position`` there) with the captures in ``state``.

        Emits RequestStarted, the request's events and RequestFinished; a bug in postrun costs
        this request (an error result), never the caller's run.
        """
        index = unit.first_index + position
        collection = unit.collection
        if RequestStarted in self.context.takes:
            self.emit(
                RequestStarted(collection.name, request.path, index, self._total, unit.iteration)
            )
        try:
            result = self._requests.run(
                collection, request, state, unit.data_row, unit.iteration, index
            )
        except Exception as exc:  # a bug must cost one request, never the run
            result = self._requests.internal_error(collection, request, unit.iteration, index, exc)
        self.tally = self.tally.add(result)
        return result

    def forget(self, request: RequestSpec, state: RunState) -> None:
        """Drop what was cached for ``request`` (a large file's requests are decoded anew)."""
        self._requests.forget(request, state)
