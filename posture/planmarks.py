"""Reading a plan file back: the boxes people ticked and the owners they wrote in.

The plan writes each action as a task line that carries the action's id, and names the config it was
made for, so a marked-up copy can be read back safely:

    - [x] **Close the exposed services** · `close-exposed-services` (due 2026-12-02; owner: Maria)
    Plan of run `20261201-...` for config `3f2a…`.

A box ticked means done; an owner written over the blank means that owner. An unticked box changes
nothing (a copy printed before an action was done must not undo it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from posture.errors import InputError
from posture.yamlsrc import read_text_limited

_TASK = re.compile(r"^\s*[-*+]\s+\[(?P<box>[ xX])\]\s+(?P<rest>.*)$")
_ACTION_ID = re.compile(r"`(?P<id>[a-z0-9][a-z0-9-]*)`")
_OWNER = re.compile(r"owner:\s*(?P<owner>[^;)]*)")
_CONFIG = re.compile(r"for config `(?P<config>[0-9a-f]{8,64})`")
_BLANK = re.compile(r"^[_\s\\]*$")
MAX_PLAN_BYTES = 32 * 1024 * 1024


@dataclass(frozen=True, slots=True)
class Mark:
    action: str
    done: bool
    owner: str  # "" when the blank was left blank
    line: int


@dataclass(frozen=True, slots=True)
class MarkedPlan:
    config_id: str
    marks: tuple[Mark, ...]


def read_marked_plan(path: Path) -> MarkedPlan:
    text = read_text_limited(path, MAX_PLAN_BYTES)
    return parse_marked_plan(text, str(path))


def parse_marked_plan(text: str, name: str = "plan") -> MarkedPlan:
    config = _CONFIG.search(text)
    if config is None:
        raise InputError("not a posture plan (it has no \"for config\" line); read back a plan that posture wrote",
                         path=name)
    marks: dict[str, Mark] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        task = _TASK.match(line)
        if task is None:
            continue
        action = _ACTION_ID.search(task["rest"])
        if action is None:
            continue
        owner_match = _OWNER.search(task["rest"])
        owner = owner_match["owner"].strip() if owner_match else ""
        owner = "" if _BLANK.match(owner) else owner.replace("\\", "")
        marks[action["id"]] = Mark(action=action["id"], done=task["box"] in "xX", owner=owner, line=number)
    return MarkedPlan(config_id=config["config"], marks=tuple(marks.values()))
