"""TLS: silencing urllib3's per-request warning when verification is off on purpose."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def tls_warnings(verify: bool | str) -> Iterator[None]:
    """Silence urllib3's per-request warning when the user turned verification off on purpose."""
    if verify is not False:
        yield
        return
    from urllib3.exceptions import InsecureRequestWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", InsecureRequestWarning)
        yield
