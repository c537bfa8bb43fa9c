"""The staff edition keeps the actions, the why, the deadlines and the training asks, and shows nothing
that helps an attacker: no address, port, version, account or person name, host name or evidence."""

from __future__ import annotations

import dataclasses
import re

import pytest

from posture.models import StaffSection
from posture.planner import build_plan
from reports import html, markdown, render_all
from tests.reports import sample

IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
IPV6 = re.compile(r"\b[0-9a-f]{1,4}(?::[0-9a-f]{0,4}){2,7}\b", re.I)


@pytest.fixture(scope="module")
def editions() -> dict[str, str]:
    a = sample.assessment()
    return {
        "consultant-md": markdown.render(a, "consultant"),
        "consultant-html": html.render(a, "consultant"),
        "staff-md": markdown.render(a, "staff"),
        "staff-html": html.render(a, "staff"),
    }


def _visible(text: str) -> str:
    """HTML entities decoded, Markdown escapes dropped: what a reader sees, so nothing hides behind them."""
    import html as html_lib

    return html_lib.unescape(text).replace("\\", "")


def test_the_consultant_edition_shows_every_sensitive_detail(editions: dict[str, str]) -> None:
    # Otherwise the staff test below would prove nothing.
    text = _visible(editions["consultant-md"])
    for value in sample.SENSITIVE:
        assert value in text, value
    assert IPV4.search(text) and "fd00:5eed::43" in text


@pytest.mark.parametrize("edition", ["staff-md", "staff-html"])
def test_the_staff_edition_shows_none_of_them(editions: dict[str, str], edition: str) -> None:
    text = _visible(editions[edition])
    leaked = [value for value in sample.SENSITIVE if value.lower() in text.lower()]
    assert leaked == []
    assert IPV4.findall(text) == []
    assert [m for m in IPV6.findall(text) if "::" in m or m.count(":") >= 2] == []
    for port in sample.PORTS:
        assert not re.search(rf"(?<![\d-]){port}(?!\d)", text), port
    assert "0.1.0" not in text  # not even posture's own version
    assert "<script" not in editions[edition] and "alert(" not in text


def test_the_staff_edition_keeps_actions_why_deadlines_and_training(editions: dict[str, str]) -> None:
    staff = editions["staff-md"]
    assert "Disconnect and quarantine the compromised devices" in staff
    assert "Cut the affected devices off the network" in staff  # the compromised address is replaced
    why = "*Why:* 3 problem(s) found by the assessment (1 critical, 1 high, 1 medium): exposed point of entry."
    assert why in staff
    assert "due 2026-11-21" in staff
    assert "## Notification deadlines" in staff and "Fla. Stat. §501.171" in staff
    assert "## Training" in staff and "58% of staff" in staff
    assert "| Front desk | 5 | 3 | 2 | 0 | 0 | 1 | 1 |" in staff
    assert "3 people's training has lapsed (the oldest since 2026-01-10)" in staff
    assert "| Could not be checked | Backups |" in staff  # the error text (an address) is left out
    for section in ("## Findings", "## Checks run", "Because of", "Evidence", "Scanning authorised"):
        assert section not in staff


def test_staff_edition_has_no_json_file() -> None:
    rendered = render_all(sample.assessment(), ["markdown", "json", "html"], "staff")
    assert sorted(rendered) == ["posture-plan-staff.html", "posture-plan-staff.md"]


def test_the_staff_drift_summary_is_counts_only() -> None:
    _, second = sample.two_runs()
    staff = markdown.render(second, "staff")
    assert "| Since the last run (2026-11-13) | 1 new · 1 resolved · 3 unchanged |" in staff
    assert "Remote desktop" not in staff and "OpenSSH" not in staff
    # The action the new RDP finding triggered is not new (Telnet triggered it before): no NEW mark.
    assert "**NEW**" not in staff


def test_a_checks_staff_section_is_rendered_from_its_declared_fields_only() -> None:
    """Any check (a plugin's too) declares what staff see; the writer has no check-specific code."""
    a = sample.assessment()
    ports = next(c for c in a.checks if c.check == "ports")
    section = StaffSection("Printers", ("Two printers still use the maker's password.",),
                           ("Change it from the printer's own menu.",), ("Floor", "Printers"), (("First", "2"),))
    a.checks[a.checks.index(ports)] = dataclasses.replace(ports, staff=section)
    staff = markdown.render(a, "staff")
    assert "## Printers\n\nTwo printers still use the maker's password.\n\n- Change it from the printer's own " in staff
    assert "| Floor | Printers |\n|---|---|\n| First | 2 |" in staff
    assert "Printers" not in markdown.render(a, "consultant").split("## Findings")[0]  # staff only


def test_the_staff_edition_of_an_incident_plan_keeps_every_catalogue_word() -> None:
    """No scrub of finished text: "email" in a catalogue sentence survives even when an asset is named "email"."""
    a = sample.assessment()
    assert a.incident is not None
    a.incident["compromised_assets"] = ["email", "127.0.0.41"]
    a.plan = build_plan(a)
    staff = markdown.render(a, "staff")
    assert "router, email and cloud passwords" in staff
    assert "Cut the affected devices off the network" in staff  # {assets}: the staff edition's words
    visible = _visible(staff)
    assert IPV4.findall(visible) == [] and "pos-terminal" not in visible and "back-office-pc" not in visible
    for port in sample.PORTS:
        assert not re.search(rf"(?<![\d-]){port}(?!\d)", visible), port
