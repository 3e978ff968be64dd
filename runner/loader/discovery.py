"""Which files are collections (FORMAT.md 4), and which file ``--env NAME`` means (FORMAT.md 2):
YAML files found under folders, ``environments/`` folders near the collections."""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from runner.errors import LoadError
from runner.loader.pyyaml import MappingNode, ScalarNode, YAMLError, compose, read_text

# A block mapping's `requests` key at column 0: the top level of a collection.
_TOP_LEVEL_REQUESTS = re.compile(r"^requests[ \t]*:(?:[ \t]|$)", re.MULTILINE)
# A key at column 0 of a block mapping (where a collection's `requests:` is).
_TOP_LEVEL_KEY = re.compile(r"^([A-Za-z_][\w.-]*)[ \t]*:(?:[ \t]|\r?$)", re.MULTILINE)
# `http://host/x` as pathlib spells it: `http:/host/x`.
_URL_AS_PATH = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):/+")  # two letters at least: not C:/
# How close a top-level key must be to `requests` to be taken for a typo of it.
_NEAR_MISS_CUTOFF = 0.8
# A file whose first line of content (after blank lines, comments and `---`) is a plain key.
_BLOCK_MAPPING_START = re.compile(
    r"(?:[ \t]*(?:#[^\n]*)?\r?\n|---[ \t]*(?:#[^\n]*)?\r?\n)*[A-Za-z_][\w.-]*[ \t]*:(?:[ \t]|\r?$)",
    re.MULTILINE,
)


def find_environment(name: str, collection_files: Sequence[Path], cwd: Path) -> Path:
    """Find the file for ``--env NAME`` (FORMAT.md 2); LoadError listing the known ones if none."""
    if "/" in name or os.sep in name or name.endswith((".yaml", ".yml")):
        candidate = Path(name)
        if not candidate.is_absolute():
            candidate = cwd / candidate
        if candidate.is_file():
            return candidate
        what = "is a directory" if candidate.is_dir() else "does not exist"
        raise LoadError(
            f"environment file '{name}' {what}",
            hint="give the path of an environment file, or a name from environments/",
        )
    folders = _environment_folders(collection_files, cwd)
    for folder in folders:
        for suffix in (".yaml", ".yml"):
            candidate = folder / f"{name}{suffix}"
            if candidate.is_file():
                return candidate
    known = sorted(
        {
            entry.stem
            for folder in folders
            for entry in _listing(folder)
            if entry.suffix in (".yaml", ".yml") and entry.is_file()
        }
    )
    if not known:
        hint = f"create environments/{name}.yaml (no environments/ folder was found)"
    else:
        close = difflib.get_close_matches(name, known, n=1)
        listed = f"environments: {', '.join(known)}"
        hint = f"did you mean '{close[0]}'? {listed}" if close else listed
    raise LoadError(f"unknown environment '{name}'", hint=hint)


def discover_collections(paths: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """Collections among ``paths`` (FORMAT.md 4), and the YAML files skipped as not collections.

    A file is a collection as given; a directory is searched recursively for ``*.yaml`` and
    ``*.yml`` (sorted, ``environments/`` folders left out), keeping the files whose top level is
    a mapping with ``requests``, or with a near miss of it (``requets:``: a broken collection,
    loaded so that its error is shown rather than skipped with a note).
    """
    collections: dict[Path, None] = {}
    skipped: dict[Path, None] = {}
    for path in paths:
        if path.is_file():
            skipped.pop(path, None)  # a file named on its own is a collection
            collections.setdefault(path, None)
            continue
        if not path.is_dir():
            raise _not_found(path)
        for candidate in _yaml_files(path):
            if candidate not in collections and candidate not in skipped:
                found = collections if _looks_like_collection(candidate) else skipped
                found[candidate] = None
    return list(collections), list(skipped)


def _not_found(path: Path) -> LoadError:
    """The error for a PATH that is neither a file nor a folder; a URL is named as written."""
    # A path keeps one slash of `http://` (pathlib folds `//`): put the other one back.
    url = _URL_AS_PATH.match(str(path))
    if url is not None:
        written = f"{url.group(1)}://{str(path)[url.end() :]}"
        return LoadError(
            f"'{written}' is a URL: postrun runs collection files, not URLs",
            hint=f"write the request in a collection (url: {written}), or have "
            f"postrun import curl 'curl {written}' -o api.yaml write one, "
            "then postrun run api.yaml",
        )
    return LoadError(
        f"'{path}' does not exist",
        hint="give a collection file or a folder that holds collections",
    )


def _environment_folders(collection_files: Sequence[Path], cwd: Path) -> list[Path]:
    """``environments/`` in cwd, then the nearest one above each collection, each once."""
    folders: list[Path] = []
    seen: set[Path] = set()

    def add(folder: Path) -> None:
        resolved = folder.resolve()
        if resolved not in seen:
            seen.add(resolved)
            folders.append(folder)

    if (cwd / "environments").is_dir():
        add(cwd / "environments")
    for file in collection_files:
        start = file if file.is_absolute() else cwd / file
        for parent in _ancestors(start.parent.resolve()):
            if (parent / "environments").is_dir():
                add(parent / "environments")
                break
    return folders


def _listing(folder: Path) -> list[Path]:
    try:
        return list(folder.iterdir())
    except OSError:  # unreadable: it lists nothing
        return []


def _ancestors(folder: Path) -> Iterator[Path]:
    yield folder
    yield from folder.parents


def _yaml_files(root: Path) -> list[Path]:
    """Every ``*.yaml``/``*.yml`` below ``root``, sorted, ``environments/`` folders left out."""
    found: list[Path] = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if name != "environments"]
        found.extend(Path(folder) / name for name in files if name.endswith((".yaml", ".yml")))
    return sorted(found)


def _looks_like_collection(path: Path) -> bool:
    """Whether a file's top level is a mapping with ``requests`` (FORMAT.md 4)."""
    try:
        text = read_text(path)
    except LoadError:
        return False
    if "requests" not in text:
        # `requets:` is a broken collection, not some other YAML file: load it, so its error
        # (unknown key, did you mean 'requests') ends the run with exit 2 instead of a note.
        return _has_near_miss_of_requests(text)
    if _BLOCK_MAPPING_START.match(text) and _TOP_LEVEL_REQUESTS.search(text):
        # The usual layout, settled without composing the file (it is composed again to load):
        # a file that opens with a plain key is a block mapping, whose `requests:` at column 0
        # is a top-level key (text inside it would be indented); a file that is not valid YAML
        # is loaded to say why.
        return True
    try:
        root = compose(text)
    except (YAMLError, RecursionError):
        # Broken YAML that looks like a collection is loaded, so its error is shown.
        return re.search(r"^requests\s*:", text, re.MULTILINE) is not None
    return isinstance(root, MappingNode) and any(
        isinstance(key, ScalarNode) and key.value == "requests" for key, _ in root.value
    )


def is_collection_file(path: Path) -> bool:
    """Whether a YAML file met in a folder is a collection (FORMAT.md 4): for front-ends that
    walk folders themselves, such as the pytest plugin."""
    return path.suffix in (".yaml", ".yml") and _looks_like_collection(path)


def _has_near_miss_of_requests(text: str) -> bool:
    """Whether a top-level key is a near miss of ``requests`` (``requets``, ``request``)."""
    keys = {match.group(1) for match in _TOP_LEVEL_KEY.finditer(text)}
    return any(
        difflib.get_close_matches(key, ["requests"], n=1, cutoff=_NEAR_MISS_CUTOFF) for key in keys
    )
