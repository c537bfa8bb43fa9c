"""Plugins' entry points (checks, report writers): found from package metadata, loaded only when used."""

from __future__ import annotations

import functools
import sys
from importlib.metadata import EntryPoint, EntryPoints, entry_points
from typing import Any


def installed(group: str) -> EntryPoints:
    """The installed entry points of `group`. Every installed package's metadata is read once (~10 ms for a
    venv of 70 packages), not once for the checks and again for each report format; again only when the
    import path changes (a plugin folder added to it)."""
    found: EntryPoints = _every_group(tuple(sys.path)).select(group=group)
    return found


@functools.lru_cache(maxsize=4)
def _every_group(path: tuple[str, ...]) -> Any:  # EntryPoints (SelectableGroups before 3.12): select(group=)
    return entry_points()


def load(ep: EntryPoint) -> object:
    """What `ep.load()` returns, imported with the `import` statement's machinery rather than
    `importlib.import_module`, so `python -X importtime` (and `make bench`) still sees plugin modules."""
    obj: object = __import__(ep.module, fromlist=["__name__"])
    for part in (ep.attr or "").split("."):
        if part:
            obj = getattr(obj, part)
    return obj
