"""Property tests: whatever a collection, environment or .env file holds, the CLI ends cleanly.

Invariant (issue 7.1): ``postrun validate`` and ``postrun run --mock`` exit with 0, 1 or 2 and
a message, never a traceback, never a hang. The documents are generated from the format's own
keys (with typos, wrong types and missing keys), or are a valid collection mutated as text or
as bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml
from hardening_support import invoke
from hypothesis import given
from hypothesis import strategies as st

from runner.model import OPERATORS

COLLECTION_KEYS = ("name", "description", "variables", "secrets", "defaults", "requests")
REQUEST_KEYS = [
    "name",
    "method",
    "url",
    "params",
    "headers",
    "auth",
    "body",
    "assert",
    "capture",
    "options",
    "tags",
    "examples",
    "description",
    "stream",
]
TYPOS = ("requets", "headres", "asert", "urll", "bdy", "jsonpaht", "contians", "optoins", "")
ASSERT_KEYS = ("status", "headers", "jsonpath", "body", "schema", "time_ms")
OPTION_KEYS = [
    "timeout",
    "follow_redirects",
    "verify",
    "cert",
    "proxy",
    "delay_ms",
    "idle_timeout",
    "max_body",
    "skip",
    "retries",
]
BODY_KINDS = ("json", "raw", "form", "multipart", "file", "graphql")

# Text that likes to break things: placeholders (well-formed, broken, dynamic, nested),
# YAML indicators, JSONPath, regex metacharacters, control and astral characters.
ODD_TEXT = st.sampled_from(
    [
        "<<x>>",
        "<<$uuid>>",
        "<<$nope>>",
        "<<x",
        "<<>>",
        "\\<<x>>",
        "<< x >>",
        "<<a.b-c_d>>",
        "<<<<x>>>>",
        "$.a",
        "$..*",
        "$[?(@.x > 1)]",
        "$[",
        "(",
        "[a-",
        "*/*",
        "2xx",
        "9xx",
        "",
        " ",
        "\t",
        "\x00",
        "\u2028",
        "😀",
        "a" * 300,
        "http://",
        "http://[::1",
        "../../etc/passwd",
        "/etc/passwd",
        "null",
        "1e999",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    ODD_TEXT,
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=8), ODD_TEXT), children, max_size=4),
    ),
    max_leaves=12,
)


def _keyed(keys: tuple[str, ...] | list[str], values: st.SearchStrategy[Any]) -> Any:
    """Mappings whose keys are mostly real ones, sometimes typos."""
    return st.dictionaries(st.sampled_from([*keys, *TYPOS]), values, max_size=len(keys))


MATCHERS = st.one_of(
    VALUES,
    st.dictionaries(st.sampled_from(OPERATORS), VALUES, min_size=1, max_size=3),
)
ASSERTS = st.fixed_dictionaries(
    {},
    optional={
        "status": st.one_of(VALUES, st.sampled_from([200, "2xx", [200, "4XX"], "200"])),
        "headers": st.dictionaries(st.text(max_size=10), MATCHERS, max_size=3),
        "jsonpath": st.dictionaries(st.one_of(ODD_TEXT, st.just("$.id")), MATCHERS, max_size=3),
        "body": MATCHERS,
        "time_ms": MATCHERS,
        "schema": st.one_of(VALUES, st.just({"type": "object"})),
        "events": MATCHERS,
        "time_to_first_event_ms": MATCHERS,
        "joined": MATCHERS,
    },
)
# stream: sse and its keys, and what an example's stream holds.
STREAMS = st.one_of(
    st.sampled_from(["sse", "none", "see", {"sse": None}]),
    st.fixed_dictionaries(
        {"sse": _keyed(["join", "done", "max_events"], st.one_of(ODD_TEXT, VALUES))}
    ),
    VALUES,
)
EVENTS = st.one_of(
    st.lists(st.one_of(ODD_TEXT, _keyed(["data", "event", "id", "retry", "delay_ms"], VALUES))),
    VALUES,
)
REQUESTS = st.fixed_dictionaries(
    {"name": st.one_of(st.text(max_size=10), SCALARS)},
    optional={
        "method": st.one_of(st.sampled_from(["GET", "post", "PURGE", "G E T", ""]), SCALARS),
        "url": st.one_of(ODD_TEXT, st.just("https://api.test/<<x>>"), SCALARS),
        "params": VALUES,
        "headers": st.one_of(st.dictionaries(st.text(max_size=10), VALUES, max_size=3), VALUES),
        "auth": st.one_of(
            st.sampled_from(["none", {"bearer": "<<x>>"}, {"basic": {"username": "u"}}]), VALUES
        ),
        "body": st.one_of(st.dictionaries(st.sampled_from(BODY_KINDS), VALUES, max_size=2), VALUES),
        "assert": st.one_of(ASSERTS, VALUES),
        "capture": st.one_of(
            st.dictionaries(
                st.text(max_size=6),
                st.one_of(
                    ODD_TEXT,
                    st.dictionaries(
                        st.sampled_from(["header", "cookie", "regex", "status", "joined"]),
                        VALUES,
                        max_size=1,
                    ),
                ),
                max_size=2,
            ),
            VALUES,
        ),
        "options": st.one_of(_keyed(OPTION_KEYS, VALUES), VALUES),
        "tags": VALUES,
        "examples": st.one_of(
            st.lists(
                st.one_of(
                    _keyed(["name", "status", "headers", "body"], VALUES),
                    _keyed(["name", "events"], EVENTS),
                ),
                max_size=2,
            ),
            VALUES,
        ),
        "stream": STREAMS,
        "headres": VALUES,
    },
)
COLLECTIONS = st.fixed_dictionaries(
    {},
    optional={
        "name": SCALARS,
        "variables": st.one_of(st.dictionaries(st.text(max_size=6), VALUES, max_size=4), VALUES),
        "secrets": st.one_of(
            st.lists(st.sampled_from(["API_KEY", "x", "", "1"]), max_size=2), VALUES
        ),
        "defaults": st.one_of(
            _keyed(["headers", "params", "auth", "options", "assert", "stream"], VALUES), VALUES
        ),
        "requests": st.one_of(
            st.lists(
                st.one_of(
                    REQUESTS,
                    st.fixed_dictionaries(
                        {"name": SCALARS, "requests": st.lists(REQUESTS, max_size=2)}
                    ),
                ),
                max_size=3,
            ),
            VALUES,
        ),
        "requets": VALUES,
    },
)


def _dump(document: Any) -> str:
    # allow_unicode keeps astral characters as they are; PyYAML escapes what YAML cannot hold.
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False)


def _both_commands(path: Path, *extra: str) -> None:
    invoke(["validate", str(path), *extra])
    invoke(["run", str(path), "--mock", *extra])


@given(COLLECTIONS)
def test_generated_collections_end_cleanly(document: dict[str, Any]) -> None:
    path = Path("c.yaml")
    path.write_text(_dump(document), encoding="utf-8")
    _both_commands(path)


BASE = """\
name: Base
variables:
  base_url: https://api.test
  n: 3
secrets: [API_KEY]
defaults:
  headers: {Accept: application/json}
  options: {timeout: 5, retries: {count: 1, on: [503]}}
requests:
  - name: Create
    method: POST
    url: <<base_url>>/items
    headers:
      Authorization: Bearer <<API_KEY>>
    body:
      json: {n: <<n>>, tags: [a, b], id: "<<$uuid>>"}
    assert:
      status: 2xx
      headers: {Content-Type: {contains: json}}
      jsonpath:
        $.id: {type: string, matches: '^\\w+$'}
        $.items[*].n: {each: {gt: 0}}
        $.items: {length: {gte: 0}}
      body: {not_contains: error}
      time_ms: {lt: 1000}
    capture:
      item_id: $.id
      etag: {header: ETag}
    examples:
      - name: ok
        status: 201
        headers: {ETag: abc}
        body: {id: abc, items: [{n: 1}]}
  - name: Folder
    variables: {page: 1}
    requests:
      - name: Get
        url: <<base_url>>/items/<<item_id>>?page=<<page>>
        assert: {status: [200, 404], jsonpath: {$.id: <<item_id>>}}
        examples: [{name: ok, body: {id: abc}}]
"""


@st.composite
def _mutated_text(draw: st.DrawFn) -> str:
    text = BASE
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "duplicate", "indent"]))
        if action == "insert":
            piece = draw(
                st.one_of(
                    st.sampled_from(
                        [
                            "{",
                            "}",
                            "[",
                            "]",
                            ":",
                            "- ",
                            "&a ",
                            "*a",
                            "!!python/object ",
                            "<<: ",
                            "\t",
                            "\n",
                            "'",
                            '"',
                            "#",
                            "|",
                            ">",
                            "%",
                            "@",
                            "`",
                            "? ",
                            "!x ",
                        ]
                    ),
                    ODD_TEXT,
                    st.text(max_size=5),
                )
            )
            text = text[:position] + piece + text[position:]
        elif action == "delete":
            end = position + draw(st.integers(1, 20))
            text = text[:position] + text[end:]
        elif action == "duplicate":
            lines = text.splitlines(keepends=True)
            index = draw(st.integers(0, len(lines) - 1))
            lines.insert(index, lines[index])
            text = "".join(lines)
        else:
            lines = text.splitlines(keepends=True)
            index = draw(st.integers(0, len(lines) - 1))
            lines[index] = " " * draw(st.integers(0, 3)) + lines[index].lstrip(" ")
            text = "".join(lines)
    return text


def test_base_collection_is_valid() -> None:
    """The mutation seed itself passes, so the mutations test what they change."""
    path = Path("c.yaml")
    path.write_text(BASE, encoding="utf-8")
    result = invoke(["run", str(path), "--mock"], env={"API_KEY": "sk-hardening-123"})
    assert result.exit_code == 0, result.output


@given(_mutated_text())
def test_mutated_collections_end_cleanly(text: str) -> None:
    path = Path("c.yaml")
    path.write_text(text, encoding="utf-8")
    _both_commands(path)


@given(st.binary(max_size=64), st.integers(0, len(BASE)))
def test_bytes_spliced_into_a_collection_end_cleanly(noise: bytes, position: int) -> None:
    raw = BASE.encode("utf-8")
    path = Path("c.yaml")
    path.write_bytes(raw[:position] + noise + raw[position:])
    _both_commands(path)


ENVIRONMENTS = st.one_of(
    _keyed(["name", "description", "variables", "secrets"], VALUES),
    VALUES,
)


@given(ENVIRONMENTS)
def test_generated_environments_end_cleanly(document: Any) -> None:
    Path("c.yaml").write_text(BASE, encoding="utf-8")
    env = Path("env.yaml")
    env.write_text(_dump(document), encoding="utf-8")
    _both_commands(Path("c.yaml"), "--env", "env.yaml")


@given(st.binary(max_size=200))
def test_any_dotenv_file_ends_cleanly(raw: bytes) -> None:
    Path("c.yaml").write_text(BASE, encoding="utf-8")
    Path("secrets.env").write_bytes(raw)
    _both_commands(Path("c.yaml"), "--env-file", "secrets.env")


@given(st.lists(st.text(max_size=30), max_size=4))
def test_any_var_option_ends_cleanly(texts: list[str]) -> None:
    Path("c.yaml").write_text(BASE, encoding="utf-8")
    args: list[str] = []
    for text in texts:
        args += ["--var", text]
    _both_commands(Path("c.yaml"), *args)


# Placeholders in places that are not values: keys, names, methods, tags, statuses, options.
PLACES = [
    "name: <<x>>",
    "method: <<x>>",
    "tags: [<<x>>]",
    "assert: {status: <<x>>}",
    "assert: {status: '<<x>>'}",
    "assert: {time_ms: {lt: <<x>>}}",
    "assert: {jsonpath: {'$.<<x>>': 1}}",
    "assert: {jsonpath: {$.a: {matches: '<<x>>'}}}",
    "assert: {jsonpath: {$.a: {length: '<<x>>'}}}",
    "assert: {headers: {'<<x>>': 1}}",
    "assert: {schema: '<<x>>'}",
    "capture: {'<<x>>': $.a}",
    "capture: {y: '<<x>>'}",
    "capture: {y: {regex: '<<x>>'}}",
    "options: {timeout: '<<x>>'}",
    "options: {retries: {count: '<<x>>'}}",
    "options: {skip: '<<x>>'}",
    "options: {verify: '<<x>>'}",
    "body: {file: '<<x>>'}",
    "body: {multipart: {f: {file: '<<x>>'}}}",
    "body: {json: {'<<x>>': '<<x>>'}}",
    "body: {raw: {a: 1}}",
    "examples: [{name: '<<x>>', status: '<<x>>'}]",
    "params: {'<<x>>': [<<x>>, {a: 1}]}",
    "auth: {apikey: {header: '<<x>>', value: '<<x>>'}}",
    "auth: '<<x>>'",
]


@given(st.sampled_from(PLACES), st.sampled_from(["1", "'a b'", "[1, 2]", "{a: 1}", "null", "''"]))
def test_placeholders_in_odd_places_end_cleanly(place: str, value: str) -> None:
    path = Path("c.yaml")
    path.write_text(
        f"variables: {{x: {value}}}\n"
        "requests:\n"
        "  - name: r\n"
        "    url: https://api.test/<<x>>\n"
        f"    {place}\n"
        "    examples: [{name: ok, body: {a: 1}}]\n",
        encoding="utf-8",
    )
    _both_commands(path)


@given(st.sampled_from(OPERATORS), VALUES, VALUES)
def test_every_operator_with_every_json_type_loads_or_fails_cleanly(
    operator: str, argument: Any, body: Any
) -> None:
    """Any operator, any argument, any response body: a result or an input error, never a crash."""
    document = {
        "requests": [
            {
                "name": "r",
                "url": "https://api.test/",
                "assert": {
                    "jsonpath": {"$": {operator: argument}, "$.a": {operator: argument}},
                    "body": {operator: argument},
                    "headers": {"X": {operator: argument}},
                },
                "examples": [{"name": "ok", "headers": {"X": "1"}, "body": body}],
            }
        ]
    }
    path = Path("c.yaml")
    path.write_text(_dump(document), encoding="utf-8")
    _both_commands(path)


DATA_FILES = st.one_of(
    st.binary(max_size=120),
    st.lists(st.lists(st.sampled_from(["a", "n", '"', ",", "<<x>>", "", "\r", "\n", "é"]))).map(
        lambda rows: "\n".join(",".join(row) for row in rows).encode("utf-8")
    ),
    VALUES.map(lambda value: __import__("json").dumps(value).encode("utf-8")),
)


@given(DATA_FILES, st.sampled_from(["rows.csv", "rows.json", "rows.txt"]))
def test_any_data_file_ends_cleanly(raw: bytes, name: str) -> None:
    Path("c.yaml").write_text(BASE, encoding="utf-8")
    Path(name).write_bytes(raw)
    invoke(["run", "c.yaml", "--mock", "--data", name])


# Postman exports and curl commands come from elsewhere too.
POSTMAN_ITEMS = st.recursive(
    st.fixed_dictionaries(
        {"name": SCALARS},
        optional={
            "request": st.one_of(
                VALUES,
                st.fixed_dictionaries(
                    {},
                    optional={
                        "method": SCALARS,
                        "url": st.one_of(VALUES, st.fixed_dictionaries({"raw": SCALARS})),
                        "header": st.one_of(
                            VALUES,
                            st.lists(st.fixed_dictionaries({"key": SCALARS, "value": SCALARS})),
                        ),
                        "body": st.one_of(
                            VALUES,
                            st.fixed_dictionaries(
                                {
                                    "mode": st.sampled_from(
                                        ["raw", "urlencoded", "formdata", "file", "graphql", "x"]
                                    )
                                },
                                optional={"raw": SCALARS, "urlencoded": VALUES, "formdata": VALUES},
                            ),
                        ),
                        "auth": VALUES,
                    },
                ),
            ),
            "event": VALUES,
        },
    ),
    lambda children: st.fixed_dictionaries(
        {"name": SCALARS, "item": st.lists(children, max_size=3)}
    ),
    max_leaves=5,
)
POSTMAN = st.one_of(
    VALUES,
    st.fixed_dictionaries(
        {
            "info": st.one_of(
                VALUES,
                st.just(
                    {
                        "name": "x",
                        "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json",
                    }
                ),
            )
        },
        optional={
            "item": st.one_of(VALUES, st.lists(POSTMAN_ITEMS, max_size=3)),
            "variable": VALUES,
            "auth": VALUES,
        },
    ),
)


@given(POSTMAN)
def test_any_postman_export_imports_cleanly(document: Any) -> None:
    Path("export.json").write_text(__import__("json").dumps(document), encoding="utf-8")
    result = invoke(["import", "postman", "export.json", "-o", "out", "--overwrite"])
    if result.exit_code == 0:
        for written in Path("out").rglob("*.yaml"):
            invoke(["validate", str(written)])


@given(
    st.lists(
        st.one_of(
            st.sampled_from(
                [
                    "curl",
                    "-X",
                    "POST",
                    "-H",
                    "'A: b'",
                    "-d",
                    "'{\"a\": 1}'",
                    "--data-binary",
                    "@file",
                    "-u",
                    "u:p",
                    "-F",
                    "'f=@x'",
                    "--url",
                    "https://api.test/x",
                    "'",
                    '"',
                    "\\",
                    "$API_KEY",
                    "--compressed",
                    "-G",
                    "-k",
                    "--",
                    "-",
                    "<<x>>",
                ]
            ),
            st.text(max_size=8),
        ),
        max_size=10,
    ).map(" ".join)
)
def test_any_curl_command_imports_cleanly(command: str) -> None:
    result = invoke(["import", "curl", command])
    if result.exit_code == 0:
        Path("imported.yaml").write_text(result.output, encoding="utf-8")
        invoke(["validate", "imported.yaml"])
