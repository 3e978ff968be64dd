"""Import and export: Postman collections and environments, curl commands. Outside the run path.

====================  ====================================================================
``postman_import``    ``postrun import postman``: the entry (``import_postman``); the
                      conversion itself is in the ``postman`` subpackage
``postman_scripts``   Postman test scripts <-> checks and captures: the entry; the work is
                      in ``postman`` (``js_syntax``, ``chai``, ``script_checks``,
                      ``script_js``)
``postman_export``    ``postrun export postman``: collections -> a Collection v2.1 document
``postman/``          the Postman internals, a module per part (see its docstring)
``curl``              ``postrun import curl`` and ``export curl``: what the CLI calls;
                      writing an imported request into a collection file
``curl_parse``        a pasted curl command -> a request (``parse_curl``, ``CurlImport``)
``curl_tokens``       splitting the command line as a POSIX shell would
``curl_flags``        curl's option table
``curl_options``      reading the options into ``Parsed``
``curl_request``      building the request mapping from ``Parsed``
``curl_secrets``      credentials in an imported request -> new secrets
``curl_export``       a rendered request -> a runnable curl command
``credentials``       what counts as a credential; ``SecretVault`` for one import
``yaml_out``          writing collections as readable YAML
====================  ====================================================================

Who may import it: the CLI only, lazily, inside the import and export commands. Nothing in
the run path (loader, engine, transport, checks, reporters) imports ``runner.interop``. The
exporters read the loaded model, and ``curl_export`` renders requests the way a run would.
"""
