"""Loading a plugin's entry point (checks, report writers) only when it is used."""

from __future__ import annotations

from importlib.metadata import EntryPoint


def load(ep: EntryPoint) -> object:
    """What `ep.load()` returns, imported with the `import` statement's machinery rather than
    `importlib.import_module`, so `python -X importtime` (and `make bench`) still sees plugin modules."""
    obj: object = __import__(ep.module, fromlist=["__name__"])
    for part in (ep.attr or "").split("."):
        if part:
            obj = getattr(obj, part)
    return obj
