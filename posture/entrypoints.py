"""Plugins' entry points (checks, report writers): found from package metadata, loaded only when used."""

from __future__ import annotations

import functools
from importlib.metadata import EntryPoint, EntryPoints, entry_points
from typing import Any


def installed(group: str) -> EntryPoints:
    """The installed entry points of `group`. Every installed package's metadata is read once per process
    (~10 ms for a venv of 70 packages), not once for the checks and again for each report format."""
    found: EntryPoints = _every_group().select(group=group)
    return found


@functools.cache
def _every_group() -> Any:  # EntryPoints; SelectableGroups before Python 3.12: both select(group=)
    return entry_points()


def load(ep: EntryPoint) -> object:
    """What `ep.load()` returns, imported with the `import` statement's machinery rather than
    `importlib.import_module`, so `python -X importtime` (and `make bench`) still sees plugin modules."""
    obj: object = __import__(ep.module, fromlist=["__name__"])
    for part in (ep.attr or "").split("."):
        if part:
            obj = getattr(obj, part)
    return obj
