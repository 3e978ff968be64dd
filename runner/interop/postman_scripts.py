"""Translate Postman test scripts into ``assert`` and ``capture`` blocks, and back (pure functions).

Only the common, declarative patterns are translated: ``pm.response.to.have.status``,
``pm.expect(...)`` on the status, a header, the JSON body, the body text or the response time,
``pm.*.set("x", jsonData.y)`` captures and the old ``tests["..."] = ...`` sandbox. A ``pm.test``
block is translated whole or not at all: a block holding logic we cannot follow (an ``if``, a
loop) could make a translated check run where Postman would not run it.

The work is done in ``runner.interop.postman``: ``js_syntax`` reads the JavaScript, ``chai``
the assertion chains, ``script_checks`` translates a script into checks and ``script_js``
writes checks back as JavaScript. This module is the entry the importer, the exporter and
the tests use.
"""

from __future__ import annotations

from runner.interop.postman.js_syntax import split_statements
from runner.interop.postman.script_checks import ScriptTranslation, translate_test_script
from runner.interop.postman.script_js import capture_to_js, check_to_js, js_accessor

__all__ = [
    "ScriptTranslation",
    "capture_to_js",
    "check_to_js",
    "js_accessor",
    "split_statements",
    "translate_test_script",
]
