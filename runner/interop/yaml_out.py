"""Writing collections as YAML people want to read: key order kept, block style, `|` for text."""

from __future__ import annotations

import re
from typing import Any

import yaml

# Plain scalars that the YAML 1.2 core schema (our loader) reads as something other than a string,
# beyond what PyYAML (YAML 1.1) already quotes: octal/hex ints and the .inf/.nan spellings.
_CORE_NON_STRING = re.compile(
    r"[-+]?(0o[0-7]+|0x[0-9a-fA-F]+|\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
    r"|([0-9]+(\.[0-9]*)?|\.[0-9]+)[eE][-+]?[0-9]+)"
)


class _Dumper(yaml.SafeDumper):
    """SafeDumper that keeps key order and writes multi-line strings as literal blocks."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        # Indent list items under their key (`requests:\n  - name: ...`), as people write it.
        super().increase_indent(flow, False)


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    # A literal block cannot hold trailing spaces on a line or most control characters faithfully.
    if "\n" in value and not any(line.endswith(" ") for line in value.split("\n")):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if _CORE_NON_STRING.fullmatch(value):
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="'")
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_Dumper.add_representer(str, _string)


def dump_yaml(data: Any) -> str:
    """YAML text for ``data`` (plain dicts, lists, scalars), in the order the dicts were built."""
    return yaml.dump(
        data,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
