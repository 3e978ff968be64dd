"""The collection's tree: folders and requests, with their scripts, options and defaults.

Each converter takes the Importer of the import, which keeps the notes, the reports and the
secrets found; URLs, bodies, auth and examples are converted by their own modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runner.interop.credentials import PLACEHOLDER
from runner.interop.postman.auth import convert_auth
from runner.interop.postman.bodies import convert_body
from runner.interop.postman.examples import convert_examples
from runner.interop.postman.fields import as_text, clean_lines, description_of, plural, script_lines
from runner.interop.postman.importer import Importer
from runner.interop.postman.script_checks import translate_test_script
from runner.interop.postman.summary import RequestReport
from runner.interop.postman.urls import convert_headers, convert_url

DRAFT_SKIP = "no URL in the Postman export (a draft): add a url, then remove this skip"


def convert_collection(importer: Importer, collection: Mapping[str, Any]) -> dict[str, Any]:
    """The collection file's data: name, variables, secrets, defaults, the request tree."""
    info = collection["info"]
    name = as_text(info.get("name")) or importer.source.stem
    data: dict[str, Any] = {"name": name}
    description = description_of(info.get("description"))
    if description:
        data["description"] = description
    variables = importer.variables(collection.get("variable"), "collection variables")
    defaults, extra = _scope_defaults(importer, collection, name)
    requests = _items(importer, collection.get("item", []), ())
    # Typed names are known only once the bodies were read.
    variables = importer.typed(variables)
    for key, value in importer.path_defaults.items():
        variables.setdefault(key, value)
    set_by_script = importer.undeclared_sets(variables)
    importer.declare_used_credentials(requests, variables, defaults)
    if variables:
        data["variables"] = variables
    if importer.collection_secrets:
        data["secrets"] = list(importer.collection_secrets)
    if set_by_script:
        data["set_by_script"] = set_by_script
    if defaults:
        data["defaults"] = defaults
    data.update(extra)
    data["requests"] = requests
    return data


def _scope_defaults(
    importer: Importer, owner: Mapping[str, Any], where: str
) -> tuple[dict[str, Any], dict[str, Any]]:
    """``defaults`` (auth, checks from folder scripts) and x- keys for a collection/folder."""
    defaults: dict[str, Any] = {}
    extra: dict[str, Any] = {}
    auth = owner.get("auth")
    if isinstance(auth, dict) and auth.get("type") != "noauth":
        converted, leftover = convert_auth(importer, auth, where)
        if converted is not None:
            defaults["auth"] = converted
        if leftover:
            extra["x-postman-auth"] = leftover
    tests, prerequest = script_lines(owner.get("event"))
    if tests:
        translation = translate_test_script(tests)
        if translation.untranslated or translation.captures:
            extra["x-postman-tests"] = "\n".join(clean_lines(tests))
            importer.script_sets_in(extra["x-postman-tests"], where)
            importer.notes.append(f"the test script of '{where}' (run for each request) was kept")
        elif translation.assertions:
            defaults["assert"] = _convert_tree(dict(translation.assertions), where)
            importer.notes.append(
                f"the test script of '{where}' became defaults.assert "
                f"({plural(translation.translated, 'check')} on each of its requests)"
            )
    if prerequest:
        extra["x-postman-prerequest"] = "\n".join(clean_lines(prerequest))
        importer.script_sets_in(extra["x-postman-prerequest"], where)
        importer.notes.append(f"the pre-request script of '{where}' was kept, not translated")
    return defaults, extra


def _items(importer: Importer, items: Any, folders: tuple[str, ...]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    names: set[str] = set()
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        name = as_text(item.get("name")) or "Unnamed"
        unique = name
        number = 2
        while unique in names:
            unique = f"{name} ({number})"
            number += 1
        if unique != name:
            where = "/".join((*folders, name))
            importer.notes.append(f"'{where}' appears twice: the second one is '{unique}'")
        names.add(unique)
        if isinstance(item.get("item"), list):
            result.append(_folder(importer, item, unique, folders))
        else:
            result.append(_request(importer, item, unique, folders))
    return result


def _folder(
    importer: Importer, item: Mapping[str, Any], name: str, folders: tuple[str, ...]
) -> dict[str, Any]:
    path = "/".join((*folders, name))
    data: dict[str, Any] = {"name": name}
    description = description_of(item.get("description"))
    if description:
        data["description"] = description
    variables = importer.variables(item.get("variable"), f"folder {path}")
    defaults, extra = _scope_defaults(importer, item, path)
    requests = _items(importer, item["item"], (*folders, name))
    # Typed names are known once the bodies below were read.
    variables = importer.typed(variables)
    if variables:
        data["variables"] = variables
    if defaults:
        data["defaults"] = defaults
    data.update(extra)
    data["requests"] = requests
    return data


def _request(
    importer: Importer, item: Mapping[str, Any], name: str, folders: tuple[str, ...]
) -> dict[str, Any]:
    path = "/".join((*folders, name))
    raw_request = item.get("request")
    request: Mapping[str, Any] = (
        {"url": raw_request}
        if isinstance(raw_request, str)
        else raw_request
        if isinstance(raw_request, dict)
        else {}  # a draft, or a broken export: kept as a request with no URL
    )
    data: dict[str, Any] = {"name": name}
    description = description_of(request.get("description") or item.get("description"))
    if description:
        data["description"] = description
    method = as_text(request.get("method")) or "GET"
    if method.upper() != "GET":
        data["method"] = method.upper()
    importer.request_paths = {}
    if _has_url(raw_request):
        url, params = convert_url(importer, request.get("url"), path)
        data["url"] = url
        if params:
            data["params"] = params
    headers = convert_headers(importer, request.get("header"), path)
    body = request.get("body")
    converted_body = None
    if _has_body(body):
        converted_body = convert_body(importer, body, path, headers)  # may add a Content-Type
    if headers:
        data["headers"] = headers
    _request_auth(importer, request.get("auth"), data, path)
    if converted_body is not None:
        data["body"] = converted_body
    checks, captures, untranslated = _request_scripts(importer, item, data, path)
    if "x-postman-auth" in data:
        untranslated.append("auth")
    options = _options(item, request)
    if "url" not in data:
        # A draft cannot be sent; kept skipped, with no url, it loads and exports back as it was.
        options["skip"] = DRAFT_SKIP
        importer.notes.append(f"'{path}' has no URL (a draft): kept with options.skip")
    if options:
        data["options"] = options
    examples = convert_examples(item.get("response"))
    if examples:
        data["examples"] = examples
    if importer.request_paths:
        data["x-postman-path-variables"] = dict(importer.request_paths)
    importer.reports.append(RequestReport(path, checks, captures, tuple(untranslated)))
    return data


def _request_auth(importer: Importer, auth: Any, data: dict[str, Any], path: str) -> None:
    """A request's own auth: ``none`` for No Auth; none at all when it inherits."""
    if not isinstance(auth, dict) or auth.get("type") in (None, "inherit"):
        return
    if auth.get("type") == "noauth":
        data["auth"] = "none"
        return
    converted, leftover = convert_auth(importer, auth, path)
    if converted is not None:
        data["auth"] = converted
    if leftover:
        data["x-postman-auth"] = leftover


def _request_scripts(
    importer: Importer, item: Mapping[str, Any], data: dict[str, Any], path: str
) -> tuple[int, int, list[str]]:
    """A request's test script as assert/capture in ``data``, what is left kept as text.

    Returns the checks and captures translated, and the parts not translated.
    """
    untranslated: list[str] = []
    checks = captures = 0
    tests, prerequest = script_lines(item.get("event"))
    if tests:
        translation = translate_test_script(tests)
        if translation.assertions:
            data["assert"] = _convert_tree(dict(translation.assertions), path)
        if translation.captures:
            data["capture"] = dict(translation.captures)
            importer.captured.update(translation.captures)
        checks, captures = (
            translation.translated - len(translation.captures),
            len(translation.captures),
        )
        if translation.untranslated:
            data["x-postman-tests"] = "\n\n".join(
                "\n".join(clean_lines(part.splitlines())) for part in translation.untranslated
            )
            importer.script_sets_in(data["x-postman-tests"], path)
            count = len(translation.untranslated)
            untranslated.append(f"test script ({plural(count, 'statement')})")
    if prerequest:
        data["x-postman-prerequest"] = "\n".join(clean_lines(prerequest))
        importer.script_sets_in(data["x-postman-prerequest"], path)
        untranslated.append("pre-request script")
    return checks, captures, untranslated


def _convert_tree(value: Any, where: str) -> Any:
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
        return {key: _convert_tree(item, where) for key, item in value.items()}
    if isinstance(value, list):
        return [_convert_tree(item, where) for item in value]
    return value


def _options(item: Mapping[str, Any], request: Mapping[str, Any]) -> dict[str, Any]:
    behaviour = item.get("protocolProfileBehavior") or request.get("protocolProfileBehavior")
    options: dict[str, Any] = {}
    if isinstance(behaviour, dict):
        if behaviour.get("followRedirects") is False:
            options["follow_redirects"] = False
        if behaviour.get("strictSSL") is False:
            options["verify"] = False
    return options


def _has_body(body: Any) -> bool:
    """A body to send: Postman writes an empty raw body (with its JSON language) on GETs."""
    if not isinstance(body, dict) or not body.get("mode") or body.get("disabled"):
        return False
    return not (body.get("mode") == "raw" and not as_text(body.get("raw")).strip())


def _has_url(request: Any) -> bool:
    if isinstance(request, str):
        return bool(request.strip())
    if not isinstance(request, dict):
        return False
    url = request.get("url")
    if isinstance(url, dict):
        return bool(as_text(url.get("raw")).strip() or url.get("host") or url.get("path"))
    return bool(as_text(url).strip())
