"""Unit tests for runner.loader: the YAML 1.2 dialect, validation with located errors, defaults
merging, folders, placeholders, environments and collection discovery."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runner.errors import LoadError
from runner.loader import (
    discover_collections,
    find_environment,
    load_collection,
    load_environment,
    pyyaml,
)
from runner.model import CollectionSpec, Matcher, RequestSpec
from runner.source import SourceLocation

REQUEST = """\
requests:
  - name: r
    url: http://x
"""


def write(folder: Path, text: str, name: str = "c.yaml") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load(tmp_path: Path, text: str, **kwargs: Any) -> CollectionSpec:
    return load_collection(write(tmp_path, text), base_dir=tmp_path, **kwargs)


def only(tmp_path: Path, extra: str) -> RequestSpec:
    """The single request of REQUEST plus ``extra`` lines (indented as request keys)."""
    collection = load(tmp_path, REQUEST + textwrap.indent(textwrap.dedent(extra), "    "))
    (request,) = collection.requests
    return request


def load_error(tmp_path: Path, text: str, **kwargs: Any) -> LoadError:
    with pytest.raises(LoadError) as info:
        load(tmp_path, text, **kwargs)
    return info.value


def where(error: LoadError) -> tuple[int, int]:
    assert error.location is not None, error.message
    return error.location.line, error.location.column


# ------------------------------------------------------------------------------ YAML 1.2 dialect


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("on", "on"),
        ("off", "off"),
        ("yes", "yes"),
        ("no", "no"),
        ("Yes", "Yes"),
        ("y", "y"),
        ("true", True),
        ("True", True),
        ("TRUE", True),
        ("false", False),
        ("FALSE", False),
        ("tRUE", "tRUE"),
        ("0123", 123),
        ("-17", -17),
        ("+5", 5),
        ("0o17", 15),
        ("0x1F", 31),
        ("0b101", "0b101"),
        ("1_000", "1_000"),
        ("1e3", 1000.0),
        ("1.5", 1.5),
        ("-.5", -0.5),
        ("1.", 1.0),
        (".inf", float("inf")),
        ("-.Inf", float("-inf")),
        ("12:30", "12:30"),
        ("1:20:30", "1:20:30"),
        ("2024-02-01", "2024-02-01"),
        ("2024-02-01T10:00:00Z", "2024-02-01T10:00:00Z"),
        ("null", None),
        ("Null", None),
        ("NULL", None),
        ("~", None),
        ("", None),
        ("nULL", "nULL"),
        ("<<", "<<"),
        ("'<<'", "<<"),
        ("'0123'", "0123"),
        ("!!str 12", "12"),
        ("!!int '12'", 12),
        ("!!float 1", 1.0),
        ("[1, on, ~]", [1, "on", None]),
        ("{a: 1}", {"a": 1}),
    ],
)
def test_yaml_core_schema_values(tmp_path: Path, written: str, expected: Any) -> None:
    collection = load(tmp_path, f"variables:\n  v: {written}\nrequests: []\n")
    value = collection.variables.values["v"]
    assert value == expected
    assert type(value) is type(expected)


def test_repeated_texts_keep_the_type_their_quoting_gives(tmp_path: Path) -> None:
    # The loader caches each text's tag: plain and quoted spellings of one text must not share.
    written = "[true, 'true', true, \"true\", 0123, '0123', 0123, null, 'null', ~, '~', 1.5, '1.5']"
    expected = [True, "true", True, "true", 123, "0123", 123, None, "null", None, "~", 1.5, "1.5"]
    text = f"variables:\n  a: {written}\n  b: {written}\n  c: 'true'\n  d: true\nrequests: []\n"
    values = load(tmp_path, text).variables.values
    assert values["a"] == values["b"] == expected
    assert [type(value) for value in values["b"]] == [type(value) for value in expected]
    assert (values["c"], values["d"]) == ("true", True)


def test_nan_is_a_float(tmp_path: Path) -> None:
    value = load(tmp_path, "variables: {v: .nan}\nrequests: []\n").variables.values["v"]
    assert isinstance(value, float)
    assert value != value


def test_bom_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(b"\xef\xbb\xbf" + REQUEST.encode())
    assert load_collection(path, base_dir=tmp_path).requests[0].name == "r"


def test_merge_keys_with_x_anchors(tmp_path: Path) -> None:
    collection = load(
        tmp_path,
        """\
        x-common: &common
          Accept: application/json
          X-Env: one
        x-more: &more
          X-Env: two
          X-More: yes
        requests:
          - name: r
            url: http://x
            headers:
              X-First: first
              <<: [*common, *more]
              Accept: text/plain
        """,
    )
    headers = collection.requests[0].headers
    # written keys win over merged ones; the earlier merge source wins over a later one
    assert headers == {
        "X-First": "first",
        "X-Env": "one",
        "X-More": "yes",
        "Accept": "text/plain",
    }
    assert list(headers) == ["X-First", "X-Env", "X-More", "Accept"]


def test_merge_key_in_jsonpath_checks_keeps_anchor_locations(tmp_path: Path) -> None:
    collection = load(
        tmp_path,
        """\
        x-fields: &fields
          $.id: {type: integer}
          $.name: {type: string}
        requests:
          - name: r
            url: http://x
            assert:
              jsonpath:
                <<: *fields
                $.name: bob
        """,
    )
    checks = collection.requests[0].checks
    assert [(c.target, c.location.line) for c in checks] == [("$.id", 2), ("$.name", 10)]
    assert checks[1].matcher == Matcher.equals("bob")


def test_x_keys_are_ignored_in_objects_but_kept_in_data(tmp_path: Path) -> None:
    collection = load(
        tmp_path,
        """\
        x-top: 1
        requests:
          - name: r
            x-note: anything
            url: http://x
            headers: {x-api-key: k}
            body:
              x-ignored: 1
              json: {x-trace: 1}
            assert:
              x-anchors: {a: &two 2}
              jsonpath:
                x-fields: &fields {$.a: 1}
                $.b: *two
              headers: {x-id: {exists: true}}
        """,
    )
    request = collection.requests[0]
    assert [(c.kind, c.target) for c in request.checks] == [
        ("jsonpath", "$.b"),
        ("header", "x-id"),
    ]
    assert request.headers == {"x-api-key": "k"}
    assert request.body is not None
    assert request.body.value == {"x-trace": 1}


def test_a_scalar_merge_key_is_text_but_not_as_a_key(tmp_path: Path) -> None:
    request = only(tmp_path, "headers: {X-Shift: <<}\n")
    assert request.headers == {"X-Shift": "<<"}


def test_names_and_texts_keep_their_yaml_spelling(tmp_path: Path) -> None:
    collection = load(
        tmp_path,
        """\
        name: 2024
        requests:
          - name: 404
            url: http://x
            headers: {X-Version: 1.0, X-Flag: true, X-Hex: 0x1F}
            params: {page: 01, all: [1, 2.50]}
            tags: [1, smoke]
        """,
    )
    request = collection.requests[0]
    assert collection.name == "2024"
    assert request.name == "404"
    assert request.headers == {"X-Version": "1.0", "X-Flag": "true", "X-Hex": "0x1F"}
    assert request.params == {"page": "01", "all": ["1", "2.50"]}
    assert request.tags == ("1", "smoke")


# ------------------------------------------------------------------------------------- errors

ERROR_CASES: list[tuple[str, str, tuple[int, int], str, str | None]] = [
    (
        "unknown key with a suggestion",
        REQUEST + "    headres: {A: b}\n",
        (4, 5),
        "unknown key 'headres' in request",
        "did you mean 'headers'?",
    ),
    (
        "unknown key without a suggestion",
        "zzz: 1\n" + REQUEST,
        (1, 1),
        "unknown key 'zzz' in collection",
        "allowed keys: name, description, variables, secrets, set_by_script, defaults, load, "
        "requests",
    ),
    (
        "load key typo",
        "load:\n  tresholds: [p95<1s]\n" + REQUEST,
        (2, 3),
        "unknown key 'tresholds' in load",
        "did you mean 'thresholds'?",
    ),
    (
        "load thresholds not a list",
        "load:\n  thresholds: p95<1s\n" + REQUEST,
        (2, 15),
        "'thresholds' must be a list",
        "p95<500ms",
    ),
    (
        "load threshold not text",
        "load:\n  thresholds: [500]\n" + REQUEST,
        (2, 16),
        "'threshold' must be text",
        "quote it",
    ),
    (
        "folder key typo",
        "requests:\n  - name: f\n    requets: []\n",
        (3, 5),
        "unknown key 'requets' in request",
        "did you mean 'requests'?",
    ),
    (
        "folder with a request key",
        "requests:\n  - name: f\n    url: http://x\n    requests: []\n",
        (3, 5),
        "unknown key 'url' in folder",
        None,
    ),
    (
        "headers as a list",
        REQUEST + "    headers: [a]\n",
        (4, 14),
        "'headers' must be a mapping, got a list",
        "write headers: {Name: value}",
    ),
    ("requests as a mapping", "requests: {}\n", (1, 11), "'requests' must be a list", None),
    (
        "request item not a mapping",
        "requests:\n  - just text\n",
        (2, 5),
        "each item of 'requests' must be a mapping",
        None,
    ),
    (
        "url as a list",
        "requests:\n  - name: r\n    url: [a]\n",
        (3, 10),
        "'url' must be text, got a list",
        None,
    ),
    (
        "header value null",
        REQUEST + "    headers: {A: null}\n",
        (4, 18),
        "'header A' must be text, got null",
        "write '' for an empty value",
    ),
    (
        "invalid header name",
        REQUEST + "    headers: {'Bad Name': x}\n",
        (4, 15),
        "invalid header name 'Bad Name'",
        None,
    ),
    (
        "header twice ignoring case",
        REQUEST + "    headers: {Accept: a, accept: b}\n",
        (4, 26),
        "header 'accept' is given twice",
        None,
    ),
    (
        "tags as text",
        REQUEST + "    tags: smoke\n",
        (4, 11),
        "'tags' must be a list, got text 'smoke'",
        "write tags: [smoke]",
    ),
    (
        "invalid method",
        REQUEST + "    method: GE T\n",
        (4, 13),
        "invalid HTTP method 'GE T'",
        None,
    ),
    ("missing url", "requests:\n  - name: r\n", (2, 5), "request 'r' has no 'url'", None),
    ("missing name", "requests:\n  - url: http://x\n", (2, 5), "a request needs a 'name'", None),
    (
        "missing requests",
        "name: c\n",
        (1, 1),
        "a collection needs 'requests'",
        "add requests:",
    ),
    (
        "duplicate request name",
        "requests:\n  - name: a\n    url: x\n  - name: a\n    url: y\n",
        (4, 11),
        "duplicate name 'a' (first at line 2)",
        None,
    ),
    (
        "duplicate key names both lines",
        "requests:\n  - name: a\n    url: x\n    url: y\n",
        (4, 5),
        "duplicate key 'url': first at line 3, again at line 4",
        None,
    ),
    (
        "two body kinds",
        REQUEST + "    body: {json: 1, raw: x}\n",
        (4, 21),
        "'body' has two kinds: 'json' and 'raw'",
        "a request sends one body",
    ),
    ("empty body", REQUEST + "    body: {}\n", (4, 11), "'body' is empty", "json, raw, form"),
    (
        "unknown body kind",
        REQUEST + "    body: {jsno: {}}\n",
        (4, 12),
        "unknown body kind 'jsno'",
        "did you mean 'json'?",
    ),
    (
        "raw body as a mapping",
        REQUEST + "    body: {raw: {a: 1}}\n",
        (4, 17),
        "'raw' must be text, got a mapping",
        None,
    ),
    (
        "invalid JSONPath",
        REQUEST + "    assert:\n      jsonpath:\n        $.a[: 1\n",
        (6, 9),
        "invalid JSONPath '$.a['",
        None,
    ),
    (
        "JSONPath without $",
        REQUEST + "    assert:\n      jsonpath:\n        id: 1\n",
        (6, 9),
        "invalid JSONPath 'id'",
        "a JSONPath starts with $: write $.id",
    ),
    (
        "invalid regex",
        REQUEST + "    assert:\n      body: {matches: '(ab'}\n",
        (5, 24),
        "invalid regex '(ab': missing ), unterminated subpattern at position 0",
        "single quotes",
    ),
    (
        "quoted status",
        REQUEST + "    assert: {status: '200'}\n",
        (4, 22),
        "status '200' is quoted text, not a number",
        "write 200 without quotes",
    ),
    (
        "status out of range",
        REQUEST + "    assert: {status: 700}\n",
        (4, 22),
        "'status' must be at most 599, got 700",
        None,
    ),
    (
        "status as other text",
        REQUEST + "    assert: {status: ok}\n",
        (4, 22),
        "invalid status text 'ok'",
        "a class (2xx)",
    ),
    (
        "status literal mapping",
        REQUEST + "    assert: {status: {code: 200}}\n",
        (4, 22),
        "'status' mapping is not a matcher",
        None,
    ),
    (
        "bare time_ms",
        REQUEST + "    assert: {time_ms: 500}\n",
        (4, 23),
        "'time_ms' needs a matcher, not a bare value",
        "write {lt: 500}",
    ),
    (
        "near-miss operator",
        REQUEST + "    assert: {body: {contians: x}}\n",
        (4, 21),
        "unknown operator 'contians'",
        "did you mean 'contains'? To compare with a literal mapping use {eq: {...}}",
    ),
    (
        "mixed matcher",
        REQUEST + "    assert: {body: {contains: x, foo: 1}}\n",
        (4, 34),
        "a matcher mixes operators (contains) with other keys ('foo')",
        "{eq: {...}}",
    ),
    (
        "unknown assert key",
        REQUEST + "    assert: {jsonpaths: {}}\n",
        (4, 14),
        "unknown key 'jsonpaths' in assert",
        "did you mean 'jsonpath'?",
    ),
    (
        "type operator typo",
        REQUEST + "    assert: {body: {type: strin}}\n",
        (4, 27),
        "'type' takes one of string, number",
        "did you mean 'string'?",
    ),
    (
        "exists needs a boolean",
        REQUEST + "    assert: {body: {exists: yes}}\n",
        (4, 29),
        "'exists' takes true or false, got text 'yes'",
        None,
    ),
    (
        "in needs a list",
        REQUEST + "    assert: {body: {in: a}}\n",
        (4, 25),
        "'in' takes a list",
        None,
    ),
    (
        "gt needs a number or text",
        REQUEST + "    assert: {body: {gt: [1]}}\n",
        (4, 25),
        "'gt' takes a number or text, got a list",
        None,
    ),
    (
        "length needs an int or matcher",
        REQUEST + "    assert: {body: {length: abc}}\n",
        (4, 29),
        "'length' takes an int or a matcher",
        "length: {gte: 1}",
    ),
    (
        "negative length",
        REQUEST + "    assert: {body: {length: -1}}\n",
        (4, 29),
        "'length' must be at least 0",
        None,
    ),
    (
        "unquoted */*",
        REQUEST + "    headers:\n      Accept: */*\n",
        (5, 16),
        "invalid YAML: expected alphabetic or numeric character, but found '/'",
        "a value starting with '*' must be quoted: Accept: \"*/*\"",
    ),
    (
        "value starting with @",
        REQUEST + "    headers: {X: @x}\n",
        (4, 18),
        "invalid YAML: found character '@' that cannot start any token",
        "a value starting with '@' must be quoted: X: \"@x\"",
    ),
    (
        "value starting with a backtick",
        REQUEST + "    headers:\n      X: `x`\n",
        (5, 10),
        "cannot start any token",
        "a value starting with '`' must be quoted: X: \"`x`\"",
    ),
    (
        "value starting with %",
        REQUEST + "    params:\n      p: %20\n",
        (5, 10),
        "cannot start any token",
        "a value starting with '%' must be quoted: p: \"%20\"",
    ),
    (
        "value starting with &",
        REQUEST + "    headers:\n      X: &\n",
        (5, 11),
        "while scanning an anchor",
        "a value starting with '&' must be quoted",
    ),
    (
        "unknown tag",
        REQUEST + "    headers:\n      X: !important thing\n",
        (5, 10),
        "unknown tag '!important'",
        "a value starting with '!' must be quoted: X: \"!important thing\"",
    ),
    (
        "unsupported core-1.1 tag",
        "variables: {v: !!timestamp 2024-01-01}\nrequests: []\n",
        (1, 16),
        "unknown tag 'tag:yaml.org,2002:timestamp'",
        "only the core tags",
    ),
    (
        "JSONPath in a flow mapping",
        REQUEST + "    assert:\n      jsonpath: {$.items[0].id: 1}\n",
        (5, 25),
        "invalid YAML: expected ',' or '}', but got '['",
        "JSONPath keys with '[', '*', '?' or '@' must be written in block style",
    ),
    (
        "JSONPath wildcard in a flow mapping",
        REQUEST + "    assert:\n      jsonpath: {$.items[*].id: 1}\n",
        (5, 27),
        "while scanning an alias",
        "must be written in block style (one per line) or quoted",
    ),
    (
        "regex escape in double quotes",
        REQUEST + '    assert:\n      body: {matches: "^\\d+$"}\n',
        (5, 26),
        "invalid YAML: found unknown escape character 'd'",
        "regexes go in single quotes ('^\\d+$')",
    ),
    (
        "plain value with ': '",
        REQUEST + "    description: Note: this\n",
        (4, 22),
        "mapping values are not allowed here",
        "quote a value that contains ': '",
    ),
    (
        "syntax error: unclosed flow list",
        REQUEST + "    tags: [a, b\n",
        (5, 1),
        "invalid YAML: expected ',' or ']', but got '<stream end>'",
        None,
    ),
    (
        "tab indentation",
        "requests:\n\t- name: a\n",
        (2, 1),
        "found character '\\t' that cannot start any token",
        "indent with spaces",
    ),
    (
        "undefined alias",
        "variables: {a: *nope}\nrequests: []\n",
        (1, 16),
        "found undefined alias 'nope'",
        "must be quoted",
    ),
    (
        "two documents",
        REQUEST + "---\nrequests: []\n",
        (4, 1),
        "expected a single document in the stream, but found another document",
        "remove the '---' line",
    ),
    (
        "recursive alias",
        "x-a: &a {<<: *a}\nrequests: []\n",
        (1, 6),
        "recursive alias",
        None,
    ),
    (
        "merge of a scalar",
        "variables:\n  <<: 1\nrequests: []\n",
        (2, 7),
        "a merge key '<<' takes a mapping, got a number",
        "<<: *name",
    ),
    (
        "top level list",
        "- a\n",
        (1, 1),
        "a collection file must be a mapping at the top level, got a list",
        None,
    ),
    ("empty file", "", (1, 1), "the file is empty", None),
    ("comments only", "# nothing\n", (1, 1), "the file is empty", None),
    (
        "unknown dynamic value",
        "requests:\n  - name: r\n    url: http://x/<<$uuidd>>\n",
        (3, 19),
        "unknown dynamic value '<<$uuidd>>'",
        "did you mean '<<$uuid>>'?",
    ),
    (
        "unknown dynamic value in a variable",
        "variables: {id: <<$randInt>>}\nrequests: []\n",
        (1, 17),
        "unknown dynamic value '<<$randInt>>'",
        "dynamic values are",
    ),
    (
        "invalid variable name",
        "variables: {'a b': 1}\nrequests: []\n",
        (1, 13),
        "invalid variable name 'a b'",
        "letters, digits",
    ),
    (
        "secret that is also a variable",
        "variables: {API_KEY: x}\nsecrets: [API_KEY]\nrequests: []\n",
        (1, 13),
        "'API_KEY' is both a variable (collection c) and a secret (declared at line 2)",
        "remove it from variables",
    ),
    (
        "secret that is also a folder variable",
        "secrets: [K]\nrequests:\n  - name: f\n    variables: {K: 1}\n    requests: []\n",
        (4, 17),
        "'K' is both a variable (folder f) and a secret",
        None,
    ),
    (
        "secrets as text",
        "secrets: API_KEY\nrequests: []\n",
        (1, 10),
        "'secrets' must be a list",
        "write secrets: [API_KEY]",
    ),
    (
        "capture in an unknown form",
        REQUEST + "    capture: {id: {body: x}}\n",
        (4, 19),
        "invalid capture 'id'",
        "a capture is one of $.path, {header: Name}, {cookie: name}",
    ),
    (
        "capture form typo",
        REQUEST + "    capture: {id: {heder: X-Id}}\n",
        (4, 19),
        "invalid capture 'id'",
        "did you mean 'header'?",
    ),
    (
        "capture that is not a JSONPath",
        REQUEST + "    capture: {id: data.id}\n",
        (4, 19),
        "capture 'id': 'data.id' is not a JSONPath",
        None,
    ),
    (
        "capture with a bad regex",
        REQUEST + "    capture: {id: {regex: 'a(b'}}\n",
        (4, 29),
        "invalid regex 'a(b'",
        None,
    ),
    (
        "capture status false",
        REQUEST + "    capture: {code: {status: false}}\n",
        (4, 30),
        "capture 'status' takes true",
        "write {status: true}",
    ),
    (
        "capture name",
        REQUEST + "    capture: {'my id': $.id}\n",
        (4, 15),
        "invalid capture name 'my id'",
        None,
    ),
    (
        "unknown auth kind",
        REQUEST + "    auth: {beare: t}\n",
        (4, 12),
        "unknown auth kind 'beare'",
        "did you mean 'bearer'?",
    ),
    (
        "auth as unknown text",
        REQUEST + "    auth: nobody\n",
        (4, 11),
        "unknown auth 'nobody'",
        "auth: none",
    ),
    (
        "basic auth without password",
        REQUEST + "    auth: {basic: {username: u}}\n",
        (4, 19),
        "auth basic needs 'password'",
        None,
    ),
    (
        "basic auth with an unknown key",
        REQUEST + "    auth: {basic: {username: u, pasword: p}}\n",
        (4, 33),
        "unknown key 'pasword' in auth basic",
        "did you mean 'password'?",
    ),
    (
        "apikey with header and query",
        REQUEST + "    auth: {apikey: {header: X, query: k, value: v}}\n",
        (4, 20),
        "auth apikey needs 'value' and one of 'header' or 'query'",
        None,
    ),
    (
        "timeout zero",
        REQUEST + "    options: {timeout: 0}\n",
        (4, 24),
        "'timeout' must be greater than 0, got 0",
        None,
    ),
    (
        "timeout as quoted text",
        REQUEST + "    options: {timeout: '30'}\n",
        (4, 24),
        "'timeout' must be a number, got text '30'",
        "write 30 without quotes",
    ),
    (
        "follow_redirects yes",
        REQUEST + "    options: {follow_redirects: yes}\n",
        (4, 33),
        "'follow_redirects' must be true or false",
        "'yes' is text in YAML 1.2",
    ),
    (
        "unknown option",
        REQUEST + "    options: {timout: 1}\n",
        (4, 15),
        "unknown key 'timout' in options",
        "did you mean 'timeout'?",
    ),
    (
        "negative retry count",
        REQUEST + "    options: {retries: {count: -1}}\n",
        (4, 32),
        "'count' must be at least 0, got -1",
        None,
    ),
    (
        "cert with three paths",
        REQUEST + "    options: {cert: [a, b, c]}\n",
        (4, 21),
        "'cert' takes a path or a list of two paths",
        None,
    ),
    (
        "example without a name",
        REQUEST + "    examples:\n      - status: 200\n",
        (5, 9),
        "an example needs a 'name'",
        None,
    ),
    (
        "duplicate example name",
        REQUEST + "    examples:\n      - name: ok\n      - name: ok\n",
        (6, 15),
        "duplicate example name 'ok' (first at line 5)",
        None,
    ),
    (
        "example status quoted",
        REQUEST + "    examples:\n      - {name: ok, status: '201'}\n",
        (5, 28),
        "'status' must be an integer, got text '201'",
        "write 201 without quotes",
    ),
    (
        "invalid inline schema",
        REQUEST + "    assert:\n      schema: {type: 5}\n",
        (5, 15),
        "invalid JSON Schema at $.type",
        None,
    ),
    (
        "unknown schema dialect",
        REQUEST + "    assert:\n      schema: {$schema: 'http://x', type: object}\n",
        (5, 15),
        "unknown JSON Schema dialect 'http://x'",
        None,
    ),
    (
        "schema of the wrong type",
        REQUEST + "    assert:\n      schema: 5\n",
        (5, 15),
        "'schema' must be a mapping or a path",
        None,
    ),
    (
        "defaults with a request key",
        "defaults: {url: http://x}\nrequests: []\n",
        (1, 12),
        "unknown key 'url' in defaults",
        None,
    ),
    (
        "multipart part without file",
        REQUEST + "    body:\n      multipart: {doc: {content_type: text/plain}}\n",
        (5, 24),
        "multipart part 'doc' needs 'file'",
        None,
    ),
    (
        "graphql without query",
        REQUEST + "    body: {graphql: {variables: {}}}\n",
        (4, 21),
        "'graphql' needs a 'query'",
        None,
    ),
]


def test_load_thresholds_are_kept_with_their_places(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("load:\n  thresholds:\n    - p95<1s\n    - 'r: errors<1%'\n" + REQUEST)
    collection = load_collection(path)
    assert [(text, where.line, where.column) for text, where in collection.thresholds] == [
        ("p95<1s", 3, 7),
        ("r: errors<1%", 4, 7),
    ]


@pytest.mark.parametrize(
    ("source", "position", "message", "hint"),
    [case[1:] for case in ERROR_CASES],
    ids=[case[0] for case in ERROR_CASES],
)
def test_load_errors_name_file_line_column_and_hint(
    tmp_path: Path, source: str, position: tuple[int, int], message: str, hint: str | None
) -> None:
    error = load_error(tmp_path, source)
    assert error.location is not None
    assert error.location.file == str(tmp_path / "c.yaml")
    assert message in error.message
    assert where(error) == position
    if hint is not None:
        assert error.hint is not None
        assert hint in error.hint
    assert error.exit_code == 2


def test_unknown_key_underlines_the_key(tmp_path: Path) -> None:
    error = load_error(tmp_path, REQUEST + "    headres: {A: b}\n")
    assert error.location == SourceLocation(str(tmp_path / "c.yaml"), 4, 5, 7)
    rendered = error.render()
    assert "    headres: {A: b}" in rendered
    assert "    ^^^^^^^" in rendered
    assert "hint: did you mean 'headers'?" in rendered


def test_missing_file_and_directory_are_load_errors(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="does not exist"):
        load_collection(tmp_path / "nope.yaml")
    with pytest.raises(LoadError, match="is a directory"):
        load_collection(tmp_path)


def test_non_utf8_file_names_the_position(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(b"requests:\n  - name: caf\xe9\n")
    with pytest.raises(LoadError) as info:
        load_collection(path)
    assert "not UTF-8" in info.value.message
    assert where(info.value) == (2, 14)
    assert info.value.hint == "save the file as UTF-8"


def test_control_character_is_a_load_error(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("requests: []\nname: a\x07\n")
    with pytest.raises(LoadError) as info:
        load_collection(path)
    assert where(info.value) == (2, 8)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("variables: {v: " + "[" * 3000 + "]" * 3000 + "}\nrequests: []\n", "nested too deeply"),
        ("variables: {v: " + "1" * 5000 + "}\nrequests: []\n", "5000 digits is too long"),
        (REQUEST + '    body: {file: "a\\0b"}\n', "is not usable"),
    ],
    ids=["deep nesting", "huge number", "NUL in a path"],
)
def test_absurd_input_is_a_load_error(tmp_path: Path, source: str, message: str) -> None:
    assert message in load_error(tmp_path, source).message


def test_jsonschema_is_imported_only_for_schema_checks(tmp_path: Path) -> None:
    plain = write(tmp_path, REQUEST + "    assert: {status: 200}\n", "plain.yaml")
    with_schema = write(tmp_path, REQUEST + "    assert: {schema: {type: object}}\n", "s.yaml")
    script = (
        "import sys; from pathlib import Path; from runner.loader import load_collection; "
        "load_collection(Path(sys.argv[1]), base_dir=Path(sys.argv[2])); "
        "print('jsonschema' in sys.modules)"
    )
    root = Path(__file__).resolve().parents[2]
    results = [
        subprocess.run(
            [sys.executable, "-c", script, str(path), str(tmp_path)],
            capture_output=True,
            text=True,
            check=True,
            cwd=root,
        ).stdout.strip()
        for path in (plain, with_schema)
    ]
    assert results == ["False", "True"]


def test_alias_bomb_is_stopped(tmp_path: Path) -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]" for i in range(1, 8)]
    source = "variables:\n" + "".join(f"  {line}\n" for line in lines) + "requests: []\n"
    error = load_error(tmp_path, source)
    assert "too large" in error.message


# ------------------------------------------------------------------------------ file paths


def test_paths_are_resolved_relative_to_the_collection(tmp_path: Path) -> None:
    (tmp_path / "api" / "files").mkdir(parents=True)
    (tmp_path / "api" / "files" / "x.bin").write_bytes(b"\x00")
    (tmp_path / "api" / "files" / "doc.txt").write_text("d")
    path = write(
        tmp_path / "api",
        REQUEST
        + "    body:\n      multipart:\n        title: 12\n"
        + "        doc: {file: files/doc.txt, content_type: text/plain}\n"
        + "        raw: {file: files/x.bin}\n",
    )
    body = load_collection(path, base_dir=tmp_path).requests[0].body
    assert body is not None
    assert body.kind == "multipart"
    assert body.value == {
        "title": "12",
        "doc": {"file": str(tmp_path / "api/files/doc.txt"), "content_type": "text/plain"},
        "raw": {"file": str(tmp_path / "api/files/x.bin"), "content_type": None},
    }
    assert body.location.line == 5


def test_file_body_path_must_exist(tmp_path: Path) -> None:
    error = load_error(tmp_path, REQUEST + "    body: {file: nope.bin}\n")
    assert where(error) == (4, 18)
    assert error.message == "'file' path 'nope.bin' does not exist"
    assert error.hint is not None
    assert "relative to the collection file's folder" in error.hint


def test_paths_outside_base_dir_need_allow_outside(tmp_path: Path) -> None:
    (tmp_path / "secret.txt").write_text("s")
    project = tmp_path / "project"
    path = write(project, REQUEST + "    body: {file: ../secret.txt}\n")
    with pytest.raises(LoadError) as info:
        load_collection(path, base_dir=project)
    assert where(info.value) == (4, 18)
    assert "is outside the working directory" in info.value.message
    assert info.value.hint is not None
    assert "--allow-outside" in info.value.hint
    body = load_collection(path, base_dir=project, allow_outside=True).requests[0].body
    assert body is not None
    assert body.value == str(tmp_path / "secret.txt")


def test_schema_from_json_and_yaml_files(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "user.json").write_text(json.dumps({"type": "object"}))
    (tmp_path / "schemas" / "list.yaml").write_text("type: array\nitems: {type: integer}\n")
    request = only(
        tmp_path,
        "assert:\n  schema: schemas/user.json\n",
    )
    (check,) = request.checks
    assert (check.kind, check.target, check.matcher) == ("schema", "schemas/user.json", None)
    assert check.schema == {"type": "object"}
    (check,) = only(tmp_path, "assert: {schema: schemas/list.yaml}\n").checks
    assert check.schema == {"type": "array", "items": {"type": "integer"}}
    (check,) = only(tmp_path, "assert: {schema: {type: string, minLength: 1}}\n").checks
    assert (check.target, check.schema) == ("inline", {"type": "string", "minLength": 1})


def test_the_schema_files_a_ref_leads_to_are_read_when_loading(tmp_path: Path) -> None:
    """The CheckSpec carries them; checking resolves $ref in them alone (runner/checks.py)."""
    root = tmp_path.resolve()
    write(root, json.dumps({"$ref": "address.json#/$defs/a"}), "schemas/user.json")
    write(root, json.dumps({"$defs": {"a": {"$ref": "kinds.yaml"}}}), "schemas/address.json")
    write(root, "type: object\n", "schemas/kinds.yaml")
    address = (
        (root / "schemas" / "address.json").as_uri(),
        {"$defs": {"a": {"$ref": "kinds.yaml"}}},
    )
    kinds = ((root / "schemas" / "kinds.yaml").as_uri(), {"type": "object"})
    (check,) = only(root, "assert: {schema: schemas/user.json}\n").checks
    assert check.schema_uri == (root / "schemas" / "user.json").as_uri()
    assert check.schema_refs == (address, kinds)
    # An inline schema's refs are relative to the collection file, as its paths are.
    (check,) = only(root, "assert: {schema: {$ref: schemas/kinds.yaml}}\n").checks
    assert (check.schema_uri, check.schema_refs) == ((root / "c.yaml").as_uri(), (kinds,))
    inline = "assert: {schema: {properties: {a: {$ref: '#/$defs/b'}}, $defs: {b: {}}}}\n"
    assert only(root, inline).checks[0].schema_refs == ()


@pytest.mark.parametrize(
    ("files", "schema", "file", "line_column"),
    [
        ({}, "{properties: {a: {$ref: missing.json}}}", "c.yaml", (5, 39)),
        ({"s.json": '{\n  "items": {"$ref": "missing.json"}\n}'}, "s.json", "s.json", (2, 21)),
        ({"s.yaml": "items:\n  $ref: missing.json\n"}, "s.yaml", "s.yaml", (2, 9)),
        (
            {"s.json": '{"$ref": "t.yaml"}', "t.yaml": "not: {$ref: missing.json}\n"},
            "s.json",
            "t.yaml",
            (1, 13),
        ),
    ],
)
def test_a_ref_error_points_at_the_ref(
    tmp_path: Path, files: dict[str, str], schema: str, file: str, line_column: tuple[int, int]
) -> None:
    for name, text in files.items():
        write(tmp_path, text, name)
    with pytest.raises(LoadError) as info:
        only(tmp_path, f"assert:\n  schema: {schema}\n")
    assert info.value.message.startswith("$ref 'missing.json' names a schema file that does not")
    assert info.value.location is not None
    assert Path(info.value.location.file).name == file
    assert where(info.value) == line_column


def test_schema_file_errors_point_into_the_schema_file(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text('{"type":\n  }')
    with pytest.raises(LoadError) as info:
        only(tmp_path, "assert: {schema: bad.json}\n")
    assert info.value.location is not None
    assert info.value.location.file == str(tmp_path / "bad.json")
    assert where(info.value) == (2, 3)
    (tmp_path / "bad.txt").write_text("{}")
    with pytest.raises(LoadError, match=r"is not \.json, \.yaml or \.yml"):
        only(tmp_path, "assert: {schema: bad.txt}\n")
    with pytest.raises(LoadError, match="does not exist"):
        only(tmp_path, "assert: {schema: missing.json}\n")


# -------------------------------------------------------------------------------- requests


def test_request_basics(tmp_path: Path) -> None:
    collection = load(
        tmp_path,
        """\
        description: The API
        requests:
          - name: One
            url: http://x/1
          - name: Two
            method: purge
            url: http://x/2
            description: second
        """,
    )
    assert collection.name == "c"
    assert collection.file == str(tmp_path / "c.yaml")
    assert collection.description == "The API"
    assert collection.variables.name == "collection c"
    first, second = collection.requests
    assert (first.method, first.folders, first.path) == ("GET", (), "One")
    assert first.location == SourceLocation(str(tmp_path / "c.yaml"), 3, 5, 1)
    assert (second.method, second.description) == ("PURGE", "second")


@pytest.mark.parametrize(
    ("body", "kind", "value"),
    [
        ("{json: {a: [1, true, null], x-b: 1.5}}", "json", {"a": [1, True, None], "x-b": 1.5}),
        ("{json: [1, 2]}", "json", [1, 2]),
        ("{json: 3}", "json", 3),
        ("{raw: hello}", "raw", "hello"),
        ("{raw: 12}", "raw", "12"),
        ("{form: {a: 1, b: [x, y]}}", "form", {"a": "1", "b": ["x", "y"]}),
        ("{graphql: {query: '{ me }'}}", "graphql", {"query": "{ me }", "variables": {}}),
        (
            "{graphql: {query: q, variables: {n: 1}}}",
            "graphql",
            {"query": "q", "variables": {"n": 1}},
        ),
    ],
)
def test_body_kinds(tmp_path: Path, body: str, kind: str, value: Any) -> None:
    request = only(tmp_path, f"body: {body}\n")
    assert request.body is not None
    assert (request.body.kind, request.body.value) == (kind, value)


@pytest.mark.parametrize(
    ("auth", "kind", "params"),
    [
        ("{bearer: <<token>>}", "bearer", "<<token>>"),
        ("{basic: {username: u, password: 1234}}", "basic", {"username": "u", "password": "1234"}),
        ("{digest: {username: u, password: p}}", "digest", {"username": "u", "password": "p"}),
        ("{apikey: {header: X-Key, value: v}}", "apikey", {"header": "X-Key", "value": "v"}),
        ("{apikey: {query: key, value: v}}", "apikey", {"query": "key", "value": "v"}),
        (
            "{oauth2: {token_url: http://t, client_id: i, client_secret: s}}",
            "oauth2",
            {"token_url": "http://t", "client_id": "i", "client_secret": "s"},
        ),
        (
            "{oauth2: {token_url: t, client_id: i, client_secret: s, scope: a b}}",
            "oauth2",
            {"token_url": "t", "client_id": "i", "client_secret": "s", "scope": "a b"},
        ),
    ],
)
def test_auth_kinds(tmp_path: Path, auth: str, kind: str, params: Any) -> None:
    request = only(tmp_path, f"auth: {auth}\n")
    assert request.auth is not None
    assert (request.auth.kind, request.auth.params) == (kind, params)
    assert request.auth.location.line == 4


def test_auth_none(tmp_path: Path) -> None:
    assert only(tmp_path, "auth: none\n").auth is None


def test_options(tmp_path: Path) -> None:
    request = only(
        tmp_path,
        """\
        options:
          timeout: 2.5
          follow_redirects: false
          verify: certs/ca.pem
          cert: [c.crt, c.key]
          proxy: http://proxy:3128
          delay_ms: 0
          skip: flaky upstream
          retries:
            count: 3
            on: [429, 503]
            backoff: 0.5
            max_wait: 30
            unless:
              jsonpath:
                $.error.code: insufficient_quota
        """,
    )
    options = dict(request.options)
    retries = options.pop("retries")
    assert options == {
        "timeout": 2.5,
        "follow_redirects": False,
        "verify": str(tmp_path / "certs/ca.pem"),
        "cert": (str(tmp_path / "c.crt"), str(tmp_path / "c.key")),
        "proxy": "http://proxy:3128",
        "delay_ms": 0,
        "skip": "flaky upstream",
    }
    (unless,) = retries.pop("unless")
    assert retries == {"count": 3, "on": (429, 503), "backoff": 0.5, "max_wait": 30}
    assert (unless.kind, unless.target) == ("jsonpath", "$.error.code")
    assert unless.matcher == Matcher.equals("insufficient_quota")
    assert only(tmp_path, "options: {verify: false, skip: true}\n").options == {
        "verify": False,
        "skip": True,
    }


# ---------------------------------------------------------------------------------- checks


@pytest.mark.parametrize(
    ("status", "matcher"),
    [
        ("200", Matcher((("status", (200,)),), implicit=True)),
        ("2XX", Matcher((("status", ("2xx",)),), implicit=True)),
        ("[200, 4xx]", Matcher((("status", (200, "4xx")),), implicit=True)),
        ("{in: [200, 201]}", Matcher((("in", [200, 201]),))),
        ("{gte: 200, lt: 300}", Matcher((("gte", 200), ("lt", 300)))),
        ("<<code>>", Matcher((("status", ("<<code>>",)),), implicit=True)),
    ],
)
def test_status_forms(tmp_path: Path, status: str, matcher: Matcher) -> None:
    (check,) = only(tmp_path, f"assert: {{status: {status}}}\n").checks
    assert (check.kind, check.target, check.matcher) == ("status", None, matcher)


@pytest.mark.parametrize(
    ("written", "matcher"),
    [
        ("x", Matcher.equals("x")),
        ("1.0", Matcher.equals(1.0)),
        ("null", Matcher.equals(None)),
        ("{}", Matcher.equals({})),
        ("{a: 1}", Matcher.equals({"a": 1})),
        ("[1, a]", Matcher.equals([1, "a"])),
        ("{eq: {a: 1}}", Matcher((("eq", {"a": 1}),))),
        ("{gt: 0, lt: 10}", Matcher((("gt", 0), ("lt", 10)))),
        ("{lt: 10, gt: 0}", Matcher((("lt", 10), ("gt", 0)))),
        ("{type: integer, exists: true}", Matcher((("type", "integer"), ("exists", True)))),
        ("{in: [a, 1]}", Matcher((("in", ["a", 1]),))),
        ("{length: 2}", Matcher((("length", Matcher.equals(2)),))),
        ("{length: {gte: 1}}", Matcher((("length", Matcher((("gte", 1),))),))),
        ("{each: {in: [a, b]}}", Matcher((("each", Matcher((("in", ["a", "b"]),))),))),
        ("{each: 3}", Matcher((("each", Matcher.equals(3)),))),
        ("{each: {a: 1}}", Matcher((("each", Matcher.equals({"a": 1})),))),
        ("{matches: '^\\d+$'}", Matcher((("matches", "^\\d+$"),))),
        ("{matches: '(<<open>>'}", Matcher((("matches", "(<<open>>"),))),
        ("{gt: <<min>>}", Matcher((("gt", "<<min>>"),))),
        ("{empty: false, not_in: []}", Matcher((("empty", False), ("not_in", [])))),
        ("{starts_with: 2}", Matcher((("starts_with", 2),))),
    ],
)
def test_matchers(tmp_path: Path, written: str, matcher: Matcher) -> None:
    (check,) = only(tmp_path, f"assert:\n  jsonpath:\n    $.v: {written}\n").checks
    assert check.matcher == matcher


def test_checks_in_written_order_with_key_locations(tmp_path: Path) -> None:
    request = only(
        tmp_path,
        """\
        assert:
          jsonpath:
            $.b: 1
            $.a: 2
          status: 201
          headers:
            Content-Type: {contains: json}
          body: {contains: ok}
          time_ms: {lt: 500}
        """,
    )
    file = str(tmp_path / "c.yaml")
    assert [(c.kind, c.target, c.location) for c in request.checks] == [
        ("jsonpath", "$.b", SourceLocation(file, 6, 9, 3)),
        ("jsonpath", "$.a", SourceLocation(file, 7, 9, 3)),
        ("status", None, SourceLocation(file, 8, 7, 6)),
        ("header", "Content-Type", SourceLocation(file, 10, 9, 12)),
        ("body", None, SourceLocation(file, 11, 7, 4)),
        ("time_ms", None, SourceLocation(file, 12, 7, 7)),
    ]


def test_captures(tmp_path: Path) -> None:
    request = only(
        tmp_path,
        """\
        capture:
          id: $.data.id
          all: $.items[*].id
          picked: $.items[?(@.id == <<id>>)]
          etag: {header: ETag}
          session: {cookie: sid}
          slug: {regex: '"slug":\\s*"([a-z-]+)"'}
          code: {status: true}
          x-version: {header: X-Version}
        """,
    )
    assert [(c.name, c.kind, c.source, c.location.line) for c in request.captures] == [
        ("id", "jsonpath", "$.data.id", 5),
        ("all", "jsonpath", "$.items[*].id", 6),
        ("picked", "jsonpath", "$.items[?(@.id == <<id>>)]", 7),
        ("etag", "header", "ETag", 8),
        ("session", "cookie", "sid", 9),
        ("slug", "regex", '"slug":\\s*"([a-z-]+)"', 10),
        ("code", "status", "status", 11),
        ("x-version", "header", "X-Version", 12),
    ]


def test_examples_defaults(tmp_path: Path) -> None:
    request = only(
        tmp_path,
        """\
        examples:
          - name: ok
            body: {id: 1}
          - name: list
            status: 201
            headers: {content-type: application/vnd.api+json}
            body: [1]
          - name: text
            description: plain
            headers: {X-Count: 2}
            body: hello
          - name: empty
            status: 204
        """,
    )
    assert [(e.name, e.status, dict(e.headers), e.body) for e in request.examples] == [
        ("ok", 200, {"Content-Type": "application/json"}, {"id": 1}),
        ("list", 201, {"content-type": "application/vnd.api+json"}, [1]),
        ("text", 200, {"X-Count": "2"}, "hello"),
        ("empty", 204, {}, ""),
    ]
    assert request.examples[2].description == "plain"
    assert request.examples[0].location.line == 5


# -------------------------------------------------------------------------------- defaults

DEFAULTS_COLLECTION = """\
defaults:
  headers: {Accept: application/json, X-Team: core}
  params: {lang: en, page: 1}
  auth: {bearer: <<token>>}
  options: {timeout: 30, follow_redirects: false}
  assert:
    status: 200
    time_ms: {lt: 1000}
    headers: {Content-Type: {contains: json}, X-Trace: {exists: true}}
    jsonpath: {$.ok: true}
    body: {contains: a}
requests:
  - name: plain
    url: http://x
  - name: Folder
    defaults:
      headers: {accept: text/html}
      params: {page: 2}
      options: {timeout: 5}
      auth: none
      assert:
        status: 2xx
        headers: {content-type: {contains: html}}
        jsonpath: {$.id: {exists: true}}
    requests:
      - name: inner
        url: http://x
        headers: {X-Team: web}
        params: {q: a}
        auth: {basic: {username: u, password: p}}
        options: {delay_ms: 10}
        assert:
          time_ms: {lt: 50}
          jsonpath: {$.ok: false}
          body: {contains: b}
      - name: inherits
        url: http://x
"""


def test_defaults_apply_outside_in(tmp_path: Path) -> None:
    plain, inner, inherits = load(tmp_path, DEFAULTS_COLLECTION).requests
    assert plain.headers == {"Accept": "application/json", "X-Team": "core"}
    assert plain.params == {"lang": "en", "page": "1"}
    assert plain.auth is not None
    assert (plain.auth.kind, plain.auth.params) == ("bearer", "<<token>>")
    assert plain.options == {"timeout": 30, "follow_redirects": False}
    # headers merge case-insensitively: the inner one wins and keeps its spelling and place
    assert inner.headers == {"accept": "text/html", "X-Team": "web"}
    assert list(inner.headers) == ["accept", "X-Team"]
    assert inner.params == {"lang": "en", "page": "2", "q": "a"}
    assert inner.options == {"timeout": 5, "follow_redirects": False, "delay_ms": 10}
    assert inner.auth is not None
    assert inner.auth.kind == "basic"
    assert inherits.auth is None  # `auth: none` in the folder removes the collection's auth


def _describe(request: RequestSpec) -> list[tuple[str, str | None, Any]]:
    return [(c.kind, c.target, c.matcher) for c in request.checks]


def test_defaults_merge_checks_per_kind_and_key(tmp_path: Path) -> None:
    plain, inner, inherits = load(tmp_path, DEFAULTS_COLLECTION).requests
    assert _describe(plain) == [
        ("status", None, Matcher((("status", (200,)),), implicit=True)),
        ("time_ms", None, Matcher((("lt", 1000),))),
        ("header", "Content-Type", Matcher((("contains", "json"),))),
        ("header", "X-Trace", Matcher((("exists", True),))),
        ("jsonpath", "$.ok", Matcher.equals(True)),
        ("body", None, Matcher((("contains", "a"),))),
    ]
    assert _describe(inner) == [
        ("status", None, Matcher((("status", ("2xx",)),), implicit=True)),
        ("time_ms", None, Matcher((("lt", 50),))),
        ("header", "content-type", Matcher((("contains", "html"),))),
        ("header", "X-Trace", Matcher((("exists", True),))),
        ("jsonpath", "$.ok", Matcher.equals(False)),
        ("body", None, Matcher((("contains", "b"),))),
        ("jsonpath", "$.id", Matcher((("exists", True),))),
    ]
    assert _describe(inherits)[0] == (
        "status",
        None,
        Matcher((("status", ("2xx",)),), implicit=True),
    )
    # a check keeps the location where it was written, defaults included
    assert inherits.checks[1].location.line == 8


def test_pure_python_yaml_gives_the_same_model(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """libyaml composes when PyYAML has it; the pure-Python fallback must agree, marks included."""
    path = write(tmp_path, DEFAULTS_COLLECTION + "        headers: {X-Id: <<$uuid>>}\n")
    fast = load_collection(path, base_dir=tmp_path)
    careful = pyyaml._loader_classes()[-1:]
    monkeypatch.setattr(pyyaml, "_loader_classes", lambda: careful)
    assert load_collection(path, base_dir=tmp_path) == fast


# --------------------------------------------------------------------------------- folders


def test_folders_flatten_depth_first_with_scopes_and_tags(tmp_path: Path) -> None:
    collection = load(
        tmp_path,
        """\
        name: API
        variables: {base: http://x}
        requests:
          - name: first
            url: <<base>>/1
            tags: [a]
          - name: Users
            tags: [users, a]
            variables: {page: 1}
            requests:
              - name: list
                url: <<base>>/users
                tags: [smoke, users]
              - name: Admin
                variables: {page: 2, role: admin}
                requests:
                  - name: grant
                    url: <<base>>/grant
              - name: after
                url: <<base>>/after
          - name: last
            url: <<base>>/last
        """,
    )
    requests = collection.requests
    assert [r.path for r in requests] == [
        "first",
        "Users/list",
        "Users/Admin/grant",
        "Users/after",
        "last",
    ]
    assert collection.variables.name == "collection API"
    grant = requests[2]
    assert grant.folders == ("Users", "Admin")
    assert [s.name for s in grant.folder_scopes] == ["folder Admin", "folder Users"]
    assert grant.folder_scopes[0].values == {"page": 2, "role": "admin"}
    assert grant.folder_scopes[0].locations["role"].line == 15
    assert [r.tags for r in requests] == [
        ("a",),
        ("users", "a", "smoke"),
        ("users", "a"),
        ("users", "a"),
        (),
    ]
    assert requests[4].folder_scopes == ()


def test_duplicate_names_are_per_list(tmp_path: Path) -> None:
    collection = load(
        tmp_path,
        """\
        requests:
          - name: a
            url: http://x
          - name: F
            requests:
              - name: a
                url: http://y
        """,
    )
    assert [r.path for r in collection.requests] == ["a", "F/a"]
    error = load_error(
        tmp_path,
        "requests:\n  - name: a\n    url: x\n  - name: a\n    requests: []\n",
    )
    assert error.message == "duplicate name 'a' (first at line 2)"


# ----------------------------------------------------------------------------- placeholders


def test_placeholders_are_recorded_where_they_are_written(tmp_path: Path) -> None:
    collection = load(
        tmp_path,
        """\
        defaults:
          headers: {X-Id: <<$uuid>>}
        requests:
          - name: r
            url: <<base>>/items/<< id >>
            params: {q: <<query>>, tags: [<<t1>>, x]}
            headers: {Authorization: Bearer <<API_KEY>>}
            auth: {basic: {username: <<user>>, password: <<pass>>}}
            body:
              json:
                <<key>>: <<value>>
                literal: \\<<not>>
            assert:
              jsonpath: {$.id: <<id>>}
              body: {contains: "<<word>>"}
            capture:
              next: {header: <<header_name>>}
            examples:
              - name: ok
                body: {id: <<id>>}
        """,
    )
    file = str(tmp_path / "c.yaml")
    uses = [(u.name, u.field, u.location) for u in collection.requests[0].placeholders]
    assert uses == [
        ("base", "url", SourceLocation(file, 5, 10, 8)),
        ("id", "url", SourceLocation(file, 5, 25, 8)),
        ("query", "params", SourceLocation(file, 6, 17, 9)),
        ("t1", "params", SourceLocation(file, 6, 35, 6)),
        ("$uuid", "headers", SourceLocation(file, 2, 19, 9)),
        ("API_KEY", "headers", SourceLocation(file, 7, 37, 11)),
        ("user", "auth", SourceLocation(file, 8, 30, 8)),
        ("pass", "auth", SourceLocation(file, 8, 50, 8)),
        ("key", "body", SourceLocation(file, 11, 9, 7)),
        ("value", "body", SourceLocation(file, 11, 18, 9)),
        ("id", "assert", SourceLocation(file, 14, 24, 6)),
        ("word", "assert", SourceLocation(file, 15, 25, 8)),
        ("header_name", "capture", SourceLocation(file, 17, 22, 15)),
        ("id", "examples", SourceLocation(file, 20, 20, 6)),
    ]


def test_placeholder_in_a_block_scalar_points_at_its_line(tmp_path: Path) -> None:
    request = only(tmp_path, "body:\n  raw: |\n    line one\n    hello <<name>>!\n")
    (use,) = request.placeholders
    assert (use.name, use.field, use.location.line, use.location.column) == ("name", "body", 7, 15)


# ----------------------------------------------------------------------------- environments


def test_load_environment(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """\
        description: Staging
        variables:
          base_url: https://staging
          retries: 3
        secrets: [API_KEY, TOKEN]
        """,
        "environments/staging.yaml",
    )
    environment = load_environment(path)
    assert environment.name == "staging"
    assert environment.file == str(path)
    assert environment.description == "Staging"
    assert environment.variables.name == "environment staging"
    assert environment.variables.values == {"base_url": "https://staging", "retries": 3}
    assert environment.variables.locations["retries"].line == 4
    assert environment.secrets == ("API_KEY", "TOKEN")
    assert environment.secret_locations["TOKEN"] == SourceLocation(str(path), 5, 20, 5)


@pytest.mark.parametrize(
    ("source", "position", "message"),
    [
        ("name: prod\nvariabels: {}\n", (2, 1), "unknown key 'variabels' in environment"),
        ("variables: {K: 1}\nsecrets: [K]\n", (1, 13), "'K' is both a variable"),
        ("[]\n", (1, 1), "an environment file must be a mapping at the top level"),
        ("secrets: [1]\n", (1, 11), "'secret name' must be text, got a number"),
    ],
)
def test_environment_errors(
    tmp_path: Path, source: str, position: tuple[int, int], message: str
) -> None:
    with pytest.raises(LoadError) as info:
        load_environment(write(tmp_path, source, "env.yaml"))
    assert message in info.value.message
    assert where(info.value) == position


def test_environment_name_from_the_file(tmp_path: Path) -> None:
    environment = load_environment(write(tmp_path, "name: Production\n", "prod.yml"))
    assert environment.name == "Production"
    assert environment.variables.values == {}


def test_find_environment_lookup_order(tmp_path: Path) -> None:
    cwd = tmp_path / "work"
    project = tmp_path / "project"
    collection = write(project / "api" / "v1", REQUEST, "users.yaml")
    write(project, "name: p\n", "environments/staging.yml")
    write(project / "api", "name: a\n", "environments/dev.yaml")
    write(cwd, "name: c\n", "environments/dev.yaml")
    write(tmp_path, "name: x\n", "any/file.yaml")
    # the current directory first, then the nearest folder above the collection
    assert find_environment("dev", [collection], cwd) == cwd / "environments/dev.yaml"
    assert find_environment("dev", [collection], tmp_path) == (
        project / "api" / "environments" / "dev.yaml"
    )
    with pytest.raises(LoadError):
        # only the nearest environments/ folder above the collection counts
        find_environment("staging", [collection], tmp_path)
    other = write(project, REQUEST, "top.yaml")
    assert find_environment("staging", [other], tmp_path) == (
        project / "environments" / "staging.yml"
    )
    # a name with a slash or a .yaml suffix is a path (relative to cwd)
    assert find_environment("../any/file.yaml", [], cwd) == cwd / "../any/file.yaml"
    assert find_environment(str(tmp_path / "any/file.yaml"), [], cwd) == (
        tmp_path / "any/file.yaml"
    )


def test_unknown_environment_lists_the_known_ones(tmp_path: Path) -> None:
    write(tmp_path, "name: s\n", "environments/staging.yaml")
    write(tmp_path, "name: l\n", "environments/local.yml")
    with pytest.raises(LoadError) as info:
        find_environment("stagin", [], tmp_path)
    assert info.value.message == "unknown environment 'stagin'"
    assert info.value.hint == "did you mean 'staging'? environments: local, staging"
    with pytest.raises(LoadError) as info:
        find_environment("prod", [], tmp_path)
    assert info.value.hint == "environments: local, staging"
    with pytest.raises(LoadError) as info:
        find_environment("prod", [], tmp_path / "elsewhere")
    assert info.value.hint is not None
    assert "no environments/ folder" in info.value.hint
    with pytest.raises(LoadError, match="does not exist"):
        find_environment("envs/missing.yaml", [], tmp_path)


# -------------------------------------------------------------------------------- discovery


def test_discover_collections(tmp_path: Path) -> None:
    root = tmp_path / "project"
    write(root, REQUEST, "b.yaml")
    write(root, REQUEST, "a/z.yml")
    write(root, "requests: [\n", "a/broken.yaml")  # looks like one: its error is shown
    write(root, "requets: []\n", "typo.yaml")
    write(root, "- requests\n", "list.yaml")
    # `requests:` at column 0, but inside a flow mapping of a list: not a collection.
    write(root, "- one\n- two: {x: 1,\nrequests: 3}\n", "flow.yaml")
    write(root, "name: x\n", "notes.yaml")
    write(root, REQUEST, "environments/dev.yaml")
    write(root, REQUEST, "a/environments/x.yaml")
    write(root, REQUEST, "readme.txt")
    (root / "latin1.yaml").write_bytes(b"requests: [] # caf\xe9\n")
    explicit = write(tmp_path, "name: not a collection\n", "single.yaml")
    collections, skipped = discover_collections([root, explicit, root / "b.yaml"])
    # a file given by name is a collection; one found in a folder must have `requests`, or a
    # near miss of it (issue 20: `requets:` is a broken collection, loaded to show its error)
    assert collections == [
        root / "a/broken.yaml",
        root / "a/z.yml",
        root / "b.yaml",
        root / "typo.yaml",
        explicit,
    ]
    assert skipped == [
        root / "flow.yaml",
        root / "latin1.yaml",
        root / "list.yaml",
        root / "notes.yaml",
    ]


def test_a_file_given_by_name_is_never_skipped(tmp_path: Path) -> None:
    notes = write(tmp_path, "name: x\n", "notes.yaml")
    assert discover_collections([tmp_path, notes]) == ([notes], [])


def test_discover_missing_path(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match="does not exist"):
        discover_collections([tmp_path / "nope"])


# The cheap nesting bound must never be below the real depth (or deep files would crash libyaml).
_nested = st.recursive(
    st.one_of(st.none(), st.integers(), st.text(alphabet="ab[]{}:,-'\" ", max_size=4)),
    lambda inner: st.one_of(
        st.lists(inner, min_size=1, max_size=3),
        st.dictionaries(
            st.text(alphabet="ab", min_size=1, max_size=2), inner, min_size=1, max_size=3
        ),
    ),
    max_leaves=40,
)


def _depth(value: object) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(item) for item in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(item) for item in value), default=0)
    return 0


@settings(max_examples=200, deadline=None)
@given(value=_nested, flow=st.sampled_from([True, False, None]), indent=st.sampled_from([2, 4]))
def test_the_nesting_bound_is_never_below_the_real_depth(
    value: object, flow: bool | None, indent: int
) -> None:
    import yaml

    from runner.loader.pyyaml import _nesting_bound

    text = yaml.safe_dump(value, default_flow_style=flow, indent=indent, width=30)
    assert _nesting_bound(text) >= _depth(value)
