"""``postrun run --record``: real responses written into the collection files as examples.

``Recorder`` is a listener: it keeps the first response of each request from the engine's
``RequestFinished`` events, which are already masked, and ``write`` puts them in the files.

The file is edited as text, not re-dumped: ruamel.yaml reads it (round-trip mode keeps the line
and column of every node, where PyYAML's safe loader keeps none past composing) to find where a
request and its examples are, and writes the new example alone, in the file's own indentation;
every other byte stays as it was, comments, flow mappings, anchors and blank lines included
(a whole-file round trip through ruamel re-flows flow mappings and drops a written ``null``).
Each file is written whole or not at all (a temporary file, then a rename).
"""

from __future__ import annotations

import io
import os
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from runner.errors import PostrunError
from runner.events import Event, RequestFinished
from runner.masking import Masker
from runner.results import ResponseData, SentRequest

RECORDED = "recorded"
# Left out of a recorded example: they change on every response, belong to the connection, or
# carry credentials (Set-Cookie), so a replay would show stale or secret values.
VOLATILE_HEADERS = frozenset(
    {
        "age",
        "alt-svc",
        "cf-ray",
        "connection",
        "content-encoding",  # the recorded body is the decoded one
        "content-length",
        "cookie",
        "date",
        "expires",
        "keep-alive",
        "last-modified",
        "nel",
        "report-to",
        "server",
        "server-timing",
        "set-cookie",
        "traceparent",
        "transfer-encoding",
        "via",
        "x-cache",
        "x-runtime",
        "x-response-time",
        "x-served-by",
        "x-timer",
    }
)
_VOLATILE_PARTS = ("request-id", "requestid", "trace-id", "correlation-id", "amz-cf-", "-ms")


@dataclass(frozen=True, slots=True)
class Recorded:
    """One response to write: where its request is, and what was sent and received."""

    file: str
    line: int  # 1-based, the request's first key
    request: SentRequest | None
    response: ResponseData


class Recorder:
    """Keeps the first response of every request; ``missing_only`` for ``--record-missing``."""

    def __init__(self, *, missing_only: bool = False) -> None:
        self.missing_only = missing_only
        self._masker: Masker | None = None
        self._recorded: dict[tuple[str, int], Recorded] = {}
        self._lock = threading.Lock()  # under --jobs, files finish on several threads

    def guard(self, masker: Masker) -> None:
        """Mask what is written with the run's masker too, and refuse a run whose secrets it
        cannot hide in a body (shorter than 4 characters): before anything is sent."""
        if masker.short_secrets:
            raise PostrunError(
                "--record cannot hide a secret shorter than 4 characters inside a response "
                "body, so it would reach the file",
                hint="use the real secret (longer), or run without --record",
            )
        self._masker = masker

    def __call__(self, event: Event) -> None:
        if not isinstance(event, RequestFinished) or event.response is None:
            return
        location = event.result.location
        if location is None:
            return
        key = (location.file, location.line)
        with self._lock:
            if key not in self._recorded:
                self._recorded[key] = Recorded(
                    location.file, location.line, event.request, event.response
                )

    def write(self) -> tuple[list[str], list[str]]:
        """Write the examples into their files: what was written, one line per file, and
        what could not be (a file that no longer parses or cannot be written costs itself)."""
        by_file: dict[str, list[Recorded]] = {}
        for recorded in self._recorded.values():
            by_file.setdefault(recorded.file, []).append(recorded)
        written: list[str] = []
        problems: list[str] = []
        for file, items in sorted(by_file.items()):
            try:
                count, skipped = record_into(
                    Path(file), items, missing_only=self.missing_only, masker=self._masker
                )
            except (OSError, PostrunError) as exc:
                reason = exc.message if isinstance(exc, PostrunError) else str(exc)
                problems.append(f"cannot record into {file}: {reason}")
                continue
            problems.extend(skipped)
            if count:
                plural = "s" if count != 1 else ""
                written.append(f"recorded {count} example{plural} into {file}")
        return written, problems


def record_into(
    path: Path, items: list[Recorded], *, missing_only: bool, masker: Masker | None = None
) -> tuple[int, list[str]]:
    """Splice an example for each item into the file at ``path``: how many were written, and
    a line for each request whose examples could not take one."""
    text = path.read_text(encoding="utf-8")
    document = _load(path, text)
    lines = text.splitlines(keepends=True)
    edits: list[tuple[int, int, str]] = []
    skipped: list[str] = []
    for item in items:
        found = _find_request(document, item.line - 1)
        if found is None:
            skipped.append(f"not recorded: {path}:{item.line} is no longer a request")
            continue
        request, limit = found
        example = example_map(item)
        if masker is not None:  # the events are masked already; this is the second lock
            example = masker.value(example)
        edit = _edit(lines, request, limit, example, missing_only=missing_only)
        if isinstance(edit, str):
            skipped.append(f"not recorded: {path}:{item.line}: {edit}")
        elif edit is not None:
            edits.append(edit)
    if not edits:
        return 0, skipped
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"  # an example appended after the last line starts on a line of its own
    for start, end, new in sorted(edits, reverse=True):  # bottom up: earlier lines stay put
        lines[start:end] = [new]
    edited = "".join(lines)
    _load(path, edited)  # a splice that broke the file is never written
    _write_whole(path, edited)
    return len(edits), skipped


def _load(path: Path, text: str) -> Any:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="rt").load(text)
    except YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise PostrunError(f"it no longer parses as YAML{where}") from None


def _find_request(document: Any, line: int) -> tuple[Any, int] | None:
    """The request mapping whose first key is on ``line`` (0-based), and the line its text
    ends before (the next sibling of it or of a folder around it, else the end of the file)."""
    pending: list[tuple[Any, int]] = [(document, 1 << 30)]
    while pending:
        node, limit = pending.pop()
        items = node.get("requests") if hasattr(node, "get") else None
        if not hasattr(items, "lc") or not isinstance(items, list):
            continue
        limit = _after_key(node, "requests", limit)
        for index, item in enumerate(items):
            if not hasattr(item, "lc"):
                continue
            after = items.lc.item(index + 1)[0] if index + 1 < len(items) else limit
            if item.lc.line == line:
                return item, after
            pending.append((item, after))
    return None


def _edit(
    lines: list[str], request: Any, limit: int, example: dict[str, Any], *, missing_only: bool
) -> tuple[int, int, str] | str | None:
    """(first line, line after the last, new text) to put ``example`` in ``request``; None
    when it needs none, or why it cannot take one."""
    examples = request.get("examples")
    if missing_only and examples:
        return None
    if request.fa.flow_style():
        return "the request is a flow mapping ({...}); write it in block style to record it"
    column = request.lc.col
    if "examples" not in request:
        end = _trim(lines, _after_key(request, "examples", limit), column)
        block = " " * column + "examples:\n" + _example_text(example, column + 2)
        return end, end, block
    key_line = request.lc.key("examples")[0]
    if not examples:  # ``examples:`` or ``examples: []`` on one line: that line is rewritten
        if examples is not None and request.lc.value("examples")[0] != key_line:
            return "its empty examples list spans several lines; write examples: [] on one"
        block = " " * column + "examples:\n" + _example_text(example, column + 2)
        return key_line, key_line + 1, block
    if not hasattr(examples, "fa") or examples.fa.flow_style():
        return "its examples are a flow list ([...]); write them in block style to record"
    dash = examples.lc.col
    names = [item.get("name") if hasattr(item, "get") else None for item in examples]
    if RECORDED in names:
        index = names.index(RECORDED)
        start = examples.lc.item(index)[0]
        nxt = _after_item(examples, index, _after_key(request, "examples", limit))
        return start, _trim(lines, nxt, dash), _example_text(example, dash)
    start = examples.lc.item(0)[0]
    return start, start, _example_text(example, dash)


def _after_key(mapping: Any, key: str, limit: int) -> int:
    """The line after the value of ``key`` ends: the next key's line, else ``limit``."""
    keys = list(mapping)
    if key not in keys:
        return limit
    index = keys.index(key)
    return mapping.lc.key(keys[index + 1])[0] if index + 1 < len(keys) else limit


def _after_item(sequence: Any, index: int, limit: int) -> int:
    return sequence.lc.item(index + 1)[0] if index + 1 < len(sequence) else limit


def _trim(lines: list[str], end: int, column: int) -> int:
    """``end`` moved up past blank lines and comments at ``column`` or left of it: they belong
    to what follows (a ``#`` line indented deeper may be the text of a block scalar)."""
    end = min(end, len(lines))
    while end > 0:
        line = lines[end - 1]
        stripped = line.lstrip()
        comment = stripped.startswith("#") and len(line) - len(stripped) <= column
        if stripped and not comment:
            break
        end -= 1
    return end


def example_map(item: Recorded) -> dict[str, Any]:
    """The example of a recorded response: name, description, status, headers, body."""
    response = item.response
    example: dict[str, Any] = {"name": RECORDED}
    if item.request is not None:
        sent = f"{item.request.method} {item.request.url}"
        example["description"] = f"Recorded by postrun run --record from {sent}."
    example["status"] = response.status
    headers = recorded_headers(response.headers)
    if headers:
        example["headers"] = headers
    body = recorded_body(response)
    if body is not None:
        example["body"] = body
    return _escaped(example)


def recorded_headers(headers: tuple[tuple[str, str], ...]) -> dict[str, str]:
    """The headers worth replaying: the volatile and connection ones left out."""
    kept: dict[str, str] = {}
    for name, value in headers:
        lower = name.lower()
        if lower in VOLATILE_HEADERS or any(part in lower for part in _VOLATILE_PARTS):
            continue
        kept[name] = f"{kept[name]}, {value}" if name in kept else value
    return kept


def recorded_body(response: ResponseData) -> Any:
    """JSON as YAML data, other text as a string; None for no body or a binary one."""
    if not response.body or response.is_binary:
        return None
    parsed = response.json
    if parsed.ok and isinstance(parsed.value, (dict, list)):
        return parsed.value
    return response.text


def _escaped(value: Any) -> Any:
    """``<<`` in recorded text is literal: written ``\\<<`` so a replay does not render it."""
    if isinstance(value, str):
        return value.replace("<<", "\\<<")
    if isinstance(value, list):
        return [_escaped(item) for item in value]
    if isinstance(value, Mapping):
        return {_escaped(key): _escaped(item) for key, item in value.items()}
    return value


def _example_text(example: dict[str, Any], dash: int) -> str:
    """``example`` as one YAML sequence item whose ``-`` is at column ``dash``."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 4096  # long strings stay on one line rather than fold at odd places
    out = io.StringIO()
    yaml.dump(_styled(example), out)
    body = out.getvalue().splitlines()
    prefix = " " * dash
    first, rest = body[0], body[1:]
    return "".join(
        [f"{prefix}- {first}\n"] + [f"{prefix}  {line}\n" if line else "\n" for line in rest]
    )


def _styled(value: Any) -> Any:
    """Multi-line strings as ``|`` blocks; everything else in ruamel's block style."""
    from ruamel.yaml.scalarstring import LiteralScalarString

    if isinstance(value, str):
        clean = "\n" in value and not any(ord(c) < 32 and c not in "\n\t" for c in value)
        trailing = any(line != line.rstrip() for line in value.split("\n"))
        return LiteralScalarString(value) if clean and not trailing else value
    if isinstance(value, list):
        return [_styled(item) for item in value]
    if isinstance(value, Mapping):
        return {key: _styled(item) for key, item in value.items()}
    return value


def _write_whole(path: Path, text: str) -> None:
    """Replace the file's content whole: a temporary file beside it, then a rename."""
    target = path.resolve()  # through a symlink: the link stays, its target is replaced
    mode = target.stat().st_mode & 0o7777
    descriptor, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
