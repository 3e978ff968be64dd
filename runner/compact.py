"""The requests of a large collection, kept compressed and decoded one at a time when read.

A RequestSpec with its checks, placeholder uses and locations takes about 5 KB of objects; a
10,000-request file would hold 50 MB of them for the whole run. The loader packs each request
of a large file as it is built (a pickle, deflated against the first request's pickle as a
preset dictionary: about 100 bytes for a typical request) into a CompactRequests, which is a
``Sequence[RequestSpec]`` like the tuple of a small file. Reading an item decodes a new
RequestSpec; nothing decoded is cached, so a pass over the requests holds one at a time.

The requests of a folder share its variable scopes (one tuple): it is kept once, outside the
packed bytes, and every decoded request of the folder refers to that same tuple. Only bytes
packed by this process (or by the child that loaded for it, runner/preload.py) are ever
unpickled; they never leave it.
"""

from __future__ import annotations

import dataclasses
import functools
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, overload

from runner.model import (
    AuthSpec,
    BodySpec,
    CaptureSpec,
    CheckSpec,
    CollectionSpec,
    ExampleEvent,
    ExampleSpec,
    Matcher,
    PlaceholderUse,
    RequestSpec,
    StreamSpec,
    VariableScope,
)
from runner.pickling import field_values
from runner.source import SourceLocation

# Raw deflate (no header or checksum: the bytes never leave the process) with a 4 KB window:
# a packed request refers back only to itself and the dictionary, and a small window makes
# each compressor and decompressor cheap to set up.
_WBITS = -12
_LEVEL = 6
# The smallest hash table (256 entries, not 32,768): zlib zeroes it for every compressor, which
# cost 65k instructions a request at the default level 8; a request is under 1 KB, and packs
# to the same bytes with it.
_MEM_LEVEL = 1

# Model classes pickled as (class, field values) (runner/pickling.py): smaller and faster than
# their default pickling, which names every field in every object.
_PACKED_TYPES = (
    RequestSpec,
    SourceLocation,
    PlaceholderUse,
    CheckSpec,
    Matcher,
    CaptureSpec,
    BodySpec,
    AuthSpec,
    ExampleSpec,
    ExampleEvent,
    StreamSpec,
)


_Scopes = tuple[VariableScope, ...]
# What the placeholder check reads of a request (runner/engine/preflight.py), noted when it is
# packed so that planning decodes none: the index of its folder's scopes among the shared ones
# (-1 for a top-level request), the names its placeholders use, the names it captures.
Outline = tuple[int, tuple[str, ...], tuple[str, ...]]

# Where ``folder_scopes`` is among RequestSpec's fields.
_SCOPES_AT = [field.name for field in dataclasses.fields(RequestSpec)].index("folder_scopes")


class RequestPacker:
    """Packs the requests of one collection; they share its dictionary and folder scopes."""

    __slots__ = (
        "_buffer",
        "_outline_ids",
        "_pickler",
        "_scope_ids",
        "apikey_headers",
        "auth_kinds",
        "outlines",
        "scopes",
        "zdict",
    )

    def __init__(self) -> None:
        self.zdict = b""
        self.scopes: list[_Scopes] = []
        self._scope_ids: dict[int, int] = {}
        self.apikey_headers: set[str] = set()
        self.auth_kinds: set[str] = set()
        self.outlines: list[Outline] = []
        # Requests of a file mostly use the same names: one outline object for each distinct
        # one keeps 10,000 requests' outlines at a pointer each.
        self._outline_ids: dict[Outline, Outline] = {}
        # One pickler for every request, its memo cleared between them: each packed request
        # stands alone, and setting up a pickler cost as much as a small request's pickling.
        self._buffer = io.BytesIO()
        self._pickler = _pickle_classes()[0](self._buffer, self)

    def pack(self, request: RequestSpec) -> bytes:
        """The compressed bytes of ``request``."""
        import zlib

        self.apikey_headers.update(apikey_headers(request))
        if request.auth is not None:
            self.auth_kinds.add(request.auth.kind)
        data = self._pickle(request)  # first: it numbers the request's folder scopes
        self._note_outline(request)
        if not self.zdict:
            # The first request is the dictionary: later ones differ from it in a few values.
            # It is deflated without one, so the dictionary can be read back from it alone
            # (``dictionary_of``); a preset dictionary only primes the window, so it still
            # decodes with the dictionary set, like the others.
            self.zdict = data
            compressor = zlib.compressobj(
                _LEVEL, zlib.DEFLATED, _WBITS, _MEM_LEVEL, zlib.Z_DEFAULT_STRATEGY
            )
        else:
            compressor = zlib.compressobj(
                _LEVEL, zlib.DEFLATED, _WBITS, _MEM_LEVEL, zlib.Z_DEFAULT_STRATEGY, self.zdict
            )
        return compressor.compress(data) + compressor.flush()

    def sequence(self, packed: Sequence[bytes]) -> CompactRequests:
        """The packed requests, in order, as a sequence of RequestSpec."""
        scopes = tuple(self.scopes)
        summary = Summary(
            scopes,
            frozenset(self.apikey_headers),
            tuple(self.outlines),
            frozenset(self.auth_kinds),
        )
        return CompactRequests(tuple(packed), self.zdict, scopes, summary=summary)

    def _pickle(self, request: RequestSpec) -> bytes:
        buffer = self._buffer
        buffer.seek(0)
        buffer.truncate()
        self._pickler.clear_memo()
        self._pickler.dump(request)
        return buffer.getvalue()

    def _note_outline(self, request: RequestSpec) -> None:
        scopes = self._scope_ids.get(id(request.folder_scopes), -1) if request.folder_scopes else -1
        outline = (
            scopes,
            tuple(dict.fromkeys(use.name for use in request.placeholders)),
            tuple(spec.name for spec in request.captures),
        )
        self.outlines.append(self._outline_ids.setdefault(outline, outline))

    def scopes_id(self, scopes: _Scopes) -> int:
        """The index of a folder's scopes among the shared ones, adding them on first sight."""
        index = self._scope_ids.get(id(scopes))
        if index is None:
            index = self._scope_ids[id(scopes)] = len(self.scopes)
            self.scopes.append(scopes)  # kept alive here, so its id is never reused
        return index


def dictionary_of(first: bytes) -> bytes:
    """The preset dictionary of a collection's packed requests, read from its first one."""
    import zlib

    return zlib.decompressobj(_WBITS).decompress(first)


def apikey_headers(request: RequestSpec) -> tuple[str, ...]:
    """The header an ``apikey`` auth sends its key in (masked by name, like Authorization)."""
    auth = request.auth
    if auth is not None and auth.kind == "apikey" and auth.params.get("header"):
        return (str(auth.params["header"]),)
    return ()


@dataclasses.dataclass(frozen=True, slots=True)
class Summary:
    """What planning a run needs from every request, known without decoding one: the folder
    scopes the requests use (first use first), the headers their apikey auth sends, each
    request's outline, in order, and the kinds of auth they use."""

    folder_scopes: tuple[_Scopes, ...]
    apikey_headers: frozenset[str]
    outlines: tuple[Outline, ...] = ()
    auth_kinds: frozenset[str] = frozenset()

    @classmethod
    def of(cls, requests: Iterator[RequestSpec], outlines: Sequence[Outline] = ()) -> Summary:
        """The summary of ``requests``, read one by one, with their ``outlines`` (read after
        ``requests``, so a generator filling them as it goes gives them all)."""
        scopes: dict[int, _Scopes] = {}
        headers: set[str] = set()
        kinds: set[str] = set()
        for request in requests:
            if request.folder_scopes:  # as the packer keeps them: a top-level request has none
                scopes.setdefault(id(request.folder_scopes), request.folder_scopes)
            headers.update(apikey_headers(request))
            if request.auth is not None:
                kinds.add(request.auth.kind)
        return cls(tuple(scopes.values()), frozenset(headers), tuple(outlines), frozenset(kinds))


def summary_of(requests: Sequence[RequestSpec]) -> Summary:
    """The summary of a collection's requests: kept by a CompactRequests (none decoded), else
    read from the requests themselves."""
    if isinstance(requests, CompactRequests):
        return requests.summary
    return Summary.of(iter(requests))


@dataclasses.dataclass(frozen=True, slots=True)
class Prechecked:
    """A file the pre-check found to load (runner/loader/precheck.py), before it is built: its
    collection without requests, how many requests it has, and what planning reads of each
    (see Summary). Here, not in the loader, so the process that plans from it need not import
    the loader."""

    header: CollectionSpec
    count: int
    outlines: tuple[Outline, ...]
    apikey_headers: frozenset[str]
    auth_kinds: frozenset[str]


class _SharedScopes:
    """Takes the place of a request's ``folder_scopes`` while it is pickled."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index


def _folder_scopes(index: int) -> _Scopes:
    """Stands for shared folder scopes ``index`` in packed bytes; never called.

    The unpickler resolves this name to a lookup in the collection's shared scopes instead.
    """
    raise LookupError(f"folder scopes {index} are only read back by runner.compact's unpickler")


@functools.cache
def _pickle_classes() -> tuple[Any, Any]:
    """A pickler that packs model objects compactly and keeps scopes out; its unpickler."""
    import pickle

    getters = {cls: field_values(cls) for cls in _PACKED_TYPES}

    class Pickler(pickle.Pickler):
        def __init__(self, file: io.BytesIO, packer: RequestPacker) -> None:
            super().__init__(file, pickle.HIGHEST_PROTOCOL)
            self.packer = packer

        def reducer_override(self, obj: Any) -> Any:
            # Called for objects other than plain containers, numbers and strings only.
            cls = type(obj)
            getter = getters.get(cls)
            if getter is None:
                if cls is _SharedScopes:
                    return _folder_scopes, (obj.index,)
                return NotImplemented
            values = getter(obj)
            if cls is RequestSpec and obj.folder_scopes:
                # Every request of a folder gets back the same tuple: what the engine keys its
                # per-folder variable stacks by.
                shared = _SharedScopes(self.packer.scopes_id(obj.folder_scopes))
                values = (*values[:_SCOPES_AT], shared, *values[_SCOPES_AT + 1 :])
            return cls, values

    class Unpickler(pickle.Unpickler):
        def __init__(self, file: io.BytesIO, scopes: tuple[_Scopes, ...]) -> None:
            super().__init__(file)
            self.scopes = scopes

        def find_class(self, module: str, name: str) -> Any:
            if name == "_folder_scopes" and module == __name__:
                return self.scopes.__getitem__
            return super().find_class(module, name)

    return Pickler, Unpickler


class CompactRequests(Sequence[RequestSpec]):
    """Packed requests, decoded afresh on every read (never cached).

    ``options`` are the command line's option overrides (``--timeout`` ...), applied to each
    request as it is decoded. Equal to any sequence of the same requests, a tuple included.
    """

    __slots__ = ("_options", "_packed", "_scopes", "_zdict", "summary")

    def __init__(
        self,
        packed: tuple[bytes, ...],
        zdict: bytes,
        scopes: tuple[_Scopes, ...],
        options: Mapping[str, Any] | None = None,
        *,
        summary: Summary,
    ) -> None:
        self._packed = packed
        self._zdict = zdict  # the preset dictionary every request was deflated against
        self._scopes = scopes  # each folder's scopes, shared by its decoded requests
        self._options = dict(options) if options else None
        self.summary = summary

    def __len__(self) -> int:
        return len(self._packed)

    @overload
    def __getitem__(self, index: int) -> RequestSpec: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[RequestSpec, ...]: ...

    def __getitem__(self, index: int | slice) -> RequestSpec | tuple[RequestSpec, ...]:
        if isinstance(index, slice):
            return tuple(self._at(at) for at in range(*index.indices(len(self))))
        return self._at(index)

    def _at(self, index: int) -> RequestSpec:
        """Request ``index`` (negative from the end), decoded."""
        return self._decode(self._packed[index])

    def __iter__(self) -> Iterator[RequestSpec]:
        for packed in self._packed:
            yield self._decode(packed)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, (str, bytes)):
            return NotImplemented
        return len(self) == len(other) and all(
            mine == theirs for mine, theirs in zip(self, other, strict=True)
        )

    def __hash__(self) -> int:
        return hash(tuple(self))  # equal to the tuple of the same requests, so hashed alike

    def __repr__(self) -> str:
        return f"<CompactRequests: {len(self)} requests>"

    def keep(self, wanted: Callable[[RequestSpec], bool]) -> CompactRequests:
        """The requests for which ``wanted`` is true, still packed (nothing is re-encoded)."""
        kept: list[bytes] = []
        outlines: list[Outline] = []

        def chosen() -> Iterator[RequestSpec]:
            # Each request decoded once, for ``wanted`` and the summary both.
            pairs = zip(self._packed, self.summary.outlines, strict=True)
            for packed, outline in pairs:
                request = self._decode(packed)
                if wanted(request):
                    kept.append(packed)
                    outlines.append(outline)
                    yield request

        summary = Summary.of(chosen(), outlines)
        return CompactRequests(
            tuple(kept), self._zdict, self._scopes, self._options, summary=summary
        )

    def outlines(self) -> Iterator[tuple[_Scopes, tuple[str, ...], tuple[str, ...]]]:
        """Each request's folder scopes (the tuple its decoded request shares), placeholder
        names and captured names, in order, without decoding any."""
        scopes = self._scopes
        for index, names, captures in self.summary.outlines:
            yield (scopes[index] if index >= 0 else ()), names, captures

    def with_options(self, overrides: Mapping[str, Any]) -> CompactRequests:
        """The same requests with ``overrides`` over each one's options when decoded."""
        options = {**(self._options or {}), **overrides}
        return CompactRequests(
            self._packed, self._zdict, self._scopes, options, summary=self.summary
        )

    def _decode(self, packed: bytes) -> RequestSpec:
        import zlib

        data = zlib.decompressobj(_WBITS, self._zdict).decompress(packed)
        request: RequestSpec = _pickle_classes()[1](io.BytesIO(data), self._scopes).load()
        if self._options is None:
            return request
        return dataclasses.replace(request, options={**request.options, **self._options})
