"""The data the plan is made of: guides, weaknesses, actions, references (posture/data/*.yaml).

Loaded once per process (the files are package data and never change while running) and checked for
dangling ids, so a typo in the data fails the tests rather than a client's plan.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from posture.models import GuideStep, Phase, Reference


@dataclass(frozen=True)
class Weakness:
    id: str
    title: str
    summary: str
    guide_steps: tuple[GuideStep, ...]
    actions: tuple[str, ...]


@dataclass(frozen=True)
class ActionSpec:
    id: str
    phase: Phase
    title: str
    detail: str
    guide_steps: tuple[GuideStep, ...]
    weaknesses: tuple[str, ...]
    priority: int
    incident_priority: int
    incident_always: bool
    modes: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    guides: dict[str, dict[str, Any]]
    weaknesses: dict[str, Weakness]
    actions: dict[str, ActionSpec]
    references: dict[str, Reference]

    def refs(self, *ref_ids: str) -> tuple[Reference, ...]:
        return tuple(self.references[r] for r in ref_ids)


def read_data(name: str) -> Any:
    text = resources.files("posture.data").joinpath(name).read_text(encoding="utf-8")
    return load_data_yaml(text)


# libyaml's loader reads our own data files (the same result, a tenth of the time: ~90 ms at every start);
# untrusted input keeps going through yamlsrc, which locates errors.
_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_data_yaml(text: str) -> Any:
    """One of posture's own data files (shipped with the code, not user input)."""
    return yaml.load(text, Loader=_FAST_LOADER)  # noqa: S506 - a safe loader


@functools.cache
def load_catalogue() -> Catalogue:
    guides = read_data("guides.yaml")

    def step(ref: str) -> GuideStep:
        guide_id, step_id = ref.split("/")
        guide = guides[guide_id]
        return GuideStep(guide_id, step_id, guide["title"], guide["steps"][step_id]["title"])

    weaknesses = {
        wid: Weakness(wid, w["title"], w["summary"], tuple(step(s) for s in w["guides"]), tuple(w["actions"]))
        for wid, w in read_data("weaknesses.yaml").items()
    }
    actions = {}
    for aid, a in read_data("actions.yaml").items():
        base = a.get("priority", a.get("incident_priority", 3))
        actions[aid] = ActionSpec(
            id=aid,
            phase=Phase(a["phase"]),
            title=a["title"],
            detail=" ".join(a["detail"].split()),
            guide_steps=tuple(step(s) for s in a["guides"]),
            weaknesses=tuple(a["weaknesses"]),
            priority=base,
            incident_priority=a.get("incident_priority", base),
            incident_always=bool(a.get("incident_always", False)),
            modes=tuple(a.get("modes", ["readiness", "incident"])),
        )
    references = {rid: Reference(r["title"], r.get("url", "")) for rid, r in read_data("references.yaml").items()}
    catalogue = Catalogue(guides, weaknesses, actions, references)
    _check_links(catalogue)
    return catalogue


def _check_links(c: Catalogue) -> None:
    for w in c.weaknesses.values():
        missing = [a for a in w.actions if a not in c.actions]
        if missing:
            raise ValueError(f"weakness {w.id} names unknown actions {missing}")
    for a in c.actions.values():
        missing = [w for w in a.weaknesses if w not in c.weaknesses]
        if missing:
            raise ValueError(f"action {a.id} names unknown weaknesses {missing}")
        if not (1 <= a.priority <= 4 and 1 <= a.incident_priority <= 4):
            raise ValueError(f"action {a.id}: priorities run from 1 to 4")
