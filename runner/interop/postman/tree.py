"""The collection file as written, for ``export postman``: what the loaded model flattens away.

The model merges defaults into each request (auth, checks) and ignores ``x-`` keys, but a
faithful export needs them: which auth a request only inherits, the checks a folder's
``defaults.assert`` holds, the scripts kept as ``x-postman-*`` text, the path variables, empty
folders. ``read_tree`` reads the file once more as plain data
(``yaml.safe_load``: the structure and the text kept, not the values the model already has).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# The keys of an ``assert`` block and the check kind of the model they become.
_KINDS: Mapping[str, str] = {
    "status": "status",
    "headers": "header",
    "jsonpath": "jsonpath",
    "body": "body",
    "schema": "schema",
    "time_ms": "time_ms",
}
INHERIT: Any = object()  # a request or folder that writes no ``auth`` of its own


@dataclass(slots=True)
class Node:
    """A collection, folder or request as written; ``children`` only for the first two."""

    name: str
    raw: Mapping[str, Any]
    children: list[Node] = field(default_factory=list)
    folder: bool = False

    @property
    def auth(self) -> Any:
        """The auth written here (``defaults.auth`` for a folder), or INHERIT."""
        source = self.raw.get("defaults") if self.folder else self.raw
        if isinstance(source, Mapping) and "auth" in source:
            return source["auth"]
        return INHERIT

    @property
    def description(self) -> str | None:
        text = self.raw.get("description")
        return text if isinstance(text, str) and text else None

    def text(self, key: str) -> str | None:
        """An ``x-postman-*`` text kept by the import."""
        value = self.raw.get(key)
        return value if isinstance(value, str) and value.strip() else None

    def check_keys(self) -> set[tuple[str, str | None]]:
        """(kind, target) of each check written here (a folder's ``defaults.assert``)."""
        source = self.raw.get("defaults") if self.folder else self.raw
        block = source.get("assert") if isinstance(source, Mapping) else None
        keys: set[tuple[str, str | None]] = set()
        for key, value in block.items() if isinstance(block, Mapping) else ():
            kind = _KINDS.get(str(key))
            if kind in ("header", "jsonpath") and isinstance(value, Mapping):
                keys.update((kind, _target(kind, target)) for target in value)
            elif kind is not None:
                keys.add((kind, None))
        return keys

    def path_variables(self) -> dict[str, str]:
        """``x-postman-path-variables``: the ``:segment`` -> variable name of a request."""
        value = self.raw.get("x-postman-path-variables")
        if not isinstance(value, Mapping):
            return {}
        return {str(key): str(name) for key, name in value.items()}

    def requests(self, folders: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Node]]:
        """Every request below, with the folder names leading to it."""
        for child in self.children:
            if child.folder:
                yield from child.requests((*folders, child.name))
            else:
                yield folders, child


def check_key(kind: str, target: str | None) -> tuple[str, str | None]:
    """The key of a model check, as ``Node.check_keys`` gives it."""
    return kind, _target(kind, target) if target is not None else None


def _target(kind: str, target: Any) -> str:
    return str(target).lower() if kind == "header" else str(target)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def read_tree(path: Path) -> Node | None:
    """The collection file as a tree of Nodes; None when it cannot be read as plain data."""
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError):
        return None
    if not isinstance(data, Mapping):
        return None
    return _node(str(data.get("name") or path.stem), data, folder=True)


def _node(name: str, raw: Mapping[str, Any], *, folder: bool) -> Node:
    node = Node(name, raw, folder=folder)
    for item in raw.get("requests") or () if folder else ():
        if isinstance(item, Mapping) and "name" in item:
            is_folder = isinstance(item.get("requests"), list)
            node.children.append(_node(_text(item["name"]), item, folder=is_folder))
    return node
