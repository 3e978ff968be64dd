"""The Postman corpus (tests/data/postman/corpus): a loopback API its exports run against, and
the figures of issue 16 (import, validate, mock run, round trip, scripts translated).

Each export is modelled on the v2.1 schema and on the shapes of real exports (large public
APIs, course projects, awsv4/ntlm/oauth1/hawk, GraphQL, uploads, v2.0, a v3 folder).
``expected.json`` says, per export, the variables a run overrides (``{base}`` is the server),
the secrets' values, the environment file, and where postrun's verdict differs from what a
Postman run gives, with why. Used by tests/integration/test_postman_corpus.py and by
``python -m benchmarks.postman_corpus``, which prints the figures.
"""

from __future__ import annotations

import base64
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

CORPUS = Path(__file__).resolve().parents[1] / "data" / "postman" / "corpus"
USERS = [
    {
        "id": 1,
        "name": "Ada",
        "email": "ada@example.com",
        "active": True,
        "age": 36,
        "role": "admin",
        "tags": [],
        "manager": None,
    },
    {"id": 2, "name": "Linus", "email": "linus@example.com", "active": False, "age": 54},
]
TOKEN = "tok-123"


def exports() -> list[Path]:
    """Every export of the corpus: the v2.x JSON files and the v3 folders."""
    files = sorted(CORPUS.glob("*.postman_collection.json"))
    folders = sorted(path for path in CORPUS.iterdir() if (path / ".resources").is_dir())
    return [*files, *folders]


def name_of(export: Path) -> str:
    return export.name.removesuffix(".postman_collection.json")


def expected(export: Path) -> dict[str, Any]:
    table = json.loads((CORPUS / "expected.json").read_text(encoding="utf-8"))
    return table[name_of(export)] or {}


@dataclass
class _Reply:
    status: int
    body: Any = None
    headers: dict[str, str] | None = None


class _Api(BaseHTTPRequestHandler):
    """The routes the corpus calls (users, login, echo, GraphQL, signed auth, uploads)."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def _handle(self) -> None:
        split = urlsplit(self.path)
        data = self._body()
        reply = route(self.command, split.path, parse_qs(split.query), dict(self.headers), data)
        headers = {"X-Request-Id": "req-1", "X-RateLimit-Remaining": "99", **(reply.headers or {})}
        if isinstance(reply.body, (dict, list)):
            payload = json.dumps(reply.body).encode()
            headers.setdefault("Content-Type", "application/json")
        else:
            payload = (reply.body or "").encode()
            if payload:
                headers.setdefault("Content-Type", "text/plain; charset=utf-8")
        self.send_response(reply.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def _body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", ""):
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                chunk = self.rfile.read(size + 2)[:size]
                if not size:
                    return b"".join(chunks)
                chunks.append(chunk)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle


def route(
    method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], data: bytes
) -> _Reply:
    """The API's answer to one request."""
    auth = headers.get("Authorization", "")
    body = _json(data)
    user = re.fullmatch(r"/users/(\d+)", path)
    if path == "/users":
        if method == "POST":
            return _Reply(201, {"id": 3, **(body or {})})
        return _Reply(200, USERS)
    if user:
        number = int(user.group(1))
        if method == "DELETE":
            return _Reply(204)
        if method in ("PUT", "PATCH"):
            return _Reply(200, {"id": number, **(body or {})})
        found = [item for item in USERS if item["id"] == number]
        return _Reply(200, found[0]) if found else _Reply(404, {"error": "not found"})
    if path == "/login":
        good = isinstance(body, dict) and body.get("password") == "secret-pw"
        return _Reply(200, {"token": TOKEN, "expires_in": 3600}) if good else _Reply(401)
    if path == "/token":
        expected_basic = base64.b64encode(b"my-app:cl-secret").decode()
        if auth != f"Basic {expected_basic}":
            return _Reply(401, {"error": "invalid_client"})
        return _Reply(200, {"access_token": TOKEN, "token_type": "bearer", "expires_in": 3600})
    if path == "/me":
        return _Reply(200, USERS[0]) if auth == f"Bearer {TOKEN}" else _Reply(401)
    status = re.fullmatch(r"/status/(\d{3})", path)
    if status:
        return _Reply(int(status.group(1)), {"status": int(status.group(1))})
    if path == "/text":
        return _Reply(200, "hello world")
    if path == "/graphql":
        variables = (body or {}).get("variables") or {}
        return _Reply(200, {"data": {"user": {"id": variables.get("id"), "name": "Ada"}}})
    if path.startswith("/oauth1/"):
        signed = auth.startswith("OAuth ") and "oauth_signature=" in auth
        return _Reply(200, {"signed": True}) if signed else _Reply(401, {"signed": False})
    if path.startswith("/aws/"):
        return _Reply(200, {"ok": True}) if auth.startswith("AWS4-HMAC-SHA256 ") else _Reply(403)
    if path == "/basic":
        good = "Basic " + base64.b64encode(b"ada:open-sesame").decode()
        return _Reply(200, {"authenticated": True}) if auth == good else _Reply(401)
    if path in ("/ntlm", "/hawk"):
        scheme = "NTLM" if path == "/ntlm" else "Hawk"
        if auth.startswith(scheme + " "):
            return _Reply(200, {"authenticated": True})
        return _Reply(401, {"error": "unauthorized"}, {"WWW-Authenticate": scheme})
    if path == "/upload" or path.startswith("/anything"):
        return _Reply(200, _echo(method, path, query, headers, data))
    return _Reply(404, {"error": f"no route {path}"})


def _json(data: bytes) -> Any:
    try:
        return json.loads(data) if data else None
    except ValueError:
        return None


def _echo(
    method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], data: bytes
) -> dict[str, Any]:
    """What was received, as httpbin's /anything answers (header names title-cased)."""
    content_type = headers.get("Content-Type", "")
    form: dict[str, str] = {}
    files: dict[str, int] = {}
    if content_type.startswith("application/x-www-form-urlencoded"):
        form = {key: values[0] for key, values in parse_qs(data.decode()).items()}
    elif content_type.startswith("multipart/form-data"):
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {content_type}\r\n\r\n".encode() + data
        )
        for part in message.iter_parts():
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True) or b""
            if part.get_filename() is not None:
                files[str(name)] = len(payload)
            else:
                form[str(name)] = payload.decode()
    return {
        "method": method,
        "path": path,
        "args": {key: values[0] for key, values in query.items()},
        "headers": {name.title(): value for name, value in headers.items()},
        "json": _json(data) if "json" in content_type else None,
        "form": form,
        "files": files,
    }


@contextmanager
def serve() -> Iterator[str]:
    """The API on 127.0.0.1 in a daemon thread; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Api)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------------------- figures


@dataclass
class Outcome:
    """What happened to one export."""

    name: str
    imported: bool = False
    validated: bool = False
    mock_ok: bool = False
    round_trip: bool = False
    verdicts_match: bool = False  # Postman's verdicts, or the documented difference
    same_as_postman: bool = False  # every request as a Postman run gives it
    tests_blocks: tuple[int, int] = (0, 0)  # pm.test blocks: total, translated
    legacy_lines: tuple[int, int] = (0, 0)  # tests[...] lines: total, translated
    problem: str = ""


def run_vars(export: Path, base: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The --var values and the secrets' environment for a run of ``export``."""
    table = expected(export)
    cli_vars = {
        name: value.replace("{base}", base) if isinstance(value, str) else value
        for name, value in {**table.get("vars", {}), **table.get("vars_extra", {})}.items()
    }
    return cli_vars, dict(table.get("secrets", {}))


def import_export(export: Path, out: Path) -> Any:
    """``import_postman`` of ``export`` (with its environment) into ``out``."""
    from runner.interop.postman_import import import_postman

    environment = expected(export).get("environment")
    environments = [CORPUS / environment] if environment else []
    return import_postman(export, environments, out)


def script_share(export: Path) -> tuple[tuple[int, int], tuple[int, int]]:
    """(pm.test blocks, translated), (tests[...] lines, translated) over the export's scripts."""
    from runner.interop.postman.fields import script_lines
    from runner.interop.postman_scripts import split_statements, translate_test_script

    blocks = [0, 0]
    legacy = [0, 0]
    for lines in _test_scripts(export, script_lines):
        translation = translate_test_script(lines)
        left = set(translation.untranslated)
        for statement in split_statements("\n".join(lines)):
            counter = blocks if statement.startswith("pm.test(") else None
            if statement.startswith("tests["):
                counter = legacy
            if counter is not None:
                counter[0] += 1
                counter[1] += statement not in left
    return (blocks[0], blocks[1]), (legacy[0], legacy[1])


def _test_scripts(export: Path, script_lines: Any) -> Iterator[list[str]]:
    if export.is_dir():
        from runner.interop.postman.v3 import read_v3

        document: Any = read_v3(export)
    else:
        document = json.loads(export.read_text(encoding="utf-8"))

    def walk(node: Any) -> Iterator[list[str]]:
        tests, _ = script_lines(node.get("event"))
        if tests:
            yield tests
        for child in node.get("item") or ():
            yield from walk(child)

    yield from walk(document)


def load(summary: Any, work: Path) -> tuple[Any, Any]:
    """The imported collection and environment, loaded as ``postrun run`` loads them."""
    from runner.loader import load_collection, load_environment

    collection = load_collection(summary.collection_file, base_dir=work)
    environment = None
    if summary.environment_files:
        environment = load_environment(summary.environment_files[0])
    return collection, environment


def run(export: Path, summary: Any, work: Path, base: str, **options: Any) -> Any:
    """Run the imported collection on one session; the RunResult."""
    from runner.engine import Engine, RunOptions, plan_run
    from runner.transport import new_session

    collection, environment = load(summary, work)
    cli_vars, secrets = run_vars(export, base)
    plan = plan_run(
        [collection],
        RunOptions(cli_vars=cli_vars, environ=secrets, environment=environment, **options),
    )
    with new_session() as session:
        return Engine(plan, session, []).run()


def verdicts(export: Path, result: Any) -> tuple[dict[str, str], dict[str, str]]:
    """(postrun's verdict, Postman's) for each request: pass, fail or skipped."""
    differs = expected(export).get("verdicts", {})
    ours: dict[str, str] = {}
    postman: dict[str, str] = {}
    for request in result.requests:
        verdict = "skipped" if request.skipped else ("pass" if request.passed else "fail")
        ours[request.path] = verdict
        postman[request.path] = differs.get(request.path, ["pass", "pass"])[0]
    return ours, postman


def round_trip(summary: Any, work: Path) -> tuple[str, str]:
    """The imported YAML files, and those of importing their export again (the collection
    with its environment, as ``export postman --env`` writes them)."""
    from runner.interop.postman_export import export_postman, export_postman_environment
    from runner.interop.postman_import import import_postman

    collection, environment = load(summary, work)
    work.mkdir(parents=True, exist_ok=True)
    exported = work / "exported.postman_collection.json"
    exported.write_text(json.dumps(export_postman([collection])), encoding="utf-8")
    environments = []
    if environment is not None:
        environments.append(work / "exported.postman_environment.json")
        document = export_postman_environment(environment)
        environments[0].write_text(json.dumps(document), encoding="utf-8")
    again = import_postman(exported, environments, work / "again")

    def texts(files: list[Path]) -> str:
        return "\n---\n".join(file.read_text(encoding="utf-8") for file in files)

    return (
        texts([summary.collection_file, *summary.environment_files]),
        texts([again.collection_file, *again.environment_files]),
    )


def outcome(export: Path, work: Path, base: str) -> Outcome:
    """Every figure for one export, run in ``work`` (the working directory)."""
    from runner.errors import PostrunError
    from runner.validation import validate

    result = Outcome(name_of(export))
    result.tests_blocks, result.legacy_lines = script_share(export)
    try:
        summary = import_export(export, work / "imported")
        result.imported = True
        collection, environment = load(summary, work)
        cli_vars, _ = run_vars(export, base)
        validate([collection], environment=environment, cli_vars=cli_vars, environ={}, dotenv={})
        result.validated = True
        mocked = run(export, summary, work, base, mock=True, mock_missing="skip")
        result.mock_ok = mocked.exit_code == 0
        ours, postman = verdicts(export, run(export, summary, work, base))
        differs = expected(export).get("verdicts", {})
        result.verdicts_match = all(
            ours[path] == differs.get(path, ["pass", "pass"])[1] for path in ours
        ) and all(ours[path] == postman[path] for path in ours if path not in differs)
        result.same_as_postman = ours == postman
        first, second = round_trip(summary, work)
        result.round_trip = first == second
    except PostrunError as exc:
        result.problem = exc.message
    return result
