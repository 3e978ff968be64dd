"""`postrun import curl` and `export curl`: the functions the CLI calls.

Parsing lives in ``curl_parse`` and command building in ``curl_export``; this module writes an
imported request into a collection file, appending to an existing one as text so its comments
and layout stay exactly as they were.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.errors import PostrunError
from runner.interop.curl_export import curl_command, export_commands
from runner.interop.curl_parse import CurlImport, parse_curl, split_command
from runner.interop.yaml_out import dump_yaml
from runner.report.files import write_atomic

__all__ = [
    "CurlImport",
    "add_secrets",
    "append_request",
    "collection_text",
    "curl_command",
    "export_commands",
    "import_to_file",
    "parse_curl",
    "split_command",
    "taken_names",
]


def collection_text(imported: CurlImport, name: str | None = None) -> str:
    """A new collection file holding the imported request and declaring the secrets it uses."""
    data: dict[str, Any] = {}
    if name:
        data["name"] = name
    if imported.secret_names:
        data["secrets"] = list(imported.secret_names)
    data["requests"] = [imported.request]
    return dump_yaml(data)


def import_to_file(imported: CurlImport, path: Path) -> tuple[str, ...]:
    """Create ``path`` as a new collection, or append the request to the collection there.

    Returns notes for the user (a renamed request, secrets declared or still to declare). The
    secrets the request uses join the file's ``secrets:`` list (one is started before
    ``requests:`` when there is none). The file is written only when the new text is known to be
    a valid extension of the old one.
    """
    if not path.exists() or not path.read_text(encoding="utf-8").strip():
        write_atomic(path, collection_text(imported))
        return ()
    text = path.read_text(encoding="utf-8")
    request = dict(imported.request)
    existing = _existing_names(text, str(path))
    notes: list[str] = []
    unique = _unique_name(str(request["name"]), existing.requests)
    if unique != request["name"]:
        notes.append(f"a request named '{request['name']}' exists; this one is '{unique}'")
        request = {"name": unique, **{k: v for k, v in request.items() if k != "name"}}
    # A name the file defines as a variable already has a value there.
    missing = [
        name
        for name in imported.secret_names
        if name not in existing.secrets and name not in existing.variables
    ]
    if missing:
        listing = ", ".join(missing)
        declared = add_secrets(text, missing, str(path))
        if declared is None:
            notes.append(f"add {listing} to `secrets:` in {path} (the request uses them)")
        else:
            text = declared
            notes.append(f"declared {listing} under `secrets:` in {path}")
    write_atomic(path, append_request(text, request, str(path)))
    return tuple(notes)


def taken_names(path: Path) -> frozenset[str]:
    """The variable and secret names the collection at ``path`` declares (none when missing).

    New secrets from an import must not take one of them.
    """
    if not path.is_file():
        return frozenset()
    text = path.read_text(encoding="utf-8")
    if not text.strip():
        return frozenset()
    existing = _existing_names(text, str(path))
    return frozenset(existing.variables | existing.secrets)


def add_secrets(text: str, names: Sequence[str], file: str = "<collection>") -> str | None:
    """``text`` with ``names`` added to its top-level ``secrets:`` list, or None when unsafe.

    A block list gets new ``- NAME`` lines after its last item, a one-line ``[...]`` list is
    rewritten in place, and a file without the key gets one just before ``requests:``. Nothing
    else changes; None means the text could not be changed with certainty (the caller says so).
    """
    import yaml

    root = _compose(text, file)
    if not isinstance(root, yaml.MappingNode) or not names:
        return None
    pairs = {
        key.value: (key, value) for key, value in root.value if isinstance(key, yaml.ScalarNode)
    }
    if "secrets" not in pairs:
        if "requests" not in pairs:
            return None
        key = pairs["requests"][0]
        start = text.rfind("\n", 0, key.start_mark.index) + 1
        pad = " " * key.start_mark.column
        block = f"{pad}secrets:\n" + "".join(f"{pad}  - {name}\n" for name in names)
        updated = text[:start] + block + text[start:]
    else:
        node = pairs["secrets"][1]
        if not isinstance(node, yaml.SequenceNode):
            return None
        if node.flow_style:
            if node.start_mark.line != node.end_mark.line:
                return None
            items = [text[item.start_mark.index : item.end_mark.index] for item in node.value]
            flow = "[" + ", ".join([*items, *names]) + "]"
            updated = text[: node.start_mark.index] + flow + text[node.end_mark.index :]
        elif node.value:
            end = text.find("\n", node.value[-1].end_mark.index)
            end = len(text) if end < 0 else end + 1
            pad = " " * node.start_mark.column
            lines = "".join(f"{pad}- {name}\n" for name in names)
            head = text[:end] if text[:end].endswith("\n") else text[:end] + "\n"
            updated = head + lines + text[end:]
        else:
            return None
    # The result must declare exactly the old secrets and the new ones, and nothing else moved.
    try:
        after = _existing_names(updated, file)
    except PostrunError:
        return None
    before = _existing_names(text, file)
    if after.secret_list != (*before.secret_list, *names) or after.requests != before.requests:
        return None
    return updated


def append_request(text: str, request: Mapping[str, Any], file: str = "<collection>") -> str:
    """``text`` with ``request`` added at the end of its top-level ``requests:`` list.

    Nothing else in the text changes. The list must be the last thing in the file (comments may
    follow), in block style or an empty ``[]``; otherwise a PostrunError says how to fix it.
    """
    import yaml

    root = _compose(text, file)
    sequence = _requests_node(root, file)
    item = dump_yaml([dict(request)])
    if sequence.flow_style:
        if sequence.value:
            raise _not_appendable(file, "its `requests:` list is written inline, [...]")
        start, end = sequence.start_mark.index, sequence.end_mark.index
        indented = _indent(item, 2)
        updated = text[:start].rstrip(" ") + "\n" + indented + text[end:].lstrip(" ")
    else:
        tail = text[sequence.end_mark.index :]
        if any(line.strip() and not line.lstrip().startswith("#") for line in tail.splitlines()):
            raise _not_appendable(file, "something follows the `requests:` list")
        base = text if text.endswith("\n") else text + "\n"
        updated = base + _indent(item, sequence.start_mark.column)
    # The result must still be a collection with exactly one more request.
    try:
        check = _requests_node(_compose(updated, file), file)
    except (PostrunError, yaml.YAMLError):
        check = None
    if check is None or len(check.value) != len(sequence.value) + 1:
        raise _not_appendable(file, "the request could not be appended safely")
    return updated


def _indent(text: str, columns: int) -> str:
    pad = " " * columns
    return "".join(pad + line if line.strip() else line for line in text.splitlines(True))


def _compose(text: str, file: str) -> Any:
    import yaml

    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise PostrunError(
            f"{file} is not valid YAML, so the request cannot be appended",
            hint=f"fix the file first (postrun validate {file}): {str(exc).splitlines()[0]}",
        ) from None


def _requests_node(root: Any, file: str) -> Any:
    import yaml

    if not isinstance(root, yaml.MappingNode) or not root.value:
        raise _not_appendable(file, "its top level is not a mapping")
    last_key, last_value = root.value[-1]
    if getattr(last_key, "value", None) != "requests":
        raise _not_appendable(file, "its last top-level key is not `requests:`")
    if not isinstance(last_value, yaml.SequenceNode):
        raise _not_appendable(file, "`requests:` is not a list")
    return last_value


def _not_appendable(file: str, why: str) -> PostrunError:
    return PostrunError(
        f"cannot append the request to {file}: {why}",
        hint="the file must end with its top-level `requests:` list; move that list to the end, "
        "or write to a new file with -o",
    )


@dataclass(frozen=True, slots=True)
class _Names:
    """What a collection file declares at its top level."""

    requests: frozenset[str]
    secret_list: tuple[str, ...]
    variables: frozenset[str]

    @property
    def secrets(self) -> frozenset[str]:
        return frozenset(self.secret_list)


def _existing_names(text: str, file: str) -> _Names:
    """Names of the top-level requests, secrets and variables the file declares."""
    import yaml

    root = _compose(text, file)
    names: set[str] = set()
    secrets: list[str] = []
    variables: set[str] = set()
    if not isinstance(root, yaml.MappingNode):
        return _Names(frozenset(), (), frozenset())
    for key, value in root.value:
        if key.value == "requests" and isinstance(value, yaml.SequenceNode):
            for item in value.value:
                if isinstance(item, yaml.MappingNode):
                    names.update(
                        str(v.value)
                        for k, v in item.value
                        if k.value == "name" and isinstance(v, yaml.ScalarNode)
                    )
        if key.value == "secrets" and isinstance(value, yaml.SequenceNode):
            secrets.extend(str(v.value) for v in value.value if isinstance(v, yaml.ScalarNode))
        if key.value == "variables" and isinstance(value, yaml.MappingNode):
            variables.update(str(k.value) for k, _ in value.value if isinstance(k, yaml.ScalarNode))
    return _Names(frozenset(names), tuple(secrets), frozenset(variables))


def _unique_name(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    number = 2
    while f"{name} ({number})" in taken:
        number += 1
    return f"{name} ({number})"
