"""Bodies in the HTML report: the bounded excerpt kept of each, and how it is shown.

A body is kept as its first bytes and its size; it is shown as text (JSON re-indented without
decoding its strings, so masked text stays as it was), as a size when binary, or as a note.
"""

from __future__ import annotations

import codecs
import json
import re
from dataclasses import dataclass

from runner.report.html_text import esc
from runner.results import ResponseData

# One JSON token at a time: a string literal (escapes included), a punctuation mark, or a run
# of anything else (numbers, true, false, null). Whitespace between tokens is dropped. The
# second alternative is a string the cut ended inside: kept whole, or its spaces would be lost.
_JSON_TOKEN = re.compile(
    r'"(?:[^"\\]|\\.)*"|"(?:[^"\\]|\\.)*\\?\Z|[{}\[\],:]|[^\s{}\[\],:"]+', re.DOTALL
)


@dataclass(frozen=True, slots=True)
class Body:
    """A bounded excerpt of a body: the first ``head`` bytes and how big the whole was."""

    size: int
    head: bytes
    content_type: str
    binary: bool
    encoding: str | None
    note: str | None = None  # why nothing of the body was kept, when it was not


def excerpt(
    data: bytes, headers: tuple[tuple[str, str], ...], encoding: str | None, limit: int
) -> Body:
    """The first ``limit`` bytes of ``data`` and its size; nothing of a binary body is kept."""
    # ResponseData holds the one rule for "binary", so requests and responses agree with the
    # console and JUnit reports; it looks at the first 1024 bytes at most.
    probe = ResponseData(0, "", headers, data[:1024], 0.0, "")
    if probe.is_binary:
        return Body(len(data), b"", probe.content_type, True, encoding)
    return Body(len(data), data[: max(0, limit)], probe.content_type, False, encoding)


def body_html(body: Body | None) -> str:
    """The body as text: JSON re-indented, binary as a size, long ones cut with a note."""
    if body is None or body.size == 0:
        return '<p class="muted">No body.</p>'
    if body.binary:
        kind = body.content_type or "unknown type"
        return f'<p class="binary">{esc(f"<{body.size} bytes of {kind}>")}</p>'
    if body.note is not None:
        return f'<p class="cut">{esc(body.note)}</p>'
    cut = body.size - len(body.head)
    # An incremental decoder drops a character split by the cut instead of showing garbage.
    decoder = codecs.getincrementaldecoder(_codec(body.encoding))(errors="replace")
    text = decoder.decode(body.head, final=not cut)
    # A cut JSON body cannot be parsed, but a long list is exactly what needs indenting to
    # be read, so its first part is re-indented when the server says it is JSON.
    text = _pretty_json(text, body.content_type, cut=bool(cut))
    out = f'<pre class="payload"><code>{esc(text)}</code></pre>'
    if cut:
        out += (
            f'<p class="cut">Cut: showing the first {len(body.head):,} of {body.size:,} bytes '
            f"({cut:,} bytes not shown).</p>"
        )
    return out


def _pretty_json(text: str, content_type: str, *, cut: bool = False) -> str:
    """Re-indent JSON without decoding its strings, so masked text stays exactly as it was.

    Decoding and re-encoding could turn ``\\u0073k-...`` into the secret the masker never saw
    in its escaped spelling; copying every string literal verbatim cannot. A ``cut`` text is
    the start of a body: it is re-indented only when the content type says JSON and it starts
    like JSON, since it cannot be parsed to make sure.
    """
    stripped = text.strip()
    if not stripped or not ("json" in content_type or stripped[0] in "{["):
        return text
    if cut:
        if "json" not in content_type or stripped[0] not in "{[":
            return text
    else:
        try:
            json.loads(stripped)
        except ValueError:
            return text
    out: list[str] = []
    depth = 0
    pieces = [match.group() for match in _JSON_TOKEN.finditer(stripped)]
    for index, piece in enumerate(pieces):
        following = pieces[index + 1] if index + 1 < len(pieces) else ""
        if piece in ("{", "[") and following in ("}", "]"):
            out.append(piece)
        elif piece in ("{", "["):
            depth += 1
            out.append(piece + "\n" + "  " * depth)
        elif piece in ("}", "]"):
            previous = pieces[index - 1] if index else ""
            if previous in ("{", "["):
                out.append(piece)
            else:
                depth -= 1
                out.append("\n" + "  " * depth + piece)
        elif piece == ",":
            out.append(",\n" + "  " * depth)
        elif piece == ":":
            out.append(": ")
        else:
            out.append(piece)
    return "".join(out)


def _codec(encoding: str | None) -> str:
    try:
        return codecs.lookup(encoding or "utf-8").name
    except LookupError:
        return "utf-8"
