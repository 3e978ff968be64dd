"""JSONPath: compile once (cached), the singular rule, and query (FORMAT.md 1.3).

The only module that imports ``jsonpath_ng``. Expressions use its extended syntax (filters such as
``$.items[?(@.id > 2)]``, the `` `len` `` extension). A *singular* path (only field names and
single indexes, negative ones included, plus `` `len` ``) yields one value or ``MISSING``; any
other path yields the list of every match.

jsonpath-ng 1.8 has a few defects that this module works around by swapping three node classes
in each parsed tree for safe subclasses, so a query never crashes and never changes the document:

- ``Index`` raises IndexError for a negative index past the start (``[-5]`` of a 3-item list),
  KeyError on an object, and indexes into strings; the safe one indexes arrays only.
- ``Filter`` replaces an object it filters by the list of its values *inside the document*; the
  safe one leaves the document alone (responses are parsed once and shared by every check).
- Filter comparisons with an integer literal coerce the value with ``int()``, so ``2.7 > 2`` is
  false, ``"3" == 3`` is true and a ``null`` crashes; the safe ones use JSON semantics (equality
  as ``eq``, ordering only between two numbers or two strings, anything else does not match).
"""

from __future__ import annotations

import functools
import re
import threading
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from runner.matchers import comparable, json_equal
from runner.model import MISSING
from runner.regexes import RegexTimeout, compile_regex, search_regex

# The jsonpath-ng parser object keeps its parse stacks on itself, so one shared instance must not
# run two parses at once (compiles may happen from worker threads).
_PARSE_LOCK = threading.Lock()


class JsonPathError(ValueError):
    """A JSONPath expression that cannot be compiled or evaluated; the message is one line."""


# Paths made only of `.name`, `['name']`, `[n]` and `` .`len` `` (nearly every check) are read
# with a regex and walked by hand: building jsonpath-ng's parser costs about 50 ms per process.
_STEP = re.compile(
    r"\.(?P<name>[A-Za-z_][A-Za-z0-9_\-]*)"
    r"|\[(?P<index>-?[0-9]+)\]"
    r"|\['(?P<single>[^'\\]*)'\]"
    r'|\["(?P<double>[^"\\]*)"\]'
    r"|(?P<len>\.`len`)"
)
_SIMPLE = re.compile(rf"\$(?:{_STEP.pattern})*")
_RESERVED = frozenset({"where", "wherenot"})  # jsonpath-ng keywords, not field names


@dataclass(frozen=True, slots=True)
class CompiledPath:
    """A parsed expression; ``singular`` says whether it yields one value (FORMAT.md 1.3).

    ``steps`` holds a simple path's keys, indexes and ``LEN``; ``parsed`` the jsonpath-ng tree
    of any other path.
    """

    expression: str
    singular: bool
    parsed: Any = None
    steps: tuple[str | int | object, ...] | None = None


LEN = object()  # the `len` extension as a step


def compile_path(expression: str) -> CompiledPath:
    """Parse ``expression`` once per process; raise JsonPathError when it is not valid."""
    if not isinstance(expression, str):
        raise JsonPathError(f"invalid JSONPath {expression!r}: it must be a string")
    return _compile(expression)


@functools.lru_cache(maxsize=2048)
def _compile(expression: str) -> CompiledPath:
    if not expression.strip().startswith("$"):
        raise JsonPathError(f"invalid JSONPath {expression!r}: it must start with $")
    steps = _simple_steps(expression)
    if steps is not None:
        return CompiledPath(expression, True, steps=steps)
    kit = _toolkit()
    try:
        with _PARSE_LOCK:
            parsed = kit.parser.parse(expression)
    except Exception as exc:  # the lexer, the parser and PLY raise several unrelated types
        raise JsonPathError(f"invalid JSONPath {expression!r}: {_one_line(exc)}") from None
    if parsed is None:
        raise JsonPathError(f"invalid JSONPath {expression!r}: it is empty")
    singular = _is_singular(parsed, kit, leftmost=True)
    return CompiledPath(expression, singular, _make_safe(parsed, kit, expression))


def _simple_steps(expression: str) -> tuple[str | int | object, ...] | None:
    """The steps of a path of plain keys and indexes, or None when jsonpath-ng must parse it."""
    if not _SIMPLE.fullmatch(expression):
        return None
    steps: list[str | int | object] = []
    for match in _STEP.finditer(expression, 1):
        name = match.group("name")
        if name is not None:
            if name in _RESERVED:
                return None
            steps.append(name)
        elif match.group("index") is not None:
            steps.append(int(match.group("index")))
        elif match.group("len") is not None:
            steps.append(LEN)
        else:
            single = match.group("single")
            steps.append(single if single is not None else match.group("double"))
    return tuple(steps)


def _follow(steps: tuple[str | int | object, ...], document: Any) -> Any:
    """A simple path's value, with the same JSON rules as _walk."""
    value = document
    for step in steps:
        if type(step) is str:
            if not isinstance(value, dict):
                return MISSING
            value = value.get(step, MISSING)
        elif type(step) is int:
            if not isinstance(value, list) or not -len(value) <= step < len(value):
                return MISSING
            value = value[step]
        else:  # LEN; bool and null are not containers
            value = len(value) if isinstance(value, (str, list, dict)) else MISSING
        if value is MISSING:
            return MISSING
    return value


def query(expression: str, document: Any) -> Any:
    """Evaluate ``expression`` on a parsed JSON ``document``.

    A singular path gives the value found or ``MISSING``; any other path gives the list of all
    matches (possibly empty). Raises JsonPathError for an invalid expression or, rarely, one that
    cannot be evaluated on this document (e.g. `` `sorted` `` over mixed types).
    """
    path = compile_path(expression)
    if path.steps is not None:
        return _follow(path.steps, document)
    if path.singular:
        return _walk(path.parsed, document, document, _toolkit())
    try:
        return [match.value for match in path.parsed.find(document)]
    except Exception as exc:  # an extension failing on unexpected data must not crash a run
        raise JsonPathError(f"cannot evaluate {expression}: {_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _walk(node: Any, value: Any, document: Any, kit: SimpleNamespace) -> Any:
    """Follow a singular path by hand: faster than jsonpath-ng and exact about JSON types."""
    kind = type(node)
    if kind is kit.Root:
        return document
    if kind is kit.Child:
        left = _walk(node.left, value, document, kit)
        return MISSING if left is MISSING else _walk(node.right, left, document, kit)
    if kind is kit.Fields:
        if isinstance(value, dict):
            return value.get(node.fields[0], MISSING)
        return MISSING
    if isinstance(node, kit.Index):  # the safe subclass; isinstance survives a rebuilt kit
        index = node.indices[0]
        if isinstance(value, list) and -len(value) <= index < len(value):
            return value[index]
        return MISSING
    if kind is kit.Len:
        # bool is not a container, and neither is null: `len` of those finds nothing
        return len(value) if isinstance(value, (str, list, dict)) else MISSING
    raise JsonPathError(f"internal error: {kind.__name__} in a singular path")


def _is_singular(node: Any, kit: SimpleNamespace, *, leftmost: bool) -> bool:
    kind = type(node)  # exact types: Sub, Split, SortedThis ... subclass This
    if kind is kit.Root:
        return leftmost
    if kind is kit.Child:
        return _is_singular(node.left, kit, leftmost=leftmost) and _is_singular(
            node.right, kit, leftmost=False
        )
    if kind is kit.Fields:
        return len(node.fields) == 1 and node.fields[0] != "*"
    if kind is kit.Index:
        return len(node.indices) == 1
    return kind is kit.Len


def _make_safe(node: Any, kit: SimpleNamespace, expression: str) -> Any:
    """Swap the defective node classes for safe ones, in the tree just parsed (ours alone)."""
    kind = type(node)
    if kind is kit.Index:
        return kit.SafeIndex(*node.indices)
    if kind is kit.Filter:
        return kit.SafeFilter([_make_safe(item, kit, expression) for item in node.expressions])
    if kind is kit.Expression:
        if node.op == "=~":
            _check_filter_regex(node.value, expression)
        return kit.SafeExpression(_make_safe(node.target, kit, expression), node.op, node.value)
    for name in ("left", "right", "target"):
        child = getattr(node, name, None)
        if isinstance(child, kit.JSONPath):
            setattr(node, name, _make_safe(child, kit, expression))
    return node


def _check_filter_regex(pattern: Any, expression: str) -> None:
    if not isinstance(pattern, str):
        raise JsonPathError(f"invalid JSONPath {expression!r}: =~ needs a quoted regex")
    try:
        compile_regex(pattern)
    except re.error as exc:
        raise JsonPathError(
            f"invalid JSONPath {expression!r}: bad regex {pattern!r}: {exc}"
        ) from None


def _filter_holds(op: str, value: Any, literal: Any) -> bool:
    """A filter comparison with JSON semantics; a type mismatch simply does not match."""
    if op in ("==", "="):
        return json_equal(value, literal)
    if op == "!=":
        return not json_equal(value, literal)
    if op == "=~":
        if not isinstance(value, str):
            return False
        try:
            return search_regex(literal, value) is not None
        except RegexTimeout as exc:
            raise JsonPathError(str(exc)) from None
    if not comparable(value, literal):
        return False
    if op == "<":
        return bool(value < literal)
    if op == "<=":
        return bool(value <= literal)
    if op == ">":
        return bool(value > literal)
    if op == ">=":
        return bool(value >= literal)
    return False


@functools.cache
def _toolkit() -> SimpleNamespace:
    """Import jsonpath-ng on first use (it is slow to import) and build the safe node classes."""
    from jsonpath_ng.ext.filter import Expression, Filter
    from jsonpath_ng.ext.iterable import Len
    from jsonpath_ng.ext.parser import ExtendedJsonPathParser
    from jsonpath_ng.jsonpath import Child, DatumInContext, Fields, Index, JSONPath, Root

    class SafeIndex(Index):  # type: ignore[misc]
        """Array indexes only, negative ones counted from the end, out of range -> no match."""

        def find(self, datum: Any) -> list[Any]:
            datum = DatumInContext.wrap(datum)
            value = datum.value
            if not isinstance(value, list):
                return []
            size = len(value)
            return [
                DatumInContext(value[index], path=Index(index % size), context=datum)
                for index in self.indices
                if -size <= index < size
            ]

    class SafeFilter(Filter):  # type: ignore[misc]
        """Like Filter, but filters an object's values without rewriting the object."""

        def find(self, datum: Any) -> list[Any]:
            datum = DatumInContext.wrap(datum)
            value = datum.value
            if isinstance(value, dict):
                value = list(value.values())
            if not isinstance(value, list):
                return []
            return [
                DatumInContext(item, path=Index(position), context=datum)
                for position, item in enumerate(value)
                if all(expression.find(item) for expression in self.expressions)
            ]

    class SafeExpression(Expression):  # type: ignore[misc]
        """A filter test with JSON semantics (see the module docstring)."""

        def find(self, datum: Any) -> list[Any]:
            found = self.target.find(DatumInContext.wrap(datum))
            if not found or self.op is None:
                return list(found)
            return [item for item in found if _filter_holds(self.op, item.value, self.value)]

    classes = (JSONPath, Root, Child, Fields, Index, Len, Filter, Expression)
    safe = (SafeIndex, SafeFilter, SafeExpression)
    return SimpleNamespace(
        parser=ExtendedJsonPathParser(), **{kind.__name__: kind for kind in (*classes, *safe)}
    )
