"""Loading what a command runs on: collections, the environment, --var and .env values; in a
forked child while the parent imports what a run needs next (runner/preload.py forks)."""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from runner.errors import PostrunError

if TYPE_CHECKING:
    from runner.compact import Prechecked
    from runner.engine import RunOptions
    from runner.preload import Channel


@dataclass(frozen=True, slots=True)
class Loaded:
    """What the commands share: the collections, the environment, --var values, .env values."""

    collections: tuple[Any, ...]
    environment: Any
    cli_vars: dict[str, Any]
    dotenv: dict[str, str]
    dotenv_name: str

    def run_options(self, **choices: Any) -> RunOptions:
        """The engine's options for what was loaded, with the process environment (read for
        declared secrets only) and the command's own ``choices``."""
        from runner.engine import RunOptions

        return RunOptions(
            cli_vars=self.cli_vars,
            environment=self.environment,
            environ=dict(os.environ),
            dotenv=self.dotenv,
            dotenv_name=self.dotenv_name,
            **choices,
        )


def _discover(paths: Sequence[Path]) -> list[Path]:
    """The collection files in ``paths``; none at all is an input error."""
    from runner.loader import discover_collections

    for path in paths:
        if path.is_dir() and _is_v3_folder(path):  # its YAML files are Postman's, not ours
            raise PostrunError(
                f"'{path}' is a Postman collection (v3 folder), not postrun collections",
                hint=f"this is a Postman export: run `postrun import postman {path}`",
            )
    files, skipped = discover_collections(list(paths))
    if skipped:
        _note_skipped(skipped)
    if not files:
        hint = "a collection is a .yaml/.yml file with a top-level `requests` list"
        exports = [
            found
            for path in paths
            if path.is_dir()
            for found in sorted(path.glob("*.postman_collection.json"))[:1]
        ]
        if exports:
            hint = f"this is a Postman export: run `postrun import postman {exports[0]}`"
        raise PostrunError(f"no collection found in {', '.join(map(str, paths))}", hint=hint)
    return files


def _note_skipped(skipped: Sequence[Path]) -> None:
    names = ", ".join(str(path) for path in skipped)
    click.echo(f"note: skipped YAML files that have no `requests`: {names}", err=True)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while collections load; what they built is frozen after.

    Loading builds a large, long-lived model and frees its garbage by reference counting, so
    the collector's passes over the growing heap were pure cost (a tenth of a 200-request run);
    frozen, the loaded model is not scanned again by the collections during the run.
    """
    import gc

    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def _load(
    paths: Sequence[Path],
    env_name: str | None,
    variables: Sequence[str],
    env_file: Path | None,
    allow_outside: bool,
    *,
    meanwhile: Callable[[], object] | None = None,
    early: bool = False,
) -> Loaded:
    """Load what a command runs on. With ``meanwhile`` (imports a run needs next), loading may
    happen in a forked child while ``meanwhile`` runs here (runner/preload.py). With ``early``
    too, a large file found loadable by the pre-check (runner/loader/precheck.py) comes back
    before it is built, its requests arriving as the run reads them (runner/cli/arriving.py)."""

    def load(channel: Channel | None = None) -> Loaded:
        return _load_all(paths, env_name, variables, env_file, allow_outside, channel=channel)

    with _collector_paused():
        if meanwhile is not None:
            from runner.preload import Early, load_in_child

            _import_shared()
            answer = load_in_child(_load_telling(load), meanwhile, wants_early=early)
            if isinstance(answer, Early):
                from runner.cli.arriving import arriving_loaded

                return arriving_loaded(answer, allow_outside)
            if answer is not None:
                loaded, said = answer
                if said:
                    click.echo(said, err=True, nl=False)
                if isinstance(loaded, PostrunError):
                    raise loaded  # found by the child: not loaded a second time to say so
                return loaded
        return load()


def _import_shared() -> None:
    """Import, before a loading child is forked, the modules both processes need (the model,
    variables, templates, JSONPath): once here instead of once in each."""
    import importlib

    for name in ("runner.variables", "runner.jsonquery", "runner.templating"):
        importlib.import_module(name)


def _load_telling(
    load: Callable[[Channel], Loaded],
) -> Callable[[Channel], tuple[Loaded | PostrunError, str]]:
    """``load`` for a child process, which prints nothing: what it loaded, or the input error
    it met, comes back with what loading wrote to stderr (the note on skipped files, the warning
    on a .env line that does not parse), for the parent to report in that order. Requests
    are passed to ``channel.ahead`` as they are built; an early preview goes with what was
    written until then."""

    def loading(channel: Channel) -> tuple[Loaded | PostrunError, str]:
        from runner.preload import Channel

        said = io.StringIO()
        early = channel.early

        def telling(preview: object) -> object:
            assert early is not None
            return early((preview, said.getvalue()))

        told = Channel(channel.ahead, telling if early is not None else None)
        with contextlib.redirect_stderr(said):
            try:
                loaded: Loaded | PostrunError = load(told)
            except PostrunError as exc:
                exc.__traceback__ = None  # the message, location and hint are what is reported
                loaded = exc
        return loaded, said.getvalue()

    return loading


def _load_all(
    paths: Sequence[Path],
    env_name: str | None,
    variables: Sequence[str],
    env_file: Path | None,
    allow_outside: bool,
    *,
    channel: Channel | None = None,
) -> Loaded:
    """Load in this process: --var values, the collections, the environment, the .env files.

    Given a ``channel`` that takes an early preview, one large file the pre-check finds
    loadable is previewed before it is built (its environment and .env files first, so their
    errors come as they always did), then built and sent ahead request by request.
    """
    from runner.loader import load_collection
    from runner.variables import parse_cli_var

    on_request = channel.ahead if channel is not None else None
    cli_vars = dict(parse_cli_var(text) for text in variables)
    files = _discover(paths)
    early = channel.early if channel is not None and len(files) == 1 else None
    prechecked = _prechecked(files[0], allow_outside) if early is not None else None

    def collections() -> tuple[Any, ...]:
        return tuple(
            load_collection(file, allow_outside=allow_outside, on_request=on_request)
            for file in files
        )

    built = collections() if prechecked is None else ()  # a file that does not load says so first
    environment, environment_file = _environment(env_name, files)
    dotenv, dotenv_name = _dotenv(environment_file, env_file)
    if prechecked is not None and early is not None:
        early(
            (Loaded((prechecked.header,), environment, cli_vars, dotenv, dotenv_name), prechecked)
        )
        built = collections()
    return Loaded(built, environment, cli_vars, dotenv, dotenv_name)


def _prechecked(file: Path, allow_outside: bool) -> Prechecked | None:
    """The pre-check of a file large enough for it to pay; None when not sure, or small."""
    from runner.loader.precheck import EARLY_CHARS, precheck
    from runner.loader.pyyaml import read_text

    try:
        if file.stat().st_size < EARLY_CHARS:  # bytes, at least as many as characters
            return None
        text = read_text(file)
    except (OSError, PostrunError):
        return None  # the load that follows says what is wrong
    return precheck(file, text, base_dir=None, allow_outside=allow_outside)


def _environment(env_name: str | None, files: Sequence[Path]) -> tuple[Any, Path | None]:
    """The environment named by --env, and its file."""
    from runner.loader import find_environment, load_environment

    if not env_name:
        return None, None
    environment_file = find_environment(env_name, files, Path.cwd())
    return load_environment(environment_file), environment_file


def _dotenv(environment_file: Path | None, env_file: Path | None) -> tuple[dict[str, str], str]:
    """The .env values (next to the environment, the working directory's, --env-file)."""
    from runner.variables import read_dotenv_files

    bad_lines: list[tuple[str, int]] = []
    dotenv, dotenv_name = read_dotenv_files(environment_file, env_file, bad_lines)
    for name, line in bad_lines:
        # The line itself is not shown: it may hold a secret.
        click.echo(
            f"warning: {name}:{line}: not a NAME=value line, so it is ignored "
            '(quote a value with spaces or #: NAME="a b")',
            err=True,
        )
    return dotenv, dotenv_name


def _import_for_run() -> None:
    """What a run needs once loaded, imported while a child process loads (runner/preload.py)."""
    import importlib

    for name in ("runner.engine", "runner.engine.parallel", "runner.report.console"):
        importlib.import_module(name)
    from runner.transport import import_requests

    import_requests()


def _is_v3_folder(path: Path) -> bool:
    """A Postman Collection v3 folder (Postman v12's YAML files), which import reads."""
    resources = path / ".resources" / "definition.yaml"
    return (
        resources.is_file()
        or (path / "definition.yaml").is_file()
        or (any(path.glob("*.request.yaml")))
    )
