"""``assert.schema`` (FORMAT.md 1.3): a JSON Schema inline or in a .json/.yaml file, checked
against its draft when loading (jsonschema is imported only when a collection has one)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from runner.errors import LoadError
from runner.loader import nodes
from runner.loader.coreschema import STR
from runner.loader.document import Document
from runner.loader.paths import file_path
from runner.loader.pyyaml import MappingNode, Node, ScalarNode, read_text
from runner.loader.wording import describe
from runner.model import CheckSpec
from runner.source import SourceLocation


def build_schema_check(doc: Document, key: Node, node: Node) -> CheckSpec:
    """A ``schema`` check: the schema inline or read from its file, itself validated."""
    if isinstance(node, MappingNode):
        target = "inline"
        schema = nodes.data(doc, node)
    elif isinstance(node, ScalarNode) and node.tag == STR:
        target = node.value
        schema = _read_schema(doc, Path(file_path(doc, node, "schema")), node)
    else:
        doc.fail(
            f"'schema' must be a mapping or a path, got {describe(node)}",
            node,
            hint="write the JSON Schema inline, or the path of a .json or .yaml file",
        )
    _check_schema(schema, doc, node)
    return CheckSpec("schema", target, None, doc.location(key), schema=schema)


def _read_schema(doc: Document, path: Path, node: Node) -> dict[str, Any]:
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
