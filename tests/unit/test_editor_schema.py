"""The editor's JSON Schemas (schemas/*.schema.json): valid, shipped in the package unchanged,
accepting every collection the loader accepts, rejecting what it rejects, and in step with the
loader's own key lists, so a key added to the loader without the schema fails here by name."""

from __future__ import annotations

import ast
import json
import re
import textwrap
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from runner.errors import PostrunError
from runner.loader import keys, load_collection, load_environment, nodes
from runner.loader.document import Document
from runner.model import BODY_KINDS, CHECK_KINDS, OPERATORS, SIZE_UNITS, TYPE_NAMES

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"
PACKAGED = ROOT / "runner" / "schemas"
NAMES = ("collection.schema.json", "environment.schema.json")
TOP_LEVEL_REQUESTS = re.compile(r"^requests[ \t]*:", re.MULTILINE)
# What the loader rejects that no JSON Schema can see: files on disk, names unique in a list,
# dynamic values inside text, a name in two sections, regexes and JSONPaths compiled.
NOT_STRUCTURAL = re.compile(
    r"does not exist|outside the working directory|duplicate|unknown dynamic value"
    r"|both a variable|regex|JSONPath|jsonpath|is not a file|too large"
)


def schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


def validator(name: str) -> jsonschema.Draft7Validator:
    return jsonschema.Draft7Validator(schema(name))


def as_data(path: Path) -> Any:
    """A YAML file as the editor sees it: YAML 1.2 core schema, merge keys applied."""
    document = Document.read(path, base_dir=None, allow_outside=True)
    return nodes.data(document, document.root_mapping("a file"))


def problems(name: str, data: Any) -> list[str]:
    found = validator(name).iter_errors(data)
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message[:200]}" for error in found]


def test_the_packaged_schemas_are_the_repository_schemas() -> None:
    for name in NAMES:
        shipped = (PACKAGED / name).read_bytes()
        assert shipped == (SCHEMAS / name).read_bytes(), (
            f"runner/schemas/{name} differs from schemas/{name}: copy schemas/{name} over it"
        )


@pytest.mark.parametrize("name", NAMES)
def test_each_schema_is_a_valid_draft_7_schema(name: str) -> None:
    jsonschema.Draft7Validator.check_schema(schema(name))
    assert schema(name)["$id"].endswith(f"/schemas/{name}")


def properties_without_description(node: Any, where: str = "#") -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.get("properties", {}).items():
            if "description" not in value:
                yield f"{where}/properties/{key}"
        for key, value in node.items():
            yield from properties_without_description(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from properties_without_description(value, f"{where}/{index}")


@pytest.mark.parametrize("name", NAMES)
def test_every_key_has_a_description_for_the_editor(name: str) -> None:
    assert list(properties_without_description(schema(name))) == []


def repository_yaml() -> list[Path]:
    postman = ROOT / "tests" / "data" / "postman"  # Postman's own YAML (Collection v3 folders)
    return sorted(
        path
        for folder in ("collections", "environments", "tests", "benchmarks")
        for pattern in ("*.yaml", "*.yml")
        for path in (ROOT / folder).rglob(pattern)
        if postman not in path.parents
    )


def test_every_collection_and_environment_file_in_the_repository_is_valid() -> None:
    files = repository_yaml()
    assert len(files) >= 4
    for path in files:
        is_environment = path.parent.name == "environments"
        if is_environment:
            load_environment(path)
        else:
            load_collection(path)
        name = NAMES[1] if is_environment else NAMES[0]
        assert problems(name, as_data(path)) == [], path


def collections_in_tests() -> list[tuple[str, str]]:
    """Every string literal in tests/ (f-strings with a URL for each field) that has a
    top-level ``requests:``: the collections the tests write, with where they are."""
    found: list[tuple[str, str]] = []
    for source in sorted((ROOT / "tests").rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                text = node.value
            elif isinstance(node, ast.JoinedStr):
                text = "".join(
                    part.value if isinstance(part, ast.Constant) else "http://127.0.0.1:9"
                    for part in node.values
                )
            else:
                continue
            text = textwrap.dedent(text)
            if TOP_LEVEL_REQUESTS.search(text):
                found.append((f"{source.relative_to(ROOT)}:{node.lineno}", text))
    return found


def loads(path: Path) -> PostrunError | None:
    try:
        load_collection(path)
    except PostrunError as exc:
        return exc
    return None


def test_the_schema_agrees_with_the_loader_on_every_collection_the_tests_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The rule for invalid fixtures: a collection the loader accepts must be valid; one it
    rejects must be invalid too, unless what it rejects is beyond a schema (NOT_STRUCTURAL)."""
    monkeypatch.chdir(tmp_path)
    accepted = rejected = 0
    disagreements: list[str] = []
    for where, text in collections_in_tests():
        path = tmp_path / "c.yaml"
        path.write_text(text, encoding="utf-8")
        error = loads(path)
        try:
            found = problems(NAMES[0], as_data(path))
        except PostrunError:
            continue  # not even YAML the editor could read
        if error is None:
            accepted += 1
            if found:
                disagreements.append(f"{where}: loads, but the schema says {found[0]}")
        else:
            rejected += 1
            if not found and not NOT_STRUCTURAL.search(error.message):
                disagreements.append(f"{where}: the loader says {error.message!r}, the schema ok")
    assert accepted >= 100 and rejected >= 100, (accepted, rejected)
    assert disagreements == []


@pytest.mark.parametrize(
    "text",
    [
        "requests:\n  - {name: a, url: u, headres: {}}\n",
        "requets: []\n",
        "requests:\n  - {name: a, url: u, assert: {jsonpath: {$.a: {gt: 1, lenght: 2}}}}\n",
        "requests:\n  - {name: a, url: u, assert: {status: '200'}}\n",
        "requests:\n  - {name: a, url: u, assert: {time_ms: 500}}\n",
        "requests:\n  - {name: a, url: u, assert: {body: {type: strin}}}\n",
        "requests:\n  - {name: a, url: u, body: {json: {}, raw: x}}\n",
        "requests:\n  - {name: a, url: u, auth: {bearer: t, basic: {username: u, password: p}}}\n",
        "requests:\n  - {name: a, url: u, auth: {basic: {username: u}}}\n",
        "requests:\n  - {name: a, url: u, options: {timeout: 0}}\n",
        "requests:\n  - {name: a, url: u, options: {retries: {count: 1, of: [503]}}}\n",
        "requests:\n  - {name: a, url: u, capture: {id: {header: X, cookie: y}}}\n",
        "requests:\n  - {name: a, url: u, examples: [{status: 200}]}\n",
        "requests:\n  - {name: a}\n",
        "requests:\n  - {name: f, requests: [], method: GET}\n",
    ],
)
def test_the_schema_flags_what_the_loader_refuses(
    text: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    assert loads(path) is not None
    assert problems(NAMES[0], as_data(path)) != []


def test_an_environment_with_an_unknown_key_is_flagged(tmp_path: Path) -> None:
    path = tmp_path / "dev.yaml"
    path.write_text("variables: {a: 1}\nsecret: [A]\n", encoding="utf-8")
    with pytest.raises(PostrunError):
        load_environment(path)
    assert problems(NAMES[1], as_data(path)) != []


# --- no drift: each table of the loader against the part of the schema that lists it --------

COLLECTION = schema(NAMES[0])
DEFINITIONS = COLLECTION["definitions"]
AUTH = DEFINITIONS["auth"]["anyOf"][1]
CAPTURE = DEFINITIONS["captureSource"]["anyOf"][1]
TABLES: list[tuple[str, Sequence[str], str, dict[str, Any]]] = [
    ("COLLECTION_KEYS", keys.COLLECTION_KEYS, "properties", COLLECTION),
    ("LOAD_KEYS", keys.LOAD_KEYS, "properties/load/properties", COLLECTION["properties"]["load"]),
    ("FOLDER_KEYS", keys.FOLDER_KEYS, "definitions/folder/properties", DEFINITIONS["folder"]),
    ("REQUEST_KEYS", keys.REQUEST_KEYS, "definitions/request/properties", DEFINITIONS["request"]),
    ("EXAMPLE_KEYS", keys.EXAMPLE_KEYS, "definitions/example/properties", DEFINITIONS["example"]),
    (
        "EVENT_KEYS",
        keys.EVENT_KEYS,
        "definitions/exampleEvent/anyOf/1/properties",
        DEFINITIONS["exampleEvent"]["anyOf"][1],
    ),
    (
        "SSE_KEYS",
        keys.SSE_KEYS,
        "definitions/stream/anyOf/1/properties/sse/anyOf/1/properties",
        DEFINITIONS["stream"]["anyOf"][1]["properties"]["sse"]["anyOf"][1],
    ),
    (
        "DEFAULTS_KEYS",
        keys.DEFAULTS_KEYS,
        "definitions/defaults/properties",
        DEFINITIONS["defaults"],
    ),
    ("OPTION_KEYS", keys.OPTION_KEYS, "definitions/options/properties", DEFINITIONS["options"]),
    (
        "RETRY_KEYS",
        keys.RETRY_KEYS,
        "definitions/options/properties/retries/properties",
        DEFINITIONS["options"]["properties"]["retries"],
    ),
    ("CAPTURE_FORMS", keys.CAPTURE_FORMS, "definitions/captureSource/anyOf/1/properties", CAPTURE),
    ("AUTH_KINDS", keys.AUTH_KINDS, "definitions/auth/anyOf/1/properties", AUTH),
    *(
        (
            f"AUTH_KEYS[{kind!r}]",
            (*required, *optional),
            f"definitions/auth/anyOf/1/properties/{kind}/properties",
            AUTH["properties"].get(kind, {"properties": {}}),
        )
        for kind, (required, optional) in keys.AUTH_KEYS.items()
    ),
    ("BODY_KINDS", BODY_KINDS, "definitions/body/properties", DEFINITIONS["body"]),
    ("CHECK_KINDS", CHECK_KINDS, "definitions/assert/properties", DEFINITIONS["assert"]),
    ("OPERATORS", OPERATORS, "definitions/matcher/properties", DEFINITIONS["matcher"]),
    ("ENVIRONMENT_KEYS", keys.ENVIRONMENT_KEYS, "properties", schema(NAMES[1])),
]


def drift(table: str, allowed: Sequence[str], pointer: str, listed: Sequence[str]) -> list[str]:
    """What to change so ``listed`` (the schema) says what ``allowed`` (the loader) does."""
    file = (
        "schemas/environment.schema.json"
        if table == "ENVIRONMENT_KEYS"
        else ("schemas/collection.schema.json")
    )
    wrong = []
    missing = [key for key in allowed if key not in listed]
    if missing:
        wrong.append(
            f"the loader's {table} has {', '.join(missing)}, which {file} does not describe: "
            f"add {', '.join(missing)} under #/{pointer} (each with a description and its type), "
            "then copy the file to runner/schemas/"
        )
    extra = [key for key in listed if key not in allowed]
    if extra:
        wrong.append(
            f"{file} describes {', '.join(extra)} under #/{pointer}, which the loader's {table} "
            f"does not allow: remove them, or add them to {table}"
        )
    return wrong


@pytest.mark.parametrize(
    ("table", "allowed", "pointer", "part"), TABLES, ids=[table[0] for table in TABLES]
)
def test_the_schema_lists_the_keys_the_loader_allows(
    table: str, allowed: Sequence[str], pointer: str, part: dict[str, Any]
) -> None:
    assert drift(table, allowed, pointer, list(part["properties"])) == []


def test_every_table_of_the_loader_is_checked_against_the_schema() -> None:
    """A new table in runner/loader/keys.py (a new object of the format) needs its entry."""
    checked = {table.split("[")[0] for table, *_ in TABLES}
    tables = {
        name
        for name, value in vars(keys).items()
        if name.isupper() and isinstance(value, (tuple, Mapping)) and value
    }
    unchecked = sorted(tables - checked)
    assert unchecked == [], (
        f"runner/loader/keys.py has {', '.join(unchecked)}, which no entry of TABLES in "
        "tests/unit/test_editor_schema.py compares with the schema: describe the keys in "
        "schemas/collection.schema.json and add the table to TABLES"
    )


def test_the_drift_message_names_the_key_to_add() -> None:
    (message,) = drift("REQUEST_KEYS", (*keys.REQUEST_KEYS, "websocket"), "p", keys.REQUEST_KEYS)
    assert "REQUEST_KEYS has websocket" in message and "add websocket under #/p" in message


def test_the_required_keys_and_exactly_one_kinds_agree() -> None:
    for kind, (required, _optional) in keys.AUTH_KEYS.items():
        assert AUTH["properties"][kind]["required"] == list(required), kind
    one_of = [entry["required"][0] for entry in AUTH["oneOf"]]
    assert one_of == list(keys.AUTH_KINDS), "#/definitions/auth/anyOf/1/oneOf: one per kind"
    body_one_of = [entry["required"][0] for entry in DEFINITIONS["body"]["oneOf"]]
    assert body_one_of == list(BODY_KINDS), "#/definitions/body/oneOf: one per body kind"
    capture_one_of = [entry["required"][0] for entry in CAPTURE["oneOf"]]
    assert capture_one_of == list(keys.CAPTURE_FORMS)


def test_the_operator_arguments_agree() -> None:
    type_schema = DEFINITIONS["matcher"]["properties"]["type"]["anyOf"][0]
    assert type_schema["enum"] == list(TYPE_NAMES)
    size = DEFINITIONS["options"]["properties"]["max_body"]["anyOf"][1]["pattern"]
    for unit in SIZE_UNITS:
        assert re.search(size, f"64{unit}"), f"max_body's pattern lacks the unit {unit}"
