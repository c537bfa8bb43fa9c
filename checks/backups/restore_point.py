"""Incident mode: the clean restore point each job offers, or the lack of one.

Intruders are usually inside for a while before anyone notices ("After Data Loss: What to Do" asks
for the backups to be reviewed before restoring). So the compromise window opens at the first known
attacker activity (`incident.first_compromise`) or, when that is unknown, the median dwell time
before discovery. The newest snapshot older than that is the restore point the plan names; every
later one may carry the attacker's software. A hardware failure has no intruder: the window opens
at the day of discovery and the point is simply the newest backup before the failure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any

from checks.backups.evidence import JobEvidence, Snapshot
from checks.backups.figures import Figures
from checks.backups.wording import age, finding, plural, when
from posture.api import Finding, Incident, Severity

MAX_LISTED = 10


@dataclass(frozen=True)
class Window:
    start: datetime  # a restore point must be older than this
    why: str
    hardware_failure: bool


def compromise_window(incident: Incident, figures: Figures) -> Window:
    discovered = datetime.combine(incident.discovered, time(0), UTC)
    hardware = incident.kind == "hardware_failure"
    if incident.first_compromise is not None:
        start = min(datetime.combine(incident.first_compromise, time(0), UTC), discovered)
        return Window(start, f"the first known attacker activity, on {incident.first_compromise.isoformat()}",
                      hardware)
    if hardware:
        return Window(discovered, "the day the failure was discovered", True)
    days = figures.lookback_days
    return Window(
        discovered - timedelta(days=days),
        f"{days} days before the discovery on {incident.discovered.isoformat()}, the median time intruders go "
        "unnoticed; no first_compromise date is given",
        False,
    )


def judge_restore_point(ev: JobEvidence, window: Window) -> tuple[Finding, list[dict[str, Any]]]:
    """The restore-point finding for one job, and the points to record in the check's facts."""
    if ev.declared:
        return _declared(ev, window), []
    points: dict[str, Snapshot | None] = {}
    for host, snaps in (ev.hosts() or {"": []}).items():
        before = [s for s in snaps if s.time < window.start]
        points[host] = before[-1] if before else None
    inside = [s for s in ev.snapshots if s.time >= window.start]
    lines = [f"Compromise window opens {when(window.start)} ({window.why})"]
    lines += _inside_lines(ev, inside, several=len(points) > 1)
    missing = [host for host, point in points.items() if point is None]
    if missing:
        who = f" for host {', '.join(missing)}" if any(missing) and len(points) > 1 else ""
        return _none_found(ev, window, lines, f"No clean restore point for {ev.name}{who}"), []
    found = {host: point for host, point in points.items() if point is not None}
    several = len(found) > 1
    named = "; ".join(f"{_host(h, several)}{ev.noun} {p.id} of {when(p.time)}" for h, p in found.items())
    lines += [f"Restore point: {_host(h, several)}{ev.noun} {p.id} of {when(p.time)}, {age(window.start - p.time)} "
              "before the window opens" for h, p in found.items()]
    actions: tuple[str, ...] = ("review-backups-before-restore", "restore-clean")
    if window.hardware_failure:
        title = f"Restore point for {ev.name}: {named} (the newest before the failure)"
        detail = f"Rebuild the replacement hardware from this {ev.noun}."
        actions += ("replace-failed-hardware",)
    else:
        title = f"Clean restore point for {ev.name}: {named} (before the compromise window)"
        detail = (f"Scan this {ev.noun} for malware before restoring from it; if the scan finds anything, step back "
                  f"to an earlier one. {_later(ev, inside)}")
    result = finding(ev, "restore-point", ok=True, severity=Severity.INFO, title=title, detail=detail,
                     weaknesses=_weaknesses(window), evidence=lines, actions=actions,
                     refs=("guide-after-loss", "mandiant-mtrends-2026", "nist-800-61"))
    facts = [{"job": ev.name, "host": h, "snapshot_id": p.id, "time": p.time.isoformat()} for h, p in found.items()]
    return result, facts


def _host(host: str, several: bool) -> str:
    return f"host {host} " if host and several else ""


def _later(ev: JobEvidence, inside: list[Snapshot]) -> str:
    if not inside:
        return ""
    verb = "falls" if len(inside) == 1 else "fall"
    return (f"The {plural(len(inside), 'later ' + ev.noun)} {verb} inside the window when the attacker may have "
            "been active, and could bring the attacker's software back.")


def _weaknesses(window: Window) -> tuple[str, ...]:
    return ("unreviewed-backups",) + (("hardware-failure",) if window.hardware_failure else ())


def _inside_lines(ev: JobEvidence, inside: list[Snapshot], several: bool) -> list[str]:
    if not inside:
        return [f"No {ev.noun}s fall inside the window"]
    shown = inside[-MAX_LISTED:]
    lines = [f"{plural(len(inside), ev.noun)} inside the window, to be treated as suspect"
             + (f" (newest {len(shown)} listed)" if len(inside) > len(shown) else "") + ":"]
    return lines + [f"  {_host(s.host, several)}{s.id} at {when(s.time)}" for s in shown]


def _none_found(ev: JobEvidence, window: Window, lines: list[str], title: str) -> Finding:
    if window.hardware_failure:
        detail = "No backup predates the failure: the data on the failed hardware may have to be recovered from it."
        remediation = ("Do not write to the failed disks; ask a data-recovery service before anything else. Start "
                       "a new backup of the rebuilt system at once.")
    else:
        detail = (f"Every {ev.noun} was taken after the window opened, so any of them may already contain the "
                  "attacker's software, and history does not reach back far enough to step around it.")
        remediation = ("Do not restore these backups as they are. Rebuild systems from clean installation media, "
                       "have a specialist review the backups and restore only data files after scanning them. "
                       "Then keep enough history that the next incident has a clean point.")
    return finding(ev, "restore-point", ok=False, severity=Severity.CRITICAL, title=title, detail=detail,
                   weaknesses=_weaknesses(window), evidence=lines, remediation=remediation,
                   refs=("guide-after-loss", "mandiant-mtrends-2026", "nist-800-61"),
                   actions=("review-backups-before-restore",))


def _declared(ev: JobEvidence, window: Window) -> Finding:
    """A declared job has no snapshot list: its declared history either reaches past the window or not."""
    lines = [f"Compromise window opens {when(window.start)} ({window.why})"]
    last = ev.snapshots[-1].time if ev.snapshots else None
    if last is None or ev.retention_days is None:
        lines.append("Last successful run or retention not declared")
        return finding(
            ev, "restore-point", ok=False, severity=Severity.HIGH,
            title=f"Unknown whether {ev.name} holds a restore point from before {when(window.start)}",
            detail=f"Ask {ev.tool} (or whoever runs it) for the list of backups and pick the newest one from before "
                   "the window; have it scanned before restoring.",
            weaknesses=_weaknesses(window), evidence=lines, refs=("guide-after-loss", "mandiant-mtrends-2026"),
            remediation="Check the backup tool's history now and record what it keeps.",
            actions=("review-backups-before-restore",),
        )
    reaches = last - timedelta(days=ev.retention_days)
    lines.append(f"Declared history: last success {when(last)}, kept {ev.retention_days} days, so back to "
                 f"about {when(reaches)}")
    if reaches >= window.start:
        return _none_found(ev, window, lines, f"No clean restore point for {ev.name}: its declared history starts "
                                              "inside the compromise window")
    return finding(
        ev, "restore-point", ok=True, severity=Severity.INFO,
        title=f"Restore point for {ev.name}: ask {ev.tool} for the newest backup from before {when(window.start)}",
        detail="The declared history should reach back that far. Confirm it in the tool and scan that backup "
               "before restoring.",
        weaknesses=_weaknesses(window), evidence=lines, refs=("guide-after-loss", "mandiant-mtrends-2026"),
        actions=("review-backups-before-restore", "restore-clean"),
    )
