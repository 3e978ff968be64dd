"""Import a Postman Collection v2.1 (and its environments) as postrun YAML files.

``import_postman`` writes ``<out>/collections/<slug>.yaml`` and ``<out>/environments/<slug>.yaml``
and returns an ImportSummary whose ``table()`` tells the user what was translated, what was kept
as ``x-postman-*`` text (ignored by the loader, FORMAT.md 0) and which secrets to export.

Secret values never reach the disk: environment values of type ``secret``, variables whose name
looks like a credential, and literal credentials in ``auth`` become ``secrets:`` names, and any
other string holding one of those values gets the ``<<NAME>>`` placeholder instead.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from runner.errors import LoadError, PostrunError
from runner.interop.credentials import PLACEHOLDER, SecretVault, looks_secret, secrets_help
from runner.interop.postman_scripts import translate_test_script
from runner.interop.yaml_out import dump_yaml
from runner.report.files import write_atomic
from runner.source import SourceLocation

__all__ = ["ImportSummary", "RequestReport", "import_postman", "looks_secret", "slugify"]

# Postman dynamic variables with an equivalent of ours (FORMAT.md 1.1).
DYNAMIC_MAP: Mapping[str, str] = {
    "$guid": "$uuid",
    "$randomUUID": "$uuid",
    "$timestamp": "$timestamp",
    "$isoTimestamp": "$isoTimestamp",
    "$randomInt": "$randomInt",
    "$randomAlphaNumeric": "$randomString",  # the closest: Postman's gives one character
}
_POSTMAN_PLACEHOLDER = re.compile(r"\{\{\s*([^{}]+?)\s*\}\}")
_VARIABLE_NAME = re.compile(r"[A-Za-z0-9_.\-]+")
_RAW_CONTENT_TYPES: Mapping[str, str] = {
    "json": "application/json",
    "xml": "application/xml",
    "html": "text/html",
    "javascript": "application/javascript",
}
_SCHEMA_HINT = "export it from Postman as 'Collection v2.1' (… > Export > Collection v2.1)"


@dataclass(frozen=True, slots=True)
class RequestReport:
    """One imported request: its path, what its scripts became, and what was left as text."""

    path: str
    checks: int
    captures: int
    untranslated: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ImportSummary:
    """What ``import_postman`` wrote and what the user still has to do."""

    collection_name: str
    collection_file: Path
    environment_files: tuple[Path, ...]
    requests: tuple[RequestReport, ...]
    secrets: tuple[str, ...]
    notes: tuple[str, ...] = ()

    @property
    def checks(self) -> int:
        return sum(report.checks for report in self.requests)

    @property
    def untranslated(self) -> tuple[RequestReport, ...]:
        return tuple(report for report in self.requests if report.untranslated)

    def table(self) -> str:
        """The console text: files written, a row per request, notes and secrets to set."""
        lines = [f"Imported '{self.collection_name}' -> {self.collection_file}"]
        lines.extend(f"  environment -> {path}" for path in self.environment_files)
        width = max([len("request"), *(len(report.path) for report in self.requests)])
        lines.append("")
        lines.append(f"{'request':<{width}}  checks  captures  not translated")
        for report in self.requests:
            left = ", ".join(report.untranslated) or "-"
            lines.append(
                f"{report.path:<{width}}  {report.checks:>6}  {report.captures:>8}  {left}"
            )
        captures = sum(report.captures for report in self.requests)
        lines.append(
            f"{_plural(len(self.requests), 'request')}, {_plural(self.checks, 'check')} and "
            f"{_plural(captures, 'capture')} translated; "
            f"{_plural(len(self.untranslated), 'request')} with parts not translated"
        )
        if self.untranslated:
            lines.append(
                "Parts not translated are kept in the YAML as x-postman-* text (ignored when "
                "running): rewrite them as assert/capture."
            )
        if self.notes:
            lines.append("")
            lines.append("Notes:")
            lines.extend(f"  - {note}" for note in self.notes)
        if self.secrets:
            lines.append("")
            lines.extend(secrets_help(self.secrets))
        return "\n".join(lines)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def slugify(name: str) -> str:
    """A file name for a collection or environment name: ``My API (v2)`` -> ``my-api-v2``."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    return slug or "collection"


def import_postman(
    collection_file: Path,
    environment_files: Sequence[Path],
    out_dir: Path,
    *,
    overwrite: bool = False,
) -> ImportSummary:
    """Convert a Postman collection (and environments) into YAML files under ``out_dir``."""
    document = _read_json(collection_file)
    collection = _collection_object(document, collection_file)
    environments = [
        (path, _environment_object(_read_json(path), path)) for path in environment_files
    ]
    importer = _Importer(collection_file)
    importer.find_secrets(collection, [env for _, env in environments])
    data = importer.collection(collection)
    name = str(data.get("name") or collection_file.stem)
    outputs: dict[Path, str] = {}
    collection_path = out_dir / "collections" / f"{slugify(name)}.yaml"
    outputs[collection_path] = importer.render(data)
    environment_paths: list[Path] = []
    for path, environment in environments:
        env_data = importer.environment(environment, path)
        target = out_dir / "environments" / f"{slugify(str(env_data['name']))}.yaml"
        if target in outputs:
            raise PostrunError(
                f"two environments would be written to {target}",
                hint="give each Postman environment a different name",
            )
        outputs[target] = importer.render(env_data)
        environment_paths.append(target)
    existing = [path for path in outputs if path.exists()]
    if existing and not overwrite:
        raise PostrunError(
            f"{existing[0]} already exists",
            hint="choose another output folder with -o, or pass --overwrite",
        )
    for path, text in outputs.items():
        write_atomic(path, text)
    return ImportSummary(
        collection_name=name,
        collection_file=collection_path,
        environment_files=tuple(environment_paths),
        requests=tuple(importer.reports),
        secrets=tuple(importer.secret_names()),
        notes=tuple(dict.fromkeys(importer.notes)),
    )


# ------------------------------------------------------------------------------------ reading


def _read_json(path: Path) -> Any:
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


def _collection_object(document: Any, path: Path) -> Mapping[str, Any]:
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


def _environment_object(document: Any, path: Path) -> Mapping[str, Any]:
    if not isinstance(document, dict) or not isinstance(document.get("values"), list):
        hint = "export the environment from Postman (Environments > … > Export)"
        if isinstance(document, dict) and "info" in document:
            hint = "this is a collection: give it as the first argument"
        raise PostrunError(f"'{path}' is not a Postman environment", hint=hint)
    return document


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    return str(value)


def _description(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("content")
    if value is None or value == "":
        return None
    return str(value).replace("\r\n", "\n")


def _enabled(entries: Any) -> Iterator[Mapping[str, Any]]:
    if not isinstance(entries, list):
        return
    for entry in entries:
        if isinstance(entry, dict) and not entry.get("disabled") and entry.get("enabled", True):
            yield entry


# ------------------------------------------------------------------------------------ the work


@dataclass(slots=True)
class _Importer:
    """Holds what one import learns along the way: secrets, notes, per-request reports."""

    source: Path
    collection_secrets: dict[str, None] = field(default_factory=dict)
    typed_names: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    reports: list[RequestReport] = field(default_factory=list)
    vault: SecretVault = field(init=False)

    def __post_init__(self) -> None:
        # The vault writes into our notes so they keep the order things were found in.
        self.vault = SecretVault(notes=self.notes)

    # ------------------------------------------------------------------ secrets

    def find_secrets(
        self, collection: Mapping[str, Any], environments: Sequence[Mapping[str, Any]]
    ) -> None:
        """Every secret name, from every source, before anything is converted."""
        for entry in _enabled(collection.get("variable")):
            name = _text(entry.get("key") or entry.get("id"))
            if not _VARIABLE_NAME.fullmatch(name):
                continue
            marked = (_description(entry.get("description")) or "").startswith("postrun secret")
            if entry.get("type") == "secret" or marked or looks_secret(name):
                self.add_secret(name, entry.get("value"))
                self.collection_secrets[name] = None
        for environment in environments:
            for entry in _enabled(environment.get("values")):
                name = _text(entry.get("key"))
                if not _VARIABLE_NAME.fullmatch(name):
                    continue
                if entry.get("type") == "secret" or looks_secret(name):
                    self.add_secret(name, entry.get("value"))
        # A name secret anywhere is secret everywhere, or the run sees a variable and a secret.
        for environment in environments:
            for entry in _enabled(environment.get("values")):
                name = _text(entry.get("key"))
                if name in self.vault.names:
                    self.add_secret(name, entry.get("value"))

    def add_secret(self, name: str, value: Any) -> None:
        self.vault.add(name, _text(value))

    def secret_names(self) -> list[str]:
        return list(self.vault.names)

    def secret_for_literal(self, value: str, label: str, what: str = "auth") -> str:
        """A literal credential becomes ``<<NAME>>`` of a new secret, its value left behind."""
        placeholder = self.vault.for_literal(value, label, what)
        self.collection_secrets.update(self.vault.created)
        return placeholder

    def credential(self, name: str, value: str, where: str) -> str:
        """A header or param named like a credential, written literally, becomes a secret."""
        placeholder = self.vault.credential(name, value, f"{name} of {where}")
        self.collection_secrets.update(self.vault.created)
        return placeholder

    # ------------------------------------------------------------------ text

    def convert(self, value: Any, where: str) -> str:
        """``{{var}}`` -> ``<<var>>``; an existing ``<<var>>`` is escaped to stay literal."""
        text = PLACEHOLDER.sub(lambda match: "\\" + match.group(0), _text(value))

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("$"):
                if name in DYNAMIC_MAP:
                    return f"<<{DYNAMIC_MAP[name]}>>"
                self.notes.append(
                    f"dynamic variable {{{{{name}}}}} in {where} has no postrun equivalent: "
                    "kept as written"
                )
                return match.group(0)
            if not _VARIABLE_NAME.fullmatch(name):
                self.notes.append(
                    f"variable {{{{{name}}}}} in {where} is not a valid postrun name: "
                    "kept as written"
                )
                return match.group(0)
            return f"<<{name}>>"

        return _POSTMAN_PLACEHOLDER.sub(replace, text)

    def render(self, data: Any) -> str:
        """YAML text for ``data`` with every known secret value replaced by its placeholder."""
        return dump_yaml(self.scrub(data))

    def scrub(self, value: Any) -> Any:
        return self.vault.scrub(value)

    def variables(self, entries: Any, where: str) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for entry in _enabled(entries):
            name = _text(entry.get("key") or entry.get("id"))
            if name in self.vault.names:
                continue
            if not _VARIABLE_NAME.fullmatch(name):
                self.notes.append(f"variable '{name}' in {where} is not a valid name: left out")
                continue
            value = entry.get("value")
            result[name] = (
                value if isinstance(value, (int, float, bool)) else self.convert(value, where)
            )
        return result

    def typed(self, variables: dict[str, Any]) -> dict[str, Any]:
        """Values of names used unquoted in JSON bodies take their JSON type (``0.7`` a number)."""
        result = dict(variables)
        for name in self.typed_names & set(result):
            if isinstance(result[name], str):
                try:
                    parsed = json.loads(result[name])
                except ValueError:
                    continue
                if not isinstance(parsed, (dict, list, str)):
                    result[name] = parsed
        return result

    # ------------------------------------------------------------------ environment

    def environment(self, environment: Mapping[str, Any], path: Path) -> dict[str, Any]:
        name = _text(environment.get("name")) or path.stem
        data: dict[str, Any] = {"name": name}
        variables = self.typed(self.variables(environment.get("values"), f"environment {name}"))
        if variables:
            data["variables"] = variables
        secrets = [
            _text(entry.get("key"))
            for entry in _enabled(environment.get("values"))
            if _text(entry.get("key")) in self.vault.names
        ]
        if secrets:
            data["secrets"] = list(dict.fromkeys(secrets))
        return data

    # ------------------------------------------------------------------ collection

    def collection(self, collection: Mapping[str, Any]) -> dict[str, Any]:
        info = collection["info"]
        name = _text(info.get("name")) or self.source.stem
        data: dict[str, Any] = {"name": name}
        description = _description(info.get("description"))
        if description:
            data["description"] = description
        variables = self.variables(collection.get("variable"), "collection variables")
        defaults, extra = self.scope_defaults(collection, name)
        requests = self.items(collection.get("item", []), ())
        # Typed names are known only once the bodies were read.
        variables = self.typed(variables)
        if variables:
            data["variables"] = variables
        if self.collection_secrets:
            data["secrets"] = list(self.collection_secrets)
        if defaults:
            data["defaults"] = defaults
        data.update(extra)
        data["requests"] = requests
        return data

    def scope_defaults(
        self, owner: Mapping[str, Any], where: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """``defaults`` (auth, checks from folder scripts) and x- keys for a collection/folder."""
        defaults: dict[str, Any] = {}
        extra: dict[str, Any] = {}
        auth = owner.get("auth")
        if isinstance(auth, dict) and auth.get("type") != "noauth":
            converted, leftover = self.auth(auth, where)
            if converted is not None:
                defaults["auth"] = converted
            if leftover:
                extra["x-postman-auth"] = leftover
        tests, prerequest = _scripts(owner.get("event"))
        if tests:
            translation = translate_test_script(tests)
            if translation.untranslated or translation.captures:
                extra["x-postman-tests"] = "\n".join(_clean_lines(tests))
                self.notes.append(f"the test script of '{where}' (run for each request) was kept")
            elif translation.assertions:
                defaults["assert"] = self.convert_tree(dict(translation.assertions), where)
                self.notes.append(
                    f"the test script of '{where}' became defaults.assert "
                    f"({_plural(translation.translated, 'check')} on each of its requests)"
                )
        if prerequest:
            extra["x-postman-prerequest"] = "\n".join(_clean_lines(prerequest))
            self.notes.append(f"the pre-request script of '{where}' was kept, not translated")
        return defaults, extra

    def items(self, items: Any, folders: tuple[str, ...]) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = []
        names: set[str] = set()
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, dict):
                continue
            name = _text(item.get("name")) or "Unnamed"
            unique = name
            number = 2
            while unique in names:
                unique = f"{name} ({number})"
                number += 1
            if unique != name:
                where = "/".join((*folders, name))
                self.notes.append(f"'{where}' appears twice: the second one is '{unique}'")
            names.add(unique)
            if isinstance(item.get("item"), list):
                result.append(self.folder(item, unique, folders))
            elif not _has_url(item.get("request")):
                # A draft without a URL cannot be sent (and does not load): say so, go on.
                where = "/".join((*folders, unique))
                self.notes.append(f"'{where}' has no URL: left out")
            else:
                result.append(self.request(item, unique, folders))
        return result

    def folder(
        self, item: Mapping[str, Any], name: str, folders: tuple[str, ...]
    ) -> dict[str, Any]:
        path = "/".join((*folders, name))
        data: dict[str, Any] = {"name": name}
        description = _description(item.get("description"))
        if description:
            data["description"] = description
        variables = self.variables(item.get("variable"), f"folder {path}")
        defaults, extra = self.scope_defaults(item, path)
        requests = self.items(item["item"], (*folders, name))
        # Typed names are known once the bodies below were read.
        variables = self.typed(variables)
        if variables:
            data["variables"] = variables
        if defaults:
            data["defaults"] = defaults
        data.update(extra)
        data["requests"] = requests
        return data

    def request(
        self, item: Mapping[str, Any], name: str, folders: tuple[str, ...]
    ) -> dict[str, Any]:
        path = "/".join((*folders, name))
        raw_request = item.get("request")
        request: Mapping[str, Any] = (
            {"url": raw_request} if isinstance(raw_request, str) else raw_request or {}
        )
        data: dict[str, Any] = {"name": name}
        description = _description(request.get("description") or item.get("description"))
        if description:
            data["description"] = description
        method = _text(request.get("method")) or "GET"
        if method.upper() != "GET":
            data["method"] = method.upper()
        url, params = self.url(request.get("url"), path)
        data["url"] = url
        if params:
            data["params"] = params
        headers = self.headers(request.get("header"), path)
        body = request.get("body")
        converted_body = None
        if isinstance(body, dict) and body.get("mode") and not body.get("disabled"):
            converted_body = self.body(body, path, headers)  # may add a Content-Type
        if headers:
            data["headers"] = headers
        if isinstance(request.get("auth"), dict):
            auth = request["auth"]
            if auth.get("type") == "noauth":
                data["auth"] = "none"
            else:
                converted, leftover = self.auth(auth, path)
                if converted is not None:
                    data["auth"] = converted
                if leftover:
                    data["x-postman-auth"] = leftover
        if converted_body is not None:
            data["body"] = converted_body
        untranslated: list[str] = []
        checks = captures = 0
        tests, prerequest = _scripts(item.get("event"))
        if tests:
            translation = translate_test_script(tests)
            if translation.assertions:
                data["assert"] = self.convert_tree(dict(translation.assertions), path)
            if translation.captures:
                data["capture"] = dict(translation.captures)
            checks, captures = (
                translation.translated - len(translation.captures),
                len(translation.captures),
            )
            if translation.untranslated:
                data["x-postman-tests"] = "\n\n".join(
                    "\n".join(_clean_lines(part.splitlines())) for part in translation.untranslated
                )
                count = len(translation.untranslated)
                untranslated.append(f"test script ({_plural(count, 'statement')})")
        if prerequest:
            data["x-postman-prerequest"] = "\n".join(_clean_lines(prerequest))
            untranslated.append("pre-request script")
        if "x-postman-auth" in data:
            untranslated.append("auth")
        options = self.options(item, request)
        if options:
            data["options"] = options
        examples = self.examples(item.get("response"))
        if examples:
            data["examples"] = examples
        self.reports.append(RequestReport(path, checks, captures, tuple(untranslated)))
        return data

    def convert_tree(self, value: Any, where: str) -> Any:
        """Expected values of checks: only escape our own ``<<`` syntax (scripts had none)."""
        if isinstance(value, str):
            return PLACEHOLDER.sub(
                lambda match: (
                    match.group(0)
                    if value.strip() == match.group(0) and value.startswith("<<")
                    else "\\" + match.group(0)
                ),
                value,
            )
        if isinstance(value, dict):
            return {key: self.convert_tree(item, where) for key, item in value.items()}
        if isinstance(value, list):
            return [self.convert_tree(item, where) for item in value]
        return value

    def options(self, item: Mapping[str, Any], request: Mapping[str, Any]) -> dict[str, Any]:
        behaviour = item.get("protocolProfileBehavior") or request.get("protocolProfileBehavior")
        options: dict[str, Any] = {}
        if isinstance(behaviour, dict):
            if behaviour.get("followRedirects") is False:
                options["follow_redirects"] = False
            if behaviour.get("strictSSL") is False:
                options["verify"] = False
        return options

    # ------------------------------------------------------------------ url, headers

    def url(self, url: Any, where: str) -> tuple[str, dict[str, Any]]:
        params: dict[str, Any] = {}
        if isinstance(url, dict):
            raw = _text(url.get("raw"))
            if not raw:
                raw = self.url_from_parts(url)
            base, _, query = raw.partition("?")
            base = base.split("#", 1)[0]
            if isinstance(url.get("query"), list):
                for entry in _enabled(url.get("query")):
                    self.add_param(params, entry.get("key"), entry.get("value"), where)
            else:  # some exports carry the query only in ``raw``
                self.query_string(params, query, where)
            for entry in _enabled(url.get("variable")):
                key = _text(entry.get("key"))
                if key and entry.get("value") is not None:
                    base = re.sub(rf"(?<=/):{re.escape(key)}(?=/|$)", _text(entry["value"]), base)
        else:
            base, _, query = _text(url).partition("?")
            self.query_string(params, query, where)
        return self.convert(base, where), params

    def query_string(self, params: dict[str, Any], query: str, where: str) -> None:
        for part in filter(None, query.split("#", 1)[0].split("&")):
            key, _, value = part.partition("=")
            self.add_param(params, key, value, where)

    def url_from_parts(self, url: Mapping[str, Any]) -> str:
        host = url.get("host", "")
        host_text = ".".join(map(_text, host)) if isinstance(host, list) else _text(host)
        path = url.get("path", "")
        path_text = "/".join(map(_text, path)) if isinstance(path, list) else _text(path)
        protocol = _text(url.get("protocol"))
        prefix = f"{protocol}://" if protocol else ""
        port = f":{url['port']}" if url.get("port") else ""
        return f"{prefix}{host_text}{port}/{path_text.lstrip('/')}"

    def add_param(self, params: dict[str, Any], key: Any, value: Any, where: str) -> None:
        name = _text(key)
        text = _text(value)
        if re.search(r"%[0-9A-Fa-f]{2}", name + text):
            # Postman keeps what was typed; requests encodes again, so decode once here.
            name, text = unquote(name), unquote(text)
        name, text = self.convert(name, where), self.convert(text, where)
        text = self.credential(name, text, where)
        if name in params:
            existing = params[name]
            params[name] = [*existing, text] if isinstance(existing, list) else [existing, text]
        else:
            params[name] = text

    def headers(self, entries: Any, where: str) -> dict[str, str]:
        headers: dict[str, str] = {}
        if isinstance(entries, str):
            entries = [
                {"key": line.partition(":")[0].strip(), "value": line.partition(":")[2].strip()}
                for line in entries.splitlines()
                if ":" in line
            ]
        for entry in _enabled(entries):
            name = self.convert(entry.get("key"), where)
            if not name:
                continue
            for existing in list(headers):
                if existing.lower() == name.lower():
                    self.notes.append(f"header {name} is set twice in {where}: the last one kept")
                    del headers[existing]
            headers[name] = self.credential(name, self.convert(entry.get("value"), where), where)
        return headers

    # ------------------------------------------------------------------ auth

    def auth(self, auth: Mapping[str, Any], where: str) -> tuple[Any, str | None]:
        """Our auth block (or None) and the Postman auth kept as text when not translated."""
        kind = _text(auth.get("type"))
        fields = _auth_fields(auth.get(kind))

        def value(key: str) -> str:
            return self.convert(fields.get(key, ""), where)

        def secret(key: str, label: str) -> str:
            return self.secret_for_literal(value(key), label)

        if kind == "bearer":
            return {"bearer": secret("token", "BEARER_TOKEN")}, None
        if kind in ("basic", "digest"):
            if kind == "digest" and any(fields.get(key) for key in ("realm", "nonce", "opaque")):
                self.notes.append(f"digest auth of {where}: realm/nonce/opaque are negotiated")
            credentials = {
                "username": value("username"),
                "password": secret("password", f"{kind.upper()}_PASSWORD"),
            }
            return {kind: credentials}, None
        if kind == "apikey":
            place = "query" if _text(fields.get("in")) == "query" else "header"
            return {
                "apikey": {place: value("key") or "X-API-Key", "value": secret("value", "API_KEY")}
            }, None
        if kind == "oauth2" and _text(fields.get("grant_type")) == "client_credentials":
            oauth: dict[str, str] = {
                "token_url": value("accessTokenUrl"),
                "client_id": value("clientId"),
                "client_secret": secret("clientSecret", "OAUTH2_CLIENT_SECRET"),
            }
            if fields.get("scope"):
                oauth["scope"] = value("scope")
            return {"oauth2": oauth}, None
        self.notes.append(f"auth type '{kind}' of {where} is not supported: kept as x-postman-auth")
        # The kept text names the fields, never their values (they are often credentials).
        return None, f"type: {kind}; fields: {', '.join(sorted(fields)) or '-'}"

    # ------------------------------------------------------------------ body

    def body(
        self, body: Mapping[str, Any], where: str, headers: dict[str, str]
    ) -> dict[str, Any] | None:
        mode = _text(body.get("mode"))
        if mode == "raw":
            return self.raw_body(body, where, headers)
        if mode == "urlencoded":
            form: dict[str, Any] = {}
            for entry in _enabled(body.get("urlencoded")):
                self.add_form(
                    form, entry.get("key"), self.convert(entry.get("value"), where), where
                )
            return {"form": form}
        if mode == "formdata":
            parts: dict[str, Any] = {}
            for entry in _enabled(body.get("formdata")):
                if entry.get("type") == "file":
                    source = entry.get("src")
                    if isinstance(source, list):
                        source = source[0] if len(source) == 1 else None
                    if not source:
                        self.notes.append(
                            f"file part '{entry.get('key')}' of {where} names no single file: "
                            "left out"
                        )
                        continue
                    part: dict[str, Any] = {"file": _text(source)}
                    if entry.get("contentType"):
                        part["content_type"] = _text(entry["contentType"])
                    self.add_form(parts, entry.get("key"), part, where)
                    self.notes.append(
                        f"{where} uploads '{source}': paths are relative to the collection file"
                    )
                else:
                    self.add_form(
                        parts, entry.get("key"), self.convert(entry.get("value"), where), where
                    )
            return {"multipart": parts}
        if mode == "file":
            source = (body.get("file") or {}).get("src")
            if not source:
                self.notes.append(f"the file body of {where} names no file: left out")
                return None
            self.notes.append(
                f"{where} sends '{source}': paths are relative to the collection file"
            )
            return {"file": _text(source)}
        if mode == "graphql":
            graphql = body.get("graphql") or {}
            query = self.convert(graphql.get("query"), where)
            variables_text = _text(graphql.get("variables")).strip()
            variables: Any = {}
            if variables_text:
                try:
                    variables = self.json_with_placeholders(variables_text, where)
                except (ValueError, RecursionError):
                    variables = None
                if not isinstance(variables, dict):
                    self.notes.append(
                        f"graphql variables of {where} are not a JSON object: left out"
                    )
                    variables = {}
            return {"graphql": {"query": query, "variables": variables}}
        self.notes.append(f"body mode '{mode}' of {where} is not supported: left out")
        return None

    def add_form(self, form: dict[str, Any], key: Any, value: Any, where: str) -> None:
        name = self.convert(key, where)
        if name in form:
            existing = form[name]
            if isinstance(value, dict) or isinstance(existing, dict):
                self.notes.append(f"part '{name}' of {where} repeats: the last one kept")
                form[name] = value
                return
            form[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            form[name] = value

    def raw_body(
        self, body: Mapping[str, Any], where: str, headers: dict[str, str]
    ) -> dict[str, Any]:
        text = _text(body.get("raw"))
        options = body.get("options") or {}
        language = _text(
            ((options.get("raw") or {}) if isinstance(options, dict) else {}).get("language")
        )
        has_type = any(name.lower() == "content-type" for name in headers)
        declared = next(
            (value for name, value in headers.items() if name.lower() == "content-type"), ""
        )
        if language == "json" or (not language and "json" in declared.lower()):
            try:
                value = self.json_with_placeholders(text, where)
            except (ValueError, RecursionError):
                value = None
            else:
                return {"json": value}
        content_type = _RAW_CONTENT_TYPES.get(language)
        if content_type and not has_type:
            headers["Content-Type"] = content_type
        return {"raw": self.convert(text, where)}

    def json_with_placeholders(self, text: str, where: str) -> Any:
        """Parse JSON text holding ``{{var}}``, quoted or not; ValueError when it is not JSON.

        An unquoted ``{{temp}}`` becomes the string ``<<temp>>``, which typed substitution sends
        with the variable's type: the variable's value is given a JSON type to match.
        """
        marks: dict[str, str] = {}
        pieces: list[str] = []
        index = 0
        in_string = False
        while index < len(text):
            char = text[index]
            if in_string:
                if char == "\\":
                    pieces.append(text[index : index + 2])
                    index += 2
                    continue
                if char == '"':
                    in_string = False
            elif char == '"':
                in_string = True
            match = _POSTMAN_PLACEHOLDER.match(text, index) if char == "{" else None
            if match and not in_string:
                mark = f"\u0000postrun{len(marks)}\u0000"
                marks[mark] = self.convert(match.group(0), where)
                name = match.group(1)
                if _VARIABLE_NAME.fullmatch(name):
                    self.typed_names.add(name)
                pieces.append(json.dumps(mark))
                index = match.end()
                continue
            pieces.append(char)
            index += 1
        value = json.loads("".join(pieces))

        def restore(item: Any) -> Any:
            if isinstance(item, str):
                return marks[item] if item in marks else self.convert(item, where)
            if isinstance(item, dict):
                return {restore(key): restore(inner) for key, inner in item.items()}
            if isinstance(item, list):
                return [restore(inner) for inner in item]
            return item

        return restore(value)

    # ------------------------------------------------------------------ examples

    def examples(self, responses: Any) -> list[dict[str, Any]]:
        examples: list[dict[str, Any]] = []
        names: set[str] = set()
        for response in responses if isinstance(responses, list) else []:
            if not isinstance(response, dict):
                continue
            name = _text(response.get("name")) or "example"
            unique, number = name, 2
            while unique in names:
                unique, number = f"{name} ({number})", number + 1
            names.add(unique)
            example: dict[str, Any] = {"name": unique}
            code = response.get("code")
            if isinstance(code, int) and 100 <= code <= 599:
                example["status"] = code
            headers = {
                _escape(_text(entry.get("key"))): _escape(_text(entry.get("value")))
                for entry in _enabled(response.get("header"))
                if entry.get("key")
            }
            if headers:
                example["headers"] = headers
            body_text = _text(response.get("body"))
            if body_text:
                try:
                    parsed = json.loads(body_text)
                except (ValueError, RecursionError):
                    parsed = None
                example["body"] = (
                    _escape_tree(parsed) if isinstance(parsed, (dict, list)) else _escape(body_text)
                )
            examples.append(example)
        return examples


def _has_url(request: Any) -> bool:
    if isinstance(request, str):
        return bool(request.strip())
    if not isinstance(request, dict):
        return False
    url = request.get("url")
    if isinstance(url, dict):
        return bool(_text(url.get("raw")).strip() or url.get("host") or url.get("path"))
    return bool(_text(url).strip())


def _escape(text: str) -> str:
    # Postman does not template saved responses: our own syntax in them must stay literal.
    return PLACEHOLDER.sub(lambda match: "\\" + match.group(0), text)


def _escape_tree(value: Any) -> Any:
    if isinstance(value, str):
        return _escape(value)
    if isinstance(value, dict):
        return {_escape(key): _escape_tree(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_escape_tree(item) for item in value]
    return value


def _auth_fields(value: Any) -> dict[str, Any]:
    """Postman auth parameters: a list of ``{key, value}`` (v2.1) or a mapping (v2.0)."""
    if isinstance(value, dict):
        return dict(value)
    fields: dict[str, Any] = {}
    if isinstance(value, list):
        for entry in value:
            if isinstance(entry, dict) and "key" in entry:
                fields[_text(entry["key"])] = entry.get("value")
    return fields


def _scripts(events: Any) -> tuple[list[str], list[str]]:
    """The (test, prerequest) script lines of an ``event`` list, empty lines dropped at the ends."""
    tests: list[str] = []
    prerequest: list[str] = []
    for event in events if isinstance(events, list) else []:
        if not isinstance(event, dict) or event.get("disabled"):
            continue
        script = event.get("script") or {}
        lines = script.get("exec") if isinstance(script, dict) else None
        if isinstance(lines, str):
            lines = lines.splitlines()
        if not isinstance(lines, list):
            continue
        target = tests if event.get("listen") == "test" else prerequest
        target.extend(_text(line) for line in lines)
    return _trim(tests), _trim(prerequest)


def _trim(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _clean_lines(lines: Sequence[str]) -> list[str]:
    # Trailing spaces would force a quoted scalar; tabs read badly in YAML.
    return [line.rstrip().replace("\t", "    ") for line in lines]
