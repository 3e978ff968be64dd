"""The engine: the one way to run loaded collections, shared by every front-end.

``postrun run`` (sequential and ``--jobs``), ``export curl`` and the front-ends to come (the
pytest plugin, Locust users, the mock server's recorder) call these functions; none of them
sends, retries, checks, captures or masks on its own. The engine never prints and never exits:
it emits masked events (runner.events) to listeners and returns results (runner.results).

The API, in the order a front-end uses it::

    plan = plan_run(collections, RunOptions(...))   # once: select, secrets, pre-flight (exit 2)
    engine = Engine(plan, session, listeners,       # per worker: an injected requests.Session
                    clock=..., sleep=...)           # (or Locust's HttpSession), clock and sleep
    run = engine.run()                              # the whole plan -> RunResult
    results, interrupted = engine.run_units(units)  # some WorkUnits (plan.units()), one pass
    result = engine.run_request(unit, request, state, position)  # one request -> RequestResult

A ``WorkUnit`` is one collection in one iteration; ``RunState`` holds the captured values that
flow from request to request (``run_units`` makes a fresh one per call; a caller running single
requests keeps its own). A plan is immutable and may be shared by engines on several threads;
secrets learnt while running (OAuth2 tokens, captured cookies) go in a ``RunSecrets`` that
engines of one run share. ``engine.parallel.run_parallel`` runs a plan's files on threads.

Modules, each importing only those above it in this list and the layers below the engine:

| module | what it holds |
|---|---|
| ``options`` | ``RunOptions``: what shapes a run (variables, mock, selection, data, overrides) |
| ``scopes`` | the variables a request sees; where secrets and variables are declared |
| ``preflight`` | every placeholder defined before anything is sent, with explained errors |
| ``plan`` | ``plan_run``, ``RunPlan``, ``WorkUnit``: the run decided once |
| ``render`` | placeholders rendered into an ``OutgoingRequest`` and into checks |
| ``learnt`` | ``RunSecrets``: secrets learnt during a run |
| ``context`` | ``EngineContext`` (the injected parts) and ``RunState`` (captures) |
| ``masked`` | masked copies of what is emitted |
| ``exchange`` | send with retries, backoff and ``Retry-After``; attempt events |
| ``outcomes`` | checks and captures of one response |
| ``request`` | ``RequestRunner``: one request from skip to ``RequestFinished`` |
| ``loop`` | ``Engine``: runs, units and single requests |
| ``parallel`` | ``--jobs``: groups of units on worker threads (imported only when used) |

Who may import it: the CLI, runner.validation, runner.interop and the front-ends. The engine
imports the model, results, events, templating, variables, checks, captures, masking and (lazily,
when a request is sent) runner.transport and runner.mock; never the loader, reports or CLI.
"""

from __future__ import annotations

from runner.engine.context import RunState
from runner.engine.learnt import RunSecrets
from runner.engine.loop import Engine
from runner.engine.options import RunOptions
from runner.engine.plan import RunPlan, WorkUnit, plan_run, run_started
from runner.engine.preflight import check_placeholders
from runner.engine.render import DEFAULT_TIMEOUT, render_request, render_what_can
from runner.engine.scopes import declared_secrets, request_stack, variable_scopes

__all__ = [
    "DEFAULT_TIMEOUT",
    "Engine",
    "RunOptions",
    "RunPlan",
    "RunSecrets",
    "RunState",
    "WorkUnit",
    "check_placeholders",
    "declared_secrets",
    "plan_run",
    "render_request",
    "render_what_can",
    "request_stack",
    "run_started",
    "variable_scopes",
]
