"""``export postman`` from the file as written: folders, inherited auth, scripts kept as text.

The model flattens a collection (defaults merged into each request); this walks the file's
tree (``tree.read_tree``) instead, taking each request's rendered parts from the model, so the
export says what the file says: a request that only inherits auth has none of its own (not
``noauth``), a folder's ``defaults.assert`` is the folder's test script, ``x-postman-tests`` /
``x-postman-prerequest`` go back as scripts, ``x-postman-auth`` as that auth with its field
names, ``x-postman-path-variables`` as ``:name`` segments, empty folders stay.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from runner.interop.postman.export_parts import auth_object, to_postman
from runner.interop.postman.tree import INHERIT, Node, check_key
from runner.model import AuthSpec, CheckSpec, CollectionSpec, RequestSpec
from runner.source import SourceLocation

# Builds a request's item: (request, its node, the checks it owns) -> Postman item.
RequestItem = Callable[[RequestSpec, Node, Sequence[CheckSpec]], dict[str, Any]]
ScopeChecks = dict[int, dict[tuple[str, str | None], CheckSpec]]
CheckScript = Callable[[Sequence[CheckSpec]], list[str]]


def tree_items(
    collection: CollectionSpec,
    tree: Node,
    scope_checks: ScopeChecks,
    request_item: RequestItem,
    check_script: CheckScript,
    folder_variables: Callable[[Mapping[str, Any]], list[Any]],
) -> list[dict[str, Any]]:
    """The items of ``tree`` (the collection's root), requests not in the model left out."""
    by_path = {request.path: request for request in collection.requests}

    def walk(node: Node, folders: tuple[str, ...]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for child in node.children:
            if child.folder:
                inner = walk(child, (*folders, child.name))
                if inner or not child.children:
                    folder = {"name": child.name}
                    if child.description:
                        folder["description"] = child.description
                    variables = child.raw.get("variables")
                    if isinstance(variables, Mapping) and variables:
                        folder["variable"] = folder_variables(variables)
                    folder["item"] = inner
                    folder.update(scope_parts(child, scope_checks, check_script))
                    items.append(folder)
                continue
            request = by_path.get("/".join((*folders, child.name)))
            if request is not None:
                own = child.check_keys()
                checks = [c for c in request.checks if check_key(c.kind, c.target) in own]
                items.append(request_item(request, child, checks))
        return items

    return walk(tree, ())


def scope_parts(node: Node, scope_checks: ScopeChecks, check_script: CheckScript) -> dict[str, Any]:
    """``auth`` and ``event`` of a collection or folder, from its defaults and kept scripts."""
    parts: dict[str, Any] = {}
    auth = auth_of(node)
    if auth is not None:
        parts["auth"] = auth
    tests = check_script(list(scope_checks.get(id(node), {}).values()))
    events = node_events(node, tests)
    if events:
        parts["event"] = events
    return parts


def collection_checks(collection: CollectionSpec, tree: Node) -> ScopeChecks:
    """The checks each scope's ``defaults.assert`` holds, keyed by the scope node's id."""
    return _scope_checks(tree, {request.path: request for request in collection.requests})


def _scope_checks(tree: Node, by_path: Mapping[str, RequestSpec]) -> ScopeChecks:
    found: ScopeChecks = {}

    def walk(node: Node, chain: tuple[Node, ...], folders: tuple[str, ...]) -> None:
        for child in node.children:
            if child.folder:
                walk(child, (*chain, child), (*folders, child.name))
                continue
            request = by_path.get("/".join((*folders, child.name)))
            if request is None:
                continue
            own = child.check_keys()
            for check in request.checks:
                key = check_key(check.kind, check.target)
                if key in own:
                    continue
                owner = next(
                    (scope for scope in reversed(chain) if key in scope.check_keys()), None
                )
                if owner is not None:
                    found.setdefault(id(owner), {}).setdefault(key, check)

    walk(tree, (tree,), ())
    return found


def auth_of(node: Node) -> dict[str, Any] | None:
    """The Postman auth written on ``node``: None when it inherits (and keeps no text)."""
    auth = node.auth
    if auth is INHERIT:
        kept = node.text("x-postman-auth")
        return _kept_auth(kept) if kept else None
    if auth == "none" or not isinstance(auth, Mapping) or len(auth) != 1:
        return {"type": "noauth"}
    ((kind, params),) = auth.items()
    spec = AuthSpec(str(kind), _texts(params), SourceLocation("", 0, 0))
    return auth_object(spec)


def _texts(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(key): _texts(item) for key, item in value.items()}
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def _kept_auth(text: str) -> dict[str, Any] | None:
    """``type: hawk; fields: authId, authKey`` (what the import keeps) -> that Postman auth."""
    kind_part, _, fields_part = text.partition(";")
    kind = kind_part.removeprefix("type:").strip()
    if not kind:
        return None
    names = [name.strip() for name in fields_part.removeprefix(" fields:").split(",")]
    fields = [name for name in names if name and name != "-"]
    return {"type": kind, kind: [{"key": name, "value": "", "type": "string"} for name in fields]}


def node_events(node: Node, tests: Sequence[str]) -> list[dict[str, Any]]:
    """The ``event`` list: the checks' test script then the kept test text, the pre-request."""
    events: list[dict[str, Any]] = []
    kept = node.text("x-postman-tests")
    lines = [*tests, *(kept.splitlines() if kept else ())]
    if lines:
        events.append(_event("test", lines))
    prerequest = node.text("x-postman-prerequest")
    if prerequest:
        events.append(_event("prerequest", prerequest.splitlines()))
    return events


def _event(listen: str, lines: Sequence[str]) -> dict[str, Any]:
    return {"listen": listen, "script": {"type": "text/javascript", "exec": list(lines)}}


def path_variables(url: dict[str, Any], node: Node) -> None:
    """``{{name}}`` segments of ``x-postman-path-variables`` back to ``:key`` + ``variable``."""
    mapping = node.path_variables()
    if not mapping:
        return
    variables: list[dict[str, str]] = []
    for key, name in mapping.items():
        segment = "{{" + name + "}}"
        path = url.get("path")
        if isinstance(path, list) and segment in path:
            url["path"] = [f":{key}" if part == segment else part for part in path]
            base, mark, query = url["raw"].partition("?")
            url["raw"] = base.replace(f"/{segment}", f"/:{key}") + mark + query
            variables.append({"key": key, "value": to_postman(f"<<{name}>>")})
    if variables:
        url["variable"] = variables
