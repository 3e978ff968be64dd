"""Running collection files (or iterations) side by side: `--jobs N`, `--parallel-iterations`.

Up to N worker threads take groups of work units (one file, or one file's iteration) in plan
order; each group gets its own engine, captures, session and cookies.
Run-wide listeners (file reports) receive each request's events together, one request at a time;
each group's console output goes to its own listener and is released in plan order once the
group is done, so output is grouped, not interleaved, and reads as a sequential run would.
Reports sort by plan position (RequestFinished.index).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runner.engine.learnt import RunSecrets
from runner.engine.loop import Engine
from runner.engine.plan import RunPlan, WorkUnit, run_started
from runner.events import Listener, Note, RequestFinished, RunFinished
from runner.results import RequestResult, RunResult, RunTally

if TYPE_CHECKING:
    from runner.transport import Session


@dataclass(frozen=True, slots=True)
class GroupOutput:
    """A group's own listener (its console, writing to a buffer) and how to release its output."""

    listener: Listener
    release: Callable[[], None]


def group_units(plan: RunPlan, *, by_iteration: bool) -> list[list[WorkUnit]]:
    """Split the plan: one group per file (its iterations in order), or per file and iteration."""
    units = plan.units()
    if by_iteration:
        return [[unit] for unit in sorted(units, key=lambda unit: _file_order(plan, unit))]
    groups: dict[str, list[WorkUnit]] = {}
    for unit in units:
        groups.setdefault(unit.collection.file, []).append(unit)
    return list(groups.values())


def _file_order(plan: RunPlan, unit: WorkUnit) -> tuple[int, int]:
    position = next(
        index for index, collection in enumerate(plan.collections) if collection is unit.collection
    )
    return position, unit.iteration or 0


def run_parallel(
    plan: RunPlan,
    jobs: int,
    new_session: Callable[[], Session],
    *,
    run_listeners: Sequence[Listener],
    shared_listeners: Sequence[Listener],
    group_output: Callable[[], GroupOutput],
    by_iteration: bool = False,
    clock: Callable[[], float] = time.perf_counter,
    keep_passed: bool = True,
) -> RunResult:
    """Run the plan's groups on ``jobs`` threads; Ctrl-C and --bail stop every worker.

    ``run_listeners`` (the console) see the run's start, notes and end; ``shared_listeners``
    (reports) see every event; each group's request events also go to its own GroupOutput.
    """
    started = clock()
    groups = group_units(plan, by_iteration=by_iteration)
    outputs = [group_output() for _ in groups]
    run = _ParallelRun(plan, groups, outputs, shared_listeners, keep_passed)
    opening = run_started(plan)
    for listener in (*run_listeners, *shared_listeners):
        listener(opening)
        for note in plan.notes:
            listener(Note(note))
    # Daemon threads: after Ctrl-C the run reports what finished without waiting for requests
    # still in flight (up to their timeout); those threads end with the process.
    for _ in range(min(max(1, jobs), len(groups))):
        worker = threading.Thread(
            target=run.worker, args=(new_session,), name="postrun-worker", daemon=True
        )
        worker.start()
    interrupted = run.release_in_order()
    finished, tally = run.collected()
    result = RunResult(
        tuple(finished),
        (clock() - started) * 1000,
        interrupted,
        None if keep_passed else tally,
    )
    for listener in (*run_listeners, *shared_listeners):
        listener(RunFinished(result))
    return result


class _ParallelRun:
    """What the workers of one parallel run share with each other and the main thread."""

    def __init__(
        self,
        plan: RunPlan,
        groups: list[list[WorkUnit]],
        outputs: list[GroupOutput],
        shared_listeners: Sequence[Listener],
        keep_passed: bool,
    ) -> None:
        self.plan = plan
        self.keep_passed = keep_passed
        self.groups = groups
        self.outputs = outputs
        self.shared_listeners = tuple(shared_listeners)
        self.lock = threading.Lock()  # one event at a time reaches the shared listeners
        self.stop = threading.Event()  # --bail in any worker, or Ctrl-C in the main thread
        self.closed = False  # after an interrupt, late events from workers are dropped
        self.results: list[list[RequestResult]] = [[] for _ in groups]
        self.tallies = [RunTally() for _ in groups]
        self.done = [threading.Event() for _ in groups]
        self.progress = threading.Semaphore(0)  # released once per finished group
        self.learnt = RunSecrets()
        self.queue = list(range(len(groups)))
        self.queue.reverse()

    def worker(self, new_session: Callable[[], Session]) -> None:
        """Take groups in plan order until none is left."""
        while True:
            with self.lock:
                if not self.queue:
                    return
                index = self.queue.pop()
            try:
                if not self.stop.is_set():  # after --bail, the groups not begun are left out
                    with new_session() as session:  # a group's own cookies, never another's
                        self.run_group(index, session)
            finally:
                self.done[index].set()
                self.progress.release()

    def run_group(self, index: int, session: Session) -> None:
        """A group's own engine and captures; the thread's session; the run's learnt secrets."""
        engine = Engine(self.plan, session, (self.emitter(index),), learnt=self.learnt)
        engine.run_units(self.groups[index], self.stop)

    def emitter(self, index: int) -> Listener:
        """The listener of group ``index``: reports see each request's events together
        (started .. finished), never interleaved with another worker's, and hold at most one
        request's events here."""
        own = self.outputs[index].listener
        batch: list[Any] = []

        def emit(event: Any) -> None:
            batch.append(event)
            if isinstance(event, RequestFinished):
                with self.lock:
                    if not self.closed:
                        for queued in batch:
                            own(queued)
                            for listener in self.shared_listeners:
                                listener(queued)
                        self.tallies[index] = self.tallies[index].add(event.result)
                        if self.keep_passed or not event.result.passed:
                            self.results[index].append(event.result)
                batch.clear()

        return emit

    def release_in_order(self) -> bool:
        """Release finished groups' output in plan order, so it reads as a sequential run
        would; returns whether Ctrl-C interrupted the run."""
        released = 0
        try:
            while released < len(self.groups):
                self.progress.acquire(timeout=0.2)  # a timeout keeps Ctrl-C responsive
                while released < len(self.groups) and self.done[released].is_set():
                    self.outputs[released].release()
                    released += 1
        except KeyboardInterrupt:
            self.stop.set()
            with self.lock:
                self.closed = True  # nothing more reaches the listeners; what finished is final
            for output in self.outputs[released:]:
                output.release()
            return True
        return False

    def collected(self) -> tuple[list[RequestResult], RunTally]:
        """The results kept, in plan order, and the tally of all of them."""
        with self.lock:
            finished = [result for group in self.results for result in group]
            return finished, sum(self.tallies, RunTally())


def worth_parallel(plan: RunPlan, *, by_iteration: bool) -> bool:
    """Whether there is more than one group of work to spread over threads."""
    return len(group_units(plan, by_iteration=by_iteration)) > 1
