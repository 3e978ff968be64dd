"""postrun: run API requests kept as YAML collections, check them, report like a test runner.

The packages, top to bottom (a package imports only those below it; ``tests/unit/
test_architecture.py`` enforces it, and each package's docstring lists its modules):
``cli`` (the commands), ``interop`` (Postman and curl import/export), ``report`` (listeners
that write output), ``engine`` (plan a run once; run it whole, a unit or one request, with an
injected session, clock and listeners), ``loader`` (YAML to the model), ``transport`` (one
request through an injected ``requests.Session``), ``auth`` (the OAuth2 token cache). The
modules beside them are the pure layers: ``model`` and ``results`` (frozen dataclasses in and
out), ``events``, ``variables``, ``templating``, ``checks``, ``matchers``, ``captures``,
``jsonquery``, ``masking``, ``errors`` and ``source``.

Programs embedding postrun use ``runner.loader`` and ``runner.engine`` (README, "The engine
API, for front-ends"), or ``runner.cli.cli`` to run a command in their own process.
"""

__version__ = "0.1.0"

__all__ = ["__version__"]
