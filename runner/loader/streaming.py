"""The large-file path: a file over ``STREAM_CHARS`` has its ``requests`` items composed one at a
time as they are built, and each request packed as it is built (``runner.compact``), so neither
the node tree nor the model of the whole file is in memory at once.

The performance plumbing sits behind this module, so the rest reads as a loader: ``builder``
compares a file's length with ``STREAM_CHARS``, ``Document.streamed`` composes the root with
``compose_streamed`` (the tree checks skip ``Items``, whose items are checked as they come), and
the builder takes its packer from ``packer_for`` and its requests from ``collected``. Each
request, packed bytes here, goes to the builder's ``on_request`` as soon as it is built: the
loading child sends them ahead (runner/preload.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

from runner.loader.coreschema import MAP, SEQ, STR
from runner.loader.pyyaml import (
    DocumentStartEvent,
    MappingEndEvent,
    MappingNode,
    MappingStartEvent,
    Node,
    ScalarEvent,
    ScalarNode,
    SequenceEndEvent,
    SequenceNode,
    SequenceStartEvent,
    StreamEndEvent,
    streaming_loader_class,
)
from runner.model import RequestSpec

if TYPE_CHECKING:
    from runner.compact import RequestPacker

# Files larger than this are read with their `requests` items composed one at a time (looked up
# through this module when loading, so a test can lower it).
STREAM_CHARS = 1_000_000


class NotStreamable(Exception):
    """The file's layout does not allow streaming its requests: read it whole instead."""


class Items(SequenceNode):
    """The top-level ``requests`` list of a streamed file: items composed as they are read."""

    def __init__(self, loader: Any, start: Any, *, anchored: bool) -> None:
        super().__init__(SEQ, [], start.start_mark, start.end_mark, start.flow_style)
        self.loader = loader
        self.on_item: Any = None
        self.value = self._compose_items(anchored)  # type: ignore[assignment]

    def _compose_items(self, anchored: bool) -> Iterator[Node]:
        loader = self.loader
        index = 0
        try:
            while not loader.check_event(SequenceEndEvent):
                # PyYAML's composer for a file that may hold anchors and aliases; else one that
                # builds the same nodes in a third of the time.
                item = loader.compose_node(self, index) if anchored else compose_item(loader)
                index += 1
                if self.on_item is not None:
                    self.on_item(item)
                yield item
            loader.get_event()
            if not loader.check_event(MappingEndEvent):
                raise NotStreamable("top-level keys follow `requests`")
            loader.get_event()
            loader.get_event()  # DocumentEnd
            if not loader.check_event(StreamEndEvent):
                raise NotStreamable("more than one document")
        finally:
            loader.dispose()
            # The document refers to this node and ``on_item`` to the document: without this
            # cycle the text and the parser's copy of it are freed as soon as loading ends.
            self.on_item = self.loader = None


def compose_item(loader: Any) -> Node:
    """The next node of ``loader``'s events, as PyYAML's composer builds it, for a text without
    anchors (so without aliases: an alias raises NotStreamable, and reading the file whole
    words the error).

    PyYAML's composer recurses through five methods per node, and checks for anchors and path
    resolvers, which a text without ``&`` and the core-schema resolver do not need: this loop
    builds the same nodes (tags, values, marks, styles) about three times as fast.
    """
    get_event, resolve = loader.get_event, loader.resolve
    open_nodes: list[Any] = []  # collections not yet ended, innermost last
    keys: list[Any] = []  # for each open mapping, its key waiting for a value (else None)
    while True:
        event = get_event()
        kind = type(event)
        if kind is ScalarEvent:
            if event.anchor is not None:
                raise NotStreamable("an anchor")
            tag = event.tag
            if tag is None or tag == "!":
                tag = resolve(ScalarNode, event.value, event.implicit)
            node: Any = ScalarNode(tag, event.value, event.start_mark, event.end_mark, event.style)
        elif kind is SequenceEndEvent or kind is MappingEndEvent:
            node = open_nodes.pop()
            keys.pop()
            node.end_mark = event.end_mark
            if not open_nodes:
                return cast("Node", node)
            continue
        elif kind is SequenceStartEvent or kind is MappingStartEvent:
            if event.anchor is not None:
                raise NotStreamable("an anchor")
            cls = SequenceNode if kind is SequenceStartEvent else MappingNode
            tag = event.tag
            if tag is None or tag == "!":
                tag = resolve(cls, None, event.implicit)
            node = cls(tag, [], event.start_mark, None, event.flow_style)
        else:  # an alias: only the text read whole says well what is wrong with it
            raise NotStreamable("an alias")
        if open_nodes:
            parent = open_nodes[-1]
            if type(parent) is SequenceNode:
                parent.value.append(node)
            elif keys[-1] is None:
                keys[-1] = node
            else:
                parent.value.append((keys[-1], node))
                keys[-1] = None
        if kind is ScalarEvent:
            if not open_nodes:
                return cast("Node", node)
        else:
            open_nodes.append(node)
            keys.append(None)


class _TextChunks:
    """A text read piece by piece, as a file would be (libyaml's parser asks for chunks)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.position = 0

    def read(self, size: int) -> str:
        chunk = self.text[self.position : self.position + size]
        self.position += len(chunk)
        return chunk


def compose_streamed(text: str) -> MappingNode | None:
    """The root of a streamed file, its ``requests`` list an ``Items``; None without libyaml.

    Only when ``requests`` is the last top-level key (the usual layout); otherwise, and on any
    YAML error, composing or iterating raises NotStreamable or YAMLError and the caller reads
    the file whole.
    """
    streaming = streaming_loader_class()
    if streaming is None:
        return None
    # Read in chunks: given the whole text, libyaml would hold a UTF-8 copy of all of it.
    anchored = "&" in text
    return _compose_root_until_requests(streaming(_TextChunks(text)), anchored)


def _compose_root_until_requests(loader: Any, anchored: bool) -> MappingNode:
    """The root mapping composed up to its ``requests`` key, whose list becomes an Items."""
    loader.get_event()  # StreamStart
    if not loader.check_event(DocumentStartEvent):
        raise NotStreamable("empty file")
    loader.get_event()
    if not loader.check_event(MappingStartEvent):
        raise NotStreamable("the top level is not a mapping")
    start = loader.get_event()
    if start.anchor is not None or start.tag not in (None, "!", MAP):
        raise NotStreamable("an anchor or tag on the top level")
    root = MappingNode(MAP, [], start.start_mark, start.end_mark, start.flow_style)
    while not loader.check_event(MappingEndEvent):
        key = loader.compose_node(root, None)
        event = loader.peek_event()
        if (
            isinstance(key, ScalarNode)
            and key.tag == STR
            and key.value == "requests"
            and isinstance(event, SequenceStartEvent)
            and event.anchor is None
            and event.tag in (None, "!")
        ):
            items = Items(loader, loader.get_event(), anchored=anchored)
            root.value.append((key, items))
            return root
        root.value.append((key, loader.compose_node(root, key)))
    raise NotStreamable("no top-level `requests` list")


def packer_for(requests: Node) -> RequestPacker | None:
    """A packer for the requests of a streamed (large) file, None for an ordinary one."""
    if not isinstance(requests, Items):
        return None
    from runner.compact import RequestPacker

    return RequestPacker()


def collected(
    packer: RequestPacker | None, built: list[RequestSpec | bytes]
) -> Sequence[RequestSpec]:
    """The requests of a collection: a tuple, or a CompactRequests of the packed bytes."""
    if packer is None:
        return tuple(cast("list[RequestSpec]", built))
    return packer.sequence(cast("list[bytes]", built))
