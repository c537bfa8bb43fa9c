"""Which checks are installed: built from the `posture.checks` entry points, or given directly.

Loading is lazy: the registry reads entry-point metadata (names, and "[always]" for a check that runs
without a config section) and imports a check's module, with its heavy dependencies, only when that
check is used (its section is validated, it is prepared, or `posture checks` lists it). `posture --help`
and a scan of a config without the password check never import zxcvbn.

No module-level registry: callers build one and pass it in, so tests inject fake checks.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from pydantic import BaseModel

from posture.check import Check
from posture.entrypoints import installed, load
from posture.errors import PostureError

ENTRY_POINT_GROUP = "posture.checks"
ALWAYS = "always"  # the entry-point extra of a check that runs even without a config section
log = logging.getLogger("posture.registry")


@dataclass(frozen=True)
class _Pending:
    """An installed check not imported yet."""

    load: Callable[[], object]
    origin: str
    always: bool


@dataclass
class Registry:
    checks: dict[str, type[Check]] = field(default_factory=dict)  # the imported ones
    origins: dict[str, str] = field(default_factory=dict)  # check id -> "module:Class"
    broken: dict[str, str] = field(default_factory=dict)  # entry point name -> why it was rejected
    known_weaknesses: frozenset[str] | None = None  # None: the catalogue's, read when first needed
    pending: dict[str, _Pending] = field(default_factory=dict)

    def add(self, check: type[Check], known_weaknesses: Iterable[str] | None = None, origin: str = "") -> None:
        if not (isinstance(check, type) and issubclass(check, Check)):
            raise ValueError(f"{origin or check!r} is not a posture Check class")
        check.meta.validate(self._weaknesses() if known_weaknesses is None else known_weaknesses)
        if check.meta.id in self.checks:
            raise ValueError(f"two checks are named {check.meta.id!r}")
        self.checks[check.meta.id] = check
        self.origins[check.meta.id] = origin or f"{check.__module__}:{check.__qualname__}"

    def add_entry(self, name: str, load: Callable[[], object], origin: str, always: bool = False) -> None:
        """Register an installed check by name; it is imported on first use."""
        if name not in self.checks:
            self.pending[name] = _Pending(load, origin, always)
            self.origins.setdefault(name, origin)

    def get(self, check_id: str) -> type[Check] | None:
        if check_id not in self.checks and check_id in self.pending:
            self._load(check_id)
        return self.checks.get(check_id)

    def ids(self) -> list[str]:
        return list(dict.fromkeys([*self.checks, *self.pending]))

    def require(self, check_id: str) -> type[Check]:
        check = self.get(check_id)
        if check is None:
            why = self.broken.get(check_id)
            raise PostureError(f"the {check_id!r} check failed to load: {why}" if why
                               else f"no check named {check_id!r} is installed")
        return check

    def load_all(self) -> None:
        for check_id in list(self.pending):
            self._load(check_id)

    # --- what the config loader needs (posture.config.CheckSource) -------------------------------------

    def options_model(self, check_id: str) -> type[BaseModel] | None:
        check = self.get(check_id)
        return None if check is None else check.Options

    def always_running(self) -> list[str]:
        declared = [c for c, p in list(self.pending.items()) if p.always]
        for check_id in declared:
            self.get(check_id)
        return [c for c in self.ids() if c in self.checks and self.checks[c].meta.always_runs]

    def describe(self, check_id: str) -> str:
        check = self.require(check_id)
        return check.meta.description or check.meta.title

    # ---------------------------------------------------------------------------------------------------

    def _load(self, check_id: str) -> None:
        pending = self.pending.pop(check_id)
        try:
            loaded = pending.load()
            if not (isinstance(loaded, type) and issubclass(loaded, Check)):
                raise ValueError(f"{pending.origin} is not a posture Check class")
            if loaded.meta.id != check_id:
                raise ValueError(f"entry point {check_id!r} loads the check {loaded.meta.id!r}; the names must agree")
            if loaded.meta.always_runs != pending.always:
                raise ValueError(f"meta.always_runs is {loaded.meta.always_runs} but the entry point "
                                 f"{'has' if pending.always else 'lacks'} [{ALWAYS}]")
            self.add(loaded, origin=pending.origin)
        except Exception as exc:  # a broken plugin must not stop the others
            self.broken[check_id] = f"{type(exc).__name__}: {exc}"
            log.warning("check plugin %s could not be loaded: %s", check_id, self.broken[check_id])

    def _weaknesses(self) -> frozenset[str]:
        if self.known_weaknesses is None:
            from posture.catalogue import load_catalogue

            self.known_weaknesses = frozenset(load_catalogue().weaknesses)
        return self.known_weaknesses


def default_registry(known_weaknesses: Iterable[str] | None = None) -> Registry:
    """Every check installed through the entry-point group, built-in or third party (none imported yet)."""
    registry = Registry(known_weaknesses=None if known_weaknesses is None else frozenset(known_weaknesses))
    for ep in sorted(installed(ENTRY_POINT_GROUP), key=lambda e: e.name):
        registry.add_entry(ep.name, functools.partial(load, ep), ep.value, always=ALWAYS in ep.extras)
    return registry
