"""The state of one import: the secrets found, notes, reports, and ``{{var}}`` conversion.

The converters in ``items``, ``urls``, ``bodies`` and ``auth`` take an Importer and write what
they learn into it; it also turns Postman variables and environments into ours.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from runner.interop.credentials import PLACEHOLDER, SecretVault, looks_secret
from runner.interop.postman.fields import (
    POSTMAN_PLACEHOLDER,
    VARIABLE_NAME,
    as_text,
    description_of,
    enabled_entries,
)
from runner.interop.postman.summary import RequestReport
from runner.interop.yaml_out import dump_yaml
from runner.templating import referenced_names

SCRIPT_SET = re.compile(
    r"(?:pm\.(?:environment|collectionVariables|globals|variables)\.set"
    r"|postman\.set(?:Environment|Global)Variable)\(\s*(['\"])([^'\"\n]+)\1"
)

# Postman dynamic variables with an equivalent of ours (FORMAT.md 1.1).
DYNAMIC_MAP: Mapping[str, str] = {
    "$guid": "$uuid",
    "$randomUUID": "$uuid",
    "$timestamp": "$timestamp",
    "$isoTimestamp": "$isoTimestamp",
    "$randomInt": "$randomInt",
    "$randomAlphaNumeric": "$randomString",  # the closest: Postman's gives one character
}


@dataclass(slots=True)
class Importer:
    """Holds what one import learns along the way: secrets, notes, per-request reports."""

    source: Path
    collection_secrets: dict[str, None] = field(default_factory=dict)
    typed_names: set[str] = field(default_factory=set)
    notes: list[str] = field(default_factory=list)
    reports: list[RequestReport] = field(default_factory=list)
    # Variable values known before the requests are read (collection, environments), the
    # defaults that path variables add, and the ``:segment -> name`` of the current request.
    known: dict[str, Any] = field(default_factory=dict)
    path_defaults: dict[str, Any] = field(default_factory=dict)
    request_paths: dict[str, str] = field(default_factory=dict)
    renamed: dict[str, str] = field(default_factory=dict)
    # Empty files written next to the collection for uploads whose file was not exported.
    placeholder_files: dict[str, None] = field(default_factory=dict)
    # Names set by scripts that stay text (name -> where), and names captured.
    script_sets: dict[str, str] = field(default_factory=dict)
    captured: set[str] = field(default_factory=set)
    vault: SecretVault = field(init=False)

    def __post_init__(self) -> None:
        # The vault writes into our notes so they keep the order things were found in.
        self.vault = SecretVault(notes=self.notes)

    # ------------------------------------------------------------------ secrets

    def find_secrets(
        self, collection: Mapping[str, Any], environments: Sequence[Mapping[str, Any]]
    ) -> None:
        """Every secret name, from every source, before anything is converted."""
        for entries in (
            collection.get("variable"),
            *(environment.get("values") for environment in environments),
        ):
            for entry in enabled_entries(entries):
                name = as_text(entry.get("key") or entry.get("id"))
                self.known.setdefault(name, as_text(entry.get("value")))
        for entry in enabled_entries(collection.get("variable")):
            name = self.name_for(as_text(entry.get("key") or entry.get("id")))
            if not name:
                continue
            marked = (description_of(entry.get("description")) or "").startswith("postrun secret")
            if entry.get("type") == "secret" or marked or looks_secret(name):
                self.add_secret(name, entry.get("value"))
                self.collection_secrets[name] = None
        for environment in environments:
            for entry in enabled_entries(environment.get("values")):
                name = self.name_for(as_text(entry.get("key")))
                if not name:
                    continue
                if entry.get("type") == "secret" or looks_secret(name):
                    self.add_secret(name, entry.get("value"))
        # A name secret anywhere is secret everywhere, or the run sees a variable and a secret.
        for environment in environments:
            for entry in enabled_entries(environment.get("values")):
                name = self.name_for(as_text(entry.get("key")))
                if name in self.vault.names:
                    self.add_secret(name, entry.get("value"))

    def add_secret(self, name: str, value: Any) -> None:
        self.vault.add(name, as_text(value))

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

    # ------------------------------------------------------------------ path variables

    def path_variable(self, key: str, value: Any, where: str) -> str:
        """The variable name a ``:key`` path segment becomes; its value kept as a default."""
        text = as_text(value)
        if text and looks_secret(key) and not POSTMAN_PLACEHOLDER.search(text):
            # ``/reset/:token`` with a literal token: a secret, its value not written.
            return self.request_path(key, self.secret_for_literal(text, key.upper(), "path"))
        exact = POSTMAN_PLACEHOLDER.fullmatch(text.strip())
        if exact and not exact.group(1).startswith("$") and self.name_for(exact.group(1)):
            name = self.name_for(exact.group(1))
        else:
            if not text:
                self.notes.append(
                    f"path variable :{key} of {where} has no value: it is sent as ':{key}' "
                    f"until you set '{key}' (--var {key}=... or variables:)"
                )
                text = f":{key}"
            name = _free_name(self, key, self.convert(text, where))
        self.request_paths[key] = name
        return name

    def request_path(self, key: str, placeholder: str) -> str:
        """The ``:key`` segment of this request is the variable of ``placeholder``."""
        name = placeholder.strip("<>")
        self.request_paths[key] = name
        return name

    # ------------------------------------------------------------------ script variables

    def script_sets_in(self, script: str, where: str) -> None:
        """Remember the variables a script kept as text sets (``pm.environment.set("x", ...)``)."""
        for match in SCRIPT_SET.finditer(script):
            name = self.name_for(match.group(2))
            if name:
                self.script_sets.setdefault(name, where)

    def undeclared_sets(self, variables: Mapping[str, Any]) -> dict[str, str]:
        """Names only an untranslated script sets, declared so the file validates: the
        ``set_by_script`` mapping (name -> the request or folder whose script sets it).

        A credential-named one (``token``) becomes a secret: the run then asks for it before
        sending anything, instead of sending an empty token. Any other goes in
        ``set_by_script``: a request that uses it unset fails, naming the script's owner.
        """
        declared: dict[str, str] = {}
        for name, where in self.script_sets.items():
            if name in variables or name in self.vault.names or name in self.captured:
                continue
            if looks_secret(name):
                self.add_secret(name, None)
                self.collection_secrets[name] = None
                self.notes.append(
                    f"'{name}' is set by the script of '{where}', which stays text: declared a "
                    "secret (set it, or rewrite the script as a capture and drop the secret)"
                )
                continue
            declared[name] = where
            self.notes.append(
                f"'{name}' is set by the script of '{where}', which stays text: declared in "
                "set_by_script (a request using it fails until you capture it or give --var)"
            )
        return declared

    def declare_used_credentials(self, *parts: Any) -> None:
        """A credential-named ``<<name>>`` used but defined nowhere in the export (it lived in
        a Postman environment not given) becomes a secret, so the file validates and the run
        asks for it."""
        used = [name for name in referenced_names(parts) if not name.startswith("$")]
        defined = set(self.known) | set(self.path_defaults) | self.captured
        defined |= set(self.script_sets) | set(self.vault.names)
        for name in used:
            if name not in defined and looks_secret(name):
                self.add_secret(name, None)
                self.collection_secrets[name] = None
                self.notes.append(
                    f"'{name}' is used but not defined in the export: declared a secret "
                    "(set it, or import its environment with --environment)"
                )

    # ------------------------------------------------------------------ text

    def convert(self, value: Any, where: str) -> str:
        """``{{var}}`` -> ``<<var>>``; an existing ``<<var>>`` is escaped to stay literal."""
        text = PLACEHOLDER.sub(lambda match: "\\" + match.group(0), as_text(value))

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name.startswith("$"):
                if name in DYNAMIC_MAP:
                    return f"<<{DYNAMIC_MAP[name]}>>"
                self.notes.append(
                    f"dynamic variable {{{{{name}}}}} in {where} has no postrun equivalent: "
                    "<<$randomString>> is sent instead"
                )
                return "<<$randomString>>"
            return f"<<{self.name_for(name)}>>" if self.name_for(name) else match.group(0)

        return POSTMAN_PLACEHOLDER.sub(replace, text)

    def name_for(self, name: str) -> str:
        """Our name for a Postman variable name: ``baseUrl+ApiVersion`` -> ``baseUrl_ApiVersion``.

        Postman takes any text between the braces; ours are letters, digits and ``_ - .``.
        The mapping is said once in the notes ("" for a name with nothing usable in it).
        """
        if VARIABLE_NAME.fullmatch(name):
            return name
        if name in self.renamed:
            return self.renamed[name]
        mapped = re.sub(r"[^A-Za-z0-9_.\-]+", "_", name.strip()).strip("_")
        if mapped:
            self.notes.append(f"variable '{name}' is named '{mapped}' (a postrun name)")
        self.renamed[name] = mapped
        return mapped

    def render(self, data: Any) -> str:
        """YAML text for ``data`` with every known secret value replaced by its placeholder."""
        return dump_yaml(self.scrub(data))

    def scrub(self, value: Any) -> Any:
        return self.vault.scrub(value)

    def variables(self, entries: Any, where: str) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for entry in enabled_entries(entries):
            name = self.name_for(as_text(entry.get("key") or entry.get("id")))
            if not name or name in self.vault.names:
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
                if not isinstance(parsed, str):  # numbers, booleans, lists, objects
                    result[name] = parsed
        return result

    # ------------------------------------------------------------------ environment

    def environment(self, environment: Mapping[str, Any], path: Path) -> dict[str, Any]:
        name = as_text(environment.get("name")) or path.stem
        data: dict[str, Any] = {"name": name}
        variables = self.typed(self.variables(environment.get("values"), f"environment {name}"))
        if variables:
            data["variables"] = variables
        secrets = [
            self.name_for(as_text(entry.get("key")))
            for entry in enabled_entries(environment.get("values"))
            if self.name_for(as_text(entry.get("key"))) in self.vault.names
        ]
        if secrets:
            data["secrets"] = list(dict.fromkeys(secrets))
        return data


def _free_name(importer: Importer, key: str, default: str) -> str:
    """``key``, or ``key_2``... when ``key`` already holds another value."""
    name, number = key, 2
    while True:
        taken = importer.path_defaults.get(name, importer.known.get(name))
        if name in importer.vault.names:
            taken = object()
        if taken is None or taken == default:
            importer.path_defaults[name] = default
            return name
        name, number = f"{key}_{number}", number + 1
