"""The pre-flight: every placeholder of the selected requests is defined before anything is sent.

An undefined name is an input error (exit 2) naming each place it is used, and saying so when
the request that captures it was left out by the selection or runs apart under ``--jobs``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from runner.compact import CompactRequests
from runner.engine.options import RunOptions
from runner.engine.scopes import folder_stack, request_stack
from runner.errors import TemplateError
from runner.model import CollectionSpec, PlaceholderUse, RequestSpec, VariableScope
from runner.templating import Renderer
from runner.variables import VariableStack, any_undefined, find_undefined, undefined_error

# The messages of a cycle (or too deep a nesting) that resolving a variable may raise.
_CYCLE_MESSAGES = ("variable cycle", "variables nested", "placeholders expand too much")
_Outline = tuple[Sequence[VariableScope], tuple[str, ...], tuple[str, ...]]


def check_placeholders(
    collections: Sequence[CollectionSpec], options: RunOptions, secrets: Mapping[str, Any]
) -> None:
    """Raise one error naming every undefined placeholder and each place it is used."""
    if not _all_defined(collections, options, secrets):
        _raise_undefined(collections, options, secrets)


def _all_defined(
    collections: Sequence[CollectionSpec], options: RunOptions, secrets: Mapping[str, Any]
) -> bool:
    """Whether every placeholder is defined and none is a cycle: _raise_undefined's walk over
    names alone, which reads a large file's outlines instead of decoding each request (about
    100k instructions a request). False only sends the walk the slow way, for the error."""
    row_shapes = {tuple(row) if row is not None else None: row for row in options.data_rows}
    for row in row_shapes.values():
        captured: set[str] = set()
        for collection in collections:
            if options.files_apart:
                captured = set()
            # Per folder, as in _raise_undefined: the scopes (kept alive, so their id is never
            # reused), their stack, the names cycle-checked and the names found defined.
            stacks: dict[int, tuple[object, VariableStack, set[str], set[str]]] = {}
            for scopes, names, captures in _outlines(collection.requests):
                entry = stacks.get(id(scopes))
                if entry is None:
                    stack = folder_stack(scopes, collection, options, secrets, {}, row)
                    entry = stacks[id(scopes)] = (scopes, stack, set(), set())
                _, stack, resolved, clean = entry
                fresh = [name for name in names if name not in clean]
                if any_undefined(fresh, stack, also_defined=captured):
                    return False
                if not _cycle_free(fresh, stack, resolved):
                    return False
                clean.update(fresh)
                captured.update(captures)
    return True


def _outlines(requests: Iterable[RequestSpec]) -> Iterator[_Outline]:
    """Each request's folder scopes, placeholder names and captured names, in order."""
    if isinstance(requests, CompactRequests):
        yield from requests.outlines()
        return
    for request in requests:
        names = tuple(use.name for use in request.placeholders)
        yield request.folder_scopes, names, tuple(spec.name for spec in request.captures)


def _cycle_free(names: Iterable[str], stack: VariableStack, checked: set[str]) -> bool:
    """_check_cycles' test on names alone: False where it would raise."""
    renderer = Renderer(stack.lookup)
    for name in names:
        if name in checked or not stack.defined(name):
            continue
        checked.add(name)
        try:
            renderer.resolve(name)
        except TemplateError as exc:
            if exc.message.startswith(_CYCLE_MESSAGES):
                return False
    return True


def _raise_undefined(
    collections: Sequence[CollectionSpec], options: RunOptions, secrets: Mapping[str, Any]
) -> None:
    """Raise the error of check_placeholders, from each request's placeholders and places."""
    undefined: dict[str, list[PlaceholderUse]] = {}
    # The first request whose inherited defaults.auth uses an undefined name, by name.
    inheritors: dict[str, tuple[CollectionSpec, RequestSpec]] = {}
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
            captured.update(collection.set_by_script)  # like captures; the run says when unset
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
                    if any(use.field == "defaults.auth" for use in uses):
                        inheritors.setdefault(name, (collection, request))
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
        hinted = error.hint is not None and data is not None  # the data file's hint comes first
        for name, (collection, request) in inheritors.items():
            hint = None if hinted else _inherited_auth_hint(name, collection, request)
            if hint is not None:
                error.hint = hint
                break
        raise error


def _inherited_auth_hint(
    name: str, collection: CollectionSpec, inheritor: RequestSpec
) -> str | None:
    """When ``inheritor`` gets defaults.auth using ``name`` before a request captures it (often
    the login that captures the token itself), name it and suggest ``auth: none`` on it."""
    # By location, not identity: a large file's requests are decoded afresh on each walk.
    started = False
    for request in collection.requests:
        itself = request.location == inheritor.location
        started = started or itself
        if started and any(spec.name == name for spec in request.captures):
            by = "it captures" if itself else f"'{request.path}' captures"
            return (
                f"'{inheritor.path}' ({inheritor.location}) inherits defaults.auth, which uses "
                f"'{name}' before {by} it: add `auth: none` to '{inheritor.path}'"
            )
    return None


def check_before_sending(
    everything: Sequence[CollectionSpec],
    selected: Sequence[CollectionSpec],
    options: RunOptions,
    secrets: Mapping[str, Any],
) -> None:
    """check_placeholders on the selected requests, its error explained where it can be."""
    try:
        check_placeholders(selected, options, secrets)
    except TemplateError as exc:
        explained = _explain_unselected(exc, everything, selected)
        if explained is exc and options.files_apart:
            explained = _explain_files_apart(exc, selected)
        raise explained from None


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
            if exc.message.startswith(_CYCLE_MESSAGES):
                raise TemplateError(
                    exc.message, names=exc.names, location=use.location, hint=exc.hint
                ) from None


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
