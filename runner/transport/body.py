"""Reading a response body within the whole-request deadline and a size limit (``max_body``).

The limit counts decoded bytes (a gzip, deflate, br or zstd body is capped on what it inflates
to) and reading stops as soon as it is passed, so peak memory stays bounded for any server:
an endless chunked body, a decompression bomb, a redirect or a digest challenge with a huge
body. urllib3 (2.6 and later) inflates at most the amount asked for on each read.
"""

from __future__ import annotations

import io
import time
from typing import TYPE_CHECKING, Any

from runner.model import format_size

if TYPE_CHECKING:
    import requests

_CHUNK = 64 * 1024
# A followed redirect's body is never used (curl -L says "Ignoring the response-body"): drained
# this far to reuse the connection, and past it the connection is closed instead.
_REDIRECT_DRAIN = 1024 * 1024


class BodyTooLarge(Exception):
    """A response body passed its limit; reading stopped there."""

    def __init__(self, limit: int) -> None:
        super().__init__(f"the response body is over the {format_size(limit)} limit")
        self.limit = limit


def read_body(
    response: requests.Response, limit: int, deadline: float | None, timeout: float | None
) -> bytes:
    """Read the decoded body, enforcing the deadline between socket reads and the size limit.

    ``read1`` returns what one socket read brings, so a server that trickles bytes slowly is
    still cut off at the deadline (``iter_content`` would wait for a full chunk first). Past
    the limit the connection is left unreleased: closing the response closes it, unread.
    """
    from urllib3.response import HTTPResponse

    raw = response.raw
    if not isinstance(raw, HTTPResponse):  # the mock adapter's in-memory body, a file object
        return _read_file(raw, limit)
    buffer = io.BytesIO()  # getvalue() hands over its buffer: no second copy of a big body
    try:
        # One byte more than the limit is enough to know it was passed.
        while chunk := raw.read1(min(_CHUNK, limit + 1 - buffer.tell()), decode_content=True):
            buffer.write(chunk)
            if buffer.tell() > limit:
                raise BodyTooLarge(limit)
            if deadline is not None:
                _check_deadline(deadline, timeout)
    except Exception as exc:
        # No local may hold an exception here: its traceback would hold this frame, and the
        # response with it, until a garbage collection (the connection left open meanwhile).
        if not _from_urllib3(exc):
            raise
        raise _translated(exc) from exc
    # Read to the end: hand the connection back to the pool for the next request.
    raw.release_conn()
    return buffer.getvalue()


class BodyReader:
    """Reads every body of one exchange within its limit and deadline, the final one included.

    As a response hook, run before requests' own, it reads the bodies requests would read whole
    in memory with ``response.content``: a followed redirect's is drained and dropped, a digest
    challenge's read and kept for when it is the answer. requests then finds them exhausted (or
    closed); cookies and headers stay on the response.
    """

    def __init__(
        self,
        limit: int,
        deadline: float | None,
        timeout: float | None,
        *,
        redirects: bool,
        digest: bool,
    ) -> None:
        self.limit, self.deadline, self.timeout = limit, deadline, timeout
        self.redirects, self.digest = redirects, digest
        self.kept: dict[int, bytes] = {}  # id(response) -> its body, read here

    def __call__(self, response: requests.Response, **_: Any) -> None:
        from urllib3.response import HTTPResponse

        raw = response.raw
        if not isinstance(raw, HTTPResponse):
            return
        if self.redirects and response.is_redirect:
            self._drain(raw)
        elif self.digest and response.status_code == 401:
            self.kept[id(response)] = read_body(response, self.limit, self.deadline, self.timeout)

    def register(self, prepared: requests.PreparedRequest) -> None:
        """Run first among ``prepared``'s response hooks (digest auth's reads the challenge)."""
        if self.redirects or self.digest:
            prepared.hooks["response"].insert(0, self)

    def read(self, response: requests.Response) -> bytes:
        """The body of the final response (already read when it was a digest challenge)."""
        kept = self.kept.get(id(response))
        if kept is not None:
            return kept
        return read_body(response, self.limit, self.deadline, self.timeout)

    def _drain(self, raw: Any) -> None:
        """Read and drop a redirect's body; past the drain limit close its connection."""
        left = min(self.limit, _REDIRECT_DRAIN)
        try:
            while chunk := raw.read1(min(_CHUNK, left + 1), decode_content=False):
                left -= len(chunk)
                if left < 0:
                    raw.close()
                    return
                _check_deadline(self.deadline, self.timeout)
        except Exception as exc:
            # No local may hold an exception here: its traceback would hold this frame, and the
            # response with it, until a garbage collection (the connection left open meanwhile).
            if not _from_urllib3(exc):
                raise
            raise _translated(exc) from exc


def _read_file(raw: Any, limit: int) -> bytes:
    """A file-like body (``--mock``, a front-end's adapter) read within the same limit."""
    body = raw.read(limit + 1)
    if len(body) > limit:
        raise BodyTooLarge(limit)
    return bytes(body)


def _check_deadline(deadline: float | None, timeout: float | None) -> None:
    if deadline is not None and time.perf_counter() > deadline:
        import requests

        raise requests.exceptions.ReadTimeout(f"timed out after {timeout:g}s")


def _from_urllib3(exc: Exception) -> bool:
    """Whether ``exc`` is one of urllib3's that ``_translated`` turns into requests' own."""
    if not type(exc).__module__.startswith("urllib3."):
        return False  # the usual failure (over the limit, past the deadline): no import
    from urllib3 import exceptions as low

    return isinstance(exc, (low.ReadTimeoutError, low.SSLError, low.DecodeError, low.ProtocolError))


def _translated(exc: Exception) -> Exception:
    """A urllib3 exception (see ``_from_urllib3``) as the requests exception that
    ``describe_failure`` knows. Looked up only when reading failed, so a read costs no more."""
    import requests
    from urllib3 import exceptions as low

    exceptions = requests.exceptions
    pairs = (
        (low.ReadTimeoutError, exceptions.ReadTimeout),
        (low.SSLError, exceptions.SSLError),
        (low.DecodeError, exceptions.ContentDecodingError),
        (low.ProtocolError, exceptions.ChunkedEncodingError),
    )
    return next(kind(exc) for low_kind, kind in pairs if isinstance(exc, low_kind))
