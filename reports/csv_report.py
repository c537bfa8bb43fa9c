"""One row per action, for a ticketing system or a spreadsheet: id, phase, priority, due, title, owner,
status, findings. The staff edition gives the number of findings, never their ids."""

from __future__ import annotations

import csv
import io

from posture.models import Assessment
from reports import RendererWriter
from reports.tracked import action_line

COLUMNS = ("id", "phase", "priority", "due", "title", "owner", "status", "findings")


def render(assessment: Assessment, audience: str = "consultant") -> str:
    staff = audience == "staff"
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # RFC 4180, as spreadsheets expect
    writer.writerow(COLUMNS)
    for action in assessment.plan.actions if assessment.plan else ():
        line = action_line(assessment, action, staff)
        findings = str(len(action.findings)) if staff else " ".join(action.findings)
        writer.writerow([action.id, action.phase.value, f"P{action.priority}", line.due, _safe(action.title),
                         _safe(line.owner), line.status.value, findings])
    return out.getvalue()


def _safe(text: str) -> str:
    """A cell a spreadsheet would run as a formula (=, +, -, @ first) is quoted as text (OWASP CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


WRITER = RendererWriter("csv", "posture-actions.csv", "posture-actions-staff.csv", render)
