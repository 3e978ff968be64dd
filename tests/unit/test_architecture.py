"""The architecture of runner/ (../shared/design/STYLE.md), checked on the source itself.

Imports go downward only, every third-party library has its owners, sending and checking have
one code path (the engine's), and modules, classes and functions stay small enough to read.
Every import counts: at module level, inside functions and under TYPE_CHECKING.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

RUNNER = Path(__file__).resolve().parents[2] / "runner"

# Top to bottom. A unit is a top-level module or package of runner/ ("engine" is runner.engine
# and everything in it). A unit may import its own modules and units of the layers below its
# own; never a unit of its own layer or of one above.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("__main__",),
    ("cli", "pytest_plugin"),
    ("interop", "validation", "load", "mockserver"),
    ("report", "recording"),
    ("engine", "loader"),
    ("transport", "mock", "preload", "data", "selection"),
    ("auth", "checks", "captures", "variables"),
    ("streamed",),
    ("jsonquery", "templating", "compact"),
    ("matchers", "masking", "pickling"),
    ("events", "stdio", "regexes", "sse"),
    ("model", "results"),
    ("errors",),
    ("source", "__init__"),
)

# Third-party libraries and the units (or single modules) that may import them.
OWNERS: dict[str, tuple[str, ...]] = {
    "yaml": ("loader.pyyaml", "interop"),
    "requests": ("transport", "mock"),
    "urllib3": ("transport", "mock"),
    "jsonpath_ng": ("jsonquery",),
    "click": ("cli", "report.console"),
    "jsonschema": ("checks", "loader.schemas"),
    "dotenv": ("variables",),
    "regex": ("regexes",),
    "requests_oauthlib": ("transport.signers",),
    "requests_aws4auth": ("transport.signers",),
    "pytest": ("pytest_plugin", "mockserver.testing"),
    "xdist": ("pytest_plugin",),
    "locust": ("load.locust_user",),
    "gevent": ("load.locust_user",),
    "ruamel": ("recording",),
}

# The one code path: these functions are called from the engine only (and their own module).
ENGINE_ONLY: dict[tuple[str, str], tuple[str, ...]] = {
    ("runner.transport", "send"): ("engine",),
    ("runner.transport.send", "send"): ("engine", "transport"),
    ("runner.checks", "evaluate"): ("engine",),
    ("runner.captures", "capture"): ("engine",),
}

MAX_MODULE_LINES = 500
MAX_CLASS_LINES = 250
MAX_FUNCTION_LINES = 60


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, e.g. runner.engine.plan
    target: str  # what it imports, e.g. runner.model or yaml.nodes
    names: tuple[str, ...]
    line: int


def module_name(path: Path) -> str:
    parts = path.relative_to(RUNNER.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def unit_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def sources() -> Iterator[tuple[str, Path, ast.Module]]:
    for path in sorted(RUNNER.rglob("*.py")):
        yield module_name(path), path, ast.parse(path.read_text(encoding="utf-8"))


def imports() -> Iterator[Import]:
    for module, _, tree in sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    yield Import(module, alias.name, (), node.lineno)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = tuple(alias.name for alias in node.names)
                if node.module == "runner":  # from runner import loader, __version__
                    for name in names:
                        target = (
                            f"runner.{name}"
                            if (RUNNER / name).exists() or (RUNNER / f"{name}.py").exists()
                            else "runner"
                        )
                        yield Import(module, target, (name,), node.lineno)
                else:
                    yield Import(module, node.module, names, node.lineno)


def layer_of(unit: str) -> int:
    for index, layer in enumerate(LAYERS):
        if unit in layer:
            return index
    raise AssertionError(f"runner/{unit} is in no layer of test_architecture.LAYERS: add it")


def test_every_unit_of_runner_has_a_layer() -> None:
    units = {unit_of(module) for module, _, _ in sources()}
    for unit in units:
        layer_of(unit)
    listed = {unit for layer in LAYERS for unit in layer}
    assert listed <= units, f"LAYERS names units that do not exist: {listed - units}"


def test_imports_go_downward_only() -> None:
    wrong = []
    for found in imports():
        if not found.target.startswith("runner"):
            continue
        source, target = unit_of(found.module), unit_of(found.target)
        if source == target:
            continue
        if layer_of(target) <= layer_of(source):
            wrong.append(f"{found.module}:{found.line} imports {found.target}")
    assert wrong == [], "imports that go sideways or up:\n" + "\n".join(wrong)


def test_nothing_imports_the_cli() -> None:
    importers = {
        found.module
        for found in imports()
        if unit_of(found.target) == "cli" and found.target.startswith("runner.cli")
    }
    assert {module for module in importers if unit_of(module) != "cli"} <= {"runner.__main__"}


@pytest.mark.parametrize("library", sorted(OWNERS))
def test_each_library_is_imported_by_its_owners_only(library: str) -> None:
    owners = OWNERS[library]
    wrong = []
    for found in imports():
        if found.target.split(".")[0] != library:
            continue
        module = found.module.removeprefix("runner.")
        if unit_of(found.module) in owners or module in owners:
            continue
        wrong.append(f"{found.module}:{found.line} imports {found.target}")
    assert wrong == [], f"{library} belongs to {', '.join(owners)}:\n" + "\n".join(wrong)


def test_sending_checking_and_capturing_happen_in_the_engine_only() -> None:
    wrong = []
    for found in imports():
        for (target, name), owners in ENGINE_ONLY.items():
            in_owner = unit_of(found.module) in owners
            if found.target == target and name in found.names and not in_owner:
                wrong.append(f"{found.module}:{found.line} imports {target}.{name}")
    assert wrong == [], "front-ends must go through runner.engine:\n" + "\n".join(wrong)


def oversized() -> Iterator[str]:
    for module, path, tree in sources():
        lines = len(path.read_text(encoding="utf-8").splitlines())
        if lines > MAX_MODULE_LINES:
            yield f"{module}: {lines} lines"
        for node in ast.walk(tree):
            size = (
                (node.end_lineno or node.lineno) - node.lineno + 1 if hasattr(node, "lineno") else 0
            )
            if isinstance(node, ast.ClassDef) and size > MAX_CLASS_LINES:
                yield f"{module}.{node.name}: class of {size} lines"
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (
                size > MAX_FUNCTION_LINES
            ):
                yield f"{module}.{node.name}: function of {size} lines"


def test_modules_classes_and_functions_stay_small() -> None:
    """STYLE: one job per module; split before these limits, do not raise them."""
    found = sorted(oversized())
    assert found == [], "over the size limits:\n" + "\n".join(found)
