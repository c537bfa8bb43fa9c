"""The plan as a living document: who owns each action, how far it got, and which risks were accepted.

The state is kept per config (its identity) and per action id or finding id, so it survives re-scans:
ids are stable because actions come from the catalogue and finding ids hash the check and its key.
This module holds the values, what a person may record (checked the same way whether typed on the
command line or in the TUI) and the judgement (overdue, reopened, verified fixed, expired); the history
store keeps them and the report writers show them.
"""

from __future__ import annotations

import getpass
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Protocol

from posture.action_status import ActionStatus
from posture.errors import UsageError, printable

MAX_TEXT = 2000
MAX_NAME = 100
MAX_ACCEPT_DAYS = 3 * 366  # an acceptance is a decision to revisit, not a permanent waiver
FINDING_ID = re.compile(r"^[a-z0-9_]+-[0-9a-f]{10}$")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")
# How each front end names the fields in its messages: the CLI's options, the TUI's form labels.
CLI_NAMES = {"owner": "--owner", "status": "--status", "due": "--due", "note": "--note", "reason": "--reason",
             "until": "--until", "by": "--by"}


class PlannedAction(Protocol):
    """What tracking needs of a plan's action (posture.models.Action)."""

    @property
    def id(self) -> str: ...
    @property
    def due(self) -> date | None: ...
    @property
    def findings(self) -> tuple[str, ...]: ...


@dataclass(frozen=True, slots=True)
class ActionState:
    """What people recorded about one action. `done_on` is the day it was marked done."""

    action: str
    owner: str = ""
    status: ActionStatus = ActionStatus.OPEN
    due: date | None = None  # overrides the computed due date
    note: str = ""
    changed_by: str = ""
    changed_at: datetime | None = None
    done_on: date | None = None


@dataclass(frozen=True, slots=True)
class AcceptedRisk:
    """A finding the owner chose to live with, for a reason, until a date; after it the finding counts again."""

    finding: str
    reason: str
    accepted_by: str
    until: date
    accepted_on: date
    title: str = ""  # the finding's title when it was accepted, for the list once it is no longer seen

    def active(self, today: date) -> bool:
        return today <= self.until


@dataclass(frozen=True, slots=True)
class TrackedAction:
    """One action of this run's plan with its recorded state, judged against this run."""

    state: ActionState
    due: date | None
    overdue: bool
    reopened: bool  # marked done, yet the findings that triggered it are still seen

    @property
    def status(self) -> ActionStatus:
        return ActionStatus.OPEN if self.reopened else self.state.status

    @property
    def flag(self) -> str:
        if self.reopened and self.state.done_on:
            return f"marked done on {self.state.done_on.isoformat()}, still seen"
        if self.reopened:
            return "marked done, still seen"
        return "overdue" if self.overdue else ""


@dataclass(frozen=True, slots=True)
class Tracking:
    """Everything recorded for one config, as loaded from the store."""

    actions: Mapping[str, ActionState] = field(default_factory=dict)
    risks: Mapping[str, AcceptedRisk] = field(default_factory=dict)

    def active_risks(self, today: date) -> dict[str, AcceptedRisk]:
        return {fid: r for fid, r in self.risks.items() if r.active(today)}

    def expired_risks(self, today: date) -> dict[str, AcceptedRisk]:
        return {fid: r for fid, r in self.risks.items() if not r.active(today)}


@dataclass(frozen=True, slots=True)
class Progress:
    """The plan's progress line: "9 of 23 actions done · 2 overdue · 3 accepted risks"."""

    actions: int
    done: int
    in_progress: int
    overdue: int
    reopened: int
    accepted: int
    verified_fixed: tuple[ActionState, ...] = ()

    def line(self) -> str:
        parts = [f"{self.done} of {self.actions} actions done"]
        if self.in_progress:
            parts.append(f"{self.in_progress} in progress")
        if self.overdue:
            parts.append(f"{self.overdue} overdue")
        if self.reopened:
            parts.append(f"{self.reopened} reopened")
        parts.append(f"{self.accepted} accepted risk{'' if self.accepted == 1 else 's'}")
        if self.verified_fixed:
            parts.append(f"{len(self.verified_fixed)} verified fixed")
        return " · ".join(parts)


def track_actions(actions: Iterable[PlannedAction], tracking: Tracking, today: date,
                  run_started: datetime | None = None) -> dict[str, TrackedAction]:
    """Each action of the plan with its state. A done action still triggered by findings is reopened,
    unless it was marked done after this run started (the fix could not have been seen yet)."""
    out = {}
    for action in actions:
        state = tracking.actions.get(action.id, ActionState(action.id))
        due = state.due or action.due
        reopened = (state.status is ActionStatus.DONE and bool(action.findings)
                    and not _marked_after(state, run_started))
        settled = state.status in (ActionStatus.DONE, ActionStatus.WONT_DO) and not reopened
        overdue = due is not None and due < today and not settled
        out[action.id] = TrackedAction(state=state, due=due, overdue=overdue, reopened=reopened)
    return out


def progress(tracked: Mapping[str, TrackedAction], tracking: Tracking, today: date,
             accepted_seen: int, held: set[str] | None = None) -> Progress:
    """Counts for the summary. Done actions no longer in the plan are "verified fixed": their findings are gone
    (not merely accepted: those in `held` are still seen)."""
    held = held or set()
    done_gone = tuple(s for aid, s in tracking.actions.items()
                      if aid not in tracked and aid not in held and s.status is ActionStatus.DONE)
    return Progress(
        actions=len(tracked) + len(done_gone),
        done=sum(1 for t in tracked.values() if t.status is ActionStatus.DONE) + len(done_gone),
        in_progress=sum(1 for t in tracked.values() if t.status is ActionStatus.IN_PROGRESS),
        overdue=sum(1 for t in tracked.values() if t.overdue),
        reopened=sum(1 for t in tracked.values() if t.reopened),
        accepted=accepted_seen,
        verified_fixed=done_gone,
    )


@dataclass(frozen=True, slots=True)
class TrackingView:
    """The recorded state judged against one run: what every report shows."""

    as_of: date
    actions: Mapping[str, TrackedAction]
    accepted: tuple[AcceptedRisk, ...]  # in force, and their findings still seen
    expired: tuple[AcceptedRisk, ...]  # ran out: their findings count again
    progress: Progress
    staff_owners: bool = False


def judge(tracking: Tracking, actions: Iterable[PlannedAction], failing_ids: Iterable[str], today: date,
          run_started: datetime | None = None, staff_owners: bool = False,
          held_by_acceptance: Iterable[str] = ()) -> TrackingView:
    """`held_by_acceptance`: actions out of the plan only because every finding behind them is accepted."""
    seen = set(failing_ids)
    tracked = track_actions(actions, tracking, today, run_started)
    accepted = tuple(r for fid, r in sorted(tracking.active_risks(today).items()) if fid in seen)
    expired = tuple(r for fid, r in sorted(tracking.expired_risks(today).items()) if fid in seen)
    counts = progress(tracked, tracking, today, len(accepted), held=set(held_by_acceptance))
    return TrackingView(as_of=today, actions=tracked, accepted=accepted, expired=expired, progress=counts,
                        staff_owners=staff_owners)


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _marked_after(state: ActionState, run_started: datetime | None) -> bool:
    if run_started is None or state.changed_at is None:
        return False
    return _utc(state.changed_at) > _utc(run_started)


# --- what a person may record: the one check behind `posture track`/`accept` and the TUI's forms ------------


def clean_text(name: str, text: str, limit: int) -> str:
    text = text.strip()
    if _CONTROL.search(text):
        raise UsageError(f"{name}: control characters are not allowed")
    if len(text) > limit:
        raise UsageError(f"{name}: at most {limit} characters")
    return text


def parse_date(name: str, text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise UsageError(f"{name}: {printable(text)!r} is not a date (YYYY-MM-DD)") from None


def action_changes(owner: str | None = None, status: str | None = None, due: str | None = None,
                   note: str | None = None, names: Mapping[str, str] = CLI_NAMES) -> dict[str, str | None]:
    """The fields given (None: left alone), checked: a due date of "" or "none" clears the override."""
    changes: dict[str, str | None] = {}
    if owner is not None:
        changes["owner"] = clean_text(names["owner"], owner, MAX_NAME)
    if status is not None:
        if status not in {s.value for s in ActionStatus}:
            raise UsageError(f"{names['status']}: {printable(status)!r} is not one of "
                             f"{', '.join(s.value for s in ActionStatus)}")
        changes["status"] = status
    if due is not None:
        cleared = due.strip().lower() in ("", "none")
        changes["due"] = None if cleared else parse_date(names["due"], due).isoformat()
    if note is not None:
        changes["note"] = clean_text(names["note"], note, MAX_TEXT)
    return changes


def new_acceptance(finding: str, title: str, reason: str, until: str, by: str, today: date,
                   names: Mapping[str, str] = CLI_NAMES) -> AcceptedRisk:
    """An acceptance as typed, checked: a reason, and an expiry still to come and at most three years ahead."""
    if not FINDING_ID.match(finding):
        raise UsageError(f"{printable(finding)!r} is not a finding id (they look like ports-3f2a9c01d4)")
    expiry = parse_date(names["until"], until)
    if expiry < today:
        raise UsageError(f"{names['until']} {expiry} is in the past: an acceptance needs an expiry still to come")
    if expiry > today + timedelta(days=MAX_ACCEPT_DAYS):
        raise UsageError(f"{names['until']}: at most three years ahead; accept again when it expires")
    why = clean_text(names["reason"], reason, MAX_TEXT)
    if not why:
        raise UsageError(f"{names['reason']}: say why the business accepts this risk")
    who = clean_text(names["by"], by, MAX_NAME) or current_user()
    return AcceptedRisk(finding=finding, reason=why, accepted_by=who, until=expiry, accepted_on=today, title=title)


def current_user() -> str:
    """Who makes a change when nobody says: $POSTURE_USER, else the login name."""
    try:
        return os.environ.get("POSTURE_USER") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
