"""Packaging: the sdist and wheel build offline and pass ``twine check``; the sdist carries the
tests, collections, environments and schemas; the license, URLs and README links are right."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from email.message import Message
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
IGNORED = shutil.ignore_patterns(
    ".git", "*.egg-info", "build", "dist", "__pycache__", ".ruff_cache", ".pytest_cache", ".venv"
)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """``python -m build`` on a copy of the tree, offline (no isolated environment)."""
    source = tmp_path_factory.mktemp("source") / "postrun"
    shutil.copytree(ROOT, source, ignore=IGNORED)
    out = source / "dist"
    subprocess.run(
        [sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(source)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return sdist, wheel


def test_twine_check_passes(built: tuple[Path, Path]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "twine", "check", "--strict", *map(str, built)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("PASSED") == 2


def test_the_sdist_holds_the_tests_collections_environments_and_schemas(
    built: tuple[Path, Path],
) -> None:
    with tarfile.open(built[0]) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    tracked = [
        "LICENSE",
        "README.md",
        "action.yml",
        ".pre-commit-hooks.yaml",
        "action/run.sh",
        "tests/conftest.py",
        "tests/cli/test_packaging.py",
        "collections/notes-crud.yaml",
        "environments/openai.yaml",
        "schemas/collection.schema.json",
        "schemas/environment.schema.json",
        "runner/schemas/collection.schema.json",
    ]
    assert [name for name in tracked if name not in names] == []
    assert not any("__pycache__" in name for name in names)


def test_the_wheel_ships_the_schemas_the_license_and_the_pytest_plugin(
    built: tuple[Path, Path],
) -> None:
    with zipfile.ZipFile(built[1]) as wheel:
        names = set(wheel.namelist())
        (metadata,) = (name for name in names if name.endswith(".dist-info/METADATA"))
        (entry_points,) = (name for name in names if name.endswith(".dist-info/entry_points.txt"))
        meta = wheel.read(metadata).decode()
        entries = wheel.read(entry_points).decode()
    assert {"runner/schemas/collection.schema.json", "runner/schemas/environment.schema.json"} <= (
        names
    )
    assert any(name.endswith(".dist-info/licenses/LICENSE") for name in names)
    assert "License-Expression: MIT" in meta
    assert "[pytest11]\npostrun = runner.pytest_plugin" in entries
    assert "postrun = runner.cli:main" in entries
    assert not any(name.startswith("tests/") for name in names)


def metadata(wheel_path: Path) -> Message:
    """The wheel's METADATA: what PyPI shows."""
    with zipfile.ZipFile(wheel_path) as wheel:
        (name,) = (name for name in wheel.namelist() if name.endswith(".dist-info/METADATA"))
        return Parser().parsestr(wheel.read(name).decode())


def test_the_license_file_is_the_mit_license_the_metadata_names(
    built: tuple[Path, Path],
) -> None:
    meta = metadata(built[1])
    assert meta["License-Expression"] == "MIT"
    assert meta.get_all("License-File") == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text()
    assert text.startswith("MIT License\n")
    assert "Permission is hereby granted, free of charge" in text
    # PEP 639: the license expression replaces the License :: classifiers
    assert not any(c.startswith("License ::") for c in meta.get_all("Classifier"))


def test_the_metadata_has_urls_keywords_and_a_classifier_per_python(
    built: tuple[Path, Path],
) -> None:
    meta = metadata(built[1])
    urls = dict(entry.split(", ", 1) for entry in meta.get_all("Project-URL"))
    assert {"Homepage", "Source", "Issues", "Documentation"} <= set(urls)
    assert len(meta["Keywords"].split(",")) >= 5
    classifiers = meta.get_all("Classifier")
    for minor in (10, 11, 12, 13):
        assert f"Programming Language :: Python :: 3.{minor}" in classifiers
    assert "Framework :: Pytest" in classifiers
    assert meta["Requires-Python"] == ">=3.10"
    assert meta["Description-Content-Type"] == "text/markdown"


def test_readme_links_to_files_are_absolute_for_pypi(built: tuple[Path, Path]) -> None:
    """PyPI shows the README without the repository, so a link to a file must be absolute."""
    links = re.findall(r"\]\(([^)]+)\)", (ROOT / "README.md").read_text())
    relative = [link for link in links if not link.startswith(("https://", "http://", "#"))]
    assert relative == []
    urls = dict(entry.split(", ", 1) for entry in metadata(built[1]).get_all("Project-URL"))
    assert all(link.startswith(urls["Source"]) for link in links if "/blob/" in link)
