"""Variable scopes and their precedence (FORMAT.md section 3), secrets, and undefined-name checks.

No I/O except reading ``.env`` files; the process environment is passed in, never read here, so only
declared secrets can ever come from it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.errors import PostrunError, TemplateError
from runner.masking import MIN_MASKABLE_LENGTH
from runner.model import EnvironmentSpec, PlaceholderUse, VariableScope
from runner.source import SourceLocation
from runner.templating import DYNAMIC_NAMES, referenced_names, to_text

_VALID_NAME = re.compile(r"[A-Za-z0-9_.\-]+")

CLI_SCOPE = "--var"
SECRET_SCOPE = "secret"  # noqa: S105 (a scope label, not a password)
CAPTURED_SCOPE = "captured"
DATA_SCOPE = "data row"


def parse_cli_var(text: str) -> tuple[str, Any]:
    """Parse ``--var name=value`` (a string) or ``--var name:=<json>`` (typed)."""
    name, sep, raw = text.partition("=")
    if not sep:
        raise PostrunError(
            f"--var {text!r} has no '='",
            hint=f"write --var {text or 'name'}=value (text) or --var {text or 'name'}:=<json>",
        )
    typed = name.endswith(":")
    if typed:
        name = name[:-1]
    if not _VALID_NAME.fullmatch(name):
        raise PostrunError(
            f"--var {text!r}: invalid variable name {name!r}",
            hint="names use letters, digits, '_', '-' and '.'",
        )
    if not typed:
        return name, raw
    try:
        return name, json.loads(raw)
    except ValueError as exc:
        raise PostrunError(
            f"--var {text!r}: the value after ':=' is not JSON ({exc.msg})",
            hint=f"for a JSON string use --var {name}:='\"{raw}\"', or pass text with "
            f"--var {name}={raw}",
        ) from None


def read_dotenv(
    path: Path, *, required: bool = False, bad_lines: list[int] | None = None
) -> dict[str, str]:
    """Read a ``.env`` file; a missing file is empty unless ``required`` (an explicit --env-file).

    Values are taken literally (no ``${VAR}`` expansion), so reading the file never consults the
    process environment; a bare ``NAME`` line without ``=`` is not a value and is left out. The
    numbers of lines that are no statement at all are added to ``bad_lines``, for a warning.
    """
    if not path.is_file():
        if required:
            what = "is not a file" if path.exists() else "does not exist"
            raise PostrunError(
                f"env file {str(path)!r} {what}", hint="check the path given to --env-file"
            )
        return {}
    import io

    from dotenv.parser import parse_stream

    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise PostrunError(f"cannot read env file {str(path)!r}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise PostrunError(
            f"env file {str(path)!r} is not UTF-8 text "
            f"(byte 0x{raw[exc.start]:02x} on line {line} is not valid UTF-8)",
            hint="save the file as UTF-8",
        ) from None
    # The parser rather than dotenv_values: that one logs its own warning, without the file.
    values: dict[str, str] = {}
    for binding in parse_stream(io.StringIO(text)):
        if binding.error and bad_lines is not None:
            bad_lines.append(binding.original.line)
        elif binding.key is not None and binding.value is not None:
            values[binding.key] = binding.value
    return values


def read_dotenv_files(
    environment_file: Path | None,
    env_file: Path | None = None,
    bad_lines: list[tuple[str, int]] | None = None,
) -> tuple[dict[str, str], str]:
    """The .env values for a run and how to name where they come from in a hint.

    ``--env-file`` alone when given; else ``.env`` in the current directory, overlaid with
    ``.env.<environment>`` (the environment file's stem) when an environment is chosen, so dev
    and staging secrets differ without editing a file (as Vite and dotenv-flow read them).
    Lines that are no statement at all are added to ``bad_lines`` as (file, line number).
    """

    def read(path: Path, *, required: bool = False) -> dict[str, str]:
        lines: list[int] = []
        values = read_dotenv(path, required=required, bad_lines=lines)
        if bad_lines is not None:
            bad_lines.extend((str(path), line) for line in lines)
        return values

    if env_file is not None:
        return read(env_file, required=True), str(env_file)
    values = read(Path(".env"))
    if environment_file is None:
        return values, ".env"
    specific = f".env.{Path(environment_file).stem}"
    return {**values, **read(Path(specific))}, f"{specific} or .env"


@dataclass(frozen=True, slots=True)
class SecretValues:
    """The value of every declared secret, plus notes for the user (mock fallbacks, short ones)."""

    values: Mapping[str, str]
    notes: tuple[str, ...] = ()

    @property
    def to_mask(self) -> tuple[str, ...]:
        """The distinct non-empty secret values, longest first: what the masker must hide."""
        distinct = {value for value in self.values.values() if value}
        return tuple(sorted(distinct, key=lambda value: (-len(value), value)))


def resolve_secrets(
    declared: Mapping[str, SourceLocation | None],
    *,
    cli_vars: Mapping[str, Any],
    environ: Mapping[str, str],
    dotenv: Mapping[str, str],
    mock: bool,
    dotenv_name: str = ".env",
) -> SecretValues:
    """Give each declared secret its value from --var, else the environment, else the .env file.

    Under ``mock`` a missing secret becomes ``mock-<NAME>`` with a note; otherwise every missing
    secret is reported in one PostrunError.
    """
    values: dict[str, str] = {}
    notes: list[str] = []
    missing: list[str] = []
    for name in declared:
        if name in cli_vars:
            value = to_text(cli_vars[name])
        elif name in environ:
            value = environ[name]
        elif name in dotenv:
            value = dotenv[name]
        elif mock:
            value = f"mock-{name}"
            notes.append(f"secret {name} is not set; --mock uses '{value}'")
        else:
            missing.append(name)
            continue
        values[name] = value
        if not value:
            notes.append(f"secret {name} is empty")
        elif len(value) < MIN_MASKABLE_LENGTH:
            notes.append(
                f"secret {name} is shorter than {MIN_MASKABLE_LENGTH} characters: it is masked "
                "only where it stands whole (such as a header value), not inside other text"
            )
    if missing:
        raise _missing_secrets_error(missing, declared, dotenv_name)
    return SecretValues(values, tuple(notes))


def _missing_secrets_error(
    missing: Sequence[str],
    declared: Mapping[str, SourceLocation | None],
    dotenv_name: str,
) -> PostrunError:
    def where(name: str) -> str:
        location = declared.get(name)
        return f"{name} (declared at {location})" if location is not None else name

    if len(missing) == 1:
        message = f"secret {where(missing[0])} is not set"
    else:
        lines = "".join(f"\n  {where(name)}" for name in missing)
        message = f"{len(missing)} secrets are not set:{lines}"
    exports = " ".join(f"{name}=..." for name in missing)
    lines_to_add = " and ".join(f"{name}=..." for name in missing)
    hint = f"export {exports}, or add {lines_to_add} to {dotenv_name}"
    first = next((declared[name] for name in missing if declared.get(name) is not None), None)
    return PostrunError(message, location=first, hint=hint)


def check_secret_conflicts(
    secrets: Mapping[str, SourceLocation | None] | Collection[str],
    scopes: Iterable[VariableScope],
) -> None:
    """Raise PostrunError when a name is both a secret and a variable."""
    secret_locations: Mapping[str, SourceLocation | None] = (
        secrets if isinstance(secrets, Mapping) else dict.fromkeys(secrets)
    )
    conflicts: list[tuple[str, VariableScope]] = [
        (name, scope) for scope in scopes for name in scope.values if name in secret_locations
    ]
    if not conflicts:
        return
    name, scope = conflicts[0]
    others = "".join(
        f"\n  '{other}' in {other_scope.name}"
        + (f" at {other_scope.locations[other]}" if other in other_scope.locations else "")
        for other, other_scope in conflicts[1:]
    )
    message = f"'{name}' is both a variable ({scope.name}) and a secret"
    if others:
        message += f"; also:{others}"
    declared = secret_locations.get(name)
    hint = "remove it from variables: a secret takes its value from --var, the environment or .env"
    if declared is not None:
        hint += f" (declared as a secret at {declared})"
    raise PostrunError(message, location=scope.locations.get(name), hint=hint)


@dataclass(frozen=True, slots=True)
class VariableStack:
    """Variable layers, highest precedence first; ``lookup`` suits ``templating.Renderer``."""

    layers: tuple[VariableScope, ...]

    def lookup(self, name: str) -> Any:
        """The raw value of ``name`` from the highest layer defining it; KeyError when none does."""
        for layer in self.layers:
            if name in layer.values:
                return layer.values[name]
        raise KeyError(name)

    def origin(self, name: str) -> VariableScope | None:
        """The layer whose value of ``name`` wins, or None."""
        return next((layer for layer in self.layers if name in layer.values), None)

    def defined(self, name: str) -> bool:
        """Whether any layer defines ``name``."""
        return any(name in layer.values for layer in self.layers)

    def names(self) -> list[str]:
        """Every defined name, sorted."""
        return sorted({name for layer in self.layers for name in layer.values})

    def shadowed(self, name: str) -> list[str]:
        """Names of the lower layers that also define ``name`` but lose to the winning one."""
        return [layer.name for layer in self.layers if name in layer.values][1:]

    def location(self, name: str) -> SourceLocation | None:
        """Where the winning value of ``name`` was written, when known."""
        layer = self.origin(name)
        return None if layer is None else layer.locations.get(name)


def _scope_named(scope: VariableScope, kind: str, name: str) -> VariableScope:
    """``scope`` named ``"<kind> <name>"`` for people, unless it already says so."""
    if scope.name.startswith(f"{kind} "):
        return scope
    return VariableScope(f"{kind} {name or scope.name}", scope.values, scope.locations)


def build_stack(
    *,
    cli_vars: Mapping[str, Any],
    secrets: Mapping[str, str],
    captured: Mapping[str, Any],
    data_row: Mapping[str, Any] | None,
    environment: EnvironmentSpec | None,
    folder_scopes: Sequence[VariableScope],
    collection: VariableScope,
) -> VariableStack:
    """Stack the layers in FORMAT.md section 3 order; ``folder_scopes`` innermost first."""
    layers: list[VariableScope] = [
        VariableScope(CLI_SCOPE, cli_vars),
        VariableScope(SECRET_SCOPE, secrets),
        VariableScope(CAPTURED_SCOPE, captured),
    ]
    if data_row is not None:
        layers.append(VariableScope(DATA_SCOPE, data_row))
    if environment is not None:
        layers.append(_scope_named(environment.variables, "environment", environment.name))
    layers.extend(_scope_named(scope, "folder", scope.name) for scope in folder_scopes)
    layers.append(_scope_named(collection, "collection", collection.name))
    return VariableStack(tuple(layers))


def find_undefined(
    uses: Iterable[PlaceholderUse],
    stack: VariableStack,
    *,
    also_defined: Collection[str] = (),
) -> dict[str, list[PlaceholderUse]]:
    """Map every undefined name to the places it is used, following names inside values.

    A defined variable whose value refers to an undefined name reports that inner name at the
    outer placeholder's place. ``also_defined`` holds names captured by earlier requests.
    Unknown ``$`` names count as undefined; known dynamic names never do.
    """
    inner_cache: dict[str, tuple[str, ...]] = {}
    undefined: dict[str, list[PlaceholderUse]] = {}
    for use in uses:
        for name in _undefined_behind(use.name, stack, also_defined, inner_cache):
            places = undefined.setdefault(name, [])
            if use not in places:
                places.append(use)
    return undefined


def any_undefined(
    names: Iterable[str], stack: VariableStack, *, also_defined: Collection[str] = ()
) -> bool:
    """Whether any of ``names`` is undefined by find_undefined's rules (places not needed)."""
    cache: dict[str, tuple[str, ...]] = {}
    return any(_undefined_behind(name, stack, also_defined, cache) for name in names)


def _undefined_behind(
    name: str,
    stack: VariableStack,
    also_defined: Collection[str],
    cache: dict[str, tuple[str, ...]],
) -> tuple[str, ...]:
    """Undefined names reached from ``name`` (itself included), each once; cycles end the walk."""
    if name in cache:
        return cache[name]
    found: dict[str, None] = {}
    seen: set[str] = set()
    pending = [name]
    while pending:
        current = pending.pop()
        if current in seen or current in DYNAMIC_NAMES or current in also_defined:
            continue
        seen.add(current)
        if not stack.defined(current):
            found.setdefault(current, None)
            continue
        # Reversed so the stack pops the value's names in the order they are written.
        pending.extend(reversed(referenced_names(stack.lookup(current))))
    cache[name] = tuple(found)
    return cache[name]


def format_undefined(
    undefined: Mapping[str, Sequence[PlaceholderUse]], *, known: Iterable[str] = ()
) -> str:
    """The body of the undefined-variables message: per name, where it is used, and a hint."""
    known_names = sorted(set(known))
    lines: list[str] = []
    for name, uses in undefined.items():
        places = ", ".join(f"{use.location} ({use.field})" for use in uses)
        lines.append(f"'{name}' used at {places}")
        lines.append(f"  hint: {_undefined_hint(name, known_names)}")
    return "\n".join(lines)


def _undefined_hint(name: str, known: Sequence[str]) -> str:
    from difflib import get_close_matches  # for a message only: not imported by every run

    if name.startswith("$"):
        close = get_close_matches(name, sorted(DYNAMIC_NAMES), n=1)
        if close:
            return f"did you mean '<<{close[0]}>>'?"
        return "dynamic values are " + ", ".join(sorted(DYNAMIC_NAMES))
    close = get_close_matches(name, known, n=1)
    fix = f"define it in variables or pass --var {name}=..."
    return f"did you mean '{close[0]}'? Otherwise {fix}" if close else fix


def undefined_error(
    undefined: Mapping[str, Sequence[PlaceholderUse]], *, known: Iterable[str] = ()
) -> TemplateError:
    """One input error (exit 2) for the result of ``find_undefined``.

    It has no single location: the message lists every place, which a source snippet of only the
    first one would contradict.
    """
    names = tuple(undefined)
    headline = (
        f"undefined variable '{names[0]}'"
        if len(names) == 1
        else f"{len(names)} undefined variables"
    )
    body = format_undefined(undefined, known=known).replace("\n", "\n  ")
    return TemplateError(f"{headline}\n  {body}", names=names)
