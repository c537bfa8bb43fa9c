"""Which checks are installed: built from the `posture.checks` entry points, or given directly.

No module-level registry: callers build one and pass it in, so tests inject fake checks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points

from posture.check import Check
from posture.errors import PostureError

ENTRY_POINT_GROUP = "posture.checks"


@dataclass
class Registry:
    checks: dict[str, type[Check]] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)  # check id -> "module:Class"
    broken: dict[str, str] = field(default_factory=dict)  # entry point name -> why it was rejected

    def add(self, check: type[Check], known_weaknesses: Iterable[str], origin: str = "") -> None:
        if not (isinstance(check, type) and issubclass(check, Check)):
            raise ValueError(f"{origin or check!r} is not a posture Check class")
        check.meta.validate(known_weaknesses)
        if check.meta.id in self.checks:
            raise ValueError(f"two checks are named {check.meta.id!r}")
        self.checks[check.meta.id] = check
        self.origins[check.meta.id] = origin or f"{check.__module__}:{check.__qualname__}"

    def get(self, check_id: str) -> type[Check] | None:
        return self.checks.get(check_id)

    def ids(self) -> list[str]:
        return list(self.checks)

    def require(self, check_id: str) -> type[Check]:
        check = self.get(check_id)
        if check is None:
            raise PostureError(f"no check named {check_id!r} is installed")
        return check


def default_registry(known_weaknesses: Iterable[str] | None = None) -> Registry:
    """Every check installed through the entry-point group, built-in or third party."""
    if known_weaknesses is None:
        from posture.catalogue import load_catalogue

        known_weaknesses = load_catalogue().weaknesses
    known = list(known_weaknesses)
    registry = Registry()
    for ep in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
        try:
            registry.add(ep.load(), known, origin=ep.value)
        except Exception as exc:  # a broken plugin must not stop the others
            registry.broken[ep.name] = f"{type(exc).__name__}: {exc}"
    return registry
