"""``assert.schema`` (FORMAT.md 1.3): a JSON Schema inline or in a .json/.yaml file, checked
against its draft when loading (jsonschema is imported only when a collection has one), and
the schema files its ``$ref`` lead to (``refs``)."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any, NoReturn

from runner.loader import nodes
from runner.loader.coreschema import STR
from runner.loader.document import Document
from runner.loader.paths import file_path
from runner.loader.pyyaml import MappingNode, Node, ScalarNode
from runner.loader.refs import SchemaSource, may_refer, read_schema_file, resolve_refs
from runner.loader.wording import describe
from runner.model import CheckSpec


def build_schema_check(doc: Document, key: Node, node: Node) -> CheckSpec:
    """A ``schema`` check: the schema inline or read from its file, itself validated, with the
    schema files its ``$ref`` lead to (``refs``)."""
    if isinstance(node, MappingNode):
        target = "inline"
        uri = (doc.folder / doc.path.name).as_uri()  # an inline schema's refs: as paths are
        source = SchemaSource(
            uri, nodes.data(doc, node), doc.file, doc.location(node), doc=doc, node=node
        )
    elif isinstance(node, ScalarNode) and node.tag == STR:
        target = node.value
        path = Path(file_path(doc, node, "schema"))

        def fail(message: str, hint: str | None = None) -> NoReturn:
            doc.fail(message, node, hint=hint)

        source = read_schema_file(path, node.value, doc.location(node), fail)
    else:
        doc.fail(
            f"'schema' must be a mapping or a path, got {describe(node)}",
            node,
            hint="write the JSON Schema inline, or the path of a .json or .yaml file",
        )
    schema_json = json.dumps(source.contents, sort_keys=True)
    problem = _schema_problem(schema_json)
    if problem is not None:
        message, hint = problem
        doc.fail(message, node, hint=hint)
    refs: Any = ()
    if may_refer(schema_json):
        worked_out = ("schema refs", source.uri, schema_json)
        refs = doc.memo.get(worked_out)
        if refs is None:
            refs = doc.memo[worked_out] = resolve_refs(source, doc, _problem_of)
    return CheckSpec(
        "schema",
        target,
        None,
        doc.location(key),
        schema=source.contents,
        schema_uri=source.uri,
        schema_refs=refs,
    )


def _problem_of(schema: Any) -> tuple[str, str | None] | None:
    """What is wrong with a schema a ref names, or None."""
    return _schema_problem(json.dumps(schema, sort_keys=True))


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
