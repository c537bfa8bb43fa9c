"""An editable Word document of the plan (python-docx): real headings, the actions as a table with owner
and status columns, the notification duties, accepted risks and, in the consultant edition, the findings.

Everything is written as plain runs of text: nothing in a finding can become a field, macro or link.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from typing import Any

from docx import Document
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt

from posture.models import Assessment, Mode, Severity
from reports import RendererWriter
from reports.tracked import action_line

# XML 1.0 cannot hold most control characters; a banner or file name carrying one must not stop the export.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
PHASES = {"identify": "Identify", "contain": "Contain", "consult": "Consult experts", "evaluate": "Evaluate",
          "restore": "Restore", "notify": "Notify", "prevent": "Prevent"}


def render_bytes(assessment: Assessment, audience: str = "consultant") -> bytes:
    staff = audience == "staff"
    doc = Document()
    doc.core_properties.title = _title(assessment)
    doc.core_properties.author = "posture"
    doc.add_heading(_t(_title(assessment)), level=0)
    doc.add_paragraph(_t(_subtitle(assessment, staff)))
    _summary(doc, assessment)
    _actions(doc, assessment, staff)
    _notifications(doc, assessment)
    _accepted(doc, assessment, staff)
    if not staff:
        _findings(doc, assessment)
    doc.add_heading("About this plan", level=1)
    doc.add_paragraph("The steps follow two breach-response guides: \"IT Security Breach at Your Small Business: "
                      "What Do You Do Now?\" and \"After Data Loss: What to Do\". Notification deadlines are a "
                      "starting point: verify with your attorney.")
    if assessment.run_id:
        doc.add_paragraph(_t(f"Plan of run {assessment.run_id} for config {assessment.config_id}."))
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _t(text: Any) -> str:
    return _NOT_XML.sub("\ufffd", str(text))


def _title(a: Assessment) -> str:
    org = str(a.organization.get("name", ""))
    return f"Post-incident action plan: {org}" if a.mode is Mode.INCIDENT else f"Security action plan: {org}"


def _subtitle(a: Assessment, staff: bool) -> str:
    generated = a.plan.generated.isoformat() if a.plan else a.finished.date().isoformat()
    edition = "staff edition" if staff else "consultant edition"
    if a.mode is Mode.INCIDENT and a.incident:
        kind = str(a.incident.get("kind", "incident")).replace("_", " ")
        return f"{kind.capitalize()} discovered {a.incident.get('discovered')} · generated {generated} · {edition}"
    return f"Readiness review · generated {generated} · {edition}"


def _summary(doc: Any, a: Assessment) -> None:
    doc.add_heading("Summary", level=1)
    counts = Counter(f.severity for f in a.failing)
    problems = ", ".join(f"{counts.get(s, 0)} {s.value}" for s in Severity if s is not Severity.INFO)
    doc.add_paragraph(f"Problems found: {problems}", style="List Bullet")
    doc.add_paragraph(f"Actions: {len(a.plan.actions) if a.plan else 0}", style="List Bullet")
    if a.tracking:
        doc.add_paragraph(_t(f"Progress: {a.tracking.progress.line()}"), style="List Bullet")
    if a.incomplete:
        doc.add_paragraph("Some checks could not be completed: what they cover is not known to be safe.",
                          style="List Bullet")


def _actions(doc: Any, a: Assessment, staff: bool) -> None:
    doc.add_heading("Actions", level=1)
    actions = a.plan.actions if a.plan else ()
    if not actions:
        doc.add_paragraph("No actions: nothing in this assessment calls for one.")
        return
    table = _table(doc, ["Priority", "Phase", "Action", "Due", "Owner", "Status"])
    for action in actions:
        line = action_line(a, action, staff)
        cells = table.add_row().cells
        cells[0].text = f"P{action.priority}"
        cells[1].text = PHASES.get(action.phase.value, action.phase.value)
        cells[2].text = _t(action.title)
        detail = f"{len(action.findings)} problem(s) found by the assessment" if staff else action.detail
        if detail and (action.findings or not staff):
            _small(cells[2].add_paragraph(_t(detail)), 8)
        _small(cells[2].add_paragraph(_t(f"id: {action.id}")), 7)
        cells[3].text = _t(line.due)
        cells[4].text = _t(line.owner)
        cells[5].text = _t(line.status_text)


def _notifications(doc: Any, a: Assessment) -> None:
    if not a.plan or a.mode is not Mode.INCIDENT or not a.plan.notifications:
        return
    doc.add_heading("Notification deadlines", level=1)
    doc.add_paragraph("Laws change and have exceptions: verify with your attorney before relying on any date here.")
    table = _table(doc, ["Who to notify", "Deadline", "Why", "Source"])
    for n in a.plan.notifications:
        cells = table.add_row().cells
        cells[0].text = _t(n.recipient)
        cells[1].text = _t(n.deadline_text + ("" if n.confirmed else " (unconfirmed)"))
        cells[2].text = _t(n.condition)
        cells[3].text = _t(n.source)


def _accepted(doc: Any, a: Assessment, staff: bool) -> None:
    if not a.tracking or not (a.tracking.accepted or a.tracking.expired):
        return
    doc.add_heading("Accepted risks", level=1)
    table = _table(doc, ["Finding", "Reason", "Accepted by", "Until"])
    for risk, state in [(r, "") for r in a.tracking.accepted] + [(r, " (expired)") for r in a.tracking.expired]:
        found = a.finding(risk.finding)
        cells = table.add_row().cells
        cells[0].text = _t("an accepted finding" if staff else (found.title if found else risk.title))
        cells[1].text = _t(risk.reason)
        cells[2].text = _t(risk.accepted_by if not staff or a.tracking.staff_owners else "")
        cells[3].text = _t(risk.until.isoformat() + state)


def _findings(doc: Any, a: Assessment) -> None:
    doc.add_heading("Findings", level=1)
    failing = sorted(a.failing, key=lambda f: (f.severity.rank, f.check, f.title))
    if not failing:
        doc.add_paragraph("No problems found.")
    for severity in Severity:
        group = [f for f in failing if f.severity is severity]
        if not group:
            continue
        doc.add_heading(f"{severity.value.capitalize()} ({len(group)})", level=2)
        for f in group:
            doc.add_heading(_t(f.title), level=3)
            meta = f"{f.severity.value.upper()} · {f.id} · check {f.check}" + (f" · asset {f.asset}" if f.asset else "")
            doc.add_paragraph(_t(meta))
            if f.detail:
                doc.add_paragraph(_t(f.detail))
            if f.remediation:
                doc.add_paragraph(_t(f"What to do: {f.remediation}"))
            for line in f.evidence:
                run = doc.add_paragraph().add_run(_t(line))
                run.font.name = "Courier New"
                run.font.size = Pt(8)


def _small(paragraph: Any, points: int) -> None:
    for run in paragraph.runs:
        run.font.size = Pt(points)


def _table(doc: Any, header: list[str]) -> Any:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        cell.paragraphs[0].runs[0].font.bold = True
    # The heading row repeats on every page Word breaks the table across.
    marker = OxmlElement("w:tblHeader")
    marker.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(marker)
    return table


WRITER = RendererWriter("docx", "posture-plan.docx", "posture-plan-staff.docx", render_bytes)
