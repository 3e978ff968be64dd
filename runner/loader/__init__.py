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
"""

from __future__ import annotations

from runner.loader.builder import load_collection
from runner.loader.discovery import discover_collections, find_environment
from runner.loader.environment import load_environment

__all__ = ["discover_collections", "find_environment", "load_collection", "load_environment"]
