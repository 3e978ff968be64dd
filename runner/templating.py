"""Render ``<<name>>`` placeholders (FORMAT.md 1.1): text and typed substitution, dynamic values.

Pure: the renderer reads variables through an injected ``lookup`` and dynamic values through an
injected provider, so it does no I/O and keeps no state between calls.
"""

from __future__ import annotations

import functools
import json
import random
import re
import string
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Protocol

from runner.errors import TemplateError

DYNAMIC_NAMES: frozenset[str] = frozenset(
    {"$uuid", "$timestamp", "$isoTimestamp", "$randomInt", "$randomString"}
)
# A variable whose value refers to a variable ... at most this many names in one chain.
MAX_DEPTH = 10
# Ten levels of ``v1: <<v2>><<v2>>...`` would expand exponentially (a "billion laughs" in a few
# lines): one render may substitute at most this many placeholders and produce this much text.
MAX_SUBSTITUTIONS = 100_000
MAX_RENDERED_CHARS = 10_000_000

_NAME = r"\$?[A-Za-z0-9_.\-]+"
# One pass finds escapes and placeholders together, so an escaped ``\<<`` can never start one.
_TOKEN = re.compile(r"\\<<|<<[ \t]*(" + _NAME + r")[ \t]*>>")
_SINGLE = re.compile(r"<<[ \t]*(" + _NAME + r")[ \t]*>>")
_NAME_ONLY = re.compile(_NAME)
# What follows a stray ``<<`` for it to look like a broken placeholder rather than an operator.
_EMPTY_AFTER = re.compile(r"[ \t]*>>")
_CLOSED_AFTER = re.compile(r"[^\s<>][^\n<>]*?>>")
_NAME_START_AFTER = re.compile(r"\$?[A-Za-z_][A-Za-z0-9_.\-]*")
_RANDOM_ALPHABET = string.ascii_letters + string.digits


class DynamicProvider(Protocol):
    """Produces a fresh value for a dynamic name such as ``$uuid``; KeyError when unknown."""

    def __call__(self, name: str) -> Any: ...


@dataclass(frozen=True, slots=True)
class SystemDynamic:
    """The default dynamic values, from an injectable random source and clock."""

    rng: random.Random = field(default_factory=random.SystemRandom)
    clock: Callable[[], float] = time.time
    string_length: int = 16

    def __call__(self, name: str) -> Any:
        """Return a new value for ``name`` (one of DYNAMIC_NAMES); KeyError otherwise."""
        if name == "$uuid":
            return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        if name == "$timestamp":
            return int(self.clock())
        if name == "$isoTimestamp":
            moment = datetime.fromtimestamp(self.clock(), tz=timezone.utc)
            return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        if name == "$randomInt":
            return self.rng.randint(0, 1000)
        if name == "$randomString":
            return "".join(self.rng.choice(_RANDOM_ALPHABET) for _ in range(self.string_length))
        raise KeyError(name)


def to_text(value: Any) -> str:
    """Spell a value for text interpolation: strings as is, everything else as compact JSON."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=_json_default)


def _json_default(value: Any) -> Any:
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return str(value)


def single_placeholder(text: str) -> str | None:
    """The name when ``text`` is exactly one placeholder (spaces inside the brackets), else None."""
    match = _SINGLE.fullmatch(text)
    return match.group(1) if match else None


def template_parts(text: str) -> tuple[tuple[str, str | None], ...]:
    """``text`` split into (static text, placeholder name) pairs, the last name None.

    ``\\<<`` is static ``<<``. The same texts are rendered request after request (a header, a
    body field), so the split of a short text is kept (like compiled JSONPaths) and rendering
    only joins; a long one (a raw body) is split each time rather than held.
    """
    if len(text) > _CACHED_TEMPLATE_CHARS:
        return _split_template(text)
    return _cached_split(text)


_CACHED_TEMPLATE_CHARS = 1024


def _split_template(text: str) -> tuple[tuple[str, str | None], ...]:
    parts: list[tuple[str, str | None]] = []
    static: list[str] = []
    pos = 0
    for match in _TOKEN.finditer(text):
        static.append(text[pos : match.start()])
        name = match.group(1)
        if name is None:
            static.append("<<")
        else:
            parts.append(("".join(static), name))
            static = []
        pos = match.end()
    static.append(text[pos:])
    parts.append(("".join(static), None))
    return tuple(parts)


_cached_split = functools.lru_cache(maxsize=4096)(_split_template)


def find_placeholders(text: str) -> tuple[str, ...]:
    """Names of the well-formed placeholders in ``text``, in order; escaped ones are left out."""
    if "<<" not in text:
        return ()
    return tuple(m.group(1) for m in _TOKEN.finditer(text) if m.group(1) is not None)


def find_broken_placeholders(text: str) -> tuple[str, ...]:
    """Fragments that look like a broken placeholder: ``<<name`` unclosed, ``<<>>``, ``<<a b>>``.

    A ``<<`` followed by a space and no ``>>`` (``std::cout << x``) or by nothing is an operator,
    not a mistake, and is not reported.
    """
    if "<<" not in text:
        return ()
    broken: list[str] = []
    pos = 0
    for match in (*_TOKEN.finditer(text), None):
        end = len(text) if match is None else match.start()
        broken.extend(_broken_in_gap(text, pos, end))
        if match is not None:
            pos = match.end()
    return tuple(broken)


def _broken_in_gap(text: str, start: int, end: int) -> list[str]:
    """Broken fragments starting at a ``<<`` between ``start`` and ``end`` (outside any token)."""
    found: list[str] = []
    index = text.find("<<", start, end)
    while index != -1:
        resume = index + 2
        for pattern in (_EMPTY_AFTER, _CLOSED_AFTER, _NAME_START_AFTER):
            match = pattern.match(text, resume, end)
            if match:
                found.append(text[index : match.end()])
                resume = match.end()
                break
        index = text.find("<<", resume, end)
    return found


def referenced_names(value: Any) -> tuple[str, ...]:
    """Every placeholder name in a value tree (strings and keys), each once, first use first."""
    seen: dict[str, None] = {}
    _collect_names(value, seen)
    return tuple(seen)


def _collect_names(value: Any, seen: dict[str, None]) -> None:
    if isinstance(value, str):
        for name in find_placeholders(value):
            seen.setdefault(name, None)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _collect_names(key, seen)
            _collect_names(item, seen)
    elif isinstance(value, (list, tuple)):
        for item in value:
            _collect_names(item, seen)


@dataclass(slots=True)
class _Budget:
    """What one top-level render has spent so far (a fresh one per public call)."""

    substitutions: int = 0
    chars: int = 0

    def spend(self, substitutions: int, chars: int, chain: tuple[str, ...], name: str) -> None:
        """Count a substitution of ``name`` (reached through ``chain``) or its characters."""
        self.substitutions += substitutions
        self.chars += chars
        if self.substitutions > MAX_SUBSTITUTIONS or self.chars > MAX_RENDERED_CHARS:
            chain = (*chain, name)  # built for the message only, not on every substitution
            through = f" (through {' -> '.join(chain)})" if chain else ""
            raise TemplateError(
                f"placeholders expand too much: more than {MAX_SUBSTITUTIONS} substitutions "
                f"or {MAX_RENDERED_CHARS} characters in one value{through}",
                names=chain,
                hint="a variable repeated inside another variable grows exponentially",
            )


class Renderer:
    """Renders placeholders with variables from ``lookup`` (raw value, KeyError when undefined)."""

    __slots__ = ("_dynamic", "_lookup")

    def __init__(
        self,
        lookup: Callable[[str], Any],
        dynamic: DynamicProvider | None = None,
    ) -> None:
        self._lookup = lookup
        self._dynamic: DynamicProvider = dynamic if dynamic is not None else SystemDynamic()

    def render_text(self, text: str) -> str:
        """Interpolate every placeholder of ``text`` as text; ``\\<<`` becomes ``<<``."""
        return self._render_str(text, (), _Budget())

    def render_value(self, value: Any, *, typed: bool) -> Any:
        """Render strings anywhere in a value tree (keys as text); other scalars are unchanged.

        With ``typed``, a string that is exactly one placeholder takes the variable's own value,
        type included (``<<temp>>`` -> 0.7).
        """
        return self._render_any(value, (), _Budget(), typed=typed)

    def resolve(self, name: str) -> Any:
        """The fully rendered, typed value of one variable or dynamic name."""
        return self._resolve(name, (), _Budget())

    def _render_any(
        self, value: Any, chain: tuple[str, ...], budget: _Budget, *, typed: bool
    ) -> Any:
        if isinstance(value, str):
            if "<<" not in value:
                return value  # most texts of a body: spared a call and the regex
            # Only a text that starts with ``<<`` can be one placeholder.
            if typed and value.startswith("<<"):
                name = single_placeholder(value)
                if name is not None:
                    return self._resolve(name, chain, budget)
            return self._render_str(value, chain, budget)
        # Plain lists, dicts and scalars first: the ABC check for Mapping costs more than they do.
        if isinstance(value, list):
            return [self._render_any(item, chain, budget, typed=typed) for item in value]
        if value is None or isinstance(value, (int, float)):
            return value
        if isinstance(value, (dict, Mapping)):
            rendered: dict[Any, Any] = {}
            sources: dict[Any, Any] = {}  # a rendered key -> the key written, when they differ
            for key, item in value.items():
                new_key = key
                if isinstance(key, str) and "<<" in key:
                    new_key = self._render_str(key, chain, budget)
                if new_key in rendered:
                    # Two keys rendering alike would silently drop one of the values.
                    first = sources.get(new_key, new_key)  # a key not in sources was unchanged
                    raise TemplateError(
                        f"keys {first!r} and {key!r} both render to {new_key!r}",
                        names=referenced_names((first, key)),
                    )
                if new_key is not key:
                    sources[new_key] = key
                rendered[new_key] = self._render_any(item, chain, budget, typed=typed)
            return rendered
        if isinstance(value, tuple):
            return tuple(self._render_any(item, chain, budget, typed=typed) for item in value)
        return value

    def _render_str(self, text: str, chain: tuple[str, ...], budget: _Budget) -> str:
        if "<<" not in text:
            return text
        parts: list[str] = []
        for static, name in template_parts(text):
            parts.append(static)
            if name is not None:
                value = to_text(self._resolve(name, chain, budget))
                budget.spend(0, len(value), chain, name)
                parts.append(value)
        return "".join(parts)

    def _resolve(self, name: str, chain: tuple[str, ...], budget: _Budget) -> Any:
        budget.spend(1, 0, chain, name)
        if name.startswith("$"):
            return self._dynamic_value(name)
        if name in chain:
            cycle = " -> ".join((*chain[chain.index(name) :], name))
            raise TemplateError(
                f"variable cycle: {cycle}",
                names=(*chain, name),
                hint="a variable's value must not refer back to itself",
            )
        if len(chain) >= MAX_DEPTH:
            raise TemplateError(
                f"variables nested more than {MAX_DEPTH} levels deep: "
                f"{' -> '.join((*chain, name))}",
                names=(*chain, name),
            )
        try:
            raw = self._lookup(name)
        except KeyError:
            hint = f"used in the value of {' -> '.join(chain)}" if chain else None
            raise TemplateError(f"undefined variable '{name}'", names=(name,), hint=hint) from None
        if isinstance(raw, str) and "<<" not in raw:
            return raw  # the usual value: nothing in it to render
        # Values of variables are data: a nested single placeholder keeps its type too.
        return self._render_any(raw, (*chain, name), budget, typed=True)

    def _dynamic_value(self, name: str) -> Any:
        try:
            return self._dynamic(name)
        except KeyError:
            pass
        from difflib import get_close_matches  # for a message only: not imported by every run

        close = get_close_matches(name, sorted(DYNAMIC_NAMES), n=1)
        hint = (
            f"did you mean '<<{close[0]}>>'?"
            if close
            else "dynamic values are " + ", ".join(sorted(DYNAMIC_NAMES))
        )
        raise TemplateError(f"unknown dynamic value '{name}'", names=(name,), hint=hint)
