"""Running collections: plan (secrets, pre-flight checks), then send, check, capture, emit events.

The engine never prints and never exits: it emits events to listeners (runner.events) and
returns a RunResult. Everything it emits is masked first (runner.masking).
"""

from __future__ import annotations

import dataclasses
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from runner.captures import capture
from runner.checks import evaluate, matches_all
from runner.compact import CompactRequests
from runner.errors import PostrunError, TemplateError, TransportError
from runner.events import (
    AttemptFailed,
    CheckFinished,
    Listener,
    Note,
    RequestFinished,
    RequestSent,
    RequestStarted,
    ResponseReceived,
    RunFinished,
    RunStarted,
)
from runner.masking import MASK, Masker
from runner.model import (
    AuthSpec,
    BodySpec,
    CaptureSpec,
    CheckSpec,
    CollectionSpec,
    EnvironmentSpec,
    ExampleSpec,
    Matcher,
    PlaceholderUse,
    RequestSpec,
    VariableScope,
)
from runner.results import (
    CaptureResult,
    CheckResult,
    RequestResult,
    ResponseData,
    RunResult,
    RunTally,
    SentRequest,
)
from runner.selection import Selection, select
from runner.source import SourceLocation
from runner.templating import Renderer, SystemDynamic
from runner.variables import (
    SecretValues,
    VariableStack,
    build_stack,
    check_secret_conflicts,
    find_undefined,
    resolve_secrets,
    undefined_error,
)

if TYPE_CHECKING:
    from runner.auth import TokenCache
    from runner.data import DataSet  # only with --data: not imported for other runs
    from runner.mock import MockAdapter
    from runner.transport import OutgoingRequest, Session

DEFAULT_TIMEOUT = 60.0
DEFAULT_RETRY_ON = (429, 502, 503, 504)


@dataclass(frozen=True, slots=True)
class RunOptions:
    """Everything from the command line that shapes a run."""

    cli_vars: Mapping[str, Any] = field(default_factory=dict)
    environment: EnvironmentSpec | None = None
    environ: Mapping[str, str] = field(default_factory=dict)
    dotenv: Mapping[str, str] = field(default_factory=dict)
    dotenv_name: str = ".env"
    mock: bool = False
    mock_example: str | None = None
    bail: bool = False
    show_secrets: bool = False
    selection: Selection = field(default_factory=Selection)
    data: DataSet | None = None
    iterations: int | None = None  # with data: the first N rows; without: N repeats
    # --timeout, --insecure, --delay, --proxy: the command line wins over the collection.
    option_overrides: Mapping[str, Any] = field(default_factory=dict)
    # --jobs: each file runs on its own, so captures do not flow from one file to another.
    files_apart: bool = False

    @property
    def data_rows(self) -> tuple[Mapping[str, Any] | None, ...]:
        """One entry per iteration: a data row, or None when the run is not data-driven."""
        if self.data is not None:
            return self.data.rows[: self.iterations] if self.iterations else self.data.rows
        return (None,) * (self.iterations or 1)

    @property
    def iterated(self) -> bool:
        """Whether results carry an iteration number (data-driven or repeated runs)."""
        return self.data is not None or (self.iterations or 1) > 1


@dataclass(frozen=True, slots=True)
class WorkUnit:
    """One collection in one iteration: the requests a worker runs in order."""

    collection: CollectionSpec
    iteration: int | None = None
    data_row: Mapping[str, Any] | None = None
    first_index: int = 1  # plan position of its first request, for RequestStarted/Finished


@dataclass(frozen=True, slots=True)
class RunPlan:
    """Collections that passed the pre-flight checks, with their secrets and masker."""

    collections: tuple[CollectionSpec, ...]
    options: RunOptions
    secrets: SecretValues
    masker: Masker
    notes: tuple[str, ...] = ()

    @property
    def total_requests(self) -> int:
        per_iteration = sum(len(collection.requests) for collection in self.collections)
        return per_iteration * len(self.options.data_rows)

    def units(self) -> list[WorkUnit]:
        """The run in order: each iteration runs every collection before the next begins."""
        iterated = self.options.iterated
        units: list[WorkUnit] = []
        first = 1
        for number, row in enumerate(self.options.data_rows, start=1):
            for collection in self.collections:
                units.append(WorkUnit(collection, number if iterated else None, row, first))
                first += len(collection.requests)
        return units


def run_started(plan: RunPlan) -> RunStarted:
    """The event that opens a run of ``plan``."""
    return RunStarted(
        tuple(collection.name for collection in plan.collections),
        plan.total_requests,
        plan.options.environment.name if plan.options.environment else None,
        plan.options.mock,
    )


def declared_secrets(
    collections: Iterable[CollectionSpec], environment: EnvironmentSpec | None
) -> dict[str, SourceLocation | None]:
    """Every secret name declared by the collections and the environment, with where."""
    declared: dict[str, SourceLocation | None] = {}
    sources: list[CollectionSpec | EnvironmentSpec] = list(collections)
    if environment is not None:
        sources.append(environment)
    for source in sources:
        for name in source.secrets:
            declared.setdefault(name, source.secret_locations.get(name))
    return declared


def variable_scopes(
    collections: Iterable[CollectionSpec], environment: EnvironmentSpec | None
) -> list[VariableScope]:
    """Every scope a variable can be defined in, for the secret/variable conflict check."""
    return _scan(collections, environment)[0]


def _scan(
    collections: Iterable[CollectionSpec], environment: EnvironmentSpec | None
) -> tuple[list[VariableScope], set[str]]:
    """Variable scopes (see variable_scopes) and apikey header names, in one pass.

    One pass, because each pass over a large file decodes every request again (runner.compact).
    """
    scopes = [environment.variables] if environment is not None else []
    apikey_headers: set[str] = set()
    for collection in collections:
        scopes.append(collection.variables)
        seen: set[int] = set()
        for request in collection.requests:
            for scope in request.folder_scopes:
                if id(scope) not in seen:
                    seen.add(id(scope))
                    scopes.append(scope)
            auth = request.auth
            if auth is not None and auth.kind == "apikey" and auth.params.get("header"):
                # Masked by name, like Authorization.
                apikey_headers.add(str(auth.params["header"]))
    return scopes, apikey_headers


def plan_run(collections: Sequence[CollectionSpec], options: RunOptions) -> RunPlan:
    """Select, resolve secrets and check every placeholder before anything is sent (exit 2)."""
    everything = collections
    collections = select(collections, options.selection)
    if options.option_overrides:
        collections = [_with_options(c, options.option_overrides) for c in collections]
    _check_iterations(options)
    declared = declared_secrets(collections, options.environment)
    scopes, apikey_headers = _scan(collections, options.environment)
    check_secret_conflicts(declared, scopes)
    secrets = resolve_secrets(
        declared,
        cli_vars=options.cli_vars,
        environ=options.environ,
        dotenv=options.dotenv,
        mock=options.mock,
        dotenv_name=options.dotenv_name,
    )
    try:
        check_placeholders(collections, options, secrets.values)
    except TemplateError as exc:
        explained = _explain_unselected(exc, everything, collections)
        if explained is exc and options.files_apart:
            explained = _explain_files_apart(exc, collections)
        raise explained from None
    if options.mock and options.mock_example is not None:
        _check_mock_example(collections, options.mock_example)
    masker = Masker.create(
        secrets.to_mask,
        extra_sensitive_headers=apikey_headers,
        enabled=not options.show_secrets,
    )
    return RunPlan(tuple(collections), options, secrets, masker, secrets.notes)


def check_placeholders(
    collections: Sequence[CollectionSpec], options: RunOptions, secrets: Mapping[str, Any]
) -> None:
    """Raise one error naming every undefined placeholder and each place it is used."""
    undefined: dict[str, list[PlaceholderUse]] = {}
    known: set[str] = set()
    # Rows with the same columns define the same names: check each distinct set of columns once.
    row_shapes = {tuple(row) if row is not None else None: row for row in options.data_rows}
    for row in row_shapes.values():
        captured: set[str] = set()  # names captured by earlier requests are defined for later ones
        for collection in collections:
            if options.files_apart:
                captured = set()
            # Requests of one folder see the same variables: one stack per folder, and each
            # name's cycle check once per stack (names that resolved cleanly are remembered).
            # Keyed by identity (the loader shares one tuple per folder); each entry keeps its
            # tuple alive, so an id is never reused for another folder's. ``clean`` holds the
            # names whose every inner name was defined: captures only add names, so they stay so.
            stacks: dict[int, tuple[object, VariableStack, set[str], set[str]]] = {}
            for request in collection.requests:
                scopes = id(request.folder_scopes)
                if scopes not in stacks:
                    stack = request_stack(request, collection, options, secrets, {}, row)
                    known.update(stack.names())
                    stacks[scopes] = (request.folder_scopes, stack, set(), set())
                _, stack, resolved, clean = stacks[scopes]
                uses = [use for use in request.placeholders if use.name not in clean]
                found = find_undefined(uses, stack, also_defined=captured)
                failing = {use.name for places in found.values() for use in places}
                clean.update(use.name for use in uses if use.name not in failing)
                _check_cycles(request, stack, resolved)
                for name, uses in found.items():
                    known_uses = undefined.setdefault(name, [])
                    known_uses.extend(use for use in uses if use not in known_uses)
                captured.update(spec.name for spec in request.captures)
    if undefined:
        error = undefined_error(undefined, known=(known | captured) - set(undefined))
        data = options.data
        for name in undefined:
            if data is not None and name in data.columns:
                line = next(
                    line
                    for row, line in zip(data.rows, data.row_lines, strict=True)
                    if name not in row
                )
                error.hint = f"'{name}' is missing from some rows of {data.file} (line {line})"
                break
        raise error


def _check_cycles(request: RequestSpec, stack: VariableStack, checked: set[str]) -> None:
    """A variable whose value refers back to itself (or nests too deep) is an input error.

    ``checked`` holds the names already resolved with ``stack``; it grows with this request's.
    """
    renderer = Renderer(stack.lookup)
    for use in request.placeholders:
        if use.name in checked or not stack.defined(use.name):
            continue
        checked.add(use.name)
        try:
            renderer.resolve(use.name)
        except TemplateError as exc:
            if exc.message.startswith(
                ("variable cycle", "variables nested", "placeholders expand too much")
            ):
                raise TemplateError(
                    exc.message, names=exc.names, location=use.location, hint=exc.hint
                ) from None
            # Anything else (a name captured later in the run) is settled at run time.


def request_stack(
    request: RequestSpec,
    collection: CollectionSpec,
    options: RunOptions,
    secrets: Mapping[str, Any],
    captured: Mapping[str, Any],
    data_row: Mapping[str, Any] | None = None,
) -> VariableStack:
    """The variables a request sees, in FORMAT.md section 3 order."""
    return build_stack(
        cli_vars=options.cli_vars,
        secrets=secrets,
        captured=captured,
        data_row=data_row,
        environment=options.environment,
        folder_scopes=request.folder_scopes,
        collection=collection.variables,
    )


def _sensitive_capture(spec: CaptureSpec, masker: Masker) -> bool:
    """A capture of a cookie, or of a header that is masked by name (Authorization ...)."""
    return spec.kind == "cookie" or (
        spec.kind == "header" and spec.source.lower() in masker.sensitive_headers
    )


def _with_options(collection: CollectionSpec, overrides: Mapping[str, Any]) -> CollectionSpec:
    requests: Sequence[RequestSpec]
    if isinstance(collection.requests, CompactRequests):
        requests = collection.requests.with_options(overrides)  # applied as each is decoded
    else:
        requests = tuple(
            dataclasses.replace(request, options={**request.options, **overrides})
            for request in collection.requests
        )
    return dataclasses.replace(collection, requests=requests)


def _check_iterations(options: RunOptions) -> None:
    if options.iterations is not None and options.iterations < 1:
        raise PostrunError(
            f"--iterations must be at least 1, not {options.iterations}",
            hint="--iterations 3 runs the requests three times",
        )
    if options.data is not None and options.iterations:
        rows = len(options.data.rows)
        if options.iterations > rows:
            raise PostrunError(
                f"--iterations {options.iterations} is more than the {rows} rows of "
                f"{options.data.file}",
                hint="with --data, --iterations N runs the first N rows; leave it out to run all",
            )


def _explain_unselected(
    error: TemplateError,
    everything: Sequence[CollectionSpec],
    selected: Sequence[CollectionSpec],
) -> TemplateError:
    """Say so when an undefined name is captured by a request the selection left out."""
    chosen = {request.location for collection in selected for request in collection.requests}
    for collection in everything:
        for request in collection.requests:
            if request.location in chosen:
                continue
            for spec in request.captures:
                if spec.name in error.names:
                    return _rehinted(
                        error,
                        f"'{spec.name}' is captured by '{request.path}', which the selection "
                        f"leaves out: add --request '{request.path}'",
                    )
    return error


def _rehinted(error: TemplateError, hint: str) -> TemplateError:
    """The same error with another hint."""
    return TemplateError(error.message, names=error.names, location=error.location, hint=hint)


def _explain_files_apart(
    error: TemplateError, collections: Sequence[CollectionSpec]
) -> TemplateError:
    """Say so when an undefined name is captured in another file, which --jobs runs apart."""
    for collection in collections:
        for request in collection.requests:
            for spec in request.captures:
                if spec.name in error.names:
                    return _rehinted(
                        error,
                        f"'{spec.name}' is captured by '{request.path}' in {collection.file}; "
                        "with --jobs each file runs on its own: capture it in this file too, "
                        "or run without --jobs",
                    )
    return error


def _check_mock_example(collections: Sequence[CollectionSpec], wanted: str) -> None:
    names = {
        example.name
        for collection in collections
        for request in collection.requests
        for example in request.examples
    }
    if wanted not in names:
        listing = ", ".join(sorted(names)) or "none"
        raise PostrunError(
            f"no request has an example named '{wanted}'",
            hint=f"examples in these collections: {listing}",
        )


class RunSecrets:
    """Secrets learnt during a run, shared by every engine of it: OAuth2 tokens (with their
    cache) and captured cookies and sensitive headers. Each engine adds them to its masker
    before it emits anything else.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: tuple[str, ...] = ()
        self._cache: TokenCache | None = None

    @property
    def cache(self) -> TokenCache:
        """The run's token cache, made on first use (most runs have no OAuth2)."""
        with self._lock:
            if self._cache is None:
                from runner.auth import TokenCache

                self._cache = TokenCache(on_token=self.learn)
            return self._cache

    def learn(self, value: str) -> None:
        """Treat ``value`` as a secret from now on."""
        with self._lock:
            if value and value not in self._values:
                self._values = (*self._values, value)

    @property
    def values(self) -> tuple[str, ...]:
        return self._values


@dataclass
class _RunState:
    """What changes while a run goes on: captured values and which captures found nothing."""

    captured: dict[str, Any] = field(default_factory=dict)
    failed_captures: dict[str, str] = field(default_factory=dict)


class Engine:
    """Runs a plan: one request after another, emitting masked events to the listeners."""

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
        self.plan = plan
        self.session = session
        self.listeners = tuple(listeners)
        self.sleep = sleep
        self.clock = clock
        self.rng = rng or random.Random()  # noqa: S311 -- jitter, not cryptography
        self.learnt = learnt or RunSecrets()
        # False for long runs: results stream to the reporters, and the RunResult keeps counts
        # and the failed results only, so memory does not grow with the number of requests.
        self.keep_passed = keep_passed
        self.tally = RunTally()
        self._index = 0  # plan position of the request being run
        # Per request (by id, with the request kept to tell a reused id): its templated parts,
        # and its variables for the current captures.
        self._fields: dict[int, tuple[RequestSpec, frozenset[str]]] = {}
        self._stacks: dict[
            tuple[int, int], tuple[RequestSpec, Mapping[str, Any], VariableStack]
        ] = {}
        self._stacks_row: Mapping[str, Any] | None = None
        self.dynamic = SystemDynamic()
        self._masked_learnt = 0
        self.mock_adapter: MockAdapter | None = None
        if plan.options.mock:
            from runner.mock import mock_session

            self.mock_adapter = mock_session(session)

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
        self, units: Iterable[WorkUnit], stop: threading.Event | None = None
    ) -> tuple[list[RequestResult], bool]:
        """Run units in order, sharing captures; returns the results and whether interrupted.

        ``stop`` lets parallel workers end early together (--bail, Ctrl-C in the main thread).
        """
        results: list[RequestResult] = []
        state = _RunState()
        total = self.plan.total_requests
        try:
            for unit in units:
                # A large file's requests are decoded afresh each time (runner.compact): the
                # per-request caches would keep every one alive, so each entry goes after use.
                transient = isinstance(unit.collection.requests, CompactRequests)
                for position, request in enumerate(unit.collection.requests):
                    if stop is not None and stop.is_set():
                        return results, True
                    index = self._index = unit.first_index + position
                    self.emit(
                        RequestStarted(
                            unit.collection.name, request.path, index, total, unit.iteration
                        )
                    )
                    try:
                        result = self._run_request(
                            unit.collection, request, state, unit.data_row, unit.iteration
                        )
                    except Exception as exc:  # a bug must cost one request, never the run
                        result = self._internal_error(unit, request, exc)
                    if transient:
                        self._forget(request, state)
                    self.tally = self.tally.add(result)
                    if self.keep_passed or not result.passed:
                        results.append(result)
                    if self.plan.options.bail and not result.passed:
                        if stop is not None:
                            stop.set()
                        return results, False
        except KeyboardInterrupt:
            return results, True
        return results, False

    def _forget(self, request: RequestSpec, state: _RunState) -> None:
        """Drop what _run_request cached for ``request``, so the decoded request can be freed."""
        self._fields.pop(id(request), None)
        self._stacks.pop((id(request), id(state.captured)), None)

    # One request -------------------------------------------------------------------------

    def _run_request(
        self,
        collection: CollectionSpec,
        request: RequestSpec,
        state: _RunState,
        data_row: Mapping[str, Any] | None = None,
        iteration: int | None = None,
    ) -> RequestResult:
        masker = self.plan.masker
        # Keyword arguments of the RequestResult, which is built once when the outcome is known.
        base: dict[str, Any] = {
            "collection": collection.name,
            "name": request.name,
            "path": request.path,
            "method": request.method,
            "url": masker.text(request.url),
            "location": request.location,
            "iteration": iteration,
        }
        skip = request.options.get("skip")
        if skip:
            reason = skip if isinstance(skip, str) else "skipped"
            return self._finish(RequestResult(**base, skipped=reason))
        # Caches keyed by id keep the request itself too: an id is reused once its object is
        # freed (a large file's requests are decoded afresh), and an entry for another object
        # must never be taken for this one.
        cached_fields = self._fields.get(id(request))
        if cached_fields is None or cached_fields[0] is not request:
            cached_fields = self._fields[id(request)] = (request, templated_fields(request))
        fields = cached_fields[1]
        # A stack holds the live captured mapping, so one per request serves a whole iteration;
        # kept for the current data row only, so a long data file does not pile them up.
        if self._stacks_row is not data_row:
            self._stacks.clear()
            self._stacks_row = data_row
        key = (id(request), id(state.captured))
        cached_stack = self._stacks.get(key)
        if (
            cached_stack is None
            or cached_stack[0] is not request
            or cached_stack[1] is not state.captured
        ):
            stack = request_stack(
                request,
                collection,
                self.plan.options,
                self.plan.secrets.values,
                state.captured,
                data_row,
            )
            cached_stack = self._stacks[key] = (request, state.captured, stack)
        stack = cached_stack[2]
        renderer = Renderer(stack.lookup, self.dynamic)
        try:
            outgoing = render_request(request, renderer, fields)
            example = self._mock_example(request, renderer)
        except TemplateError as exc:
            return self._finish(RequestResult(**base, error=masker.text(self._explain(exc, state))))
        delay_ms = request.options.get("delay_ms")
        if delay_ms:
            self.sleep(float(delay_ms) / 1000)
        exchange = self._send_with_retries(request, outgoing, example, renderer)
        response, masked_sent, attempts = exchange.response, exchange.sent, exchange.attempts
        base["url"] = masker.text(outgoing.url)
        if response is None:
            error = masker.text(exchange.error or "")
            failed = RequestResult(
                **base, error=error, attempts=attempts, elapsed_ms=exchange.elapsed_ms
            )
            return self._finish(failed, masked_sent)
        render_checks = "assert" in fields
        checks = tuple(
            self._check(check, response, renderer, render_checks) for check in request.checks
        )
        render_captures = "capture" in fields
        captures = tuple(
            self._capture(spec, request, response, renderer, state, render_captures)
            for spec in request.captures
        )
        result = RequestResult(
            **base,
            status=response.status,
            elapsed_ms=response.elapsed_ms,
            checks=checks,
            captures=captures,
            attempts=attempts,
            response_size=len(response.body),
        )
        return self._finish(result, masked_sent, exchange.masked_response)

    def _internal_error(
        self, unit: WorkUnit, request: RequestSpec, exc: Exception
    ) -> RequestResult:
        masker = self.plan.masker
        message = masker.text(f"{type(exc).__name__}: {exc}")
        return self._finish(
            RequestResult(
                collection=unit.collection.name,
                name=request.name,
                path=request.path,
                method=request.method,
                url=masker.text(request.url),
                location=request.location,
                iteration=unit.iteration,
                error=f"internal error in postrun ({message}); please report it",
            )
        )

    def _finish(
        self,
        result: RequestResult,
        sent: SentRequest | None = None,
        response: ResponseData | None = None,
    ) -> RequestResult:
        self.emit(RequestFinished(result, sent, response, self._index))
        return result

    @staticmethod
    def _explain(exc: TemplateError, state: _RunState) -> str:
        """Say which capture left a variable undefined, when one did."""
        for name in exc.names:
            if name in state.failed_captures:
                return f"{exc.message}: {state.failed_captures[name]}"
        return exc.message if exc.hint is None else f"{exc.message} ({exc.hint})"

    def _mock_example(self, request: RequestSpec, renderer: Renderer) -> ExampleSpec | None:
        if self.mock_adapter is None:
            return None
        from runner.mock import choose_example

        example = choose_example(request, self.plan.options.mock_example)
        if example is None:
            return None
        return dataclasses.replace(
            example,
            headers=renderer.render_value(dict(example.headers), typed=False),
            body=renderer.render_value(example.body, typed=isinstance(example.body, (dict, list))),
        )

    def _send_with_retries(
        self,
        request: RequestSpec,
        outgoing: Any,
        example: ExampleSpec | None,
        renderer: Renderer,
    ) -> _Exchange:
        """Send, retrying per ``options.retries``; each attempt is masked once, when emitted."""
        from runner.transport import send

        if self.mock_adapter is not None and example is None:
            return _Exchange(error="no example to answer from under --mock (add `examples:`)")
        retries: Mapping[str, Any] = request.options.get("retries") or {}
        count = int(retries.get("count", 0))
        retry_on = set(retries.get("on", DEFAULT_RETRY_ON))
        unless = tuple(_render_check(check, renderer) for check in retries.get("unless", ()))
        attempt = 0
        while True:
            attempt += 1
            if self.mock_adapter is not None and example is not None:
                self.mock_adapter.prime(example)
            sent: SentRequest | None = None
            masked_sent: SentRequest | None = None
            response: ResponseData | None = None
            masked_response: ResponseData | None = None
            error: str | None = None
            started = self.clock()
            try:
                oauth2 = outgoing.auth is not None and outgoing.auth.kind == "oauth2"
                tokens = self.learnt.cache if oauth2 else None
                sent, response = send(outgoing, self.session, tokens=tokens)
            except TransportError as exc:
                error = exc.message
                sent = exc.sent  # what went out before it failed, for -v and the reports
            self._mask_learnt()
            if sent is not None:
                masked_sent = self._mask_sent(sent)
                self.emit(RequestSent(masked_sent, attempt))
            retry = attempt <= count and (
                response is None
                or (response.status in retry_on and not (unless and matches_all(unless, response)))
            )
            wait = self._wait_before(attempt, response, retries) if retry else 0.0
            if response is not None:
                if response.attempts != attempt:
                    response = dataclasses.replace(response, attempts=attempt)
                masked_response = self._mask_response(response)
                self.emit(ResponseReceived(masked_response, attempt, retry, wait))
            else:
                error = self.plan.masker.text(error or "")
                self.emit(AttemptFailed(error, attempt, retry, wait))
            if not retry:
                spent_ms = (self.clock() - started) * 1000  # how long a failed attempt took
                return _Exchange(masked_sent, response, masked_response, error, attempt, spent_ms)
            self.sleep(wait)

    def _mask_learnt(self) -> None:
        """Hide secrets learnt since the last request in everything emitted from now on."""
        values = self.learnt.values
        if len(values) != self._masked_learnt:
            self._masked_learnt = len(values)
            self.plan = dataclasses.replace(self.plan, masker=self.plan.masker.with_secrets(values))

    def _wait_before(
        self, attempt: int, response: ResponseData | None, retries: Mapping[str, Any]
    ) -> float:
        """Exponential backoff with jitter; a Retry-After header wins; capped by max_wait."""
        max_wait = float(retries.get("max_wait", 30))
        retry_after = _retry_after(response.header("Retry-After")) if response else None
        if retry_after is not None:
            return min(retry_after, max_wait)
        backoff = float(retries.get("backoff", 0.5))
        wait = backoff * (2 ** (attempt - 1)) * self.rng.uniform(0.75, 1.25)
        return min(wait, max_wait)

    def _check(
        self, check: CheckSpec, response: ResponseData, renderer: Renderer, render: bool = True
    ) -> CheckResult:
        try:
            result = evaluate(_render_check(check, renderer) if render else check, response)
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
        masker = self.plan.masker
        if (
            check.kind == "header"
            and masker.enabled
            and isinstance(result.actual, str)
            and result.actual
            and (check.target or "").lower() in masker.sensitive_headers
        ):
            masker = masker.with_secrets([result.actual])  # a cookie or token seen in a check
        if masker.active:
            result = _masked_check(result, masker)
        self.emit(CheckFinished(result))
        return result

    def _capture(
        self,
        spec: CaptureSpec,
        request: RequestSpec,
        response: ResponseData,
        renderer: Renderer,
        state: _RunState,
        render: bool = True,
    ) -> CaptureResult:
        try:
            rendered = (
                dataclasses.replace(spec, source=renderer.render_text(spec.source))
                if render
                else spec
            )
            result = capture(rendered, response)
        except TemplateError as exc:
            result = CaptureResult(spec.name, False, message=exc.message, location=spec.location)
        if result.found:
            state.captured[spec.name] = result.value
            if _sensitive_capture(spec, self.plan.masker) and result.value is not None:
                self.learnt.learn(str(result.value))  # a session cookie is as secret as a key
                self._mask_learnt()
            state.failed_captures.pop(spec.name, None)
        else:
            state.captured.pop(spec.name, None)
            state.failed_captures[spec.name] = (
                f"capture '{spec.name}' in '{request.path}' found nothing"
            )
        masker = self.plan.masker
        return dataclasses.replace(
            result,
            value=masker.value(result.value),
            message=masker.text(result.message) if result.message else None,
            location=result.location or spec.location,
        )

    def _mask_sent(self, sent: SentRequest) -> SentRequest:
        masker = self.plan.masker
        return SentRequest(
            sent.method,
            masker.text(sent.url),
            masker.headers(sent.headers),
            masker.body(sent.body) if sent.body is not None else None,
        )

    def _mask_response(self, response: ResponseData) -> ResponseData:
        masker = self.plan.masker
        if not masker.enabled:
            return response
        headers = masker.headers(response.headers)
        body = masker.body(response.body)
        url = masker.text(response.url)
        if (
            body is response.body
            and url is response.url
            and not response.cookies
            and headers == response.headers
        ):
            return response  # nothing secret in it: no copy (and its JSON is parsed once)
        return dataclasses.replace(
            response,
            headers=headers,
            body=body,
            url=url,
            cookies=dict.fromkeys(response.cookies, MASK),  # Set-Cookie values, masked whole
        )


def _masked_check(result: CheckResult, masker: Masker) -> CheckResult:
    """``result`` with secrets hidden; the same object when it holds none (the usual case)."""
    description = masker.text(result.description)
    expected = masker.text(result.expected)
    actual = masker.value(result.actual)
    message = masker.text(result.message) if result.message else None
    if (
        description is result.description
        and expected is result.expected
        and actual is result.actual
        and message is result.message
    ):
        return result
    return dataclasses.replace(
        result, description=description, expected=expected, actual=actual, message=message
    )


@dataclass(frozen=True, slots=True)
class _Exchange:
    """The last attempt of a request: the raw response for checks, masked copies for events."""

    sent: SentRequest | None = None
    response: ResponseData | None = None
    masked_response: ResponseData | None = None
    error: str | None = None
    attempts: int = 0
    elapsed_ms: float = 0.0


def templated_fields(request: RequestSpec) -> frozenset[str]:
    """The parts of a request that rendering can change: placeholders, and ``\\<<`` escapes."""
    fields = {use.field for use in request.placeholders}
    parts: dict[str, Any] = {
        "url": request.url,
        "params": request.params,
        "headers": request.headers,
        "body": request.body.value if request.body else None,
        "auth": request.auth.params if request.auth else None,
        # A matcher's operators, not the matcher: a dataclass repr costs more than a tuple's.
        "assert": [
            (check.target, check.matcher.operators if check.matcher else None)
            for check in request.checks
        ],
        "capture": [spec.source for spec in request.captures],
    }
    # A text holding ``<<`` keeps it in its repr (``<`` is never escaped, and the quotes around
    # each text keep two texts from forming one), so one repr in C replaces a walk of the tree.
    # A false positive only renders a part that did not need it.
    fields.update(name for name, value in parts.items() if "<<" in repr(value))
    return frozenset(fields)


def render_request(
    request: RequestSpec, renderer: Renderer, fields: frozenset[str] | None = None
) -> OutgoingRequest:
    """Render every placeholder of ``request``: what goes on the wire (also for `export curl`).

    ``fields`` (from templated_fields) lets the hot path skip the parts with no placeholder.
    """
    from runner.transport import OutgoingRequest

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
    )


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


def _render_check(check: CheckSpec, renderer: Renderer) -> CheckSpec:
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


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return max(0.0, (moment - now).total_seconds())
