"""Where a load run sends, found before anything is sent: remote hosts refused, Locust's host.

A URL that needs a captured value cannot be known yet; the Locust users' sessions refuse such a
URL at run time if it is not on this machine (runner/transport/loopback.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit

from runner.engine import RunPlan, request_stack
from runner.errors import PostrunError
from runner.model import RequestSpec
from runner.templating import Renderer
from runner.transport.loopback import is_loopback, url_host


def static_urls(plan: RunPlan) -> Iterator[tuple[RequestSpec, str]]:
    """Each request's URL that renders without captured values (the others are skipped)."""
    for collection in plan.collections:
        for request in collection.requests:
            if request.options.get("skip"):
                continue  # never sent (a draft may have no url at all)
            stack = request_stack(request, collection, plan.options, plan.secrets.values, {})
            try:
                yield request, Renderer(stack.lookup).render_text(request.url)
            except PostrunError:
                continue  # it needs a capture: the session checks it when it is sent


def check_targets(plan: RunPlan, allow_remote: bool) -> str:
    """Locust's ``--host`` (the first URL's origin); without ``allow_remote``, an input error
    for the first URL whose host is not on this machine."""
    host = None
    for request, url in static_urls(plan):
        target = url_host(url)
        if host is None and target:
            parts = urlsplit(url)
            host = f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"
        if not allow_remote and not is_loopback(target):
            raise PostrunError(
                f"request '{request.path}' sends to {plan.masker.text(str(target))}, which is "
                "not this machine: a load test is an attack on a server that is not yours",
                location=request.location,
                hint="load only servers you run; if this one is, add --allow-remote",
            )
    # Locust shows it (its HTML report, the command line in ps): masked like every output.
    return plan.masker.text(host) if host else "http://127.0.0.1"
