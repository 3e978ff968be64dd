"""``load_environment``: an environment file (FORMAT.md 2) into an EnvironmentSpec."""

from __future__ import annotations

from pathlib import Path

from runner.loader import nodes, sections
from runner.loader.document import Document
from runner.loader.keys import ENVIRONMENT_KEYS
from runner.loader.pyyaml import depth_guard
from runner.model import EnvironmentSpec


def load_environment(path: Path) -> EnvironmentSpec:
    """Load an environment file (FORMAT.md 2)."""
    with depth_guard(path):
        document = Document.read(path, base_dir=None, allow_outside=True)
        root = document.root_mapping("an environment file")
        keys = nodes.object_keys(document, root, "environment", ENVIRONMENT_KEYS)
        name = nodes.text(document, keys["name"][1], "name") if "name" in keys else Path(path).stem
        description = sections.description(document, keys.get("description"))
        variables = sections.variables(document, keys.get("variables"), f"environment {name}")
        secrets, secret_locations = sections.secrets(document, keys.get("secrets"))
    sections.check_secret_conflicts(secret_locations, [variables])
    return EnvironmentSpec(
        name=name,
        file=document.file,
        variables=variables,
        secrets=secrets,
        description=description,
        secret_locations=secret_locations,
    )
