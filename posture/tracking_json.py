"""The tracking view in the results JSON (`accepted` and `tracking`), so `posture plan` re-renders a run as it was."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from posture.action_status import ActionStatus
from posture.errors import InputError
from posture.tracking import AcceptedRisk, ActionState, Progress, TrackedAction, TrackingView


def view_to_dict(view: TrackingView | None) -> dict[str, Any] | None:
    if view is None:
        return None
    p = view.progress
    return {
        "as_of": view.as_of.isoformat(),
        "staff_owners": view.staff_owners,
        "actions": [{**_state(t.state), "effective_due": _iso(t.due), "overdue": t.overdue, "reopened": t.reopened}
                    for t in view.actions.values()],
        "accepted": [_risk(r) for r in view.accepted],
        "expired": [_risk(r) for r in view.expired],
        "verified_fixed": [_state(s) for s in p.verified_fixed],
        "progress": {"actions": p.actions, "done": p.done, "in_progress": p.in_progress, "overdue": p.overdue,
                     "reopened": p.reopened, "accepted": p.accepted},
    }


def view_from_dict(data: Any, where: str = "tracking") -> TrackingView | None:
    """Read back what view_to_dict wrote; anything else is an InputError naming the key."""
    if data is None:
        return None
    try:
        p = data["progress"]
        return TrackingView(
            as_of=date.fromisoformat(data["as_of"]),
            staff_owners=bool(data["staff_owners"]),
            actions={a["action"]: TrackedAction(state=_read_state(a), due=_date(a["effective_due"]),
                                                overdue=bool(a["overdue"]), reopened=bool(a["reopened"]))
                     for a in data["actions"]},
            accepted=tuple(_read_risk(r) for r in data["accepted"]),
            expired=tuple(_read_risk(r) for r in data["expired"]),
            progress=Progress(actions=int(p["actions"]), done=int(p["done"]), in_progress=int(p["in_progress"]),
                              overdue=int(p["overdue"]), reopened=int(p["reopened"]), accepted=int(p["accepted"]),
                              verified_fixed=tuple(_read_state(s) for s in data["verified_fixed"])),
        )
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise InputError(f"unreadable tracking section ({type(exc).__name__}: {str(exc)[:60]})", key=where) from None


def _state(s: ActionState) -> dict[str, Any]:
    return {"action": s.action, "owner": s.owner, "status": s.status.value, "due": _iso(s.due), "note": s.note,
            "changed_by": s.changed_by, "changed_at": s.changed_at.isoformat() if s.changed_at else None,
            "done_on": _iso(s.done_on)}


def _read_state(d: dict[str, Any]) -> ActionState:
    changed = d.get("changed_at")
    return ActionState(action=str(d["action"]), owner=str(d["owner"]), status=ActionStatus(d["status"]),
                       due=_date(d["due"]), note=str(d["note"]), changed_by=str(d["changed_by"]),
                       changed_at=datetime.fromisoformat(changed) if changed else None, done_on=_date(d["done_on"]))


def _risk(r: AcceptedRisk) -> dict[str, Any]:
    return {"finding": r.finding, "reason": r.reason, "accepted_by": r.accepted_by, "until": r.until.isoformat(),
            "accepted_on": r.accepted_on.isoformat(), "title": r.title}


def _read_risk(d: dict[str, Any]) -> AcceptedRisk:
    return AcceptedRisk(finding=str(d["finding"]), reason=str(d["reason"]), accepted_by=str(d["accepted_by"]),
                        until=date.fromisoformat(d["until"]), accepted_on=date.fromisoformat(d["accepted_on"]),
                        title=str(d["title"]))


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _date(text: Any) -> date | None:
    return date.fromisoformat(text) if text else None
