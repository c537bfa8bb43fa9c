"""The Markdown action plan: the page the owner reads and shares.

Two editions: `consultant` (everything, findings and evidence included) and `staff` (the actions,
why they matter and the deadlines, without what would help an attacker: addresses, ports, versions,
account names, evidence).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator

from posture.action_status import ActionStatus
from posture.catalogue import load_catalogue
from posture.models import Action, Assessment, CheckStatus, Finding, Mode, Phase, Severity, Status
from posture.planner import WINDOW
from reports import RendererWriter
from reports.ports_inventory import render_ports
from reports.text import cell, code_block, md
from reports.tracked import action_line

AUDIENCES = ("consultant", "staff")
PHASE_TITLES = {
    Phase.IDENTIFY: "Identify", Phase.CONTAIN: "Contain", Phase.CONSULT: "Consult experts",
    Phase.EVALUATE: "Evaluate the damage", Phase.RESTORE: "Restore", Phase.NOTIFY: "Notify",
    Phase.PREVENT: "Prevent a recurrence",
}
ATTORNEY = "verify with your attorney"
STAFF_ASSETS = "the affected devices"  # the staff edition's words for the compromised assets


def render(assessment: Assessment, audience: str = "consultant") -> str:
    return "".join(chunks(assessment, audience))


def chunks(assessment: Assessment, audience: str = "consultant") -> Iterator[str]:
    """The plan piece by piece (the findings one at a time), for a writer that streams it to disk."""
    staff = audience == "staff"
    sections: list[Iterable[list[str]]] = [
        [_header(assessment, staff)], [_summary(assessment, staff)], [_actions(assessment, staff)],
        [_notifications(assessment)], [_accepted_risks(assessment, staff)], [_verified_fixed(assessment)]]
    if staff:
        sections.append([_staff_sections(assessment)])
    else:
        sections += [[_drift(assessment)], _findings(assessment), [render_ports(assessment)], [_checks(assessment)]]
    for section in sections:
        for lines in section:
            if lines:
                yield "\n".join(lines) + "\n"
    # The last section ends the file: no blank lines after it.
    yield "\n".join(_about(assessment, staff)).rstrip() + "\n"


def _header(a: Assessment, staff: bool) -> list[str]:
    org = md(a.organization.get("name", ""))
    plan = a.plan
    generated = plan.generated.isoformat() if plan else a.finished.date().isoformat()
    edition = "staff edition" if staff else "consultant edition"
    if a.mode is Mode.INCIDENT and a.incident:
        kind = str(a.incident.get("kind", "incident")).replace("_", " ")
        title = f"# Post-incident action plan: {org}"
        line = f"**{md(kind.capitalize())} discovered {md(a.incident.get('discovered'))}**"
    else:
        title = f"# Security action plan: {org}"
        line = "**Readiness review**"
    tool = "" if staff else f" · posture {md(a.tool_version)}"
    out = [title, "", f"{line} · generated {generated}{tool} · {edition}", ""]
    auth = a.scope.get("authorization")
    if auth and not staff:
        out += [f"> Scanning authorised by: {md(auth)}", ""]
    return out


def _summary(a: Assessment, staff: bool) -> list[str]:
    failing = a.failing
    counts = Counter(f.severity for f in failing)
    by_sev = " · ".join(f"{counts.get(s, 0)} {s.value}" for s in Severity if s is not Severity.INFO)
    actions = a.plan.actions if a.plan else ()
    by_prio = Counter(x.priority for x in actions)
    prio_line = " · ".join(f"{by_prio[p]} {WINDOW[p]}" for p in sorted(by_prio)) or "none"
    out = ["## Summary", "", "| At a glance | |", "|---|---|"]
    if a.mode is Mode.INCIDENT and a.incident:
        kind = str(a.incident.get("kind", "")).replace("_", " ")
        out.append(f"| Mode | Post-incident: {md(kind)} discovered {md(a.incident.get('discovered'))} |")
    else:
        out.append("| Mode | Readiness review (no incident declared) |")
    if not a.assessed:
        out.append("| Checks run | **none: nothing was assessed** |")
    out.append(f"| Problems found | {by_sev} |")
    out.append(f"| Actions | {prio_line} |")
    out += [f"| {label} | {cell(value)} |" for label, value in status_rows(a, staff)]
    out.append("")
    if a.mode is Mode.INCIDENT:
        out += ["Work down the list from the top: the first actions contain the attack and call in help, "
                "the later ones restore, notify and prevent a repeat. Tick each box when done and write "
                "down who owns it.", ""]
    else:
        out += ["No incident is declared, so this is a prevention plan: the first actions close the ways in "
                "an attacker would use today. Tick each box when done and write down who owns it.", ""]
    return out


def status_rows(a: Assessment, staff: bool) -> list[tuple[str, str]]:
    """The summary's rows after the counts, as plain text (label, value): each writer escapes them its way,
    so the Markdown and the HTML page list the same rows in the same order."""
    rows = []
    errored = [c for c in a.checks if c.status is CheckStatus.ERROR]
    unchecked = a.unchecked
    if errored or unchecked:
        parts = [f"{c.title}" + ("" if staff else f": {c.error}") for c in errored]
        if unchecked and staff:
            parts.append(f"{len(unchecked)} item(s)")
        elif unchecked:  # each part by name: which backup job, which password, which target
            shown = [f.title for f in unchecked[:10]] + ([f"{len(unchecked) - 10} more"] if len(unchecked) > 10 else [])
            parts.append(", ".join(shown) + " (details under Findings)")
        rows.append(("Could not be checked", "; ".join(parts)))
    skipped = [c for c in a.checks if c.status is CheckStatus.SKIPPED]
    if skipped:
        rows.append(("Not run this time", ", ".join(c.title for c in skipped)))
    if a.tracking:
        rows.append(("Progress", a.tracking.progress.line()))
    breach = [c.facts["breach_check"] for c in a.checks if isinstance(c.facts.get("breach_check"), str)]
    if breach:  # where candidate passwords' hashes were looked up: the owner should know it
        rows.append(("Breach look-up", breach[0].split(":")[0] if staff else breach[0]))
    if a.drift:
        d = a.drift
        rows.append((f"Since the last run ({d.previous_finished.date()})",
                     f"{len(d.new)} new · {len(d.resolved)} resolved · {len(d.unchanged)} unchanged"))
    return rows


def _actions(a: Assessment, staff: bool) -> list[str]:
    out = ["## Actions", ""]
    if not a.assessed:
        out += ["**Nothing was assessed**: no check ran to completion, so this plan says nothing about the "
                "business's security. Enable checks in the config (or fix what stopped them) and run again.", ""]
    elif not a.plan or not a.plan.actions:
        return [*out, "Nothing to do: no problems were found.", ""]
    if not a.plan:
        return out
    by_priority: dict[int, list[Action]] = {}
    for action in a.plan.actions:
        by_priority.setdefault(action.priority, []).append(action)
    for priority in sorted(by_priority):
        out += [f"### P{priority}: {WINDOW[priority]}", ""]
        current_phase = None
        for action in by_priority[priority]:
            if action.phase != current_phase:
                current_phase = action.phase
                out += [f"#### {PHASE_TITLES[action.phase]}", ""]
            out += _action(a, action, staff)
    return out


def _action(a: Assessment, action: Action, staff: bool) -> list[str]:
    state = action_line(a, action, staff)
    due = f"due {state.due}" if state.due[:1].isdigit() else state.due
    detail = _staff_detail(action) if staff else action.detail
    new = " **NEW**" if _is_new(a, action) else ""
    box = "x" if state.status is ActionStatus.DONE else " "
    status = "" if state.status_text == "open" else f"; {md(state.status_text)}"
    owner = md(state.owner) if state.owner else "________"
    lines = [f"- [{box}] **{md(action.title)}** · `{action.id}` ({due}; owner: {owner}{status}){new}",
             f"  {md(detail)}"]
    if state.note:
        lines.append(f"  *Tracking note:* {md(state.note)}")
    steps = "; ".join(f"\"{s.step_title}\" in *{s.guide_title}*" for s in action.guide_steps)
    lines.append(f"  *Guide:* {steps}")
    if action.findings:
        if staff:
            lines.append(f"  *Why:* {_why(a, action)}")
        else:
            found = [a.finding(fid) for fid in action.findings]
            listed = "; ".join(f"`{f.id}` {md(f.title)} ({f.severity.value})" for f in found if f)
            lines.append(f"  *Because of:* {listed}")
    if action.notes and not staff:
        lines += [f"  *Note:* {md(note)}" for note in action.notes]
    return [line + "  " if i < len(lines) - 1 else line for i, line in enumerate(lines)] + [""]


def _notifications(a: Assessment) -> list[str]:
    if not a.plan:
        return []
    plan = a.plan
    if a.mode is not Mode.INCIDENT:
        if not plan.notifications:
            return []
        out = ["## Notification duties if this data is breached", "",
               f"> What a breach of the data this organization holds would oblige, counted from the day it is "
               f"discovered. Laws change and have exceptions: {ATTORNEY}.", ""]
        return out + _notification_rows(a) + [""]
    out = ["## Notification deadlines", ""]
    if not plan.notifications:
        exposed = (a.incident or {}).get("personal_data_exposed")
        org = a.organization
        reason = ("the incident record says no personal data was exposed" if exposed == "no"
                  else "no rule covers the data kinds held where the affected people live"
                  if org.get("residents") and org.get("customer_data")
                  else "no affected residents or regulated data are recorded in the config")
        notes = [f"- {md(note)}" for note in plan.notification_notes]
        return out + [f"No notification duty computed: {reason}. If that changes, re-run posture "
                      f"and {ATTORNEY}.", ""] + (notes + [""] if notes else [])
    out += [f"> Soonest first. Laws change and have exceptions: {ATTORNEY} before relying on any date here.", ""]
    return out + _notification_rows(a) + [""]


def _notification_rows(a: Assessment) -> list[str]:
    assert a.plan is not None
    out = ["| Deadline | Who to notify | Why it applies | Order | Source |", "|---|---|---|---|---|"]
    for n in a.plan.notifications:
        points = "; ".join(n.open_points)
        flag = (f" (unconfirmed: {ATTORNEY}" + (f": {points})" if points else ")")) if not n.confirmed \
            else (f" (open point: {points})" if points else "")
        out.append(f"| {cell(n.deadline_text)} ({ATTORNEY}) | {cell(n.recipient)} | {cell(n.condition)} | "
                   f"{cell(n.ordering)} | {cell(n.source + flag)} |")
    if a.plan.notification_notes:
        out += [""] + [f"- {md(note)}" for note in a.plan.notification_notes]
    return out


def _accepted_risks(a: Assessment, staff: bool) -> list[str]:
    """Findings the owner chose to live with: out of the counts until `until`, then problems again."""
    view = a.tracking
    if view is None or not (view.accepted or view.expired):
        return []
    out = ["## Accepted risks", "",
           "These problems were seen and the business chose to accept them for a time, for the reason given. "
           "They are not counted above; each comes back as a problem the day after it expires.", ""]
    names = not staff or view.staff_owners
    for risk, expired in [(r, False) for r in view.accepted] + [(r, True) for r in view.expired]:
        found = a.finding(risk.finding)
        what = "An accepted problem" if staff else md(found.title if found else risk.title)
        who = f" by {md(risk.accepted_by)}" if names else ""
        until = f"expired {risk.until.isoformat()}: counted as a problem again" if expired \
            else f"until {risk.until.isoformat()}"
        ident = "" if staff else f" · `{risk.finding}`"
        out.append(f"- **{what}**{ident} · accepted{who} on {risk.accepted_on.isoformat()}, {until}. "
                   f"Reason: {md(risk.reason)}")
    return out + [""]


def _verified_fixed(a: Assessment) -> list[str]:
    view = a.tracking
    if view is None or not view.progress.verified_fixed:
        return []
    titles = load_catalogue().actions
    out = ["## Verified fixed", "", "Marked done, and this run no longer sees the problems behind them:", ""]
    for state in view.progress.verified_fixed:
        title = titles[state.action].title if state.action in titles else state.action
        done = f" (marked done on {state.done_on.isoformat()})" if state.done_on else ""
        out.append(f"- **{md(title)}** · `{state.action}`{done}")
    return out + [""]


def _is_new(a: Assessment, action: Action) -> bool:
    """An action every one of whose causes appeared since the last run."""
    return bool(a.drift and action.findings and set(action.findings) <= set(a.drift.new))


def _why(a: Assessment, action: Action) -> str:
    """The staff edition's reason: how many problems, how severe, which weaknesses; never which device."""
    found = [f for f in (a.finding(fid) for fid in action.findings) if f]
    counts = Counter(f.severity for f in found)
    severities = ", ".join(f"{counts[s]} {s.value}" for s in Severity if counts.get(s))
    weaknesses = load_catalogue().weaknesses
    names = [weaknesses[w].title.lower() for w in action.weaknesses if w in weaknesses]
    text = f"{len(action.findings)} problem(s) found by the assessment"
    text += f" ({severities})" if severities else ""
    return text + (f": {', '.join(names)}." if names else ".")


def _staff_detail(action: Action) -> str:
    """The catalogue's sentence, with "the affected devices" where the consultant edition names the compromised
    assets: nothing in it comes from a finding, so nothing needs scrubbing and every word of it stays."""
    spec = load_catalogue().actions.get(action.id)
    return spec.detail.replace("{assets}", STAFF_ASSETS) if spec is not None else ""


def _staff_sections(a: Assessment) -> list[str]:
    """Each check's own section for staff, rendered field by field from what the check declared."""
    out: list[str] = []
    for check in a.checks:
        section = check.staff
        if check.status is not CheckStatus.OK or section is None:
            continue
        out += [f"## {md(section.title)}", ""]
        out += [line for p in section.paragraphs for line in (md(p), "")]
        if section.items:
            out += [f"- {md(item)}" for item in section.items] + [""]
        if section.columns and section.rows:
            out += ["| " + " | ".join(cell(c) for c in section.columns) + " |", "|---" * len(section.columns) + "|"]
            out += ["| " + " | ".join(cell(v) for v in row) + " |" for row in section.rows] + [""]
    return out


def _drift(a: Assessment) -> list[str]:
    if not a.drift:
        return []
    d = a.drift
    out = [f"## Changes since the last run ({d.previous_finished.date()})", "",
           f"Compared with run `{md(d.previous_run)}` of {d.previous_finished:%Y-%m-%d %H:%M} UTC: "
           f"{len(d.new)} new, {len(d.resolved)} resolved, {len(d.unchanged)} unchanged.", ""]
    new = [f for f in (a.finding(fid) for fid in d.new) if f]
    if new:
        out += ["New problems (marked **NEW** below):", ""]
        out += [_change_line(f) for f in new] + [""]
    if d.resolved:
        out += ["Resolved since then:", ""]
        out += [_change_line(f) for f in d.resolved] + [""]
    if d.unchanged:
        out += [f"Still open from last time: {len(d.unchanged)} problem(s), listed under Findings.", ""]
    if not d.new and not d.resolved:
        out += ["Nothing new and nothing resolved since the last run.", ""]
    return out


def _change_line(f: Finding) -> str:
    return f"- **{f.severity.value.upper()}** {md(f.title)}" + (f" · asset {md(f.asset)}" if f.asset else "")


def _findings(a: Assessment) -> Iterator[list[str]]:
    failing = sorted(a.failing, key=lambda f: (f.severity.rank, f.check, f.title))
    yield ["## Findings", ""] + (["No problems found.", ""] if not failing else [])
    new = set(a.drift.new) if a.drift else set()
    for severity in Severity:
        group = [f for f in failing if f.severity is severity]
        if not group:
            continue
        yield [f"### {severity.value.capitalize()} ({len(group)})", ""]
        for f in group:
            yield _finding(f, f.id in new, a)
    if a.unchecked:
        yield [f"### Could not be checked ({len(a.unchecked)})", "",
               "These were not judged, so they are not known to be safe.", ""]
        for f in a.unchecked:
            yield _finding(f, False, a)
    yield _passes(a)


def _finding(f: Finding, is_new: bool, a: Assessment) -> list[str]:
    since = f" **NEW** since {a.drift.previous_finished.date()}" if is_new and a.drift else ""
    out = [f"#### {md(f.title)}", "",
           f"**{f.severity.value.upper()}** · `{f.id}` · check `{f.check}`"
           + (f" · asset {md(f.asset)}" if f.asset else "") + f" · weaknesses: {', '.join(f.weaknesses)}{since}", ""]
    if f.detail:
        out += [md(f.detail), ""]
    if f.remediation:
        out += [f"**What to do:** {md(f.remediation)}", ""]
    if f.evidence:
        out += ["**Evidence:**", "", code_block(f.evidence), ""]
    if f.references:
        out += ["**References:** " + "; ".join(_ref(r.title, r.url) for r in f.references), ""]
    return out


def _ref(title: str, url: str) -> str:
    return f"{md(title)} (<{url}>)" if url and url.startswith("https://") and " " not in url else md(title)


def _passes(a: Assessment) -> list[str]:
    # A passing observation that still asks for something (training due soon) is a reminder, not a pass.
    passed = [f for f in a.findings if f.status is Status.PASS and not f.remediation]
    reminders = [f for f in a.findings if f.status is Status.PASS and f.remediation]
    out = []
    if reminders:
        out += ["### Reminders", "", "Fine today, but each needs something done before a date:", ""]
        out += [f"- {_titled(f)}: {md(f.remediation)}" for f in reminders] + [""]
    if passed:
        out += ["### What passed", ""]
        out += [f"- {_titled(f)}" for f in passed] + [""]
    return out


def _titled(f: Finding) -> str:
    return md(f.title) + (f" ({md(f.asset)})" if f.asset and f.asset not in f.title else "")


def _checks(a: Assessment) -> list[str]:
    out = ["## Checks run", "", "| Check | Result | Time | Note |", "|---|---|---|---|"]
    for c in a.checks:
        fails = sum(1 for f in c.findings if f.status is Status.FAIL)
        result = {"ok": f"{fails} problem(s)", "error": "ERROR", "skipped": "skipped"}[c.status.value]
        out.append(f"| {cell(c.title)} | {result} | {c.duration_s:.1f} s | {cell(c.error)} |")
    return out + [""]


def _about(a: Assessment, staff: bool) -> list[str]:
    return [
        "## About this plan", "",
        "The steps follow two breach-response guides: *IT Security Breach at Your Small Business: What Do You "
        "Do Now?* (identify, contain, evaluate, restore, notify, plan of action) and *After Data Loss: What to "
        "Do* (secure the system, get expert consultation, revert to reviewed backups, contact customers). "
        "The checks encode NIST SP 800-63B, the CIS Controls v8 and the breach-notification laws cited beside "
        f"each item. Notification deadlines are a starting point: {ATTORNEY}.",
        "",
        *(["This staff edition leaves out addresses, ports, versions, account names and evidence. "
           "The consultant holds the full report.", ""] if staff else []),
        "Tick each box when it is done and write the owner over the blank; `posture track CONFIG --from` this "
        f"file reads them back. Plan of run `{md(a.run_id) or 'unrecorded'}` for config `{a.config_id}`.",
    ]


WRITER = RendererWriter("markdown", "posture-plan.md", "posture-plan-staff.md", render, streamer=chunks)
