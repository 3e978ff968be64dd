"""Pickling postrun's dataclasses as (class, field values).

The default pickling of a frozen, slotted dataclass names every field in every object and sets
each one back through a Python-level ``__setstate__``; calling the class with its field values
takes half the time and fewer bytes. Used for the requests of a large file (runner/compact.py)
and for what a loading child sends back (runner/preload.py).
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import pickle
from collections.abc import Callable
from typing import Any


@functools.cache
def field_values(cls: type) -> Callable[[Any], tuple[Any, ...]] | None:
    """A function giving the values to call ``cls`` with to rebuild an instance, or None when
    ``cls`` is not one of postrun's dataclasses that can be rebuilt that way."""
    if not (dataclasses.is_dataclass(cls) and cls.__module__.startswith("runner.")):
        return None
    fields = dataclasses.fields(cls)
    if hasattr(cls, "__post_init__") or any(not f.init or f.kw_only for f in fields):
        return None
    if len(fields) == 1:
        getter = operator.attrgetter(fields[0].name)
        return lambda obj: (getter(obj),)
    if not fields:
        return lambda obj: ()
    return operator.attrgetter(*(field.name for field in fields))  # type: ignore[return-value]


class ModelPickler(pickle.Pickler):
    """A pickler that writes postrun's dataclasses as (class, field values)."""

    def reducer_override(self, obj: Any) -> Any:
        # Called for objects other than plain containers, numbers and strings only.
        cls = type(obj)
        values = field_values(cls)
        if values is None:
            return NotImplemented
        return cls, values(obj)
