"""PDF, DOCX and CSV deliverables, read back with the tools a reader would use: pdftotext, python-docx, csv."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import date

import docx

from posture.action_status import ActionStatus
from posture.planner import plan_with_tracking
from posture.tracking import ActionState, Tracking
from reports import csv_report, docx_report, pdf_report
from tests.conftest import need_tools
from tests.reports import sample

TODAY = date(2026, 11, 20)


def _tracked(staff_owners: bool = False):
    a = sample.assessment()
    dana = ActionState("close-exposed-services", owner="Dana", status=ActionStatus.IN_PROGRESS)
    plan_with_tracking(a, Tracking(actions={dana.action: dana}), TODAY, staff_owners=staff_owners)
    return a


def test_csv_has_one_row_per_action_with_owner_and_status() -> None:
    a = _tracked()
    rows = list(csv.DictReader(io.StringIO(csv_report.render(a, "consultant"))))
    assert [r["id"] for r in rows] == [x.id for x in a.plan.actions]
    dana = next(r for r in rows if r["id"] == "close-exposed-services")
    assert (dana["owner"], dana["status"]) == ("Dana", "in_progress")
    assert set(dana["findings"].split()) == set(next(x for x in a.plan.actions if x.id == dana["id"]).findings)
    staff = list(csv.DictReader(io.StringIO(csv_report.render(a, "staff"))))
    assert all(r["owner"] == "" for r in staff), "owners' names stay out of the staff edition unless allowed"
    assert all(r["findings"].isdigit() for r in staff)
    allowed = list(csv.DictReader(io.StringIO(csv_report.render(_tracked(staff_owners=True), "staff"))))
    assert any(r["owner"] == "Dana" for r in allowed)


def test_csv_cells_never_run_as_formulas() -> None:
    assert csv_report._safe("=HYPERLINK(\"x\")") == "'=HYPERLINK(\"x\")"
    assert csv_report._safe("Close ports") == "Close ports"


def _docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def test_docx_has_headings_an_action_table_and_the_findings() -> None:
    a = _tracked()
    data = docx_report.render_bytes(a, "consultant")
    document = docx.Document(io.BytesIO(data))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading") or p.style.name == "Title"]
    assert headings[0] == "Post-incident action plan: Corner Shop Outfitters"
    assert {"Summary", "Actions", "Findings"} <= set(headings)
    actions = document.tables[0]
    assert [c.text for c in actions.rows[0].cells] == ["Priority", "Phase", "Action", "Due", "Owner", "Status"]
    assert len(actions.rows) == len(a.plan.actions) + 1
    text = _docx_text(data)
    assert a.plan.actions[0].title in text and "Dana" in text
    assert sample.RDP.title in text and sample.HOSTILE in text  # shown as text, never markup


def test_docx_staff_edition_leaves_out_findings_and_addresses() -> None:
    text = _docx_text(docx_report.render_bytes(_tracked(), "staff"))
    assert "Corner Shop Outfitters" in text
    for secret in ("127.0.0.42", "3389", "Dana", "fd00:5eed::43"):
        assert secret not in text


def test_pdf_reads_back_with_the_organization_and_first_action(tmp_path) -> None:
    need_tools("pdftotext")
    a = _tracked()
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(pdf_report.render_bytes(a, "consultant"))
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Corner Shop Outfitters" in text
    assert " ".join(a.plan.actions[0].title.split()[:4]) in " ".join(text.split())
    assert "Page 1 of" in text
    first_page = text.split("\f")[0]
    assert "Summary" in first_page, "the summary is on page one"
