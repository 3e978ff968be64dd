"""Running collection files (or iterations) side by side: `--jobs N`, `--parallel-iterations`.

Each group of work units (one file, or one file's iteration) runs in its own thread with its own
engine, session, cookies and captures. Run-wide listeners (file reports) receive every event as it
happens, one at a time; each group's console output is produced by its own listener and released
in plan order once the group is done, so output is grouped, not interleaved, and reads the same as
a sequential run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from runner.engine import Engine, RunPlan, RunTokens, WorkUnit, run_started
from runner.events import Listener, Note, RequestFinished, RunFinished
from runner.results import RequestResult, RunResult

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
) -> RunResult:
    """Run the plan's groups on ``jobs`` threads; Ctrl-C and --bail stop every worker.

    ``run_listeners`` (the console) see the run's start, notes and end; ``shared_listeners``
    (reports) see every event; each group's request events also go to its own GroupOutput.
    """
    started = clock()
    lock = threading.Lock()
    stop = threading.Event()
    groups = group_units(plan, by_iteration=by_iteration)
    outputs = [group_output() for _ in groups]
    tokens = RunTokens()
    opening = run_started(plan)
    for listener in (*run_listeners, *shared_listeners):
        listener(opening)
        for note in plan.notes:
            listener(Note(note))

    def work(index: int) -> list[RequestResult]:
        own = outputs[index].listener
        batch: list[Any] = []

        def emit(event: Any) -> None:
            own(event)  # this group's own listener: no other thread writes to it
            # Reports see each request's events together (started .. finished), never
            # interleaved with another worker's, and hold at most one request's events here.
            batch.append(event)
            if isinstance(event, RequestFinished):
                with lock:
                    for queued in batch:
                        for listener in shared_listeners:
                            listener(queued)
                batch.clear()

        with new_session() as session:
            # A thread's own session, cookies and captures; OAuth2 tokens are shared by the run.
            engine = Engine(plan, session, (emit,), tokens=tokens)
            results, _ = engine.run_units(groups[index], stop)
        return results

    results_by_group: list[list[RequestResult] | None] = [None] * len(groups)
    interrupted = False
    released = 0
    executor = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="postrun")
    futures = [executor.submit(work, index) for index in range(len(groups))]
    try:
        pending = set(futures)
        while pending:
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                results_by_group[futures.index(future)] = future.result()
            # Release finished groups in plan order, so output reads as a sequential run would.
            while released < len(groups) and results_by_group[released] is not None:
                outputs[released].release()
                released += 1
    except KeyboardInterrupt:
        interrupted = True
        stop.set()  # workers end after their current request
        executor.shutdown(wait=True, cancel_futures=True)
        for index in range(released, len(groups)):
            future = futures[index]
            if future.done() and not future.cancelled() and future.exception() is None:
                results_by_group[index] = future.result()
            outputs[index].release()
    finally:
        executor.shutdown(wait=True, cancel_futures=True)
    results = [result for group in results_by_group if group for result in group]
    run = RunResult(tuple(results), (clock() - started) * 1000, interrupted)
    for listener in (*run_listeners, *shared_listeners):
        listener(RunFinished(run))
    return run


def worth_parallel(plan: RunPlan, *, by_iteration: bool) -> bool:
    """Whether there is more than one group of work to spread over threads."""
    return len(group_units(plan, by_iteration=by_iteration)) > 1
