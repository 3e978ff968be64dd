"""Import a Postman Collection v2.1, v2.0 or v3 folder (and environments) as postrun YAML.

``import_postman`` writes ``<out>/collections/<slug>.yaml`` and ``<out>/environments/<slug>.yaml``
and returns an ImportSummary whose ``table()`` tells the user what was translated, what was kept
as ``x-postman-*`` text (ignored by the loader, FORMAT.md 0) and which secrets to export.

Secret values never reach the disk: environment values of type ``secret``, variables whose name
looks like a credential, and literal credentials in ``auth`` become ``secrets:`` names, and any
other string holding one of those values gets the ``<<NAME>>`` placeholder instead.

The conversion lives in ``runner.interop.postman`` (a module per part: ``documents``, ``items``,
``urls``, ``bodies``, ``auth``, ``examples``, ``importer`` for the secrets and variables, and
``summary``); this module is the entry the CLI and the tests import.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from runner.errors import PostrunError
from runner.interop.credentials import looks_secret
from runner.interop.postman.documents import collection_object, environment_object, read_json
from runner.interop.postman.importer import Importer
from runner.interop.postman.items import convert_collection
from runner.interop.postman.summary import ImportSummary, RequestReport
from runner.report.files import write_atomic

__all__ = ["ImportSummary", "RequestReport", "import_postman", "looks_secret", "slugify"]


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
    if collection_file.is_dir():
        from runner.interop.postman.v3 import read_v3

        document = read_v3(collection_file)
    else:
        document = read_json(collection_file)
    collection = collection_object(document, collection_file)
    environments = [(path, environment_object(read_json(path), path)) for path in environment_files]
    importer = Importer(collection_file)
    importer.find_secrets(collection, [env for _, env in environments])
    data = convert_collection(importer, collection)
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
    for relative in importer.placeholder_files:
        placeholder = collection_path.parent / relative
        if not placeholder.exists():
            write_atomic(placeholder, "")
    return ImportSummary(
        collection_name=name,
        collection_file=collection_path,
        environment_files=tuple(environment_paths),
        requests=tuple(importer.reports),
        secrets=tuple(importer.secret_names()),
        notes=tuple(dict.fromkeys(importer.notes)),
    )
