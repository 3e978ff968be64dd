"""Postman interop internals: the collection import and the test-script translation.

==================  ======================================================================
``documents``       reading the JSON files; a v2.x collection or environment, or an error
``v3``              a Collection v3 folder (Postman v12's YAML files) read as a v2.1 document
``importer``        the state of one import: secrets, notes, ``{{var}}`` -> ``<<var>>``,
                    variables and environments
``items``           folders and requests: scripts, options, defaults, the request tree
``urls``            a request's URL, query parameters and headers
``bodies``          request bodies: raw/JSON, urlencoded, form-data, file, GraphQL
``auth``            Postman ``auth`` -> our auth block
``examples``        saved responses -> ``examples``
``summary``         RequestReport and ImportSummary (the table the CLI prints)
``fields``          small readers of loose Postman JSON shared by the modules above
``js_syntax``       the JavaScript the translation reads: statements, arguments, literals
``chai``            chai assertion chains read as postrun matcher operators
``script_checks``   a test script -> ``assert`` and ``capture`` blocks
``script_js``       postrun checks and captures -> ``pm.test`` JavaScript
``tree``            the collection file as written (the export reads what the model flattens)
``export_tree``     the export's folders, inherited auth, scopes' scripts, path variables
``export_parts``    the export's URLs, auth and bodies in Postman's shapes
==================  ======================================================================

The public entries are ``runner.interop.postman_import`` (the import) and
``runner.interop.postman_scripts`` (the script translation, used by the import and by
``postman_export``); nothing outside ``runner.interop`` imports these modules directly.
"""
