"""Reading the JSON files of an import, and telling a v2.x collection from what is not one."""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from runner.errors import LoadError, PostrunError
from runner.source import SourceLocation

_SCHEMA_HINT = "export it from Postman as 'Collection v2.1' (… > Export > Collection v2.1)"


def read_json(path: Path) -> Any:
    """The JSON of a file, or a PostrunError (a LoadError at the line) saying what is wrong."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise PostrunError(
            f"cannot read '{path}': {exc.strerror or exc}",
            hint="give the path of a Postman collection exported as JSON",
        ) from None
    except UnicodeDecodeError:
        raise PostrunError(
            f"'{path}' is not UTF-8 text", hint="give a Postman export (a .json file)"
        ) from None
    try:
        return json.loads(text)
    except RecursionError:
        raise PostrunError(
            f"'{path}' is nested too deeply to read", hint="give a Postman export"
        ) from None
    except json.JSONDecodeError as exc:
        raise LoadError(
            f"'{path}' is not valid JSON: {exc.msg}",
            location=SourceLocation(str(path), exc.lineno, exc.colno),
            hint="give a Postman export (Export > Collection v2.1, or an environment export)",
        ) from None


def collection_object(document: Any, path: Path) -> Mapping[str, Any]:
    """The collection in ``document``, refusing v1 collections, environments and other JSON."""
    if isinstance(document, dict) and isinstance(document.get("collection"), dict):
        document = document["collection"]  # the Postman API wraps the collection
    if not isinstance(document, dict):
        raise PostrunError(f"'{path}' is not a Postman collection", hint=_SCHEMA_HINT)
    if "values" in document and "info" not in document:
        raise PostrunError(
            f"'{path}' is a Postman environment, not a collection",
            hint="pass it with --environment, after the collection file",
        )
    info = document.get("info")
    if not isinstance(info, dict):
        if "requests" in document or "order" in document:
            raise PostrunError(
                f"'{path}' is a Postman Collection v1, which is not supported",
                hint="open it in Postman and " + _SCHEMA_HINT,
            )
        raise PostrunError(f"'{path}' is not a Postman collection (no 'info')", hint=_SCHEMA_HINT)
    schema = str(info.get("schema", ""))
    if "v1." in schema:
        raise PostrunError(
            f"'{path}' is a Postman Collection v1, which is not supported",
            hint="open it in Postman and " + _SCHEMA_HINT,
        )
    if not isinstance(document.get("item", []), list):
        raise PostrunError(f"'{path}': 'item' is not a list", hint=_SCHEMA_HINT)
    return document


def environment_object(document: Any, path: Path) -> Mapping[str, Any]:
    """``document`` when it is a Postman environment export (it has a ``values`` list)."""
    if not isinstance(document, dict) or not isinstance(document.get("values"), list):
        hint = "export the environment from Postman (Environments > … > Export)"
        if isinstance(document, dict) and "info" in document:
            hint = "this is a collection: give it as the first argument"
        raise PostrunError(f"'{path}' is not a Postman environment", hint=hint)
    return document
