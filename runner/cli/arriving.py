"""The requests of a large file still being built by the loading child, read as the run needs
them: the first request goes out once the whole file is checked, not once it is built.

The child pre-checks the file (runner/loader/precheck.py: every request is sure to load, and
what planning reads of each is known), sends that preview early, then builds the requests and
sends them ahead in batches (runner/preload.py). ``ArrivingRequests`` is the collection's
``requests`` meanwhile: a CompactRequests whose summary is the preview's, whose items are read
from the pipe when the run gets to them (or all of them, by whatever needs the whole list:
a selection, an undefined name's error). Everything read stays, so a second iteration reads it
again. When the child's answer comes, the file as built must be what the pre-check said: same
count, same outlines, same collection; otherwise (a bug in the pre-check) the run stops with
the loader's error, saying that requests were sent.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import click

from runner.compact import CompactRequests, Summary, dictionary_of, summary_of
from runner.errors import PostrunError
from runner.model import CollectionSpec, RequestSpec

if TYPE_CHECKING:
    from runner.cli.loading import Loaded
    from runner.compact import Prechecked
    from runner.preload import ChildStream, Early


class PrecheckBroken(PostrunError):
    """The file as built is not what the pre-check said: postrun's bug, found after sending."""


class _Arrival:
    """What has come of one file's requests, shared by every view of them (``with_options``)."""

    def __init__(
        self,
        rest: ChildStream,
        header: CollectionSpec,
        prechecked: Prechecked,
        said: str,
        allow_outside: bool,
    ) -> None:
        self.rest = rest
        self.allow_outside = allow_outside
        self.header = header
        self.prechecked = prechecked
        self.said = said  # what the child wrote to stderr before its preview (already shown)
        self.parts: list[RequestSpec | bytes] = []
        self.whole: Sequence[RequestSpec] | None = None  # the requests as built, once all came
        self.zdict = b""
        self.used = 0  # how many requests the run has read, for the error that should not be

    def part(self, index: int) -> RequestSpec | bytes:
        """Request ``index`` as it came (packed bytes in a large file), waiting for it.

        The last request waits for the child's answer too: a run that reads every request
        always has the file as built checked against its preview before the last one is sent.
        """
        last = index == self.prechecked.count - 1
        while (index >= len(self.parts) or last) and self.whole is None:
            parts = self.rest.next_parts()
            if parts:
                self.parts.extend(parts)  # type: ignore[arg-type]
            else:
                self.whole = self._checked(self.rest.answer)
        self.used = max(self.used, index + 1)
        if index < len(self.parts):
            return self.parts[index]
        assert self.whole is not None
        return self.whole[index]

    def dictionary(self) -> bytes:
        """The preset dictionary of the packed requests, read once from the first."""
        if not self.zdict:
            first = self.part(0)
            assert isinstance(first, bytes)
            self.zdict = dictionary_of(first)
        return self.zdict

    def complete(self) -> Sequence[RequestSpec]:
        """Every request, as built (waiting for the child's answer)."""
        while self.whole is None:
            self.part(len(self.parts))
        return self.whole

    def stop(self) -> None:
        self.rest.stop()

    def _checked(self, answer: object) -> Sequence[RequestSpec]:
        """The requests of the child's answer, after checking they are what was previewed.

        A child that failed (no answer) is made up for here: the file is loaded in this
        process, and must be what the preview said as well.
        """
        if answer is None:
            from pathlib import Path

            from runner.loader import load_collection

            try:
                path = Path(self.header.file)
                loaded: object = load_collection(path, allow_outside=self.allow_outside)
            except PostrunError as exc:
                loaded = exc
            said = ""
        else:
            (loaded, said) = answer  # type: ignore[misc]
            if not isinstance(loaded, PostrunError):
                loaded = loaded.collections[0]  # type: ignore[attr-defined]
        if said[len(self.said) :]:
            click.echo(said[len(self.said) :], err=True, nl=False)
        if isinstance(loaded, PostrunError):
            raise self._broken(loaded.message, loaded)
        collection: CollectionSpec = loaded  # type: ignore[assignment]
        requests = collection.requests
        summary = summary_of(requests)
        if (
            len(requests) != self.prechecked.count
            or _outlines(requests) != self.prechecked.outlines
            or summary.apikey_headers != self.prechecked.apikey_headers
            or summary.auth_kinds != self.prechecked.auth_kinds
            or dataclasses.replace(collection, requests=()) != self.header
        ):
            raise self._broken("the file as built is not what its pre-check found", None)
        return requests

    def _broken(self, message: str, cause: PostrunError | None) -> PrecheckBroken:
        hint = (
            f"this is a bug in postrun's pre-check, which let {self.used} request(s) of "
            f"{self.header.file} be sent first: please report it; `--request '*'` loads the "
            "whole file before sending"
        )
        location = cause.location if cause is not None else None
        return PrecheckBroken(message, location=location, hint=hint)


def _outlines(requests: Sequence[RequestSpec]) -> tuple[object, ...]:
    """What planning reads of each request, as the pre-check spells it."""
    if isinstance(requests, CompactRequests):
        return requests.summary.outlines
    return tuple(
        (
            -1,
            tuple(dict.fromkeys(use.name for use in request.placeholders)),
            tuple(spec.name for spec in request.captures),
        )
        for request in requests
    )


class ArrivingRequests(CompactRequests):
    """A file's requests as they come from the loading child (see the module docstring)."""

    __slots__ = ("_arrival",)

    def __init__(self, arrival: _Arrival, options: Mapping[str, Any] | None = None) -> None:
        prechecked = arrival.prechecked
        summary = Summary((), prechecked.apikey_headers, prechecked.outlines, prechecked.auth_kinds)
        super().__init__((), b"", (), options, summary=summary)
        self._arrival = arrival

    def __len__(self) -> int:
        return self._arrival.prechecked.count

    def _at(self, index: int) -> RequestSpec:
        count = len(self)
        if index < 0:
            index += count
        if not 0 <= index < count:
            raise IndexError("request index out of range")
        return self._read(self._arrival.part(index))

    def __iter__(self) -> Iterator[RequestSpec]:
        for index in range(len(self)):
            yield self._read(self._arrival.part(index))

    def __repr__(self) -> str:
        return f"<ArrivingRequests: {len(self)} requests>"

    def keep(self, wanted: Callable[[RequestSpec], bool]) -> CompactRequests:
        """The requests ``wanted`` says yes to, once all have come (still packed)."""
        whole = self._arrival.complete()
        if isinstance(whole, CompactRequests):
            return whole.with_options(self._options or {}).keep(wanted)
        return tuple(request for request in self if wanted(request))  # type: ignore[return-value]

    def with_options(self, overrides: Mapping[str, Any]) -> ArrivingRequests:
        return ArrivingRequests(self._arrival, {**(self._options or {}), **overrides})

    def stop(self) -> None:
        """End the loading child if the run ended before reading every request."""
        self._arrival.stop()

    def _read(self, part: RequestSpec | bytes) -> RequestSpec:
        if isinstance(part, RequestSpec):
            if self._options is None:
                return part
            return dataclasses.replace(part, options={**part.options, **self._options})
        if not self._zdict:
            self._zdict = self._arrival.dictionary()
        return self._decode(part)


def arriving_loaded(early: Early, allow_outside: bool) -> Loaded:
    """The Loaded that a child's early preview stands for, its file's requests arriving."""
    (loaded, prechecked), said = early.preview  # type: ignore[misc]
    if said:
        click.echo(said, err=True, nl=False)
    (header,) = loaded.collections
    arrival = _Arrival(early.rest, header, prechecked, said, allow_outside)
    collection = dataclasses.replace(header, requests=ArrivingRequests(arrival))
    return dataclasses.replace(loaded, collections=(collection,))


def stop_arrivals(collections: Sequence[CollectionSpec]) -> None:
    """End the loading children of requests the run did not read to the end."""
    for collection in collections:
        if isinstance(collection.requests, ArrivingRequests):
            collection.requests.stop()
