"""The pytest plugin: each request of a collection is a test item, run by the engine.

Opt-in, since a YAML file is not a test unless asked: ``postrun = true`` in the pytest ini
(``[tool.pytest.ini_options]``), ``--postrun`` or ``-p postrun``. Then every collection file
pytest meets (a YAML file whose top level has ``requests``, ``environments/`` left out) is a
test file and each of its requests a test item at its own file:line, run in file order with
one engine, session and set of captures per file, as ``postrun run`` runs a file. A failed
request shows its failed checks as postrun's console does. Under pytest-xdist, each file runs
whole on one worker (``--dist loadfile`` is chosen for ``-n N``), so captures still flow.

pytest imports this module whenever postrun is installed: at the top it imports pytest only,
the rest of postrun in the hooks that need it.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

_ENABLE_HELP = "Collect postrun collections (YAML files with requests) as tests."


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("postrun", "postrun collections as tests")
    group.addoption("--postrun", action="store_true", default=None, help=_ENABLE_HELP)
    group.addoption(
        "--postrun-env",
        metavar="NAME|FILE",
        help="postrun environment: environments/NAME.yaml, or a path (as postrun run --env).",
    )
    group.addoption(
        "--postrun-var",
        action="append",
        default=[],
        metavar="NAME=VALUE|NAME:=JSON",
        help="Set a postrun variable (highest precedence; := typed). Repeatable.",
    )
    group.addoption(
        "--postrun-mock",
        action="store_true",
        default=False,
        help="Answer each request from its saved example, sending nothing (postrun run --mock).",
    )
    parser.addini("postrun", _ENABLE_HELP, type="bool", default=False)


def _enabled(config: pytest.Config) -> bool:
    """--postrun, ``postrun = true`` in the ini, or ``-p postrun``."""
    if config.getoption("postrun"):
        return True
    if "postrun" in (config.known_args_namespace.plugins or []):
        return True
    return bool(config.getini("postrun"))


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    if not _enabled(parent.config) or _in_environments(file_path, parent.config.rootpath):
        return None
    from runner.loader import is_collection_file

    if not is_collection_file(file_path):
        return None
    collection_file: CollectionFile = CollectionFile.from_parent(parent, path=file_path)
    return collection_file


def _in_environments(file_path: Path, root: Path) -> bool:
    """Whether the file is in an ``environments/`` folder below the rootdir."""
    folders = file_path.parent.parts
    if file_path.is_relative_to(root):
        folders = file_path.parent.relative_to(root).parts
    return "environments" in folders


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """Under ``-n N`` (xdist's ``--dist load``), send each file whole to one worker."""
    if not _enabled(config) or config.getoption("dist") != "load":
        return None
    from xdist.scheduler import LoadFileScheduling

    return LoadFileScheduling(config, log)


class CollectionFile(pytest.File):
    """A collection: loaded and planned at collection time (an input error is a collection
    error, as it is exit status 2 for ``postrun run``); run by one engine, request by request."""

    plan: Any = None
    engine: Any = None
    state: Any = None
    listener: ForwardingListener | None = None

    def collect(self) -> Iterator[RequestItem]:
        from runner.errors import PostrunError

        try:
            collection, self.plan = _load_and_plan(self.path, self.config)
        except PostrunError as exc:
            raise self.CollectError(exc.render()) from None
        (unit,) = self.plan.units()
        for position, request in enumerate(collection.requests):
            item: RequestItem = RequestItem.from_parent(self, name=request.path)
            item.request, item.unit, item.position = request, unit, position
            yield item

    def setup(self) -> None:
        from runner.engine import Engine, RunState
        from runner.transport import new_session

        self.listener = ForwardingListener()
        self.http_session = new_session()  # not ``session``: pytest's nodes have one
        self.engine = Engine(self.plan, self.http_session, [self.listener])
        self.state = RunState()  # the captures, flowing from request to request of the file

    def teardown(self) -> None:
        if self.engine is not None:
            self.http_session.close()
            self.engine = None


def _load_and_plan(path: Path, config: pytest.Config) -> tuple[Any, Any]:
    """The collection at ``path`` and its one-file plan, with the --postrun-* options."""
    from runner.engine import RunOptions, plan_run
    from runner.loader import find_environment, load_collection, load_environment
    from runner.variables import parse_cli_var, read_dotenv_files

    file = Path(os.path.relpath(path)) if path.is_relative_to(Path.cwd()) else path
    collection = load_collection(file)
    environment = environment_file = None
    env_name = config.getoption("postrun_env")
    if env_name:
        environment_file = find_environment(env_name, [file], Path.cwd())
        environment = load_environment(environment_file)
    dotenv, dotenv_name = read_dotenv_files(environment_file)
    options = RunOptions(
        cli_vars=dict(parse_cli_var(text) for text in config.getoption("postrun_var")),
        environment=environment,
        environ=dict(os.environ),
        dotenv=dotenv,
        dotenv_name=dotenv_name,
        mock=config.getoption("postrun_mock"),
    )
    return collection, plan_run([collection], options)


class ForwardingListener:
    """The engine's one listener: it hands each event to the reporter of the running item and
    keeps the (masked) result of the request that finished."""

    def __init__(self) -> None:
        self.target: Any = None
        self.finished: Any = None

    def __call__(self, event: object) -> None:
        from runner.events import RequestFinished

        if self.target is not None:
            self.target(event)
        if isinstance(event, RequestFinished):
            self.finished = event.result


class _Text(io.StringIO):
    """The console's text, in UTF-8 (pytest writes it to the terminal as it can)."""

    @property
    def encoding(self) -> str:
        return "utf-8"


class RequestFailed(Exception):
    """A request that failed: its console text, and a one-line summary."""

    def __init__(self, text: str, summary: str) -> None:
        super().__init__(summary)
        self.text = text
        self.summary = summary


class FailureRepr:
    """What pytest shows for a failed request: postrun's console lines for it."""

    def __init__(self, failure: RequestFailed) -> None:
        self.text = failure.text
        self.reprcrash = _Crash(failure.summary)  # pytest's short summary reads its message

    def toterminal(self, out: Any) -> None:
        for line in self.text.splitlines():
            out.line(line)

    def __str__(self) -> str:
        return self.text


class _Crash:
    def __init__(self, message: str) -> None:
        self.message = message


def failure_summary(result: Any) -> str:
    """One line for pytest's short summary: the error, or the first failed check or capture."""
    if result.error is not None:
        return str(result.error)
    failed = result.failed_checks
    if failed:
        check = failed[0]
        more = f" (and {len(failed) - 1} more)" if len(failed) > 1 else ""
        if check.message:
            return f"{check.description}: {check.message}{more}"
        from runner.matchers import show

        return f"{check.description}: expected {check.expected}, got {show(check.actual)}{more}"
    missing = next((capture for capture in result.captures if not capture.found), None)
    if missing is not None:
        return f"capture '{missing.name}': {missing.message or 'found nothing'}"
    return "failed"


class RequestItem(pytest.Item):
    """One request, run with the captures of the requests above it in its file."""

    request: Any
    unit: Any
    position: int

    def runtest(self) -> None:
        from runner.report.console import ConsoleReporter

        parent = self.parent
        assert isinstance(parent, CollectionFile) and parent.listener is not None
        listener = parent.listener
        out = _Text()
        listener.target, listener.finished = ConsoleReporter(out), None
        try:
            parent.engine.run_request(self.unit, self.request, parent.state, self.position)
        finally:
            listener.target = None
        result = listener.finished  # masked, as every event is
        if result.skipped is not None:
            pytest.skip(result.skipped or "skipped")
        if not result.passed:
            lines = out.getvalue().strip("\n").splitlines()
            if lines and lines[0].startswith(self.unit.collection.name):
                del lines[0]  # the collection's heading: pytest names the file already
            raise RequestFailed("\n".join(lines), failure_summary(result))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style: Any = None) -> Any:
        if isinstance(excinfo.value, RequestFailed):
            return FailureRepr(excinfo.value)
        return super().repr_failure(excinfo)

    def reportinfo(self) -> tuple[Path, int, str]:
        location = self.request.location
        line = location.line - 1 if location is not None else 0
        return self.path, line, f"{self.request.method} {self.request.path}"
