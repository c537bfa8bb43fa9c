from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from posture.catalogue import load_catalogue
from posture.models import Assessment, CheckResult, CheckStatus, Finding, Mode, Phase, Severity, Status
from posture.planner import build_plan

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def finding(key: str, severity: Severity, weaknesses: tuple[str, ...], actions: tuple[str, ...] = (),
            status: Status = Status.FAIL) -> Finding:
    return Finding(check="fake", key=key, status=status, severity=severity, title=f"finding {key}",
                   weaknesses=weaknesses, actions=actions)


def assessment(findings: list[Finding], incident: dict[str, Any] | None = None,
               errors: list[str] | None = None) -> Assessment:
    checks = [CheckResult("fake", "Fake", CheckStatus.OK, tuple(findings))]
    checks += [CheckResult(e, e, CheckStatus.ERROR, error="nmap missing") for e in errors or []]
    return Assessment(
        config_path="c.yaml", config_id="x", organization={"name": "Co", "residents": {}, "customer_data": []},
        mode=Mode.INCIDENT if incident else Mode.READINESS, incident=incident, scope={}, started=NOW,
        finished=NOW, checks=checks,
    )


INCIDENT = {"discovered": "2026-11-20", "kind": "ransomware", "compromised_assets": ["127.0.0.21"],
            "personal_data_exposed": "unknown"}


def test_one_action_lists_every_finding_that_triggered_it() -> None:
    found = [finding("a", Severity.HIGH, ("exposed-entry-point",)),
             finding("b", Severity.LOW, ("exposed-entry-point",))]
    plan = build_plan(assessment(found))
    close = [a for a in plan.actions if a.id == "close-exposed-services"]
    assert len(close) == 1
    assert close[0].findings == (found[0].id, found[1].id)


def test_severity_moves_priority_and_readiness_has_no_due_dates() -> None:
    critical = build_plan(assessment([finding("a", Severity.CRITICAL, ("no-offsite-backup",))]))
    medium = build_plan(assessment([finding("a", Severity.MEDIUM, ("no-offsite-backup",))]))
    base = load_catalogue().actions["add-offsite-backup"].priority
    assert next(a for a in critical.actions if a.id == "add-offsite-backup").priority == base - 1
    assert next(a for a in medium.actions if a.id == "add-offsite-backup").priority == base + 1
    assert all(a.due is None for a in critical.actions)


def test_passing_findings_trigger_nothing_unless_they_name_an_action() -> None:
    plan = build_plan(assessment([finding("a", Severity.INFO, ("weak-passwords",), status=Status.PASS)]))
    assert plan.actions == ()


def test_incident_mode_always_carries_the_guides_steps_containment_first() -> None:
    plan = build_plan(assessment([], incident=INCIDENT))
    ids = [a.id for a in plan.actions]
    always = [a.id for a in load_catalogue().actions.values() if a.incident_always]
    assert set(always) <= set(ids)
    assert plan.actions[0].phase is Phase.CONTAIN and plan.actions[0].priority == 1
    assert ids.index("preserve-evidence") < ids.index("isolate-compromised")
    isolate = next(a for a in plan.actions if a.id == "isolate-compromised")
    assert "127.0.0.21" in isolate.detail and isolate.due == date(2026, 11, 23)
    assert all(a.guide_steps for a in plan.actions)
    reset = next(a for a in plan.actions if a.id == "reset-all-passwords")
    assert reset.priority == 1 and reset.phase is Phase.CONTAIN


def test_incident_steps_are_never_pushed_later_by_a_mild_finding() -> None:
    plan = build_plan(assessment([finding("a", Severity.LOW, ("attacker-persistence",), ("isolate-compromised",))],
                                 incident=INCIDENT))
    assert next(a for a in plan.actions if a.id == "isolate-compromised").priority == 1


def test_incident_only_actions_fall_back_to_weakness_defaults_in_readiness() -> None:
    plan = build_plan(assessment([finding("a", Severity.HIGH, ("unreviewed-backups",), ("restore-clean",))]))
    assert [a.id for a in plan.actions] == ["test-restores"]


def test_checks_that_could_not_run_become_an_action_naming_them() -> None:
    plan = build_plan(assessment([], errors=["ports"]))
    action = next(a for a in plan.actions if a.id == "complete-assessment")
    assert action.notes == ("ports: nmap missing",)


def test_every_weakness_and_action_is_tied_to_a_guide_step() -> None:
    cat = load_catalogue()
    required = {"weak-passwords", "faulty-security", "employee-ignorance", "exposed-entry-point", "no-offsite-backup",
                "irregular-backups", "unreviewed-backups", "attacker-persistence", "customer-data-exposure",
                "no-expert-support", "hardware-failure"}
    assert set(cat.weaknesses) == required
    assert all(w.guide_steps and w.actions for w in cat.weaknesses.values())
    assert all(a.guide_steps for a in cat.actions.values())


def test_an_observation_that_could_not_be_judged_is_never_silent() -> None:
    from posture.cli import exit_code
    from reports.markdown import render

    lookup = Finding(check="fake", key="cand/1", status=Status.ERROR, severity=Severity.INFO,
                     title="Breach look-up failed for candidate 3", detail="the API timed out",
                     weaknesses=("weak-passwords",))
    a = assessment([lookup])
    a.plan = build_plan(a)
    assert a.incomplete and a.unchecked == [lookup]
    action = next(x for x in a.plan.actions if x.id == "complete-assessment")
    assert action.notes == ("Breach look-up failed for candidate 3: the API timed out",)
    text = render(a)
    assert "### Could not be checked (1)" in text and "Breach look-up failed for candidate 3" in text
    assert exit_code(a, "high") == 3
