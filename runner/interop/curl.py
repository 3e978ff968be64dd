"""`postrun import curl` and `export curl`: the functions the CLI calls.

Parsing lives in ``curl_parse`` and command building in ``curl_export``; this module writes an
imported request into a collection file, appending to an existing one as text so its comments
and layout stay exactly as they were.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runner.errors import PostrunError
from runner.interop.curl_export import curl_command, export_commands
from runner.interop.curl_parse import CurlImport, parse_curl, split_command
from runner.interop.yaml_out import dump_yaml
from runner.report.files import write_atomic

__all__ = [
    "CurlImport",
    "append_request",
    "collection_text",
    "curl_command",
    "export_commands",
    "import_to_file",
    "parse_curl",
    "split_command",
]


def collection_text(imported: CurlImport, name: str | None = None) -> str:
    """A new collection file holding the imported request (and its shell variables as secrets)."""
    data: dict[str, Any] = {}
    if name:
        data["name"] = name
    if imported.variables:
        data["secrets"] = list(imported.variables)
    data["requests"] = [imported.request]
    return dump_yaml(data)


def import_to_file(imported: CurlImport, path: Path) -> tuple[str, ...]:
    """Create ``path`` as a new collection, or append the request to the collection there.

    Returns notes for the user (a renamed request, secrets to declare). The file is written only
    when the new text is known to be a valid extension of the old one.
    """
    if not path.exists() or not path.read_text(encoding="utf-8").strip():
        write_atomic(path, collection_text(imported))
        return ()
    text = path.read_text(encoding="utf-8")
    request = dict(imported.request)
    taken, secrets = _existing_names(text, str(path))
    notes: list[str] = []
    unique = _unique_name(str(request["name"]), taken)
    if unique != request["name"]:
        notes.append(f"a request named '{request['name']}' exists; this one is '{unique}'")
        request = {"name": unique, **{k: v for k, v in request.items() if k != "name"}}
    missing = [name for name in imported.variables if name not in secrets]
    if missing:
        listing = ", ".join(missing)
        notes.append(f"add {listing} to `secrets:` in {path} (the request uses them)")
    write_atomic(path, append_request(text, request, str(path)))
    return tuple(notes)


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


def _existing_names(text: str, file: str) -> tuple[set[str], set[str]]:
    """Names of the top-level requests and the secrets the file declares."""
    import yaml

    root = _compose(text, file)
    names: set[str] = set()
    secrets: set[str] = set()
    if not isinstance(root, yaml.MappingNode):
        return names, secrets
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
            secrets.update(str(v.value) for v in value.value if isinstance(v, yaml.ScalarNode))
    return names, secrets


def _unique_name(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    number = 2
    while f"{name} ({number})" in taken:
        number += 1
    return f"{name} ({number})"
