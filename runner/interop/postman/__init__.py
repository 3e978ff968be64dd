"""Postman interop internals: reading Postman test scripts and writing them back.

==================  ======================================================================
``js_syntax``       the JavaScript the translation reads: statements, arguments, literals
``chai``            chai assertion chains read as postrun matcher operators
``script_checks``   a test script -> ``assert`` and ``capture`` blocks
``script_js``       postrun checks and captures -> ``pm.test`` JavaScript
==================  ======================================================================

Nothing outside ``runner.interop`` imports these modules: the public entry is
``runner.interop.postman_scripts``.
"""
