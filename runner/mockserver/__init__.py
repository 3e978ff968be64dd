"""``postrun mock``: a collection's examples served over HTTP, for front-ends and tests.

A front-end (the ``mock`` command, the pytest fixture) loads collections with runner.loader,
builds the routes with ``build_routes`` and serves them with ``MockServer``. Its modules, each
importing only those above it:

| module | what it holds |
|---|---|
| ``routes`` | ``Route``: a request with examples as a method and a path pattern |
| ``matching`` | ``match``: the route and example for a request (Postman's matching) or a miss |
| ``answer`` | ``answer``: an example as status, headers and body chunks (the seam for streams) |
| ``server`` | ``MockServer``: a threaded stdlib HTTP/1.1 server answering with the above |
| ``serving`` | ``load_server`` (from paths), ``serve_collections`` (from loaded collections) |
| ``testing`` | ``mock_server`` (a context manager) and ``mock_fixture`` (a pytest fixture) |

Who may import it: the CLI and programs embedding postrun. It imports the loader (``serving``
only), the model, templating and variables; never the engine, transport or requests.
"""

from __future__ import annotations

from runner.mockserver.routes import Route, build_routes
from runner.mockserver.server import MockServer

__all__ = ["MockServer", "Route", "build_routes"]
