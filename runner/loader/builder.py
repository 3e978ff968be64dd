"""``load_collection``: a collection file (FORMAT.md 1) built into a CollectionSpec, with the
defaults of the collection and its folders merged into each request (FORMAT.md 1.8), so every
RequestSpec is complete on its own."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.loader import nodes, sections, streaming
from runner.loader.assertions import build_checks
from runner.loader.auth import build_auth
from runner.loader.bodies import build_body
from runner.loader.captures import build_captures
from runner.loader.document import Document
from runner.loader.examples import build_examples
from runner.loader.headers import build_headers, build_params
from runner.loader.keys import COLLECTION_KEYS, DEFAULTS_KEYS, FOLDER_KEYS, HTTP_TOKEN, REQUEST_KEYS
from runner.loader.options import build_options
from runner.loader.placeholders import Uses, placeholder_uses
from runner.loader.pyyaml import MappingNode, Node, YAMLError, depth_guard, read_text
from runner.loader.streaming import NotStreamable
from runner.loader.streams import build_stream, stream_headers, streamed_checks
from runner.loader.wording import describe
from runner.model import CheckSpec, CollectionSpec, RequestSpec, VariableScope

if TYPE_CHECKING:
    from runner.compact import RequestPacker

# A Postman ``{{name}}`` written in a url: it would be sent as text, never as a variable.
_POSTMAN_PLACEHOLDER = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")
_UNSET: Any = object()  # auth not written (distinct from ``auth: none``)


def load_collection(
    path: Path,
    *,
    base_dir: Path | None = None,
    allow_outside: bool = False,
    on_request: Callable[[RequestSpec | bytes], object] | None = None,
) -> CollectionSpec:
    """Load a collection file; paths it names must stay inside ``base_dir`` (default: cwd).

    ``on_request`` is given each request as soon as it is built (packed bytes in a large file),
    before the file is wholly checked: a loading child sends them ahead (runner/preload.py).
    """
    with depth_guard(path):
        text = read_text(path)
        if len(text) > streaming.STREAM_CHARS:
            try:
                # A large file: its `requests` items are composed one at a time as they are
                # built, so the node tree of the whole file is never in memory at once.
                streamed = Document.streamed(path, text, base_dir, allow_outside)
                if streamed is not None:
                    return CollectionBuilder(streamed, on_request).build()
            except (NotStreamable, YAMLError, RecursionError):
                pass  # read it whole below, which also words any YAML error well
        document = Document.read(path, base_dir=base_dir, allow_outside=allow_outside, text=text)
        return CollectionBuilder(document, on_request).build()


@dataclass(frozen=True, slots=True)
class _Layer:
    """Defaults from one level (collection, folder) or a request's own fields, mergeable.

    ``headers`` is keyed by lowercase name -> (name as written, value, uses); ``checks`` by
    (kind, target) -> (check, uses), where header targets are lowercase.
    """

    headers: Mapping[str, tuple[str, str, Uses]] = field(default_factory=dict)
    params: Mapping[str, tuple[Any, Uses]] = field(default_factory=dict)
    auth: Any = _UNSET  # _UNSET, None (``auth: none``) or (AuthSpec, uses)
    options: Mapping[str, Any] = field(default_factory=dict)
    checks: Mapping[tuple[str, str], tuple[CheckSpec, Uses]] = field(default_factory=dict)
    stream: Any = _UNSET  # _UNSET, None (``stream: none``) or a StreamSpec

    def merged(self, inner: _Layer) -> _Layer:
        """``inner`` applied over this layer (FORMAT.md 1.8); replaced keys keep their place."""
        return _Layer(
            headers={**self.headers, **inner.headers},
            params={**self.params, **inner.params},
            auth=self.auth if inner.auth is _UNSET else inner.auth,
            options={**self.options, **inner.options},
            checks={**self.checks, **inner.checks},
            stream=self.stream if inner.stream is _UNSET else inner.stream,
        )


class CollectionBuilder:
    """Builds a CollectionSpec from a composed document."""

    def __init__(
        self,
        document: Document,
        on_request: Callable[[RequestSpec | bytes], object] | None = None,
    ) -> None:
        self.doc = document
        self.packer: RequestPacker | None = None
        self.on_request = on_request

    def build(self) -> CollectionSpec:
        doc = self.doc
        root = doc.root_mapping("a collection file")
        _refuse_postman(doc, root)
        keys = nodes.object_keys(doc, root, "collection", COLLECTION_KEYS)
        name = nodes.text(doc, keys["name"][1], "name") if "name" in keys else doc.path.stem
        variables = sections.variables(doc, keys.get("variables"), f"collection {name}")
        secrets, secret_locations = sections.secrets(doc, keys.get("secrets"))
        set_by_script = sections.set_by_script(doc, keys.get("set_by_script"), secret_locations)
        defaults = self.defaults(keys.get("defaults"))
        if "requests" not in keys:
            doc.fail(
                "a collection needs 'requests'",
                root,
                hint="add requests: with a list of requests",
                length=1,
            )
        scopes: list[VariableScope] = [variables]
        # A large file: each request is packed as it is built (runner.compact).
        self.packer = streaming.packer_for(keys["requests"][1])
        requests = self.items(keys["requests"][1], (), (), (), defaults, scopes)
        sections.check_secret_conflicts(secret_locations, scopes)
        return CollectionSpec(
            name=name,
            file=doc.file,
            variables=variables,
            requests=streaming.collected(self.packer, requests),
            secrets=secrets,
            description=sections.description(doc, keys.get("description")),
            secret_locations=secret_locations,
            thresholds=sections.load_thresholds(doc, keys.get("load")),
            set_by_script=set_by_script,
        )

    # ------------------------------------------------------------------------ folders

    def items(
        self,
        node: Node,
        folders: tuple[str, ...],
        folder_scopes: tuple[VariableScope, ...],
        tags: tuple[str, ...],
        inherited: _Layer,
        all_scopes: list[VariableScope],
    ) -> list[RequestSpec | bytes]:
        """The requests of a ``requests`` list, folders flattened depth first (packed bytes
        instead of RequestSpecs for a large file)."""
        doc = self.doc
        sequence = nodes.sequence(
            doc, node, "requests", hint="write requests: followed by '- name: ...'"
        )
        result: list[RequestSpec | bytes] = []
        names: dict[str, Node] = {}
        for item in sequence.value:
            if not isinstance(item, MappingNode):
                doc.fail(
                    f"each item of 'requests' must be a mapping (a request or a folder), "
                    f"got {describe(item)}",
                    item,
                )
            entries = nodes.pairs(doc, item, skip_x=True)
            is_folder = any(text == "requests" for text, _, _ in entries)
            what = "folder" if is_folder else "request"
            allowed = FOLDER_KEYS if is_folder else REQUEST_KEYS
            keys = nodes.object_keys(
                doc, item, what, allowed, suggest=("requests",), entries=entries
            )
            if "name" not in keys:
                doc.fail(f"a {what} needs a 'name'", item, hint="add name: ...", length=1)
            name_node = keys["name"][1]
            name = nodes.text(doc, name_node, "name")
            if not name.strip():
                doc.fail(f"the {what} name is empty", name_node)
            if name in names:
                first = names[name].start_mark.line + 1
                doc.fail(
                    f"duplicate name '{name}' (first at line {first})",
                    name_node,
                    hint="names must be unique among the requests and folders of one list",
                )
            names[name] = name_node
            if is_folder:
                result.extend(
                    self.folder(keys, name, folders, folder_scopes, tags, inherited, all_scopes)
                )
            else:
                request = self.request(item, keys, name, folders, folder_scopes, tags, inherited)
                built = request if self.packer is None else self.packer.pack(request)
                result.append(built)
                if self.on_request is not None:
                    self.on_request(built)
        return result

    def folder(
        self,
        keys: dict[str, tuple[Node, Node]],
        name: str,
        folders: tuple[str, ...],
        folder_scopes: tuple[VariableScope, ...],
        tags: tuple[str, ...],
        inherited: _Layer,
        all_scopes: list[VariableScope],
    ) -> list[RequestSpec | bytes]:
        doc = self.doc
        # Checked, not kept: folders are flattened.
        sections.description(doc, keys.get("description"))
        scope = sections.variables(doc, keys.get("variables"), f"folder {name}")
        all_scopes.append(scope)
        own_tags = self.tags(keys.get("tags"))
        layer = inherited.merged(self.defaults(keys.get("defaults")))
        return self.items(
            keys["requests"][1],
            (*folders, name),
            (scope, *folder_scopes),
            _union(tags, own_tags),
            layer,
            all_scopes,
        )

    def tags(self, entry: tuple[Node, Node] | None) -> tuple[str, ...]:
        if entry is None:
            return ()
        doc = self.doc
        sequence = nodes.sequence(doc, entry[1], "tags", hint="write tags: [smoke]")
        return _union((), tuple(nodes.text(doc, item, "tag") for item in sequence.value))

    def defaults(self, entry: tuple[Node, Node] | None) -> _Layer:
        if entry is None:
            return _Layer()
        keys = nodes.object_keys(self.doc, entry[1], "defaults", DEFAULTS_KEYS)
        layer = self.layer(keys)
        if layer.auth not in (_UNSET, None):
            # Inherited auth is named as such where its placeholders are reported, so an error
            # says which requests got it from defaults (and may want `auth: none`).
            spec, uses = layer.auth
            inherited = tuple(dataclasses.replace(use, field="defaults.auth") for use in uses)
            layer = dataclasses.replace(layer, auth=(spec, inherited))
        return layer

    def layer(self, keys: Mapping[str, tuple[Node, Node]]) -> _Layer:
        """The mergeable fields (headers, params, auth, options, assert) of defaults or request."""
        doc = self.doc
        headers = build_headers(doc, keys["headers"][1]) if "headers" in keys else {}
        params = build_params(doc, keys["params"][1]) if "params" in keys else {}
        auth = build_auth(doc, keys["auth"][1]) if "auth" in keys else _UNSET
        options = build_options(doc, keys["options"][1]) if "options" in keys else {}
        checks = build_checks(doc, keys["assert"][1], "assert") if "assert" in keys else {}
        stream = build_stream(doc, keys["stream"][1]) if "stream" in keys else _UNSET
        return _Layer(headers, params, auth, options, checks, stream)

    # ----------------------------------------------------------------------- requests

    def request(
        self,
        item: MappingNode,
        keys: dict[str, tuple[Node, Node]],
        name: str,
        folders: tuple[str, ...],
        folder_scopes: tuple[VariableScope, ...],
        tags: tuple[str, ...],
        inherited: _Layer,
    ) -> RequestSpec:
        doc = self.doc
        method = _method(doc, keys["method"][1]) if "method" in keys else "GET"
        own = self.layer(keys)
        url_strings: list[tuple[str, Node]] = []
        url = _request_url(doc, item, keys, name, bool(own.options.get("skip")), url_strings)
        layer = inherited.merged(own)
        body, body_uses = build_body(doc, keys["body"][1]) if "body" in keys else (None, ())
        captures = build_captures(doc, keys["capture"][1]) if "capture" in keys else []
        examples, example_uses = (
            build_examples(doc, keys["examples"][1]) if "examples" in keys else ((), ())
        )
        auth, auth_uses = (None, ()) if layer.auth in (_UNSET, None) else layer.auth
        stream = None if layer.stream is _UNSET else layer.stream
        checks, capture_specs = streamed_checks(stream, layer.checks.values(), captures)
        placeholders = (
            *placeholder_uses(doc, "url", url_strings),
            *(use for _, uses in layer.params.values() for use in uses),
            *(use for _, _, uses in layer.headers.values() for use in uses),
            *auth_uses,
            *body_uses,
            *(use for _, uses in layer.checks.values() for use in uses),
            *(use for _, uses in captures for use in uses),
            *example_uses,
        )
        return RequestSpec(
            name=name,
            folders=folders,
            method=method,
            url=url,
            location=doc.location(item, length=1),
            params={key: value for key, (value, _) in layer.params.items()},
            headers=stream_headers(
                stream, {spelled: value for spelled, value, _ in layer.headers.values()}
            ),
            auth=auth,
            body=body,
            checks=checks,
            captures=capture_specs,
            options=dict(layer.options),
            tags=_union(tags, self.tags(keys.get("tags"))),
            examples=examples,
            description=sections.description(doc, keys.get("description")),
            folder_scopes=folder_scopes,
            placeholders=placeholders,
            stream=stream,
        )


def _request_url(
    doc: Document,
    item: MappingNode,
    keys: Mapping[str, tuple[Node, Node]],
    name: str,
    skipped: bool,
    strings: list[tuple[str, Node]],
) -> str:
    """The request's url; "" for a skipped draft with none (a Postman request with no URL)."""
    if "url" in keys:
        return _url(doc, keys["url"][1], strings)
    if not skipped:
        hint = "add url: ... (a draft without one needs options: {skip: 'a draft'})"
        doc.fail(f"request '{name}' has no 'url'", item, hint=hint, length=1)
    return ""


def _url(doc: Document, node: Node, strings: list[tuple[str, Node]]) -> str:
    """The url as written: not empty, and no Postman ``{{name}}`` in it."""
    url = nodes.text(doc, node, "url", strings)
    if not url.strip():
        doc.fail("'url' is empty", node)
    postman = _POSTMAN_PLACEHOLDER.search(url)
    if postman:
        doc.fail(
            f"'{postman.group(0)}' in the url is Postman's syntax",
            node,
            hint=f"write <<{postman.group(1)}>>: postrun placeholders are <<name>>",
        )
    return url


def _refuse_postman(doc: Document, root: MappingNode) -> None:
    """A Postman export given to run or validate: say how to import it."""
    top = {str(key.value) for key, _ in root.value if hasattr(key, "value")}
    if {"info", "item"} <= top or "_postman_variable_scope" in top:
        what = "an environment" if "_postman_variable_scope" in top else "a collection"
        command = (
            f"postrun import postman COLLECTION --environment {doc.path}"
            if "_postman_variable_scope" in top
            else f"postrun import postman {doc.path}"
        )
        doc.fail(
            f"this is a Postman export ({what}), not a postrun collection",
            root,
            hint=f"run `{command}`: it writes the YAML that postrun runs",
            length=1,
        )


def _method(doc: Document, node: Node) -> str:
    """The request's method in capitals: any HTTP token (PURGE ...), case-insensitive."""
    method = nodes.text(doc, node, "method").upper()
    if not HTTP_TOKEN.fullmatch(method):
        doc.fail(
            f"invalid HTTP method '{node.value}'",
            node,
            hint="a method is one word such as GET, POST, PUT, PATCH, DELETE",
        )
    return method


def _union(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    """Both tuples in order, each item once."""
    return tuple(dict.fromkeys((*first, *second)))
