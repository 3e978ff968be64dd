"""Planning a run once: select, resolve secrets, check every placeholder, build the masker.

A RunPlan is immutable and shared: ``postrun run``, each ``--jobs`` worker and the front-ends to
come (a pytest item, a Locust user) run from the same plan, each with its own Engine.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from runner.compact import CompactRequests
from runner.engine.options import RunOptions
from runner.engine.preflight import check_before_sending
from runner.engine.scopes import declared_secrets, scan_scopes
from runner.errors import PostrunError
from runner.events import RunStarted
from runner.masking import Masker
from runner.model import CollectionSpec, RequestSpec
from runner.selection import select
from runner.variables import SecretValues, check_secret_conflicts, resolve_secrets


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


def plan_run(collections: Sequence[CollectionSpec], options: RunOptions) -> RunPlan:
    """Select, resolve secrets and check every placeholder before anything is sent (exit 2)."""
    everything = collections
    collections = select(collections, options.selection)
    if options.option_overrides:
        collections = [_with_options(c, options.option_overrides) for c in collections]
    _check_iterations(options)
    declared = declared_secrets(collections, options.environment)
    scopes, apikey_headers = scan_scopes(collections, options.environment)
    check_secret_conflicts(declared, scopes)
    secrets = resolve_secrets(
        declared,
        cli_vars=options.cli_vars,
        environ=options.environ,
        dotenv=options.dotenv,
        mock=options.mock,
        dotenv_name=options.dotenv_name,
    )
    check_before_sending(everything, collections, options, secrets.values)
    notes = secrets.notes
    if options.mock:
        collections, notes = _mock_script_sets(collections, options, notes)
        if options.mock_example is not None:
            _check_mock_example(collections, options.mock_example)
    masker = Masker.create(
        secrets.to_mask,
        extra_sensitive_headers=apikey_headers,
        enabled=not options.show_secrets,
    )
    return RunPlan(tuple(collections), options, secrets, masker, notes)


def _mock_script_sets(
    collections: Sequence[CollectionSpec], options: RunOptions, notes: tuple[str, ...]
) -> tuple[list[CollectionSpec], tuple[str, ...]]:
    """Under --mock a ``set_by_script`` name nothing sets takes ``mock-<NAME>``, as an unset
    secret does: nothing leaves the process, and the offline run checks the collection's shape.

    It goes in the collection's scope, the lowest, so a capture, --var or the environment wins.
    """
    environment = options.environment.variables.values if options.environment else {}
    result: list[CollectionSpec] = []
    added: list[str] = []
    for collection in collections:
        values = dict(collection.variables.values)
        for name, (owner, _) in collection.set_by_script.items():
            if name not in values and name not in options.cli_vars and name not in environment:
                values[name] = f"mock-{name}"
                added.append(
                    f"'{name}' (set by a script of '{owner}') is not set; --mock uses 'mock-{name}'"
                )
        if len(values) != len(collection.variables.values):
            variables = dataclasses.replace(collection.variables, values=values)
            collection = dataclasses.replace(collection, variables=variables)
        result.append(collection)
    return result, (*notes, *added)


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
