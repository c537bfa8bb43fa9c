"""A single self-contained, printable HTML page rendered straight from the assessment.

The page has the Markdown plan's structure (the same sections, headings, lists and tables, in the same
order), but it is built from the model, not by re-parsing our own Markdown: every untrusted string goes
through `_text` (or `_code`) once, so it can only ever show as text, and a 10,000-finding plan renders in
proportion to its size. A Content-Security-Policy that allows no script at all backs the escaping up.
Headings get ids for the table of contents; severity words and the NEW marks get colour classes; the
print stylesheet drops the contents panel and keeps items whole, so "print to PDF" gives a clean document.

`chunks` yields the page piece by piece (one finding at a time) so the writer can stream it to disk.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from collections.abc import Iterable, Iterator
from importlib import resources
from urllib.parse import quote

from posture.action_status import ActionStatus
from posture.catalogue import load_catalogue
from posture.models import Action, Assessment, CheckStatus, Finding, Mode, Severity, Status
from posture.planner import WINDOW
from reports import RendererWriter
from reports import markdown as plan
from reports.text import slug
from reports.tracked import action_line

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
_TASK_BOX = '<input type="checkbox" disabled> '
_DONE_BOX = '<input type="checkbox" checked disabled> '
_NEW = '<strong class="badge-new">NEW</strong>'


def _escape(text: str) -> str:
    # str.replace four times is much faster than html.escape's or str.translate's per-character work.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


# A `code span` written in a text stays one in the Markdown plan (reports.text.md): here it becomes <code>.
_CODE_SPAN = re.compile(r"(`+)([^`]+?)\1")


def clear_cache() -> None:
    """Forget the escaped strings (benchmarks time a cold render each round)."""
    _inline.cache_clear()


def _text(value: object) -> str:
    """Untrusted inline text: one line (as the Markdown shows it), every HTML special character escaped."""
    return _inline(value if isinstance(value, str) else str(value))


@functools.lru_cache(maxsize=1 << 16)  # a plan repeats its strings (see posture.mdtext)
def _inline(text: str) -> str:
    flat = " ".join(text.split())
    if "`" not in flat:
        return _escape(flat)
    out, last = [], 0
    for span in _CODE_SPAN.finditer(flat):
        inner = span.group(2)
        if len(inner) > 2 and inner[0] == inner[-1] == " " and inner.strip():
            inner = inner[1:-1]  # CommonMark: one space each side is padding
        out += [_escape(flat[last:span.start()]), f"<code>{_escape(inner)}</code>"]
        last = span.end()
    out.append(_escape(flat[last:]))
    return "".join(out)


def _code(value: object) -> str:
    return f"<code>{_text(value)}</code>"


_SEV = {s: f'<strong class="sev sev-{s.value}">{s.value.upper()}</strong>' for s in Severity}


def _sev(severity: Severity) -> str:
    return _SEV[severity]


def render(assessment: Assessment, audience: str = "consultant") -> str:
    return "".join(chunks(assessment, audience))


class _Toc:
    """Heading anchors, unique across the page, handed out in document order."""

    def __init__(self) -> None:
        self.entries: list[tuple[int, str, str]] = []
        self._used: set[str] = set()

    def heading(self, level: int, label: str, css: str = "") -> str:
        anchor = slug(label)
        while anchor in self._used:
            anchor += "-x"
        self._used.add(anchor)
        self.entries.append((level, anchor, label))
        klass = f' class="{css}"' if css else ""
        return f'<h{level} id="{anchor}"{klass}>{_text(label)}</h{level}>\n'


def chunks(assessment: Assessment, audience: str = "consultant") -> Iterator[str]:
    a, staff = assessment, audience == "staff"
    toc = _Toc()
    # Each section registers its headings when called (in page order); the big ones return a generator for
    # their body, so the table of contents is complete before any finding is rendered.
    parts: list[Iterable[str]] = [_header(a, staff), _summary(a, staff, toc), _actions(a, staff, toc),
                                  _notifications(a, toc), _accepted_risks(a, staff, toc), _verified_fixed(a, toc)]
    if staff:
        parts.append(_staff_sections(a, toc))
    else:
        parts += [_drift(a, toc), _findings(a, toc), _checks(a, toc)]
    parts.append(_about(a, staff, toc))
    yield _head(a, toc)
    for part in parts:
        yield from part
    yield "</main>\n</body>\n</html>\n"


def _head(a: Assessment, toc: _Toc) -> str:
    css = resources.files("reports").joinpath("plan.css").read_text(encoding="utf-8")
    nav = "\n".join(f'<li class="toc-h{level}"><a href="#{anchor}">{_text(label)}</a></li>'
                    for level, anchor, label in toc.entries)
    title = _text(f"Action plan: {a.organization.get('name', '')}")
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CSP}\">\n"
        "<meta name=\"referrer\" content=\"no-referrer\">\n<meta name=\"color-scheme\" content=\"light\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{title}</title>\n<style>\n{css}</style>\n</head>\n<body>\n"
        f"<nav class=\"toc\"><h2>Contents</h2><ul>\n{nav}\n</ul></nav>\n<main>\n"
    )


def _p(inner: str) -> str:
    return f"<p>{inner}</p>\n"


def _table(header: list[str], rows: Iterable[list[str]]) -> str:
    """Cells are HTML already (escaped by the caller)."""
    head = "\n".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>\n" + "\n".join(f"<td>{c}</td>" for c in row) + "\n</tr>\n" for row in rows)
    return f"<table>\n<thead>\n<tr>\n{head}\n</tr>\n</thead>\n<tbody>\n{body}</tbody>\n</table>\n"


def _cell(value: object) -> str:
    return _text(value) or "-"


def _header(a: Assessment, staff: bool) -> list[str]:
    org = _text(a.organization.get("name", ""))
    generated = a.plan.generated.isoformat() if a.plan else a.finished.date().isoformat()
    edition = "staff edition" if staff else "consultant edition"
    if a.mode is Mode.INCIDENT and a.incident:
        kind = str(a.incident.get("kind", "incident")).replace("_", " ")
        out = [f"<h1>Post-incident action plan: {org}</h1>\n"]
        line = f"<strong>{_text(kind.capitalize())} discovered {_text(a.incident.get('discovered'))}</strong>"
    else:
        out = [f"<h1>Security action plan: {org}</h1>\n"]
        line = "<strong>Readiness review</strong>"
    tool = "" if staff else f" · posture {_text(a.tool_version)}"
    out.append(_p(f"{line} · generated {generated}{tool} · {edition}"))
    auth = a.scope.get("authorization")
    if auth and not staff:
        out.append(f"<blockquote>\n<p>Scanning authorised by: {_text(auth)}</p>\n</blockquote>\n")
    return out


def _summary(a: Assessment, staff: bool, toc: _Toc) -> list[str]:
    counts = Counter(f.severity for f in a.failing)
    by_sev = " · ".join(f"{counts.get(s, 0)} {s.value}" for s in Severity if s is not Severity.INFO)
    by_prio = Counter(x.priority for x in (a.plan.actions if a.plan else ()))
    prio_line = " · ".join(f"{by_prio[p]} {WINDOW[p]}" for p in sorted(by_prio)) or "none"
    if a.mode is Mode.INCIDENT and a.incident:
        kind = str(a.incident.get("kind", "")).replace("_", " ")
        rows = [["Mode", f"Post-incident: {_text(kind)} discovered {_text(a.incident.get('discovered'))}"]]
    else:
        rows = [["Mode", "Readiness review (no incident declared)"]]
    if not a.assessed:
        rows.append(["Checks run", "<strong>none: nothing was assessed</strong>"])
    rows += [["Problems found", by_sev], ["Actions", prio_line]]
    rows += [[label, _cell(value)] for label, value in plan.status_rows(a, staff)]
    if a.mode is Mode.INCIDENT:
        advice = ("Work down the list from the top: the first actions contain the attack and call in help, "
                  "the later ones restore, notify and prevent a repeat. Tick each box when done and write "
                  "down who owns it.")
    else:
        advice = ("No incident is declared, so this is a prevention plan: the first actions close the ways in "
                  "an attacker would use today. Tick each box when done and write down who owns it.")
    return [toc.heading(2, "Summary"), _table(["At a glance", ""], rows), _p(advice)]


def _actions(a: Assessment, staff: bool, toc: _Toc) -> Iterable[str]:
    heading = toc.heading(2, "Actions")
    if not a.assessed:
        heading += _p("<strong>Nothing was assessed</strong>: no check ran to completion, so this plan says "
                      "nothing about the business's security. Enable checks in the config (or fix what stopped "
                      "them) and run again.")
    elif not a.plan or not a.plan.actions:
        return [heading, _p("Nothing to do: no problems were found.")]
    if not a.plan or not a.plan.actions:
        return [heading]
    by_priority: dict[int, list[Action]] = {}
    for action in a.plan.actions:
        by_priority.setdefault(action.priority, []).append(action)
    headings = {p: toc.heading(3, f"P{p}: {WINDOW[p]}") for p in sorted(by_priority)}
    return _actions_body(a, staff, heading, headings, by_priority)


def _actions_body(a: Assessment, staff: bool, heading: str, headings: dict[int, str],
                  by_priority: dict[int, list[Action]]) -> Iterator[str]:
    yield heading
    new = set(a.drift.new) if a.drift else set()
    for priority, actions in sorted(by_priority.items()):
        yield headings[priority]
        runs: list[list[Action]] = []  # consecutive actions of one phase: one list under one phase heading
        for action in actions:
            if runs and runs[-1][0].phase == action.phase:
                runs[-1].append(action)
            else:
                runs.append([action])
        for run in runs:
            # As in the Markdown, a list of more than one item is "loose": each item is a paragraph.
            loose = len(run) > 1
            yield f"<h4>{plan.PHASE_TITLES[run[0].phase]}</h4>\n<ul>\n"
            for action in run:
                body = _action(a, action, staff, new)
                box = _DONE_BOX if action_line(a, action, staff).status is ActionStatus.DONE else _TASK_BOX
                yield (f'<li class="task"><p>{box}{body}</p>\n</li>\n' if loose
                       else f'<li class="task">{box}{body}</li>\n')
            yield "</ul>\n"


def _action(a: Assessment, action: Action, staff: bool, new: set[str]) -> str:
    state = action_line(a, action, staff)
    due = f"due {state.due}" if state.due[:1].isdigit() else state.due
    # The staff edition's detail has no assets in it by construction (no scrubbing of finished text).
    detail = plan._staff_detail(action) if staff else action.detail
    is_new = bool(new and action.findings and set(action.findings) <= new)
    owner = _text(state.owner) if state.owner else "________"
    status = "" if state.status_text == "open" else f"; {_text(state.status_text)}"
    lines = [f"<strong>{_text(action.title)}</strong> · {_code(action.id)} ({due}; owner: {owner}{status})"
             + (f" {_NEW}" if is_new else ""), _text(detail)]
    if state.note:
        lines.append(f"<em>Tracking note:</em> {_text(state.note)}")
    steps = "; ".join(f"&quot;{_text(s.step_title)}&quot; in <em>{_text(s.guide_title)}</em>"
                      for s in action.guide_steps)
    lines.append(f"<em>Guide:</em> {steps}")
    if action.findings:
        if staff:
            lines.append(f"<em>Why:</em> {_text(plan._why(a, action))}")
        else:
            found = [a.finding(fid) for fid in action.findings]
            listed = "; ".join(f"{_code(f.id)} {_text(f.title)} ({f.severity.value})" for f in found if f)
            lines.append(f"<em>Because of:</em> {listed}")
    if action.notes and not staff:
        lines += [f"<em>Note:</em> {_text(note)}" for note in action.notes]
    return "<br />\n".join(lines)


def _notifications(a: Assessment, toc: _Toc) -> list[str]:
    if not a.plan:
        return []
    plan_ = a.plan
    if a.mode is not Mode.INCIDENT:
        if not plan_.notifications:
            return []
        return [toc.heading(2, "Notification duties if this data is breached"),
                "<blockquote>\n<p>What a breach of the data this organization holds would oblige, counted from the "
                f"day it is discovered. Laws change and have exceptions: {plan.ATTORNEY}.</p>\n</blockquote>\n",
                *_notification_rows(a)]
    out = [toc.heading(2, "Notification deadlines")]
    if not plan_.notifications:
        exposed = (a.incident or {}).get("personal_data_exposed")
        org = a.organization
        reason = ("the incident record says no personal data was exposed" if exposed == "no"
                  else "no rule covers the data kinds held where the affected people live"
                  if org.get("residents") and org.get("customer_data")
                  else "no affected residents or regulated data are recorded in the config")
        out.append(_p(f"No notification duty computed: {reason}. If that changes, re-run posture "
                      f"and {plan.ATTORNEY}."))
        if plan_.notification_notes:
            out.append(_list(plan_.notification_notes))
        return out
    out.append(f"<blockquote>\n<p>Soonest first. Laws change and have exceptions: {plan.ATTORNEY} before relying "
               "on any date here.</p>\n</blockquote>\n")
    return out + _notification_rows(a)


def _notification_rows(a: Assessment) -> list[str]:
    assert a.plan is not None
    rows = []
    for n in a.plan.notifications:
        points = "; ".join(n.open_points)
        flag = (f" (unconfirmed: {plan.ATTORNEY}" + (f": {points})" if points else ")")) if not n.confirmed \
            else (f" (open point: {points})" if points else "")
        rows.append([f"{_cell(n.deadline_text)} ({plan.ATTORNEY})", _cell(n.recipient), _cell(n.condition),
                     _cell(n.ordering), _cell(n.source + flag)])
    out = [_table(["Deadline", "Who to notify", "Why it applies", "Order", "Source"], rows)]
    if a.plan.notification_notes:
        out.append(_list(a.plan.notification_notes))
    return out


def _list(items: Iterable[str]) -> str:
    return "<ul>\n" + "".join(f"<li>{_text(item)}</li>\n" for item in items) + "</ul>\n"


def _staff_sections(a: Assessment, toc: _Toc) -> list[str]:
    """Each check's own section for staff, field by field from what the check declared (as the Markdown)."""
    out: list[str] = []
    for check in a.checks:
        section = check.staff
        if check.status is not CheckStatus.OK or section is None:
            continue
        out.append(toc.heading(2, section.title))
        out += [_p(_text(paragraph)) for paragraph in section.paragraphs]
        if section.items:
            out.append(_list(section.items))
        if section.columns and section.rows:
            out.append(_table([_text(c) for c in section.columns], [[_cell(v) for v in row] for row in section.rows]))
    return out


def _drift(a: Assessment, toc: _Toc) -> list[str]:
    if not a.drift:
        return []
    d = a.drift
    out = [toc.heading(2, f"Changes since the last run ({d.previous_finished.date()})"),
           _p(f"Compared with run {_code(d.previous_run)} of {d.previous_finished:%Y-%m-%d %H:%M} UTC: "
              f"{len(d.new)} new, {len(d.resolved)} resolved, {len(d.unchanged)} unchanged.")]
    new = [f for f in (a.finding(fid) for fid in d.new) if f]
    if new:
        out += [_p(f"New problems (marked {_NEW} below):"), _change_list(new)]
    if d.resolved:
        out += [_p("Resolved since then:"), _change_list(d.resolved)]
    if d.unchanged:
        out.append(_p(f"Still open from last time: {len(d.unchanged)} problem(s), listed under Findings."))
    if not d.new and not d.resolved:
        out.append(_p("Nothing new and nothing resolved since the last run."))
    return out


def _change_list(found: Iterable[Finding]) -> str:
    items = "".join(f"<li>{_sev(f.severity)} {_text(f.title)}" + (f" · asset {_text(f.asset)}" if f.asset else "")
                    + "</li>\n" for f in found)
    return f"<ul>\n{items}</ul>\n"


def _findings(a: Assessment, toc: _Toc) -> Iterator[str]:
    failing = sorted(a.failing, key=lambda f: (f.severity.rank, f.check, f.title))
    heading = toc.heading(2, "Findings")
    groups: list[tuple[str, list[Finding]]] = []
    for severity in Severity:
        group = [f for f in failing if f.severity is severity]
        if group:
            label = severity.value.capitalize()
            groups.append((toc.heading(3, f"{label} ({len(group)})", f"sev-heading sev-border-{severity.value}"),
                           group))
    unchecked = a.unchecked
    unchecked_heading = toc.heading(3, f"Could not be checked ({len(unchecked)})") if unchecked else ""
    # A passing observation that still asks for something (training due soon) is a reminder, not a pass.
    reminders = [f for f in a.findings if f.status is Status.PASS and f.remediation]
    passed = [f for f in a.findings if f.status is Status.PASS and not f.remediation]
    closing = ""
    if reminders:
        closing += (toc.heading(3, "Reminders") + _p("Fine today, but each needs something done before a date:")
                    + _list_html(f"{_titled(f)}: {_text(f.remediation)}" for f in reminders))
    if passed:
        closing += toc.heading(3, "What passed") + _list_html(_titled(f) for f in passed)
    return _findings_body(a, heading, not failing, groups, unchecked_heading, unchecked, closing)


def _titled(f: Finding) -> str:
    return _text(f.title) + (f" ({_text(f.asset)})" if f.asset and f.asset not in f.title else "")


def _list_html(items: Iterable[str]) -> str:
    """Items are HTML already (escaped by the caller)."""
    return "<ul>\n" + "".join(f"<li>{item}</li>\n" for item in items) + "</ul>\n"


def _findings_body(a: Assessment, heading: str, none: bool, groups: list[tuple[str, list[Finding]]],
                   unchecked_heading: str, unchecked: list[Finding], closing: str) -> Iterator[str]:
    yield heading
    if none:
        yield _p("No problems found.")
    new = set(a.drift.new) if a.drift else set()
    since = f" {_NEW} since {a.drift.previous_finished.date()}" if a.drift else ""
    for group_heading, group in groups:
        yield group_heading
        for f in group:
            yield _finding(f, since if f.id in new else "")
    if unchecked:
        yield unchecked_heading + _p("These were not judged, so they are not known to be safe.")
        for f in unchecked:
            yield _finding(f, "")
    yield closing


def _finding(f: Finding, since: str) -> str:
    asset = f" · asset {_text(f.asset)}" if f.asset else ""
    out = [f"<h4>{_text(f.title)}</h4>\n",
           f"<p>{_SEV[f.severity]} · <code>{_escape(f.id)}</code> · check <code>{_escape(f.check)}</code>{asset} · "
           f"weaknesses: {_text(', '.join(f.weaknesses))}{since}</p>\n"]
    if f.detail:
        out.append(_p(_text(f.detail)))
    if f.remediation:
        out.append(_p(f"<strong>What to do:</strong> {_text(f.remediation)}"))
    if f.evidence:
        body = _escape("\n".join(line.replace("\r", "") for line in f.evidence))
        out.append(f'<p><strong>Evidence:</strong></p>\n<pre><code class="language-text">{body}\n</code></pre>\n')
    if f.references:
        out.append(_p("<strong>References:</strong> " + "; ".join(_ref(r.title, r.url) for r in f.references)))
    return "".join(out)


def _ref(title: str, url: str) -> str:
    if url and url.startswith("https://") and " " not in url:
        href = _escape(quote(url, safe="!#$%&'()*+,-./:;=?@[]_~"))
        return f'{_text(title)} (<a href="{href}">{_text(url)}</a>)'
    return _text(title)


def _checks(a: Assessment, toc: _Toc) -> list[str]:
    rows = []
    for c in a.checks:
        fails = sum(1 for f in c.findings if f.status is Status.FAIL)
        result = {"ok": f"{fails} problem(s)", "error": "ERROR", "skipped": "skipped"}[c.status.value]
        rows.append([_cell(c.title), result, f"{c.duration_s:.1f} s", _cell(c.error)])
    return [toc.heading(2, "Checks run"), _table(["Check", "Result", "Time", "Note"], rows)]


def _accepted_risks(a: Assessment, staff: bool, toc: _Toc) -> list[str]:
    """As the Markdown: problems the owner chose to live with, out of the counts until they expire."""
    view = a.tracking
    if view is None or not (view.accepted or view.expired):
        return []
    names = not staff or view.staff_owners
    items = []
    for risk, expired in [(r, False) for r in view.accepted] + [(r, True) for r in view.expired]:
        found = a.finding(risk.finding)
        what = "An accepted problem" if staff else _text(found.title if found else risk.title)
        who = f" by {_text(risk.accepted_by)}" if names else ""
        until = (f"expired {risk.until.isoformat()}: counted as a problem again" if expired
                 else f"until {risk.until.isoformat()}")
        ident = "" if staff else f" · {_code(risk.finding)}"
        items.append(f"<strong>{what}</strong>{ident} · accepted{who} on {risk.accepted_on.isoformat()}, {until}. "
                     f"Reason: {_text(risk.reason)}")
    return [toc.heading(2, "Accepted risks"),
            _p("These problems were seen and the business chose to accept them for a time, for the reason given. "
               "They are not counted above; each comes back as a problem the day after it expires."),
            _list_html(items)]


def _verified_fixed(a: Assessment, toc: _Toc) -> list[str]:
    view = a.tracking
    if view is None or not view.progress.verified_fixed:
        return []
    titles = load_catalogue().actions
    items = []
    for state in view.progress.verified_fixed:
        title = titles[state.action].title if state.action in titles else state.action
        done = f" (marked done on {state.done_on.isoformat()})" if state.done_on else ""
        items.append(f"<strong>{_text(title)}</strong> · {_code(state.action)}{done}")
    return [toc.heading(2, "Verified fixed"),
            _p("Marked done, and this run no longer sees the problems behind them:"), _list_html(items)]


def _about(a: Assessment, staff: bool, toc: _Toc) -> list[str]:
    out = [toc.heading(2, "About this plan"), _p(
        "The steps follow two breach-response guides: <em>IT Security Breach at Your Small Business: What Do "
        "You Do Now?</em> (identify, contain, evaluate, restore, notify, plan of action) and <em>After Data "
        "Loss: What to Do</em> (secure the system, get expert consultation, revert to reviewed backups, contact "
        "customers). The checks encode NIST SP 800-63B, the CIS Controls v8 and the breach-notification laws "
        f"cited beside each item. Notification deadlines are a starting point: {plan.ATTORNEY}.")]
    if staff:
        out.append(_p("This staff edition leaves out addresses, ports, versions, account names and evidence. "
                      "The consultant holds the full report."))
    out.append(_p("Tick each box when it is done and write the owner over the blank; <code>posture track CONFIG "
                  f"--from</code> this file reads them back. Plan of run {_code(a.run_id or 'unrecorded')} for "
                  f"config {_code(a.config_id)}."))
    return out


WRITER = RendererWriter("html", "posture-plan.html", "posture-plan-staff.html", render, streamer=chunks)
