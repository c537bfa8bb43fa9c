"""A realistic assessment built by hand (no checks run): addresses v4 and v6, ports, versions, an
account, a person, evidence and a hostile banner, so the report tests can prove what each edition shows.

Everything sensitive is listed in SENSITIVE: the consultant edition shows each of them, the staff
edition none of them.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from checks.training.staff import staff_section
from posture.catalogue import load_catalogue
from posture.drift import compute_drift
from posture.models import Assessment, CheckResult, CheckStatus, Finding, Mode, Severity, Status
from posture.planner import build_plan

FINISHED = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
HOSTILE = "<script>alert('pwned')</script>"

RDP = Finding(
    check="ports", key="127.0.0.42/tcp/3389", status=Status.FAIL, severity=Severity.HIGH,
    title="Remote desktop (RDP) open on back-office-pc (127.0.0.42:3389)",
    detail="Microsoft Terminal Services 10.0.17763 answers on port 3389: password guessing and RDP exploits "
           "are the commonest way into a small office.",
    asset="back-office-pc (127.0.0.42)", weaknesses=("exposed-entry-point",),
    evidence=("3389/tcp open ms-wbt-server Microsoft Terminal Services 10.0.17763",),
    remediation="Close 3389/tcp or put it behind the VPN.", actions=("close-exposed-services",),
)
TELNET = Finding(
    check="ports", key="fd00:5eed::43/tcp/2323", status=Status.FAIL, severity=Severity.CRITICAL,
    title="Telnet open on shop-router ([fd00:5eed::43]:2323)",
    detail="BusyBox telnetd 1.36.1 sends passwords in clear text.",
    asset="shop-router (fd00:5eed::43)", weaknesses=("exposed-entry-point",),
    evidence=("2323/tcp open telnet BusyBox telnetd 1.36.1", f"banner: {HOSTILE}"),
    remediation="Turn Telnet off; manage the router over HTTPS from inside only.",
)
OLD_SSH = Finding(
    check="ports", key="127.0.0.41/tcp/2222", status=Status.FAIL, severity=Severity.HIGH,
    title="Outdated OpenSSH 7.2p2 on pos-terminal (127.0.0.41:2222)",
    detail="OpenSSH 7.2p2 has known flaws; it is years past its last update.",
    asset="pos-terminal (127.0.0.41)", weaknesses=("faulty-security",),
    evidence=("2222/tcp open ssh OpenSSH 7.2p2 Ubuntu 4ubuntu2.10",),
    remediation="Update the operating system's OpenSSH package.",
)
ACCOUNT = Finding(
    check="password_policy", key="front-desk/jsmith-admin/never-expires", status=Status.FAIL,
    severity=Severity.MEDIUM, title="Account jsmith-admin: password never expires",
    detail="An administrator password that never changes stays useful to whoever learns it.",
    asset="jsmith-admin", weaknesses=("weak-passwords",),
    evidence=("net user jsmith-admin: Password expires    Never",),
    remediation="Turn on MFA for administrators.",
)
PERSON = Finding(
    check="training", key="person/maria.gonzalez@example.test", status=Status.FAIL, severity=Severity.LOW,
    title="Security training overdue: Maria Gonzalez",
    detail="Last completed 2025-01-10; training is valid for a year.",
    asset="Maria Gonzalez", weaknesses=("employee-ignorance",),
    evidence=("training.csv:4: Maria Gonzalez,Front desk,2025-01-10",),
)
BANNER_TITLE = Finding(
    check="ports", key="127.0.0.41/tcp/8080", status=Status.FAIL, severity=Severity.MEDIUM,
    title=f"Web admin page on 127.0.0.41:8080 titled {HOSTILE} <img src=x onerror=alert(1)> "
          "[click](javascript:alert(1))",
    asset="pos-terminal (127.0.0.41)", weaknesses=("exposed-entry-point",),
    evidence=(f"8080/tcp open http {HOSTILE}",),
)
PASSED = Finding(
    check="backups", key="file-server/recent", status=Status.PASS, severity=Severity.INFO,
    title="File server nightly: last backup 20 hours old", asset="File server nightly",
)

TRAINING_FACTS: dict[str, Any] = {
    "as_of": "2026-11-20", "valid_days": 365, "staff": 12,
    "coverage": {"fraction": 0.5833, "percent": 58, "current": 7, "counted": 12, "not_counted_onboarding": 0},
    "overdue": {"count": 3, "by_department": {"Front desk": 2, "Clinical": 1}, "earliest_due": "2026-01-10"},
    "never_trained": {"count": 2, "by_department": {"Clinical": 2}, "earliest_due": None},
    "new_hires_untrained": {"count": 0, "by_department": {}, "earliest_due": None},
    "expiring_soon": {"count": 1, "by_department": {"Front desk": 1}, "earliest_due": "2026-12-01"},
    "departments": {"Clinical": {"staff": 7, "current": 4}, "Front desk": {"staff": 5, "current": 3}},
    "phishing": {"clicked_once": 2, "repeat_clickers": 1, "repeat_clickers_by_department": {"Front desk": 1}},
}

# Each appears in the consultant edition; none may appear in the staff edition.
SENSITIVE = (
    "127.0.0.41", "127.0.0.42", "fd00:5eed::43", "3389", "2323", "2222", "8080",
    "10.0.17763", "7.2p2", "1.36.1", "OpenSSH", "BusyBox", "Terminal Services",
    "pos-terminal", "back-office-pc", "shop-router", "jsmith-admin", "Maria Gonzalez",
    "ms-wbt-server", "Password expires", "training.csv",
)
PORTS = (3389, 2323, 2222, 8080)


def scope() -> dict[str, Any]:
    return {
        "authorization": "Owner's written request, 2026-11-18",
        "targets": [
            {"address": "127.0.0.41", "name": "pos-terminal", "exposure": "internal", "expected_ports": []},
            {"address": "127.0.0.42", "name": "back-office-pc", "exposure": "internal", "expected_ports": [3389]},
            {"address": "fd00:5eed::43", "name": "shop-router", "exposure": "internet", "expected_ports": [443]},
        ],
        "exclude": [],
    }


def checks(*findings: Finding, backups_error: bool = True) -> list[CheckResult]:
    by_check: dict[str, list[Finding]] = {"ports": [], "password_policy": [], "training": [], "backups": []}
    for f in findings:
        by_check.setdefault(f.check, []).append(f)
    titles = {"ports": "Open ports and services", "password_policy": "Password policy",
              "training": "Security-awareness training", "backups": "Backups"}
    out = []
    for check_id, found in by_check.items():
        if check_id == "backups" and backups_error:
            out.append(CheckResult(check_id, titles[check_id], CheckStatus.ERROR,
                                   error="restic is not installed on 127.0.0.41", duration_s=0.2))
            continue
        facts = TRAINING_FACTS if check_id == "training" else {}
        staff = staff_section(TRAINING_FACTS) if check_id == "training" else None
        out.append(CheckResult(check_id, titles.get(check_id, check_id), CheckStatus.OK, tuple(found),
                               duration_s=1.25, facts=dict(facts), staff=staff))
    return out


def assessment(
    *findings: Finding,
    incident: bool = True,
    previous: Assessment | None = None,
    finished: datetime = FINISHED,
    run_id: str = "run0000000b",
    backups_error: bool = True,
) -> Assessment:
    """The sample run (by default with every sensitive finding); `previous` adds the drift section."""
    chosen = findings or (RDP, TELNET, OLD_SSH, ACCOUNT, PERSON, BANNER_TITLE, PASSED)
    a = Assessment(
        config_path="/srv/posture/corner-shop/posture.yaml", config_id="c0ffee0000000001",
        organization={"name": "Corner Shop Outfitters", "industry": "retail",
                      "customer_data": ["payment_cards", "contact_details"], "residents": {"FL": 3200, "GA": 150},
                      "contacts": {"incident_lead": True, "it_provider": False, "attorney": False,
                                   "cyber_insurer": True, "law_enforcement": False}},
        mode=Mode.INCIDENT if incident else Mode.READINESS,
        incident={"discovered": "2026-11-19", "kind": "ransomware", "compromised_assets": ["127.0.0.41"],
                  "personal_data_exposed": "unknown", "first_compromise": None} if incident else None,
        scope=scope(), started=finished - timedelta(minutes=3), finished=finished, checks=checks(
            *chosen, backups_error=backups_error),
        tool_version="0.1.0", run_id=run_id,
    )
    a.drift = compute_drift(previous, a) if previous else None
    a.plan = build_plan(a, load_catalogue())
    return a


def two_runs() -> tuple[Assessment, Assessment]:
    """A week apart: RDP opened in between; the outdated OpenSSH was fixed; the rest is unchanged."""
    first = assessment(TELNET, OLD_SSH, ACCOUNT, PERSON, PASSED, incident=False, run_id="run0000000a",
                       finished=FINISHED - timedelta(days=7), backups_error=False)
    second = assessment(TELNET, RDP, ACCOUNT, PERSON, PASSED, incident=False, previous=first,
                        run_id="run0000000b", backups_error=False)
    return first, second


def with_severity(f: Finding, severity: Severity) -> Finding:
    return replace(f, severity=severity)
