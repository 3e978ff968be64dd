"""Load collection and environment files into the model (FORMAT.md sections 0, 1, 2 and 4).

Files are composed into PyYAML nodes with a YAML 1.2 core schema resolver and walked by hand, so
every value keeps its mark: each user error is a LoadError naming the file, line and column, with
a hint for the usual traps. Defaults are merged here (FORMAT.md 1.8), so every RequestSpec is
complete on its own.

Two decisions the format leaves open:

- ``variables`` keep their YAML type (number, boolean, null, list, mapping), so typed substitution
  (``temperature: <<temp>>``) sends a number; names, header values and params are text, spelled
  as written (``name: 404`` is "404", ``1.0`` stays "1.0").
- ``x-`` keys are ignored in the objects whose keys the format defines (collection, folder,
  request, example, environment, defaults, assert, options, auth, body ...). Free-form mappings
  (variables, headers, params, JSON bodies, literal values, schemas) keep them: ``x-api-key`` is a
  real header.

Who imports what: the CLI and the engine's front-ends use the functions re-exported here,
nothing else (the modules are internal; tests reach in only to patch). Nothing in the package
imports ``cli``, ``engine`` or ``transport``. Each module imports only those above it:

| module | what it does |
|---|---|
| ``coreschema`` | the YAML 1.2 core schema: tags, plain-scalar patterns, number parsing |
| ``keys`` | the format's tables: keys of each object, capture forms, auth kinds, names, statuses |
| ``pyyaml`` | the only ``yaml`` import: resolver, loaders, composing, file text, syntax errors |
| ``streaming`` | large files: ``requests`` items composed one at a time, requests packed as built |
| ``wording`` | what a node holds, in messages; the closest allowed word for "did you mean" |
| ``document`` | ``Document``: one parsed file, its tag and alias checks, locations, ``fail`` |
| ``nodes`` | typed access to nodes: mappings (merge keys, duplicates, ``x-``), lists, scalars |
| ``placeholders`` | each placeholder used, with its location; unknown dynamic values |
| ``paths`` | paths a collection names, relative to it and inside the working directory |
| ``sections`` | ``description``, ``variables`` and ``secrets`` (collections and environments) |
| ``refs`` | ``$ref`` in schemas: the schema files they lead to, by the path rules; no fetch |
| ``schemas`` | ``assert.schema``: inline or from a file, checked with jsonschema; its refs |
| ``assertions`` | ``assert``: checks, matchers and their arguments, JSONPath and regex checks |
| ``headers`` | request ``headers`` and ``params`` |
| ``auth``, ``options`` | ``auth``; ``options`` with ``retries`` and ``cert`` |
| ``streams`` | ``stream``, an example's ``events``, the checks and captures of a stream |
| ``bodies``, ``captures``, ``examples`` | ``body``, ``capture``, ``examples`` |
| ``builder`` | ``load_collection``: the collection, folders, defaults layers, each request |
| ``environment`` | ``load_environment`` |
| ``precheck`` | a large file found loadable without building it, so it can be sent as it is built |
| ``discovery`` | ``discover_collections``, ``is_collection_file`` and ``find_environment`` |
"""

from __future__ import annotations

from runner.loader.builder import load_collection
from runner.loader.discovery import discover_collections, find_environment, is_collection_file
from runner.loader.environment import load_environment

__all__ = [
    "discover_collections",
    "find_environment",
    "is_collection_file",
    "load_collection",
    "load_environment",
]
