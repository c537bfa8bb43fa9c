"""What every writer shows of an action's recorded state: owner, status and due date, per edition."""

from __future__ import annotations

from dataclasses import dataclass

from posture.action_status import STATUS_WORDS, ActionStatus
from posture.models import Action, Assessment
from posture.planner import WINDOW


@dataclass(frozen=True, slots=True)
class ActionLine:
    owner: str  # "" when nobody is named, or the staff edition may not show names
    status: ActionStatus
    status_text: str  # "open", "done", "open (marked done on 2026-11-20, still seen)", "in progress · overdue"
    due: str  # a date, or the priority's window
    note: str


def action_line(a: Assessment, action: Action, staff: bool) -> ActionLine:
    tracked = a.tracking.actions.get(action.id) if a.tracking else None
    if tracked is None:
        due = action.due.isoformat() if action.due else WINDOW[action.priority]
        return ActionLine(owner="", status=ActionStatus.OPEN, status_text="open", due=due, note="")
    show_owner = not staff or (a.tracking is not None and a.tracking.staff_owners)
    status_text = STATUS_WORDS[tracked.status]
    if tracked.flag:
        status_text += f" ({tracked.flag})"
    due = tracked.due.isoformat() if tracked.due else WINDOW[action.priority]
    return ActionLine(owner=tracked.state.owner if show_owner else "", status=tracked.status,
                      status_text=status_text, due=due, note="" if staff else tracked.state.note)
