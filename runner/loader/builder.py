"""``load_collection``: a collection file (FORMAT.md 1) built into a CollectionSpec, with the
defaults of the collection and its folders merged into each request (FORMAT.md 1.8), so every
RequestSpec is complete on its own."""

from __future__ import annotations

import difflib
import functools
import json
import re
import warnings
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from runner.errors import LoadError
from runner.jsonquery import JsonPathError, compile_path
from runner.loader import nodes, sections, streaming
from runner.loader.coreschema import BOOL, INT, NULL, STR, parse_int
from runner.loader.document import Document
from runner.loader.keys import (
    AUTH_KEYS,
    AUTH_KINDS,
    CAPTURE_FORMS,
    CAPTURE_FORMS_TEXT,
    COLLECTION_KEYS,
    DEFAULTS_KEYS,
    EXAMPLE_KEYS,
    FOLDER_KEYS,
    HTTP_TOKEN,
    MAX_STATUS,
    MIN_STATUS,
    OPTION_KEYS,
    REQUEST_KEYS,
    RETRY_KEYS,
    STATUS_CLASS,
)
from runner.loader.paths import file_path
from runner.loader.placeholders import Uses, has_placeholder, placeholder_uses
from runner.loader.pyyaml import (
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    YAMLError,
    depth_guard,
    read_text,
)
from runner.loader.streaming import NotStreamable
from runner.loader.wording import closest, describe
from runner.model import (
    BODY_KINDS,
    CHECK_KINDS,
    OPERATORS,
    TYPE_NAMES,
    AuthSpec,
    BodySpec,
    CaptureSpec,
    CheckSpec,
    CollectionSpec,
    ExampleSpec,
    Matcher,
    RequestSpec,
    VariableScope,
)
from runner.source import SourceLocation
from runner.templating import find_placeholders

if TYPE_CHECKING:
    from runner.compact import RequestPacker

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

    def merged(self, inner: _Layer) -> _Layer:
        """``inner`` applied over this layer (FORMAT.md 1.8); replaced keys keep their place."""
        return _Layer(
            headers={**self.headers, **inner.headers},
            params={**self.params, **inner.params},
            auth=self.auth if inner.auth is _UNSET else inner.auth,
            options={**self.options, **inner.options},
            checks={**self.checks, **inner.checks},
        )


_CheckEntries = dict[tuple[str, str], tuple[CheckSpec, Uses]]


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
        keys = nodes.object_keys(doc, root, "collection", COLLECTION_KEYS)
        name = nodes.text(doc, keys["name"][1], "name") if "name" in keys else doc.path.stem
        variables = sections.variables(doc, keys.get("variables"), f"collection {name}")
        secrets, secret_locations = sections.secrets(doc, keys.get("secrets"))
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
        return self.layer(keys)

    def layer(self, keys: Mapping[str, tuple[Node, Node]]) -> _Layer:
        """The mergeable fields (headers, params, auth, options, assert) of defaults or request."""
        headers = self.headers(keys["headers"][1]) if "headers" in keys else {}
        params = self.params(keys["params"][1]) if "params" in keys else {}
        auth = self.auth(keys["auth"][1]) if "auth" in keys else _UNSET
        options = self.options(keys["options"][1]) if "options" in keys else {}
        checks = self.assertions(keys["assert"][1], "assert") if "assert" in keys else {}
        return _Layer(headers, params, auth, options, checks)

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
        method = "GET"
        if "method" in keys:
            method_node = keys["method"][1]
            method = nodes.text(doc, method_node, "method").upper()
            if not HTTP_TOKEN.fullmatch(method):
                doc.fail(
                    f"invalid HTTP method '{method_node.value}'",
                    method_node,
                    hint="a method is one word such as GET, POST, PUT, PATCH, DELETE",
                )
        if "url" not in keys:
            doc.fail(f"request '{name}' has no 'url'", item, hint="add url: ...", length=1)
        url_strings: list[tuple[str, Node]] = []
        url = nodes.text(doc, keys["url"][1], "url", url_strings)
        if not url.strip():
            doc.fail("'url' is empty", keys["url"][1])
        layer = inherited.merged(self.layer(keys))
        body, body_uses = self.body(keys["body"][1]) if "body" in keys else (None, ())
        captures = self.captures(keys["capture"][1]) if "capture" in keys else []
        examples, example_uses = (
            self.examples(keys["examples"][1]) if "examples" in keys else ((), ())
        )
        auth, auth_uses = (None, ()) if layer.auth in (_UNSET, None) else layer.auth
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
            headers={spelled: value for spelled, value, _ in layer.headers.values()},
            auth=auth,
            body=body,
            checks=tuple(check for check, _ in layer.checks.values()),
            captures=tuple(spec for spec, _ in captures),
            options=dict(layer.options),
            tags=_union(tags, self.tags(keys.get("tags"))),
            examples=examples,
            description=sections.description(doc, keys.get("description")),
            folder_scopes=folder_scopes,
            placeholders=placeholders,
        )

    def headers(self, node: Node) -> dict[str, tuple[str, str, Uses]]:
        doc = self.doc
        mapping = nodes.mapping(doc, node, "headers", hint="write headers: {Name: value}")
        result: dict[str, tuple[str, str, Uses]] = {}
        for name, key, value in nodes.pairs(doc, mapping, skip_x=False):
            strings: list[tuple[str, Node]] = [(name, key)]
            if not HTTP_TOKEN.fullmatch(name) and not has_placeholder(name):
                doc.fail(f"invalid header name '{name}'", key, hint="a header name is one word")
            lowered = name.lower()
            if lowered in result:
                doc.fail(
                    f"header '{name}' is given twice (header names ignore case)",
                    key,
                    hint=f"keep one of '{result[lowered][0]}' and '{name}'",
                )
            text = nodes.text(doc, value, f"header {name}", strings)
            result[lowered] = (name, text, placeholder_uses(doc, "headers", strings))
        return result

    def params(self, node: Node) -> dict[str, tuple[Any, Uses]]:
        doc = self.doc
        mapping = nodes.mapping(doc, node, "params", hint="write params: {name: value}")
        result: dict[str, tuple[Any, Uses]] = {}
        for name, key, value in nodes.pairs(doc, mapping, skip_x=False):
            strings: list[tuple[str, Node]] = []
            text = self.param_value(key, value, name, strings)
            result[name] = (text, placeholder_uses(doc, "params", strings))
        return result

    def param_value(self, key: Node, node: Node, name: str, strings: list[tuple[str, Node]]) -> Any:
        """A query or form value: text, or a list of texts that repeats the key."""
        doc = self.doc
        strings.append((name, key))
        if isinstance(node, SequenceNode):
            return [nodes.text(doc, item, name, strings) for item in node.value]
        return nodes.text(doc, node, name, strings)

    def auth(self, node: Node) -> tuple[AuthSpec, Uses] | None:
        """``none`` or a one-key mapping (FORMAT.md 1.7)."""
        doc = self.doc
        hint = "write auth: none, or {bearer: token}, {basic: {...}}, {apikey: {...}}, ..."
        if isinstance(node, ScalarNode) and node.tag == STR:
            if node.value == "none":
                return None
            doc.fail(f"unknown auth '{node.value}'", node, hint=hint)
        mapping = nodes.mapping(doc, node, "auth", hint=hint)
        entries = nodes.pairs(doc, mapping, skip_x=True)
        if len(entries) != 1:
            doc.fail(f"'auth' needs exactly one kind, got {len(entries)}", node, hint=hint)
        kind, key, value = entries[0]
        if kind not in AUTH_KINDS:
            close = closest(kind, AUTH_KINDS)
            doc.fail(
                f"unknown auth kind '{kind}'",
                key,
                hint=f"did you mean '{close}'?" if close else f"use {', '.join(AUTH_KINDS)}",
            )
        strings: list[tuple[str, Node]] = []
        params: Any
        if kind == "bearer":
            params = nodes.text(doc, value, "bearer", strings)
        elif kind == "apikey":
            params = self.apikey(value, strings)
        else:
            required, optional = AUTH_KEYS[kind]
            fields = nodes.object_keys(
                doc, value, f"auth {kind}", (*required, *optional), label=kind
            )
            for needed in required:
                if needed not in fields:
                    doc.fail(
                        f"auth {kind} needs '{needed}'",
                        value,
                        hint=f"{kind} takes {', '.join((*required, *optional))}",
                        length=1,
                    )
            params = {
                name: nodes.text(doc, field_value, name, strings)
                for name, (_, field_value) in fields.items()
            }
        spec = AuthSpec(kind, params, doc.location(key))
        return spec, placeholder_uses(doc, "auth", strings)

    def apikey(self, node: Node, strings: list[tuple[str, Node]]) -> dict[str, str]:
        doc = self.doc
        fields = nodes.object_keys(
            doc, node, "auth apikey", ("header", "query", "value"), label="apikey"
        )
        hint = "write {apikey: {header: X-API-Key, value: ...}} or {apikey: {query: k, value: ...}}"
        places = [name for name in ("header", "query") if name in fields]
        if len(places) != 1 or "value" not in fields:
            doc.fail("auth apikey needs 'value' and one of 'header' or 'query'", node, hint=hint)
        return {name: nodes.text(doc, value, name, strings) for name, (_, value) in fields.items()}

    def options(self, node: Node) -> dict[str, Any]:
        doc = self.doc
        keys = nodes.object_keys(doc, node, "options", OPTION_KEYS)
        result: dict[str, Any] = {}
        for name, (_key, value) in keys.items():
            if name == "timeout":
                result[name] = nodes.number(doc, value, "timeout", strict=True)
            elif name == "delay_ms":
                result[name] = nodes.number(doc, value, "delay_ms")
            elif name == "follow_redirects":
                result[name] = nodes.boolean(doc, value, name)
            elif name == "verify":
                if isinstance(value, ScalarNode) and value.tag == BOOL:
                    result[name] = nodes.boolean(doc, value, name)
                else:
                    hint = "write true, false or the path of a CA bundle"
                    result[name] = self.local_path(nodes.string(doc, value, name, hint=hint))
            elif name == "cert":
                result[name] = self.cert(value)
            elif name == "proxy":
                result[name] = nodes.string(doc, value, name)
            elif name == "skip":
                if isinstance(value, ScalarNode) and value.tag == BOOL:
                    result[name] = nodes.boolean(doc, value, name)
                else:
                    result[name] = nodes.string(doc, value, name, hint="write true or a reason")
            else:
                result[name] = self.retries(value)
        return result

    def local_path(self, written: str) -> str:
        """A path for the TLS layer, relative to the collection file (checked when sending)."""
        path = Path(written)
        return str(path if path.is_absolute() else self.doc.folder / path)

    def cert(self, node: Node) -> str | tuple[str, str]:
        doc = self.doc
        hint = "write cert: client.pem or cert: [client.crt, client.key]"
        if isinstance(node, SequenceNode):
            if len(node.value) != 2:
                doc.fail("'cert' takes a path or a list of two paths", node, hint=hint)
            cert, key = (nodes.string(doc, item, "cert", hint=hint) for item in node.value)
            return self.local_path(cert), self.local_path(key)
        return self.local_path(nodes.string(doc, node, "cert", hint=hint))

    def retries(self, node: Node) -> dict[str, Any]:
        doc = self.doc
        keys = nodes.object_keys(doc, node, "retries", RETRY_KEYS)
        result: dict[str, Any] = {}
        for name, (_key, value) in keys.items():
            if name == "count":
                result[name] = nodes.integer(doc, value, "count", minimum=0)
            elif name == "on":
                sequence = nodes.sequence(doc, value, "on", hint="write on: [429, 503]")
                result[name] = tuple(
                    nodes.integer(doc, item, "status", minimum=MIN_STATUS, maximum=MAX_STATUS)
                    for item in sequence.value
                )
            elif name in ("backoff", "max_wait"):
                result[name] = nodes.number(doc, value, name)
            else:
                checks = self.assertions(value, "unless")
                result[name] = tuple(check for check, _ in checks.values())
        return result

    # ---------------------------------------------------------------------------- body

    def body(self, node: Node) -> tuple[BodySpec, Uses]:
        doc = self.doc
        kinds = ", ".join(BODY_KINDS)
        mapping = nodes.mapping(doc, node, "body", hint=f"write body: followed by one of {kinds}")
        entries = nodes.pairs(doc, mapping, skip_x=True)
        for text, key, _ in entries:
            if text not in BODY_KINDS:
                close = closest(text, BODY_KINDS)
                hint = f"did you mean '{close}'?" if close else f"a body is one of {kinds}"
                doc.fail(f"unknown body kind '{text}'", key, hint=hint)
        if not entries:
            doc.fail("'body' is empty", node, hint=f"write one of {kinds}")
        if len(entries) > 1:
            doc.fail(
                f"'body' has two kinds: '{entries[0][0]}' and '{entries[1][0]}'",
                entries[1][1],
                hint="a request sends one body: keep one of them",
            )
        kind, key, value_node = entries[0]
        strings: list[tuple[str, Node]] = []
        value: Any
        if kind == "json":
            value = nodes.data(doc, value_node, strings)
        elif kind == "raw":
            value = nodes.text(doc, value_node, "raw", strings)
        elif kind == "form":
            mapping = nodes.mapping(doc, value_node, "form", hint="write form: {name: value}")
            value = {
                name: self.param_value(part_key, part, name, strings)
                for name, part_key, part in nodes.pairs(doc, mapping, skip_x=False)
            }
        elif kind == "multipart":
            value = self.multipart(value_node, strings)
        elif kind == "file":
            value = file_path(doc, value_node, "file")
        else:
            value = self.graphql(value_node, strings)
        spec = BodySpec(kind, value, doc.location(key))  # type: ignore[arg-type]
        return spec, placeholder_uses(doc, "body", strings)

    def multipart(self, node: Node, strings: list[tuple[str, Node]]) -> dict[str, Any]:
        doc = self.doc
        mapping = nodes.mapping(doc, node, "multipart", hint="write multipart: {field: value}")
        parts: dict[str, Any] = {}
        for name, key, value in nodes.pairs(doc, mapping, skip_x=False):
            strings.append((name, key))
            if isinstance(value, MappingNode):
                fields = nodes.object_keys(
                    doc, value, f"multipart part '{name}'", ("file", "content_type"), label=name
                )
                if "file" not in fields:
                    doc.fail(
                        f"multipart part '{name}' needs 'file'",
                        value,
                        hint="write {file: path, content_type: ...} or a plain value",
                        length=1,
                    )
                content_type = None
                if "content_type" in fields:
                    content_type = nodes.text(
                        doc, fields["content_type"][1], "content_type", strings
                    )
                parts[name] = {
                    "file": file_path(doc, fields["file"][1], "file"),
                    "content_type": content_type,
                }
            else:
                parts[name] = nodes.text(doc, value, name, strings)
        return parts

    def graphql(self, node: Node, strings: list[tuple[str, Node]]) -> dict[str, Any]:
        doc = self.doc
        fields = nodes.object_keys(doc, node, "graphql", ("query", "variables"))
        if "query" not in fields:
            doc.fail("'graphql' needs a 'query'", node, hint="write {query: ..., variables: {}}")
        query = nodes.string(doc, fields["query"][1], "query")
        strings.append((query, fields["query"][1]))
        variables: Any = {}
        if "variables" in fields:
            variables_node = nodes.mapping(doc, fields["variables"][1], "variables")
            variables = nodes.data(doc, variables_node, strings)
        return {"query": query, "variables": variables}

    # ------------------------------------------------------------------------------ checks

    def assertions(self, node: Node, what: str) -> _CheckEntries:
        """An ``assert`` block (or ``retries.unless``): one CheckSpec per check, keyed to merge."""
        doc = self.doc
        keys = nodes.object_keys(doc, node, what, CHECK_KINDS)
        entries: _CheckEntries = {}
        for kind, (key, value) in keys.items():
            strings: list[tuple[str, Node]] = []
            if kind in ("headers", "jsonpath"):
                mapping = nodes.mapping(
                    doc, value, kind, hint=f"write {kind}: followed by name: value"
                )
                seen: dict[str, str] = {}
                # x- keys can hold anchors among JSONPaths (which start with $), not among headers
                pairs = nodes.pairs(doc, mapping, skip_x=kind == "jsonpath")
                for target, target_key, expected in pairs:
                    strings = [(target, target_key)]
                    if kind == "headers":
                        lowered = target.lower()
                        if lowered in seen:
                            doc.fail(
                                f"header '{target}' is checked twice (header names ignore case)",
                                target_key,
                                hint=f"keep one of '{seen[lowered]}' and '{target}'",
                            )
                        seen[lowered] = target
                        entry_key = ("header", lowered)
                    else:
                        self.jsonpath(target, target_key)
                        entry_key = ("jsonpath", target)
                    check = CheckSpec(
                        "header" if kind == "headers" else "jsonpath",
                        target,
                        self.matcher(expected, strings),
                        doc.location(target_key),
                    )
                    entries[entry_key] = (check, placeholder_uses(doc, "assert", strings))
                continue
            if kind == "schema":
                check = self.schema(key, value)
            else:
                if kind == "status":
                    matcher = self.status(value, strings)
                elif kind == "time_ms":
                    matcher = self.time_ms(value, strings)
                else:
                    matcher = self.matcher(value, strings)
                check = CheckSpec(kind, None, matcher, doc.location(key))  # type: ignore[arg-type]
            entries[(kind, "")] = (check, placeholder_uses(doc, "assert", strings))
        return entries

    def jsonpath(self, expression: str, node: Node) -> None:
        """Compile a JSONPath now, so a typo is a load error (later uses hit the cache)."""
        if has_placeholder(expression):
            return  # compiled once rendered
        try:
            compile_path(expression)
        except JsonPathError as exc:
            hint = None
            if not expression.lstrip().startswith("$"):
                hint = f"a JSONPath starts with $: write $.{expression.lstrip('.')}"
            self.doc.fail(str(exc), node, hint=hint)

    def regex(self, pattern: str, node: Node) -> None:
        """Compile a regex now; an error points at the offending character when it can."""
        if has_placeholder(pattern):
            return
        try:
            with warnings.catch_warnings():
                # "possible nested set" and the like: valid today, so not an error here
                warnings.simplefilter("ignore")
                re.compile(pattern)
        except (OverflowError, RecursionError) as exc:
            raise LoadError(
                f"regex '{pattern}' is too large: {exc}", location=self.doc.location(node)
            ) from None
        except re.error as exc:
            doc = self.doc
            position = exc.pos or 0
            location = doc.location(node)
            style = getattr(node, "style", None)
            if node.start_mark.line == node.end_mark.line and style in (None, "'", '"'):
                shift = 0 if style is None else 1
                location = SourceLocation(
                    doc.file, location.line, location.column + shift + position, 1
                )
            raise LoadError(
                f"invalid regex '{pattern}': {exc.msg} at position {position}",
                location=location,
                hint="regexes use Python's re syntax; write them in single quotes",
            ) from None

    def status(self, node: Node, strings: list[tuple[str, Node]]) -> Matcher:
        doc = self.doc
        hint = "write an int (200), a class (2xx), a list ([200, 201]) or a matcher ({gte: 200})"
        if isinstance(node, MappingNode):
            matcher = self.matcher(node, strings)
            if matcher.implicit:
                doc.fail("'status' mapping is not a matcher", node, hint=hint)
            return matcher
        items = node.value if isinstance(node, SequenceNode) else [node]
        if not items:
            doc.fail("'status' is an empty list", node, hint=hint)
        allowed: list[int | str] = []
        for item in items:
            if isinstance(item, ScalarNode) and item.tag == INT:
                allowed.append(
                    nodes.integer(doc, item, "status", minimum=MIN_STATUS, maximum=MAX_STATUS)
                )
                continue
            if isinstance(item, ScalarNode) and item.tag == STR:
                text = item.value
                if STATUS_CLASS.fullmatch(text):
                    allowed.append(text.lower())
                    continue
                if parse_int(text.strip()) is not None:
                    doc.fail(
                        f"status '{text}' is quoted text, not a number",
                        item,
                        hint=f"write {text.strip()} without quotes",
                    )
                if find_placeholders(text):
                    strings.append((text, item))
                    allowed.append(text)
                    continue
            doc.fail(f"invalid status {describe(item)}", item, hint=hint)
        return Matcher((("status", tuple(allowed)),), implicit=True)

    def time_ms(self, node: Node, strings: list[tuple[str, Node]]) -> Matcher:
        matcher = self.matcher(node, strings)
        if matcher.implicit:
            limit = node.value if isinstance(node, ScalarNode) and node.tag == INT else "500"
            self.doc.fail(
                "'time_ms' needs a matcher, not a bare value",
                node,
                hint=f"write {{lt: {limit}}}",
            )
        return matcher

    def matcher(self, node: Node, strings: list[tuple[str, Node]]) -> Matcher:
        """A mapping of operators, or any other value as a literal (FORMAT.md 1.3 Matchers)."""
        doc = self.doc
        if isinstance(node, MappingNode):
            entries = nodes.pairs(doc, node, skip_x=False)
            operators = [entry for entry in entries if entry[0] in OPERATORS]
            if entries and len(operators) == len(entries):
                return Matcher(
                    tuple(
                        (name, self.argument(name, value, strings)) for name, _key, value in entries
                    )
                )
            literal_hint = "to compare with a literal mapping use {eq: {...}}"
            if operators:
                other = next(entry for entry in entries if entry[0] not in OPERATORS)
                close = closest(other[0], OPERATORS)
                doc.fail(
                    f"a matcher mixes operators ({', '.join(op for op, _, _ in operators)}) "
                    f"with other keys ('{other[0]}')",
                    other[1],
                    hint=(f"did you mean '{close}'? " if close else "")
                    + f"A matcher takes only operators; {literal_hint}",
                )
            if len(entries) == 1:
                close_matches = difflib.get_close_matches(entries[0][0], OPERATORS, 1, 0.75)
                if close_matches:
                    doc.fail(
                        f"unknown operator '{entries[0][0]}'",
                        entries[0][1],
                        hint=f"did you mean '{close_matches[0]}'? To compare with a literal "
                        "mapping use {eq: {...}}",
                    )
        return Matcher.equals(nodes.data(doc, node, strings))

    def argument(self, operator: str, node: Node, strings: list[tuple[str, Node]]) -> Any:
        """An operator's argument, checked by operator; placeholders pass as written."""
        doc = self.doc
        if operator == "each":
            return self.matcher(node, strings)
        if operator == "length":
            if isinstance(node, MappingNode):
                nested = self.matcher(node, strings)
                if not nested.implicit:
                    return nested
            elif isinstance(node, ScalarNode) and node.tag == INT:
                return Matcher.equals(nodes.integer(doc, node, "length", minimum=0))
            elif isinstance(node, ScalarNode) and node.tag == STR and has_placeholder(node.value):
                return nodes.data(doc, node, strings)
            doc.fail(
                f"'length' takes an int or a matcher, got {describe(node)}",
                node,
                hint="write length: 3 or length: {gte: 1}",
            )
        value = nodes.data(doc, node, strings)
        if has_placeholder(value):
            return value
        problem: str | None = None
        hint: str | None = None
        if operator == "matches":
            if not isinstance(value, str):
                problem, hint = "a regex (text)", "write matches: '^\\d+$' in single quotes"
            else:
                self.regex(value, node)
        elif operator in ("exists", "empty"):
            if not isinstance(value, bool):
                problem, hint = "true or false", f"write {operator}: true or {operator}: false"
        elif operator == "type":
            if value not in TYPE_NAMES:
                close = closest(str(value), TYPE_NAMES)
                problem = f"one of {', '.join(TYPE_NAMES)}"
                hint = f"did you mean '{close}'?" if close else None
        elif operator in ("in", "not_in"):
            if not isinstance(value, list):
                problem, hint = "a list", f"write {operator}: [a, b]"
        elif operator in ("gt", "gte", "lt", "lte"):
            if isinstance(value, bool) or not isinstance(value, (int, float, str)):
                problem = "a number or text"
        elif operator in ("starts_with", "ends_with") and (
            value is None or not isinstance(value, (str, int, float, bool))
        ):
            problem = "text"
        if problem is not None:
            doc.fail(f"'{operator}' takes {problem}, got {describe(node)}", node, hint=hint)
        return value

    def schema(self, key: Node, node: Node) -> CheckSpec:
        doc = self.doc
        if isinstance(node, MappingNode):
            target = "inline"
            schema = nodes.data(doc, node)
        elif isinstance(node, ScalarNode) and node.tag == STR:
            target = node.value
            schema = self.read_schema(Path(file_path(doc, node, "schema")), node)
        else:
            doc.fail(
                f"'schema' must be a mapping or a path, got {describe(node)}",
                node,
                hint="write the JSON Schema inline, or the path of a .json or .yaml file",
            )
        _check_schema(schema, doc, node)
        return CheckSpec("schema", target, None, doc.location(key), schema=schema)

    def read_schema(self, path: Path, node: Node) -> dict[str, Any]:
        doc = self.doc
        suffix = path.suffix.lower()
        schema: Any
        if suffix == ".json":
            text = read_text(path)
            try:
                schema = json.loads(text)
            except json.JSONDecodeError as exc:
                raise LoadError(
                    f"invalid JSON in schema file: {exc.msg}",
                    location=SourceLocation(str(path), exc.lineno, exc.colno),
                ) from None
        elif suffix in (".yaml", ".yml"):
            schema_doc = Document.read(path, base_dir=None, allow_outside=True)
            root = schema_doc.root_mapping("a schema file")
            schema = nodes.data(schema_doc, root)
        else:
            doc.fail(
                f"schema file '{node.value}' is not .json, .yaml or .yml",
                node,
                hint="name the schema file *.json (JSON) or *.yaml (YAML)",
            )
        if not isinstance(schema, dict):
            doc.fail(f"schema file '{node.value}' does not hold an object", node)
        return schema

    # --------------------------------------------------------------- captures and examples

    def captures(self, node: Node) -> list[tuple[CaptureSpec, Uses]]:
        doc = self.doc
        mapping = nodes.mapping(doc, node, "capture", hint="write capture: {name: $.path}")
        result: list[tuple[CaptureSpec, Uses]] = []
        for name, key, source in nodes.pairs(doc, mapping, skip_x=False):
            sections.check_name(doc, name, key, "capture")
            strings: list[tuple[str, Node]] = []
            kind, text = self.capture_source(name, source, strings)
            spec = CaptureSpec(name, kind, text, doc.location(key))  # type: ignore[arg-type]
            result.append((spec, placeholder_uses(doc, "capture", strings)))
        return result

    def capture_source(
        self, name: str, node: Node, strings: list[tuple[str, Node]]
    ) -> tuple[str, str]:
        doc = self.doc
        hint = f"a capture is one of {CAPTURE_FORMS_TEXT}"
        if isinstance(node, ScalarNode) and node.tag == STR:
            text = node.value
            if text.startswith("$"):
                strings.append((text, node))
                self.jsonpath(text, node)
                return "jsonpath", text
            doc.fail(f"capture '{name}': '{text}' is not a JSONPath", node, hint=hint)
        if isinstance(node, MappingNode):
            entries = nodes.pairs(doc, node, skip_x=True)
            if len(entries) == 1 and entries[0][0] in CAPTURE_FORMS:
                form, _key, value = entries[0]
                if form == "status":
                    if not (
                        isinstance(value, ScalarNode)
                        and value.tag == BOOL
                        and nodes.boolean(doc, value, "status")
                    ):
                        doc.fail("capture 'status' takes true", value, hint="write {status: true}")
                    return "status", "status"
                if form == "regex":
                    pattern = nodes.string(
                        doc, value, "regex", hint="write regex: '...' in single quotes"
                    )
                    strings.append((pattern, value))
                    self.regex(pattern, value)
                    return "regex", pattern
                text = nodes.text(doc, value, form, strings)
                if not text:
                    doc.fail(f"capture '{name}': the {form} name is empty", value)
                return form, text
            if len(entries) == 1:
                close = closest(entries[0][0], CAPTURE_FORMS)
                if close:
                    hint = f"did you mean '{close}'? {hint}"
        doc.fail(f"invalid capture '{name}'", node, hint=hint)

    def examples(self, node: Node) -> tuple[tuple[ExampleSpec, ...], Uses]:
        doc = self.doc
        sequence = nodes.sequence(
            doc, node, "examples", hint="write examples: followed by '- name: ...'"
        )
        strings: list[tuple[str, Node]] = []
        result: list[ExampleSpec] = []
        names: dict[str, Node] = {}
        for item in sequence.value:
            keys = nodes.object_keys(doc, item, "example", EXAMPLE_KEYS)
            if "name" not in keys:
                doc.fail("an example needs a 'name'", item, hint="add name: ...", length=1)
            name_node = keys["name"][1]
            name = nodes.text(doc, name_node, "name")
            if name in names:
                first = names[name].start_mark.line + 1
                doc.fail(f"duplicate example name '{name}' (first at line {first})", name_node)
            names[name] = name_node
            status = 200
            if "status" in keys:
                status = nodes.integer(
                    doc, keys["status"][1], "status", minimum=MIN_STATUS, maximum=MAX_STATUS
                )
            headers: dict[str, str] = {}
            if "headers" in keys:
                headers = self.example_headers(keys["headers"][1], strings)
            body: Any = ""
            if "body" in keys:
                body = self.example_body(keys["body"][1], strings)
            if isinstance(body, (dict, list)) and not any(
                header.lower() == "content-type" for header in headers
            ):
                headers["Content-Type"] = "application/json"
            result.append(
                ExampleSpec(
                    name=name,
                    status=status,
                    headers=headers,
                    body=body,
                    location=doc.location(item, length=1),
                    description=sections.description(doc, keys.get("description")),
                )
            )
        return tuple(result), placeholder_uses(doc, "examples", strings)

    def example_headers(self, node: Node, strings: list[tuple[str, Node]]) -> dict[str, str]:
        doc = self.doc
        mapping = nodes.mapping(doc, node, "headers", hint="write headers: {Name: value}")
        headers: dict[str, str] = {}
        for name, key, value in nodes.pairs(doc, mapping, skip_x=False):
            strings.append((name, key))
            headers[name] = nodes.text(doc, value, f"header {name}", strings)
        return headers

    def example_body(self, node: Node, strings: list[tuple[str, Node]]) -> Any:
        doc = self.doc
        if isinstance(node, (MappingNode, SequenceNode)):
            return nodes.data(doc, node, strings)
        if isinstance(node, ScalarNode) and node.tag == NULL:
            return ""
        return nodes.text(doc, node, "body", strings)


def _check_schema(schema: Any, doc: Document, node: Node) -> None:
    """Validate a JSON Schema itself; a problem is a LoadError at the schema."""
    problem = _schema_problem(json.dumps(schema, sort_keys=True))
    if problem is not None:
        message, hint = problem
        doc.fail(message, node, hint=hint)


@functools.lru_cache(maxsize=256)
def _schema_problem(schema_json: str) -> tuple[str, str | None] | None:
    """What is wrong with a schema (keyed by its canonical JSON), or None.

    jsonschema is imported here only, when a collection has a schema check, and each distinct
    schema is checked once per process.
    """
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError
    from jsonschema.validators import validator_for

    schema = json.loads(schema_json)
    declared = schema.get("$schema") if isinstance(schema, dict) else None
    if declared is not None and not isinstance(declared, str):
        return "'$schema' must be a URI (text)", None
    # validator_for only warns (DeprecationWarning) on an unknown $schema: say so plainly instead
    if declared is not None and validator_for({"$schema": declared}, default=None) is None:
        return (
            f"unknown JSON Schema dialect '{declared}'",
            "use a draft jsonschema knows, such as https://json-schema.org/draft/2020-12/schema, "
            "or leave $schema out",
        )
    try:
        validator_for(schema, default=Draft202012Validator).check_schema(schema)
    except SchemaError as exc:
        where = f" at {exc.json_path}" if list(exc.path) else ""
        return f"invalid JSON Schema{where}: {exc.message}", None
    except Exception as exc:  # a load error, never a traceback, whatever jsonschema raises
        return f"invalid JSON Schema: {exc}", None
    return None


def _union(first: tuple[str, ...], second: tuple[str, ...]) -> tuple[str, ...]:
    """Both tuples in order, each item once."""
    return tuple(dict.fromkeys((*first, *second)))
