"""``$ref`` in ``assert.schema`` (FORMAT.md 1.3): resolved when loading, to the collection's
own schema files only.

A ``$ref`` (or ``$dynamicRef``, ``$recursiveRef``) resolves as jsonschema resolves it when
checking: against the URI of the schema document that holds it (its file, or the collection
file for an inline schema), or of an ``$id`` on the way. Each schema file a ref names is read
here under the rules of every path a collection names (``paths``: inside the working directory
unless ``--allow-outside``; .json, .yaml or .yml), and then every ref is looked up among those
files and the drafts' meta-schemas. What was read goes into the CheckSpec, and checking
resolves in that alone (``runner.checks.schema_registry``): a remote, outside, missing or
dangling ref is a LoadError at the ref, and no check ever reads a file or the network.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import unquote, urldefrag, urljoin, urlsplit

from runner.errors import LoadError
from runner.loader import nodes
from runner.loader.document import Document
from runner.loader.paths import OUTSIDE_HINT, outside
from runner.loader.pyyaml import MappingNode, Node, ScalarNode, SequenceNode, read_text
from runner.source import SourceLocation

REF_KEYWORDS = ("$ref", "$dynamicRef", "$recursiveRef")
# A ref keyword as a key of the canonical JSON of a schema (json.dumps): without one, there is
# nothing to resolve, and referencing is not even imported.
_REF_KEY = re.compile(r'"\$(?:ref|dynamicRef|recursiveRef)"')
_REMOTE_HINT = (
    "postrun never fetches a schema: download it into the repository and refer to it by its "
    "path, relative to the file that refers to it (such as $ref: schemas/address.json)"
)
_FILE_HINT = "name the schema file *.json (JSON) or *.yaml (YAML)"

# Raises a LoadError with this message and hint, where the caller knows to point.
Fail = Callable[..., NoReturn]
# What is wrong with a JSON Schema: (message, hint), or None.
Problem = Callable[[Any], tuple[str, str | None] | None]


@dataclass(frozen=True, slots=True)
class SchemaSource:
    """A schema document as written: its URI and contents, and where its refs are written."""

    uri: str
    contents: Any
    file: str
    at: SourceLocation  # where to point when a ref cannot be found in the text
    text: str | None = None  # a JSON file's text
    doc: Document | None = None  # the YAML holding it: a schema file, or the collection
    node: Node | None = None  # the schema's node in ``doc``


def may_refer(schema_json: str) -> bool:
    """Whether a schema (as canonical JSON) has a ref keyword anywhere."""
    return _REF_KEY.search(schema_json) is not None


def read_schema_file(path: Path, written: str, at: SourceLocation, fail: Fail) -> SchemaSource:
    """A .json or .yaml schema file (``path`` resolved, ``written`` as the user wrote it)."""
    suffix = path.suffix.lower()
    if suffix == ".json":
        text = read_text(path)
        try:
            contents = json.loads(text)
        except json.JSONDecodeError as exc:
            raise LoadError(
                f"invalid JSON in schema file: {exc.msg}",
                location=SourceLocation(str(path), exc.lineno, exc.colno),
            ) from None
        source = SchemaSource(path.as_uri(), contents, str(path), at, text=text)
    elif suffix in (".yaml", ".yml"):
        schema_doc = Document.read(path, base_dir=None, allow_outside=True)
        root = schema_doc.root_mapping("a schema file")
        contents = nodes.data(schema_doc, root)
        source = SchemaSource(path.as_uri(), contents, str(path), at, doc=schema_doc, node=root)
    else:
        fail(f"schema file '{written}' is not .json, .yaml or .yml", hint=_FILE_HINT)
    if not isinstance(source.contents, dict):
        fail(f"schema file '{written}' does not hold an object")
    return source


def resolve_refs(
    root: SchemaSource, doc: Document, problem: Problem
) -> tuple[tuple[str, Any], ...]:
    """The other schema files ``root``'s refs lead to, as ``(uri, contents)``, each checked with
    ``problem``; a ref that is not resolved among them is a LoadError at the ref."""
    from runner.checks import schema_specification

    default = schema_specification(root.contents)
    dialect = root.contents.get("$schema") if isinstance(root.contents, dict) else None
    sources = {root.uri: root}
    found: list[tuple[SchemaSource, str, str, str]] = []
    pending = [root]
    while pending:
        source = pending.pop()
        for base, keyword, ref in _refs_in(source, default):
            found.append((source, base, keyword, ref))
            target = urldefrag(urljoin(base, ref)).url
            if urlsplit(target).scheme.lower() == "file" and target not in sources:
                found_file = _read_ref(doc, source, (base, keyword, ref), target)
                _check(found_file, dialect, problem, _where(source, keyword, ref), ref)
                sources[target] = found_file
                pending.append(found_file)
    _look_up(root, sources, found)
    return tuple((uri, source.contents) for uri, source in sources.items() if source is not root)


def _refs_in(source: SchemaSource, default: Any) -> Iterator[tuple[str, str, str]]:
    """``(base URI, keyword, ref)`` for each ref in a document, in the order written.

    The base is the document's URI (as jsonschema enters a document through a ref, so its root
    ``$id`` is not one) and each subschema's ``$id`` on the way down.
    """
    from referencing import Resource

    try:
        stack = [
            (Resource.from_contents(source.contents, default_specification=default), source.uri)
        ]
        while stack:
            resource, base = stack.pop()
            contents = resource.contents
            if isinstance(contents, dict):
                for keyword in REF_KEYWORDS:
                    ref = contents.get(keyword)
                    if isinstance(ref, str):
                        yield base, keyword, ref
            below = []
            for subresource in resource.subresources():
                identifier = subresource.id()
                below.append((subresource, urljoin(base, identifier) if identifier else base))
            stack.extend(reversed(below))
    except Exception as exc:  # an $id that is no URI ...: a load error, never a traceback
        raise LoadError(
            f"cannot follow the refs of the schema: {exc}", location=source.at
        ) from None


def _read_ref(
    doc: Document, source: SchemaSource, written: tuple[str, str, str], target: str
) -> SchemaSource:
    """The schema file a ``file:`` ref names (``written``: base URI, keyword, ref), read under
    the collection's path rules."""
    base, keyword, ref = written
    where = _where(source, keyword, ref)

    def fail(message: str, hint: str | None = None) -> NoReturn:
        raise LoadError(message, location=where, hint=hint)

    parts = urlsplit(target)
    if parts.netloc not in ("", "localhost"):
        fail(f"{keyword} '{ref}' names a file on another host ({parts.netloc})", _REMOTE_HINT)
    try:
        path = Path(_local_path(parts.path)).resolve()
    except (OSError, ValueError) as exc:  # a NUL byte, a symlink loop ...
        fail(f"{keyword} '{ref}' is not a usable path: {exc}")
    # Refused before its existence is asked: the answer tells nothing about the file.
    if outside(doc, path):
        fail(f"{keyword} '{ref}' is outside the working directory ({doc.base_dir})", OUTSIDE_HINT)
    if not path.exists():
        folder = Path(_local_path(urlsplit(base).path)).parent
        fail(
            f"{keyword} '{ref}' names a schema file that does not exist ({path})",
            f"a relative {keyword} is relative to the file that holds it ({folder})",
        )
    if not path.is_file():
        fail(f"{keyword} '{ref}' names a directory or a special file, not a schema file")
    return read_schema_file(path, ref, SourceLocation(str(path), 1, 1), fail)


def _local_path(uri_path: str) -> str:
    """The file path of a ``file:`` URI's path (urllib.request's ``url2pathname``, whose module
    imports http.client and ssl)."""
    if os.name == "nt":
        from nturl2path import url2pathname

        return url2pathname(uri_path)
    return unquote(uri_path)


def _check(
    source: SchemaSource, dialect: Any, problem: Problem, where: SourceLocation, ref: str
) -> None:
    """A schema file a ref names must be a valid schema, in the referring schema's draft unless
    it names its own (as checking will read it)."""
    contents = source.contents
    if isinstance(dialect, str) and "$schema" not in contents:
        contents = {"$schema": dialect, **contents}
    wrong = problem(contents)
    if wrong is not None:
        message, hint = wrong
        raise LoadError(
            f"{message} (in {source.file}, which '{ref}' names)", location=where, hint=hint
        )


def _look_up(
    root: SchemaSource,
    sources: dict[str, SchemaSource],
    found: list[tuple[SchemaSource, str, str, str]],
) -> None:
    """Resolve every ref as checking will: among the documents read, and nowhere else."""
    from referencing.exceptions import NoSuchAnchor, PointerToNowhere

    from runner.checks import schema_registry

    documents = [(uri, source.contents) for uri, source in sources.items()]
    registry = schema_registry(documents, root.contents).crawl()
    for source, base, keyword, ref in found:
        try:
            registry.resolver(base).lookup(ref)
        except Exception as exc:
            target = urljoin(base, ref)
            where = _where(source, keyword, ref)
            if urlsplit(target).scheme.lower() in ("http", "https"):
                resolved = f" (it resolves to {target})" if target != ref else ""
                message = f"remote {keyword} '{ref}'{resolved} is refused"
                raise LoadError(message, location=where, hint=_REMOTE_HINT) from None
            if isinstance(exc, PointerToNowhere | NoSuchAnchor):
                message = f"{keyword} '{ref}' points to nothing in the schema it names"
            else:
                message = f"{keyword} '{ref}' names no schema file and no $id of the schema"
            raise LoadError(
                message,
                location=where,
                hint="refer to a .json or .yaml file by its path, to a part of a schema as "
                "'#/$defs/name', or to both as 'file.json#/$defs/name'",
            ) from None


def _where(source: SchemaSource, keyword: str, ref: str) -> SourceLocation:
    """Where a ref is written in its document (the first such ref), or ``source.at``."""
    if source.doc is not None and source.node is not None:
        node = _ref_node(source.node, keyword, ref)
        if node is not None:
            return source.doc.location(node)
    if source.text is not None:
        for encoded in dict.fromkeys((json.dumps(ref), json.dumps(ref, ensure_ascii=False))):
            pattern = re.escape(json.dumps(keyword)) + r"\s*:\s*(" + re.escape(encoded) + ")"
            match = re.search(pattern, source.text)
            if match is not None:
                start = match.start(1)
                line = source.text.count("\n", 0, start) + 1
                column = start - source.text.rfind("\n", 0, start)
                return SourceLocation(source.file, line, column, len(encoded))
    return source.at


def _ref_node(root: Node, keyword: str, ref: str) -> Node | None:
    """The value node of the first ``keyword: ref`` pair under ``root``."""
    stack = [root]
    while stack:
        node = stack.pop()
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if (
                    isinstance(key, ScalarNode)
                    and key.value == keyword
                    and isinstance(value, ScalarNode)
                    and value.value == ref
                ):
                    return value
            stack.extend(reversed([value for _, value in node.value]))
        elif isinstance(node, SequenceNode):
            stack.extend(reversed(node.value))
    return None
