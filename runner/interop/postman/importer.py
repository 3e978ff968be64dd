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
    vault: SecretVault = field(init=False)

    def __post_init__(self) -> None:
        # The vault writes into our notes so they keep the order things were found in.
        self.vault = SecretVault(notes=self.notes)

    # ------------------------------------------------------------------ secrets

    def find_secrets(
        self, collection: Mapping[str, Any], environments: Sequence[Mapping[str, Any]]
    ) -> None:
        """Every secret name, from every source, before anything is converted."""
        for entry in enabled_entries(collection.get("variable")):
            name = as_text(entry.get("key") or entry.get("id"))
            if not VARIABLE_NAME.fullmatch(name):
                continue
            marked = (description_of(entry.get("description")) or "").startswith("postrun secret")
            if entry.get("type") == "secret" or marked or looks_secret(name):
                self.add_secret(name, entry.get("value"))
                self.collection_secrets[name] = None
        for environment in environments:
            for entry in enabled_entries(environment.get("values")):
                name = as_text(entry.get("key"))
                if not VARIABLE_NAME.fullmatch(name):
                    continue
                if entry.get("type") == "secret" or looks_secret(name):
                    self.add_secret(name, entry.get("value"))
        # A name secret anywhere is secret everywhere, or the run sees a variable and a secret.
        for environment in environments:
            for entry in enabled_entries(environment.get("values")):
                name = as_text(entry.get("key"))
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
                    "kept as written"
                )
                return match.group(0)
            if not VARIABLE_NAME.fullmatch(name):
                self.notes.append(
                    f"variable {{{{{name}}}}} in {where} is not a valid postrun name: "
                    "kept as written"
                )
                return match.group(0)
            return f"<<{name}>>"

        return POSTMAN_PLACEHOLDER.sub(replace, text)

    def render(self, data: Any) -> str:
        """YAML text for ``data`` with every known secret value replaced by its placeholder."""
        return dump_yaml(self.scrub(data))

    def scrub(self, value: Any) -> Any:
        return self.vault.scrub(value)

    def variables(self, entries: Any, where: str) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for entry in enabled_entries(entries):
            name = as_text(entry.get("key") or entry.get("id"))
            if name in self.vault.names:
                continue
            if not VARIABLE_NAME.fullmatch(name):
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
        name = as_text(environment.get("name")) or path.stem
        data: dict[str, Any] = {"name": name}
        variables = self.typed(self.variables(environment.get("values"), f"environment {name}"))
        if variables:
            data["variables"] = variables
        secrets = [
            as_text(entry.get("key"))
            for entry in enabled_entries(environment.get("values"))
            if as_text(entry.get("key")) in self.vault.names
        ]
        if secrets:
            data["secrets"] = list(dict.fromkeys(secrets))
        return data
