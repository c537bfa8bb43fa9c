"""The readiness check: the incident block and the expert contacts, turned into findings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from checks.readiness import ReadinessCheck
from posture.models import Severity, Status
from posture.registry import default_registry
from posture.testing import check_conformance, config_from_dict, context_for, minimal_config, run_check

CONTACTS = {"it_provider": "Bayou IT", "attorney": "Hale LLP", "cyber_insurer": "Mutual", "incident_lead": "Owner"}


def findings(tmp_path: Path, **sections: Any) -> dict[str, Any]:
    config = config_from_dict(tmp_path, minimal_config(**sections))
    assert config.enabled_checks == ["readiness"]  # it runs without a section of its own
    return {f.key: f for f in run_check(ReadinessCheck, context_for(config, "readiness"))}


def test_it_conforms_and_always_runs(tmp_path: Path) -> None:
    check_conformance(ReadinessCheck, folder=tmp_path)
    assert "readiness" in default_registry().always_running()


def test_named_contacts_pass_and_readiness_mode_declares_no_incident(tmp_path: Path) -> None:
    found = findings(tmp_path, organization={"name": "Co", "contacts": CONTACTS})
    assert sorted(found) == [f"contact/{c}" for c in sorted(CONTACTS)]
    assert all(f.status is Status.PASS and f.severity is Severity.INFO for f in found.values())


def test_missing_contacts_fail_by_how_much_they_matter(tmp_path: Path) -> None:
    found = findings(tmp_path, organization={"name": "Co", "contacts": {"incident_lead": "Owner"}})
    assert found["contact/it_provider"].severity is Severity.HIGH
    assert found["contact/attorney"].severity is Severity.MEDIUM
    assert found["contact/cyber_insurer"].severity is Severity.LOW
    assert found["contact/incident_lead"].status is Status.PASS
    missing = found["contact/attorney"]
    assert missing.title == "No attorney named to call in a breach"
    assert missing.remediation == "Choose an attorney now and record them in the config."
    assert missing.actions == ("name-incident-contacts",)


def test_an_incident_makes_missing_help_more_urgent(tmp_path: Path) -> None:
    incident = {"discovered": "2026-11-20", "kind": "ransomware", "compromised_assets": ["front-desk-pc"],
                "personal_data_exposed": "unknown"}
    found = findings(tmp_path, organization={"name": "Co", "customer_data": ["health_records"],
                                             "residents": {"TX": 1200}}, incident=incident)
    assert found["incident"].title == "Incident declared: ransomware discovered 2026-11-20"
    assert found["incident"].actions  # the guides' always-in-an-incident actions
    compromised = found["compromised/front-desk-pc"]
    assert compromised.severity is Severity.CRITICAL and compromised.asset == "front-desk-pc"
    exposed = found["personal-data-exposed"]
    assert exposed.severity is Severity.HIGH and "health records for about 1,200 people" in exposed.detail
    assert found["contact/it_provider"].severity is Severity.CRITICAL
    assert found["contact/attorney"].severity is Severity.HIGH
    assert found["contact/cyber_insurer"].severity is Severity.LOW


@pytest.mark.parametrize(("exposed", "severity"), [("yes", Severity.CRITICAL), ("no", None)])
def test_confirmed_exposure_is_critical_and_none_is_no_finding(tmp_path: Path, exposed: str,
                                                              severity: Severity | None) -> None:
    incident = {"discovered": "2026-11-20", "kind": "hardware_failure", "personal_data_exposed": exposed}
    found = findings(tmp_path, incident=incident)
    assert found["hardware-failure"].actions == ("replace-failed-hardware",)
    if severity is None:
        assert "personal-data-exposed" not in found
    else:
        assert found["personal-data-exposed"].severity is severity
        assert found["personal-data-exposed"].title == "Customer personal data exposed"


def test_a_config_may_turn_it_off(tmp_path: Path) -> None:
    config = config_from_dict(tmp_path, minimal_config(checks={"readiness": False}))
    assert config.enabled_checks == []
