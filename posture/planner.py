"""Turn findings into a prioritised plan, phase by phase, as the two guides lay it out.

Each failing finding triggers the actions it names, or else the default actions of its weaknesses;
one action triggered by many findings is listed once with all of them. In incident mode the guides'
own containment and recovery steps are always there, whatever the checks found.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from posture.catalogue import ActionSpec, Catalogue, load_catalogue
from posture.models import Action, Assessment, CheckStatus, Finding, Mode, Notification, Phase, Plan, Severity, Status
from posture.notify import notification_table
from posture.tracking import Tracking, judge

DUE_DAYS = {1: 1, 2: 7, 3: 30, 4: 90}
# After a breach, containment comes first; in a readiness review the guides' order stands.
PHASE_ORDER = {
    Mode.INCIDENT: [Phase.CONTAIN, Phase.IDENTIFY, Phase.CONSULT, Phase.EVALUATE, Phase.RESTORE, Phase.NOTIFY,
                    Phase.PREVENT],
    Mode.READINESS: list(Phase),
}
WINDOW = {1: "within 24 hours", 2: "within 7 days", 3: "within 30 days", 4: "within 90 days"}
# A triggering finding's severity moves the action's priority (a critical finding makes it sooner).
SEVERITY_SHIFT = {Severity.CRITICAL: -1, Severity.HIGH: 0, Severity.MEDIUM: 1, Severity.LOW: 2, Severity.INFO: 2}


def build_plan(assessment: Assessment, catalogue: Catalogue | None = None) -> Plan:
    cat = catalogue or load_catalogue()
    mode = assessment.mode
    generated = assessment.finished.date()
    triggers: dict[str, list[Finding]] = {}
    supporting: dict[str, list[Finding]] = {}

    for finding in assessment.findings:
        if finding.status is Status.FAIL and finding.id not in assessment.accepted:
            for action_id in _actions_for(finding, cat, mode):
                triggers.setdefault(action_id, []).append(finding)
        elif finding.actions:  # a passing observation the action should quote (a clean restore point)
            for action_id in finding.actions:
                if _allowed(cat.actions.get(action_id), mode):
                    supporting.setdefault(action_id, []).append(finding)

    chosen = [a for a in cat.actions.values() if a.id in triggers or _always(a, mode)]
    if assessment.incomplete:
        chosen.append(cat.actions["complete-assessment"])

    assets = ", ".join((assessment.incident or {}).get("compromised_assets") or []) or "the compromised devices"
    actions = []
    for spec in dict.fromkeys(chosen):
        found = triggers.get(spec.id, [])
        priority = _priority(spec, found, mode)
        notes = [f.title for f in supporting.get(spec.id, [])]
        if spec.id == "complete-assessment":
            notes += [f"{c.title}: {c.error}" for c in assessment.checks if c.status is CheckStatus.ERROR]
            notes += [f"{f.title}: {f.detail}" if f.detail else f.title for f in assessment.unchecked]
        actions.append(Action(
            id=spec.id,
            phase=spec.phase,
            priority=priority,
            title=spec.title,
            detail=spec.detail.replace("{assets}", assets),
            guide_steps=spec.guide_steps,
            weaknesses=tuple(dict.fromkeys(w for f in found for w in f.weaknesses)) or spec.weaknesses,
            findings=tuple(f.id for f in sorted(found, key=lambda f: f.severity.rank)),
            due=generated + timedelta(days=DUE_DAYS[priority]) if mode is Mode.INCIDENT else None,
            notes=tuple(notes),
        ))
    order = list(cat.actions)
    phases = PHASE_ORDER[mode]
    actions.sort(key=lambda a: (a.priority, phases.index(a.phase), order.index(a.id)))
    notifications, notes = notification_table(assessment)
    actions = [_notify_by_deadline(a, notifications) for a in actions]
    return Plan(mode=mode, generated=generated, actions=tuple(actions), notifications=tuple(notifications),
                notification_notes=tuple(notes))


def _notify_by_deadline(action: Action, duties: list[Notification]) -> Action:
    """The notify action is due by the earliest legal deadline, not by its priority's window."""
    dated = [(d.deadline, d) for d in duties if d.deadline is not None]
    if action.phase is not Phase.NOTIFY or action.due is None or not dated:
        return action
    deadline, first = min(dated, key=lambda pair: pair[0])
    note = f"Earliest legal deadline: {deadline.date()}, {first.recipient} (see the notification table)"
    return replace(action, due=deadline.date(), notes=(*action.notes, note))


def plan_with_tracking(assessment: Assessment, tracking: Tracking, today: date, staff_owners: bool = False) -> None:
    """Plan the run with what people recorded: accepted risks leave the plan and the counts until they
    expire, and every action is judged against its owner's status (overdue, reopened, verified fixed)."""
    assessment.accepted = frozenset()
    unaccepted = build_plan(assessment) if tracking.active_risks(today) else None
    assessment.accepted = frozenset(tracking.active_risks(today))
    assessment.plan = build_plan(assessment)
    # An action left out only because its findings are accepted is not fixed: it must not read "verified fixed".
    held = {a.id for a in unaccepted.actions} - {a.id for a in assessment.plan.actions} if unaccepted else set()
    failing = [f.id for f in assessment.findings if f.status is Status.FAIL]
    assessment.tracking = judge(tracking, assessment.plan.actions, failing, today, assessment.started, staff_owners,
                                held_by_acceptance=held)


def _actions_for(finding: Finding, cat: Catalogue, mode: Mode) -> list[str]:
    named = [a for a in finding.actions if _allowed(cat.actions.get(a), mode)]
    if named:
        return named
    defaults = [a for w in finding.weaknesses for a in cat.weaknesses[w].actions]
    return [a for a in dict.fromkeys(defaults) if _allowed(cat.actions.get(a), mode)]


def _allowed(spec: ActionSpec | None, mode: Mode) -> bool:
    return spec is not None and mode.value in spec.modes


def _always(spec: ActionSpec, mode: Mode) -> bool:
    return mode is Mode.INCIDENT and spec.incident_always


def _priority(spec: ActionSpec, found: list[Finding], mode: Mode) -> int:
    base = spec.incident_priority if mode is Mode.INCIDENT else spec.priority
    if not found:
        return base
    worst = min(found, key=lambda f: f.severity.rank).severity
    shifted = min(4, max(1, base + SEVERITY_SHIFT[worst]))
    # The guides' own incident steps never slip later than the guides put them.
    return min(shifted, base) if _always(spec, mode) else shifted


def due_text(action: Action) -> str:
    return action.due.isoformat() if isinstance(action.due, date) else WINDOW[action.priority]
