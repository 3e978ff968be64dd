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

from runner.engine import Engine, RunPlan, RunSecrets, WorkUnit, run_started
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
    lock = threading.Lock()  # one event at a time reaches the shared listeners
    stop = threading.Event()  # --bail in any worker, or Ctrl-C in the main thread
    closed = False  # after an interrupt, late events from workers are dropped
    groups = group_units(plan, by_iteration=by_iteration)
    outputs = [group_output() for _ in groups]
    results: list[list[RequestResult]] = [[] for _ in groups]
    tallies = [RunTally() for _ in groups]
    done = [threading.Event() for _ in groups]
    progress = threading.Semaphore(0)  # released once per finished group
    learnt = RunSecrets()
    opening = run_started(plan)
    for listener in (*run_listeners, *shared_listeners):
        listener(opening)
        for note in plan.notes:
            listener(Note(note))

    def run_group(index: int, session: Session) -> None:
        own = outputs[index].listener
        batch: list[Any] = []

        def emit(event: Any) -> None:
            # Reports see each request's events together (started .. finished), never
            # interleaved with another worker's, and hold at most one request's events here.
            batch.append(event)
            if isinstance(event, RequestFinished):
                with lock:
                    if not closed:
                        for queued in batch:
                            own(queued)
                            for listener in shared_listeners:
                                listener(queued)
                        tallies[index] = tallies[index].add(event.result)
                        if keep_passed or not event.result.passed:
                            results[index].append(event.result)
                batch.clear()

        # A group's own engine and captures; the thread's session; the run's learnt secrets.
        Engine(plan, session, (emit,), learnt=learnt).run_units(groups[index], stop)

    queue = list(range(len(groups)))
    queue.reverse()

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    return
                index = queue.pop()
            try:
                if not stop.is_set():  # after --bail, the groups not begun are left out
                    with new_session() as session:  # a group's own cookies, never another's
                        run_group(index, session)
            finally:
                done[index].set()
                progress.release()

    # Daemon threads: after Ctrl-C the run reports what finished without waiting for requests
    # still in flight (up to their timeout); those threads end with the process.
    for _ in range(min(max(1, jobs), len(groups))):
        threading.Thread(target=worker, name="postrun-worker", daemon=True).start()
    interrupted = False
    released = 0
    try:
        while released < len(groups):
            progress.acquire(timeout=0.2)  # a timeout keeps Ctrl-C responsive
            # Release finished groups in plan order, so output reads as a sequential run would.
            while released < len(groups) and done[released].is_set():
                outputs[released].release()
                released += 1
    except KeyboardInterrupt:
        interrupted = True
    if interrupted:
        stop.set()
        with lock:
            closed = True  # nothing more reaches the listeners; what finished is final
        for output in outputs[released:]:
            output.release()
    with lock:
        finished = [result for group in results for result in group]
        tally = sum(tallies, RunTally())
    run = RunResult(
        tuple(finished),
        (clock() - started) * 1000,
        interrupted,
        None if keep_passed else tally,
    )
    for listener in (*run_listeners, *shared_listeners):
        listener(RunFinished(run))
    return run


def worth_parallel(plan: RunPlan, *, by_iteration: bool) -> bool:
    """Whether there is more than one group of work to spread over threads."""
    return len(group_units(plan, by_iteration=by_iteration)) > 1
