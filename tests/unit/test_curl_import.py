"""`postrun import curl`: pasted curl commands -> request mappings, and appending to a file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from runner.errors import PostrunError
from runner.interop.credentials import SecretVault
from runner.interop.curl import (
    add_secrets,
    append_request,
    collection_text,
    import_to_file,
    parse_curl,
    split_command,
    taken_names,
)
from runner.loader import load_collection

OPENAI = """curl https://api.openai.com/v1/chat/completions \\
  -H "Content-Type: application/json" \\
  -H "Authorization: Bearer $OPENAI_API_KEY" \\
  -d '{
     "model": "gpt-3.5-turbo",
     "messages": [{"role": "user", "content": "Say this is a test!"}],
     "temperature": 0.7
   }'
"""

CASES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "openai chat completions",
        OPENAI,
        {
            "name": "POST /v1/chat/completions",
            "method": "POST",
            "url": "https://api.openai.com/v1/chat/completions",
            "headers": {
                "Content-Type": "application/json",
                "Authorization": "Bearer <<OPENAI_API_KEY>>",
            },
            "body": {
                "json": {
                    "model": "gpt-3.5-turbo",
                    "messages": [{"role": "user", "content": "Say this is a test!"}],
                    "temperature": 0.7,
                }
            },
        },
    ),
    (
        "github with -u and query in the URL",
        "curl -u octocat:ghp_abc123 -H 'Accept: application/vnd.github+json' "
        "'https://api.github.com/user/repos?per_page=50&sort=updated'",
        {
            "name": "GET /user/repos",
            "method": "GET",
            "url": "https://api.github.com/user/repos",
            "params": {"per_page": "50", "sort": "updated"},
            "headers": {"Accept": "application/vnd.github+json"},
            "auth": {"basic": {"username": "octocat", "password": "<<BASIC_PASSWORD>>"}},
        },
    ),
    (
        "urlencoded form post with two -d joined by &",
        "curl -X POST https://example.com/login -d 'user=ann' -d 'pass=s3cret&remember=1'",
        {
            "name": "POST /login",
            "method": "POST",
            "url": "https://example.com/login",
            "body": {"form": {"user": "ann", "pass": "s3cret", "remember": "1"}},
        },
    ),
    (
        "--data-urlencode encodes the value",
        "curl https://example.com/search --data-urlencode 'q=a b&c' --data-urlencode lang=en",
        {
            "name": "POST /search",
            "method": "POST",
            "url": "https://example.com/search",
            "body": {"form": {"q": "a b&c", "lang": "en"}},
        },
    ),
    (
        "-F upload with type, and a text field",
        "curl -F 'file=@photos/cat.png;type=image/png' -F 'title=A cat' https://up.example.com/v1/files",
        {
            "name": "POST /v1/files",
            "method": "POST",
            "url": "https://up.example.com/v1/files",
            "body": {
                "multipart": {
                    "file": {"file": "photos/cat.png", "content_type": "image/png"},
                    "title": "A cat",
                }
            },
        },
    ),
    (
        "-F text with ; and a quoted file name holding ;",
        """curl -F 'note=a;b' -F 'f=@"x;y.txt";type=text/plain' https://e.com/u""",
        {
            "name": "POST /u",
            "method": "POST",
            "url": "https://e.com/u",
            "body": {
                "multipart": {
                    "note": "a;b",
                    "f": {"file": "x;y.txt", "content_type": "text/plain"},
                }
            },
        },
    ),
    (
        "-G moves data into the query",
        "curl -G https://example.com/items -d limit=10 -d tag=a -d tag=b",
        {
            "name": "GET /items",
            "method": "GET",
            "url": "https://example.com/items",
            "params": {"limit": "10", "tag": ["a", "b"]},
        },
    ),
    (
        "combined short flags, -XPUT, -HName:value, -k, --max-time",
        "curl -sSLk -XPUT -HContent-Type:text/plain --max-time 5 https://example.com/notes/1 "
        "--data-raw 'hello world'",
        {
            "name": "PUT /notes/1",
            "method": "PUT",
            "url": "https://example.com/notes/1",
            "headers": {"Content-Type": "text/plain"},
            "body": {"raw": "hello world"},
            "options": {"verify": False, "timeout": 5},
        },
    ),
    (
        "--json sets content type and accept",
        """curl --json '{"name": "x"}' https://example.com/things""",
        {
            "name": "POST /things",
            "method": "POST",
            "url": "https://example.com/things",
            "headers": {"Content-Type": "application/json", "Accept": "application/json"},
            "body": {"json": {"name": "x"}},
        },
    ),
    (
        "-I, -A, -e, -b and --url",
        "curl -I -A 'my-agent/1' -e https://ref.example.com -b 'a=1; b=2' --url https://example.com/",
        {
            "name": "HEAD /",
            "method": "HEAD",
            "url": "https://example.com/",
            "headers": {
                "User-Agent": "my-agent/1",
                "Referer": "https://ref.example.com",
                "Cookie": "<<COOKIE>>",
            },
        },
    ),
    (
        "data file reference becomes a file body",
        "curl --data-binary @payload.bin -H 'Content-Type: application/octet-stream' "
        "https://example.com/blobs",
        {
            "name": "POST /blobs",
            "method": "POST",
            "url": "https://example.com/blobs",
            "headers": {"Content-Type": "application/octet-stream"},
            "body": {"file": "payload.bin"},
        },
    ),
    (
        "digest auth, bearer from --oauth2-bearer loses to nothing else",
        "curl --digest -u admin:pw http://10.0.0.1:8080/status",
        {
            "name": "GET /status",
            "method": "GET",
            "url": "http://10.0.0.1:8080/status",
            "auth": {"digest": {"username": "admin", "password": "<<DIGEST_PASSWORD>>"}},
        },
    ),
    (
        "windows ^ continuations and a URL without scheme",
        'curl -X DELETE ^\r\n  -H "X-Trace: 1" ^\r\n  localhost:3000/users/7',
        {
            "name": "DELETE /users/7",
            "method": "DELETE",
            "url": "http://localhost:3000/users/7",
            "headers": {"X-Trace": "1"},
        },
    ),
    (
        "JSON that is not valid JSON stays raw with its header",
        """curl -H 'Content-Type: application/json' -d '{"n": <<count>>}' https://e.com/x""",
        {
            "name": "POST /x",
            "method": "POST",
            "url": "https://e.com/x",
            "headers": {"Content-Type": "application/json"},
            "body": {"raw": '{"n": <<count>>}'},
        },
    ),
    (
        "a shell variable as base URL, a pasted prompt and --",
        '$ curl -s -- "$BASE_URL/v1/models?limit=2" -H "Authorization: Bearer $KEY"',
        {
            "name": "GET /v1/models",
            "method": "GET",
            "url": "<<BASE_URL>>/v1/models",
            "params": {"limit": "2"},
            "headers": {"Authorization": "Bearer <<KEY>>"},
        },
    ),
    (
        "-T uploads a file with PUT; --oauth2-bearer",
        "curl -T ./notes.txt --oauth2-bearer '<<TOKEN>>' https://e.com/files/notes.txt",
        {
            "name": "PUT /files/notes.txt",
            "method": "PUT",
            "url": "https://e.com/files/notes.txt",
            "auth": {"bearer": "<<TOKEN>>"},
            "body": {"file": "./notes.txt"},
        },
    ),
    (
        "--max-redirs 0 stops following; --retry becomes retries",
        "curl --max-redirs 0 --retry 3 https://e.com/r",
        {
            "name": "GET /r",
            "method": "GET",
            "url": "https://e.com/r",
            "options": {"follow_redirects": False, "retries": {"count": 3}},
        },
    ),
]


@pytest.mark.parametrize(("command", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_parse_curl(command: str, expected: dict[str, Any]) -> None:
    assert parse_curl(command).request == expected


@pytest.mark.parametrize(
    ("command", "warning"),
    [
        ("curl --frobnicate https://e.com/", "unknown option --frobnicate"),
        ("curl -Z9 https://e.com/", "unknown option -9"),
        ("curl --ntlm -u a:b https://e.com/", "--ntlm: this authentication is not supported"),
        ("curl -b cookies.txt https://e.com/", "reading cookies from a file is not imported"),
        ("curl -d '{\"a\": 1}' https://e.com/", "looks like JSON but no JSON Content-Type"),
        ("curl -d @body.txt https://e.com/", "curl strips newlines"),
        ("curl -U me:pw-proxy-77 https://e.com/", "--proxy-user: not imported"),
        ("curl https://a.com/ https://b.com/", "only the first URL"),
        ("curl -u alice https://e.com/", "has no password"),
        ("curl -F a=1 -d b=2 https://e.com/", "refuses -F together with -d"),
        ("curl --connect-timeout 3 https://e.com/", "--connect-timeout 3: not imported"),
        ("curl -F 'm={\"a\":1};type=application/json' https://e.com/", "type on a text field"),
        ("curl -m inf https://e.com/", "--max-time inf: not a number; ignored"),
        ("curl --max-time nan https://e.com/", "--max-time nan: not a number; ignored"),
        ("curl --retry 1e999 https://e.com/", "--retry 1e999: not a whole number; ignored"),
        ("curl --retry nan https://e.com/", "--retry nan: not a whole number; ignored"),
    ],
)
def test_warnings_name_what_was_dropped(command: str, warning: str) -> None:
    warnings = parse_curl(command).warnings
    assert any(warning in item for item in warnings), warnings


@pytest.mark.parametrize(
    "command", ["curl -sS https://e.com/ -o out.json -w '%{http_code}'", "curl -v -i -L e.com/"]
)
def test_output_flags_are_dropped_quietly(command: str) -> None:
    assert parse_curl(command).warnings == ()


def test_default_content_type_of_raw_data_is_curls() -> None:
    request = parse_curl("curl -d 'just text' https://e.com/").request
    assert request["body"] == {"raw": "just text"}
    assert request["headers"] == {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize(
    ("command", "tokens", "variables"),
    [
        ("curl -H 'X: $HOME' e.com", ["curl", "-H", "X: $HOME", "e.com"], []),
        ('curl -H "X: ${TOKEN}x" e.com', ["curl", "-H", "X: <<TOKEN>>x", "e.com"], ["TOKEN"]),
        ("curl \\\n  -s \\   \n e.com", ["curl", "-s", "e.com"], []),
        ('curl -d "a \\"q\\" $K" e.com', ["curl", "-d", 'a "q" <<K>>', "e.com"], ["K"]),
        ("curl `\n -s e.com", ["curl", "-s", "e.com"], []),
    ],
)
def test_split_command(command: str, tokens: list[str], variables: list[str]) -> None:
    seen: list[str] = []
    assert split_command(command, seen) == tokens
    assert seen == variables


@pytest.mark.parametrize(
    ("command", "message"),
    [("curl", "empty"), ("curl -s", "no URL"), ("curl 'https://e.com", "cannot split")],
)
def test_broken_commands_are_input_errors(command: str, message: str) -> None:
    with pytest.raises(PostrunError, match=message):
        parse_curl(command)


def test_new_collection_declares_shell_variables_and_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "openai.yaml"
    assert import_to_file(parse_curl(OPENAI), path) == ()
    assert path.read_text(encoding="utf-8").startswith("secrets:\n  - OPENAI_API_KEY\nrequests:")
    collection = load_collection(path, base_dir=tmp_path)
    (request,) = collection.requests
    assert (request.name, request.method, collection.secrets) == (
        "POST /v1/chat/completions",
        "POST",
        ("OPENAI_API_KEY",),
    )
    assert request.body is not None and request.body.value["temperature"] == 0.7


EXISTING = """\
# Users API, kept in git
variables:
  base: https://e.com   # trailing comment
requests:
    - name: GET /users
      url: <<base>>/users   # list them
    # the next one is disabled
"""


def test_append_keeps_the_file_and_matches_indentation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "users.yaml"
    path.write_text(EXISTING, encoding="utf-8")
    notes = import_to_file(parse_curl('curl -H "Authorization: Bearer $TOKEN" e.com/users'), path)
    text = path.read_text(encoding="utf-8")
    # The shell variable is declared in a new `secrets:` list just before `requests:`.
    before = EXISTING.replace("requests:\n", "secrets:\n  - TOKEN\nrequests:\n")
    assert text.startswith(before)
    assert text[len(before) :].startswith("    - name: GET /users (2)\n      method: GET\n")
    assert notes == (
        "a request named 'GET /users' exists; this one is 'GET /users (2)'",
        f"declared TOKEN under `secrets:` in {path}",
    )
    names = [r.name for r in load_collection(path, base_dir=tmp_path).requests]
    assert names == ["GET /users", "GET /users (2)"]


def test_append_to_an_empty_inline_list() -> None:
    text = "name: x  # keep\nrequests: []  # none yet\n"
    updated = append_request(text, {"name": "a", "url": "https://e.com"})
    assert (
        updated == "name: x  # keep\nrequests:\n  - name: a\n    url: https://e.com\n# none yet\n"
    )


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("requests:\n  - name: a\n    url: https://e.com\nvariables: {a: 1}\n", "last top-level"),
        ("requests: [{name: a, url: 'https://e.com'}]\n", "inline"),
        ("- a\n- b\n", "not a mapping"),
        ("requests: {a: 1}\n", "not a list"),
        ("requests:\n  - name: [\n", "not valid YAML"),
    ],
)
def test_append_refuses_files_it_cannot_extend_safely(text: str, why: str) -> None:
    with pytest.raises(PostrunError, match=why) as caught:
        append_request(text, {"name": "n", "url": "https://e.com"}, "c.yaml")
    assert caught.value.hint


def test_collection_text_round_trips_through_the_loader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "cat.png").write_bytes(b"\x89PNG")
    command = "curl -F 'file=@photos/cat.png;type=image/png' -F 'n=1' -k https://e.com/up"
    path = tmp_path / "up.yaml"
    path.write_text(collection_text(parse_curl(command), name="Uploads"), encoding="utf-8")
    collection = load_collection(path, base_dir=tmp_path)
    request = collection.requests[0]
    assert collection.name == "Uploads"
    assert request.options == {"verify": False}
    assert request.body is not None and request.body.kind == "multipart"
    assert request.body.value["file"]["content_type"] == "image/png"


@pytest.mark.parametrize(
    ("quoted", "text"),
    [
        (r"$'line\nnext'", "line\nnext"),
        (r"$'it\'s'", "it's"),
        (r"$'caf\xc3\xa9'", "café"),
        (r"$'\u00e9\t\101'", "é\tA"),
        (r"$'{\"a\":\"x\\ny\"}'", '{"a":"x\\ny"}'),
        (r"$'$HOME stays'", "$HOME stays"),
    ],
)
def test_bash_ansi_c_quoting_is_decoded(quoted: str, text: str) -> None:
    assert split_command(f"curl https://h/x --data-raw {quoted}") == [
        "curl",
        "https://h/x",
        "--data-raw",
        text,
    ]


def test_chrome_copy_as_curl_json_body_becomes_json() -> None:
    command = (
        "curl 'https://h/api' -H 'content-type: application/json' "
        """--data-raw $'{"note":"it\\'s","lines":"a\\\\nb"}'"""
    )
    assert parse_curl(command).request["body"] == {"json": {"note": "it's", "lines": "a\nb"}}


def test_an_unclosed_ansi_c_string_is_an_input_error() -> None:
    with pytest.raises(PostrunError, match=r"\$'...' string is not closed"):
        split_command("curl https://h/x -d $'open")


@pytest.mark.parametrize(
    ("command", "expected", "secrets"),
    [
        (
            "curl -H 'Authorization: Token tk-1234' -H 'token: tk-1234' e.com",
            {"headers": {"Authorization": "Token <<AUTHORIZATION>>", "token": "<<AUTHORIZATION>>"}},
            ("AUTHORIZATION",),
        ),
        (
            "curl 'https://e.com/k/sk-repeated-9?key=sk-repeated-9&key=other-77&q=1'",
            {
                "url": "https://e.com/k/<<KEY>>",
                "params": {"key": ["<<KEY>>", "<<KEY_2>>"], "q": "1"},
            },
            ("KEY", "KEY_2"),
        ),
        (
            "curl -u ann:p http://e.com/p",
            {
                "url": "http://e.com/p",
                "auth": {"basic": {"username": "ann", "password": "<<BASIC_PASSWORD>>"}},
            },
            ("BASIC_PASSWORD",),
        ),
        (
            "curl -u ann:pw-1234 https://bob:other-55@e.com/",
            {
                "url": "https://e.com/",
                "auth": {"basic": {"username": "ann", "password": "<<BASIC_PASSWORD>>"}},
            },
            ("BASIC_PASSWORD",),
        ),
        (
            "curl -H 'Authorization: Basic bm90LWEtbG9naW4=' e.com",
            {"headers": {"Authorization": "Basic <<AUTHORIZATION>>"}},
            ("AUTHORIZATION",),
        ),
        (
            "curl -x http://pu:pp-secret@proxy:3128 -H 'X-Token-Type: Bearer' e.com",
            {"headers": {"X-Token-Type": "Bearer"}, "options": {"proxy": "http://proxy:3128"}},
            (),
        ),
    ],
    ids=[
        "one value one secret",
        "repeated and in the URL",
        "short password",
        "-u wins over the URL",
        "basic without colon",
        "proxy login and a non-secret name",
    ],
)
def test_literal_credentials_become_secrets(
    command: str, expected: dict[str, Any], secrets: tuple[str, ...]
) -> None:
    imported = parse_curl(command)
    assert {key: imported.request[key] for key in expected} == expected
    assert imported.secrets == secrets
    assert len(imported.notes) == len(secrets)
    for value in ("tk-1234", "sk-repeated-9", "other-77", "pw-1234", "other-55", "pp-secret"):
        assert value not in repr(imported)


def test_new_secret_names_avoid_the_taken_ones() -> None:
    imported = parse_curl(
        "curl -H \"Authorization: Bearer $API_KEY\" 'e.com?api_key=ak-12345' -H 'X-Key: xk-12345'",
        taken={"X_KEY", "X_KEY_2"},
    )
    assert imported.request["params"] == {"api_key": "<<API_KEY_2>>"}
    assert imported.request["headers"]["X-Key"] == "<<X_KEY_3>>"
    assert imported.secret_names == ("API_KEY", "X_KEY_3", "API_KEY_2")


def test_scrub_leaves_placeholder_names_alone() -> None:
    vault = SecretVault()
    assert vault.for_literal("AUTHORIZ", "AUTHORIZATION") == "<<AUTHORIZATION>>"
    assert vault.scrub({"a": "AUTHORIZ and <<AUTHORIZATION>>"}) == {
        "a": "<<AUTHORIZATION>> and <<AUTHORIZATION>>"
    }


def test_scrub_never_nests_one_placeholder_in_another() -> None:
    """A secret that is part of another secret's name must not be replaced inside it."""
    imported = parse_curl(
        "curl https://h/x -H 'X-Api-Key: TOKEN' -H 'X-Auth-Token: abcdefgh' -d 'v=abcdefgh'"
    )
    assert imported.request["headers"]["X-Auth-Token"] == "<<X_AUTH_TOKEN>>"
    assert imported.request["body"] == {"form": {"v": "<<X_AUTH_TOKEN>>"}}


def test_a_short_password_is_replaced_only_where_it_stands_whole() -> None:
    """`-u test:test` must not turn api.test.com into api.<<BASIC_PASSWORD>>.com."""
    imported = parse_curl("curl -u ann:test https://api.test.com/tests -d 'name=test'")
    assert imported.request["url"] == "https://api.test.com/tests"
    assert imported.request["name"] == "POST /tests"
    assert imported.request["auth"]["basic"]["password"] == "<<BASIC_PASSWORD>>"
    assert imported.request["body"] == {"form": {"name": "<<BASIC_PASSWORD>>"}}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "name: x\nsecrets:\n  - A   # the first\nrequests: []\n",
            "name: x\nsecrets:\n  - A   # the first\n  - B\n  - C\nrequests: []\n",
        ),
        (
            "secrets: [A, 'b']  # keep\nrequests: []\n",
            "secrets: [A, 'b', B, C]  # keep\nrequests: []\n",
        ),
        ("secrets: []\nrequests: []\n", "secrets: [B, C]\nrequests: []\n"),
        (
            "# top\nname: x\nrequests:\n  - {name: a, url: 'http://h'}\n",
            "# top\nname: x\nsecrets:\n  - B\n  - C\nrequests:\n  - {name: a, url: 'http://h'}\n",
        ),
        ("secrets:\nrequests: []\n", None),
        ("secrets: [A,\n  Z]\nrequests: []\n", None),
        ("secrets: {A: 1}\nrequests: []\n", None),
    ],
)
def test_add_secrets_extends_the_list_or_says_it_cannot(text: str, expected: str | None) -> None:
    assert add_secrets(text, ["B", "C"]) == expected


def test_append_declares_new_secrets_without_clashing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "api.yaml"
    existing = (
        "# the API\nvariables:\n  BEARER_TOKEN: not-a-secret\nsecrets:\n  - AUTHORIZATION\n"
        "requests:\n  - name: one  # first\n    url: https://e.com/one\n"
    )
    path.write_text(existing, encoding="utf-8")
    command = "curl --oauth2-bearer ob-12345 -H 'Authorization: Bearer au-12345' https://e.com/two"
    imported = parse_curl(command, taken=taken_names(path))
    assert imported.secrets == ("BEARER_TOKEN_2", "AUTHORIZATION_2")
    notes = import_to_file(imported, path)
    assert notes == (f"declared BEARER_TOKEN_2, AUTHORIZATION_2 under `secrets:` in {path}",)
    text = path.read_text(encoding="utf-8")
    assert text.startswith(
        existing.replace(
            "AUTHORIZATION\n", "AUTHORIZATION\n  - BEARER_TOKEN_2\n  - AUTHORIZATION_2\n"
        )
    )
    assert "ob-12345" not in text and "au-12345" not in text
    collection = load_collection(path, base_dir=tmp_path)
    assert collection.secrets == ("AUTHORIZATION", "BEARER_TOKEN_2", "AUTHORIZATION_2")
    assert [r.name for r in collection.requests] == ["one", "GET /two"]


def test_append_notes_secrets_it_cannot_declare(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "api.yaml"
    path.write_text("secrets: [A,\n  Z]\nrequests: []\n", encoding="utf-8")
    notes = import_to_file(parse_curl("curl -H 'api-key: ak-12345' https://e.com/"), path)
    assert notes == (f"add API_KEY to `secrets:` in {path} (the request uses them)",)
    assert "<<API_KEY>>" in path.read_text(encoding="utf-8")
    assert taken_names(tmp_path / "missing.yaml") == frozenset()


@pytest.mark.parametrize(
    ("command", "why"),
    [
        ("curl -N https://e.com/events", "-N (--no-buffer) became `stream: sse`"),
        ("curl --no-buffer https://e.com/events", "-N (--no-buffer) became `stream: sse`"),
        ("curl -sSN https://e.com/events", "-N (--no-buffer) became `stream: sse`"),
        (
            "curl -H 'Accept: text/event-stream' https://e.com/events",
            "Accept: text/event-stream became `stream: sse`",
        ),
        (
            "curl -H 'accept: application/json, Text/Event-Stream;q=0.9' https://e.com/events",
            "Accept: text/event-stream became `stream: sse`",
        ),
        (
            "curl -N -H 'Accept: text/event-stream' https://e.com/events",
            "-N (--no-buffer) with Accept: text/event-stream became `stream: sse`",
        ),
    ],
)
def test_a_streaming_command_becomes_stream_sse_with_a_note(command: str, why: str) -> None:
    imported = parse_curl(command)
    assert imported.request["stream"] == "sse"
    assert list(imported.request)[-1] == "stream"
    assert imported.warnings == ()
    (note,) = imported.notes
    assert note.startswith(why) and "an answer that is not text/event-stream" in note


@pytest.mark.parametrize(
    "command",
    [
        "curl https://e.com/events",
        "curl -N --buffer https://e.com/events",  # the last one wins, as in curl
        "curl -H 'Accept: application/json' https://e.com/events",
        "curl -H 'Accept: text/event-streams' https://e.com/events",
    ],
)
def test_a_buffered_command_has_no_stream(command: str) -> None:
    imported = parse_curl(command)
    assert "stream" not in imported.request
    assert imported.notes == () and imported.warnings == ()


def test_a_streaming_import_loads_as_a_stream(tmp_path: Path) -> None:
    command = "curl -N https://e.com/v1/chat -H 'Content-Type: application/json' -d '{\"a\": 1}'"
    path = tmp_path / "s.yaml"
    path.write_text(collection_text(parse_curl(command)), encoding="utf-8")
    (request,) = load_collection(path, base_dir=tmp_path).requests
    assert request.stream is not None
    assert request.body is not None and request.body.kind == "json"


def test_a_json_body_asking_for_a_stream_gets_a_note_without_n() -> None:
    command = "curl https://api.openai.com/v1/chat/completions --json '{\"stream\": true}'"
    imported = parse_curl(command)
    assert "stream" not in imported.request
    assert imported.notes == (
        'the JSON body asks for "stream": true; add `stream: sse` to the request to check the '
        "events it answers with (curl -N would have given it)",
    )
    assert parse_curl(f"{command} -N").request["stream"] == "sse"
    assert parse_curl("curl https://e.com/ --json '{\"stream\": false}'").notes == ()
