"""Choosing which requests run: `--tag`, `--exclude-tag` and `--request` (names, paths, globs)."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase

from runner.compact import CompactRequests
from runner.errors import PostrunError
from runner.model import CollectionSpec, RequestSpec


@dataclass(frozen=True, slots=True)
class Selection:
    """What the command line asked for; empty means everything."""

    tags: tuple[str, ...] = ()
    exclude_tags: tuple[str, ...] = ()
    patterns: tuple[str, ...] = ()

    @property
    def everything(self) -> bool:
        return not (self.tags or self.exclude_tags or self.patterns)


def matches_pattern(request: RequestSpec, pattern: str) -> bool:
    """A pattern matches a request's name or its ``Folder/Sub/Request`` path; globs allowed."""
    return fnmatchcase(request.name, pattern) or fnmatchcase(request.path, pattern)


def is_selected(request: RequestSpec, selection: Selection) -> bool:
    """`--tag` keeps requests with any of the tags, `--exclude-tag` drops any with one."""
    if selection.tags and not set(selection.tags) & set(request.tags):
        return False
    if set(selection.exclude_tags) & set(request.tags):
        return False
    return not selection.patterns or any(
        matches_pattern(request, pattern) for pattern in selection.patterns
    )


def select(
    collections: Sequence[CollectionSpec], selection: Selection
) -> tuple[CollectionSpec, ...]:
    """Keep the selected requests (collections left empty drop out); nothing selected is exit 2."""
    if selection.everything:
        return tuple(collections)
    chosen = []
    for collection in collections:
        requests = keep_requests(collection.requests, lambda r: is_selected(r, selection))
        if requests:
            chosen.append(dataclasses.replace(collection, requests=requests))
    if not chosen:
        raise PostrunError(
            f"no request matches {describe(selection)}", hint=_available(collections)
        )
    return tuple(chosen)


def keep_requests(
    requests: Sequence[RequestSpec], wanted: Callable[[RequestSpec], bool]
) -> Sequence[RequestSpec]:
    """The requests ``wanted`` says yes to; a large file's stay packed (runner.compact)."""
    if isinstance(requests, CompactRequests):
        return requests.keep(wanted)
    return tuple(request for request in requests if wanted(request))


def describe(selection: Selection) -> str:
    """The selection as the user wrote it, for messages."""
    parts = [f"--tag {tag}" for tag in selection.tags]
    parts += [f"--exclude-tag {tag}" for tag in selection.exclude_tags]
    parts += [f"--request '{pattern}'" for pattern in selection.patterns]
    return " ".join(parts)


def _available(collections: Sequence[CollectionSpec]) -> str:
    # One pass, keeping names and tags only: a large file's requests are decoded one at a time.
    shown: list[str] = []
    found: set[str] = set()
    count = 0
    for collection in collections:
        for request in collection.requests:
            if count < 20:
                shown.append(request.path)
            count += 1
            found.update(request.tags)
    tags = sorted(found)
    more = f" (and {count - 20} more)" if count > 20 else ""
    listing = f"requests: {', '.join(shown)}{more}"
    tag_text = f"; tags: {', '.join(tags)}" if tags else "; no request has tags"
    return f"{listing}{tag_text} (see `postrun list`)"
