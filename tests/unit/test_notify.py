"""Scenario tests: the duties a plan lists for real kinds of small business after a breach."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from posture.config import load_config
from posture.errors import InputError
from posture.models import Assessment, Mode, Notification, Phase
from posture.notify import notification_table
from posture.planner import build_plan
from posture.registry import Registry
from posture.results import from_dict, to_dict
from tests.fakes import fake_registry

NOW = datetime(2026, 11, 22, tzinfo=UTC)
SAMPLES = Path(__file__).resolve().parents[2] / "sample_configs"


def assessment(residents: dict[str, int], data: list[str], sector: list[str] | None = None,
               **incident: Any) -> Assessment:
    record: dict[str, Any] | None = None
    if incident.get("discovered") != "none":
        record = {"discovered": "2026-11-20", "kind": "data_theft", "personal_data_exposed": "yes", **incident}
    return Assessment(config_path="c", config_id="x",
                      organization={"name": "Co", "residents": residents, "customer_data": data,
                                    "sector": sector or []},
                      mode=Mode.INCIDENT if record else Mode.READINESS, incident=record, scope={},
                      started=NOW, finished=NOW, checks=[])


def table(*args: Any, **kwargs: Any) -> tuple[dict[str, Notification], list[str]]:
    duties, notes = notification_table(assessment(*args, **kwargs))
    return {d.rule: d for d in duties}, notes


def day(duty: Notification) -> date | None:
    return duty.deadline.date() if duty.deadline else None


def test_tax_preparer_in_louisiana_maryland_and_new_york_with_630_clients() -> None:
    """Must show: FTC 30 days, LA 60 + AG 10 days after, MD 45 with AG first, NY 30 + AG, DOS, State Police; IRS."""
    residents = {"LA": 250, "MD": 200, "NY": 180}
    found, notes = table(residents, ["ssn", "tax_records"], ["tax_preparer"])
    assert day(found["ftc-safeguards"]) == date(2026, 12, 20)
    assert "630 people in the US" in found["ftc-safeguards"].condition
    assert "16 CFR 314.4(j)" in found["ftc-safeguards"].source
    assert day(found["la-individuals"]) == date(2027, 1, 19)
    la_ag = found["la-attorney-general"]
    assert la_ag.deadline_text.startswith("10 days after the notice to the Louisiana residents")
    assert day(la_ag) == date(2027, 1, 29) and la_ag.ordering == "after the notice to the Louisiana residents"
    # Maryland's clock starts when the investigation ends; without that date it is stated in words.
    assert found["md-individuals"].deadline is None
    assert "45 days after the investigation ends" in found["md-individuals"].deadline_text
    assert found["md-attorney-general"].ordering == "before the notice to the Maryland residents"
    assert day(found["ny-individuals"]) == date(2026, 12, 20)
    for office in ("attorney-general", "department-of-state", "state-police", "financial-services"):
        duty = found[f"ny-{office}"]
        assert day(duty) == date(2026, 12, 20) and "with the notice to the New York residents" in duty.deadline_text
    assert found["ny-state-police"].recipient == "New York State Police"
    assert found["irs-stakeholder-liaison"].deadline_text == "immediately: 2026-11-20"
    assert "irs.gov" in found["irs-stakeholder-liaison"].source
    assert not {"la-cra", "md-cra", "ny-cra"} & set(found)  # 630 people is under every CRA threshold
    assert all(d.source for d in found.values())
    assert any("tax records" in n for n in notes)

    dated, _ = table(residents, ["ssn", "tax_records"], ["tax_preparer"], investigation_ended="2026-12-01",
                     residents_notified="2026-12-10")
    assert day(dated["md-individuals"]) == date(2027, 1, 15)
    assert day(dated["md-attorney-general"]) == date(2026, 12, 10)  # before the residents, told that day
    assert day(dated["la-attorney-general"]) == date(2026, 12, 20)
    assert day(dated["ny-attorney-general"]) == date(2026, 12, 10)


def test_rows_are_sorted_by_deadline_with_undated_rows_last() -> None:
    duties, _ = notification_table(assessment({"LA": 250, "MD": 200, "NY": 180}, ["ssn", "tax_records"],
                                              ["tax_preparer"]))
    dates = [d.deadline for d in duties if d.deadline]
    assert dates == sorted(dates)
    assert all(d.deadline is None for d in duties[len(dates):])
    assert duties[0].rule in ("irs-stakeholder-liaison", "state-tax-agencies")


def test_california_hipaa_practice() -> None:
    """Must show: HHS and patients 60 days, media, CA residents 30 days, the AG 15 days after the residents."""
    found, _ = table({"CA": 800}, ["health_records", "ssn"], ["hipaa_covered_entity"], kind="ransomware")
    assert day(found["hipaa-individuals"]) == day(found["hipaa-hhs"]) == date(2027, 1, 19)
    assert day(found["hipaa-media"]) == date(2027, 1, 19)
    assert day(found["ca-individuals"]) == date(2026, 12, 20)
    ag = found["ca-attorney-general"]
    assert ag.deadline_text.startswith("15 days after the notice to the California residents")
    assert "30 days after discovery" not in ag.deadline_text and "SB 446" in ag.source
    notified, _ = table({"CA": 800}, ["health_records", "ssn"], ["hipaa_covered_entity"],
                        residents_notified="2026-12-10")
    assert day(notified["ca-attorney-general"]) == date(2026, 12, 25)
    small, _ = table({"CA": 40}, ["health_records"], ["hipaa_covered_entity"])
    assert "ca-attorney-general" not in small and "hipaa-hhs" not in small and "hipaa-media" not in small
    assert day(small["hipaa-hhs-annual"]) == date(2027, 3, 1)  # 60 days after the year ends


def test_health_records_without_a_hipaa_sector_are_not_treated_as_hipaa() -> None:
    found, notes = table({"TX": 600}, ["health_records"])
    assert not any(rule.startswith(("hipaa", "hbnr")) for rule in found)
    assert "tx-individuals" in found  # Texas's definition reaches health information
    assert any("neither HIPAA" in n for n in notes)
    app, _ = table({"TX": 600}, ["health_records"], ["health_app"])
    assert {"hbnr-individuals", "hbnr-ftc", "hbnr-media"} <= set(app)


def test_texas_shop_that_lost_only_contact_details_gets_no_texas_deadline() -> None:
    found, notes = table({"TX": 3000}, ["contact_details"])
    assert not [rule for rule in found if rule.startswith("tx-")]
    assert notes[0].startswith("No US state's breach-notification law covers contact details")


def test_new_york_insurance_agency_licensed_by_dfs() -> None:
    found, _ = table({"NY": 6000, "NJ": 40}, ["ssn", "drivers_licenses"], ["nydfs_licensee"], kind="ransomware",
                     determined="2026-11-21")
    assert found["nydfs-superintendent"].deadline == datetime(2026, 11, 24, tzinfo=UTC)
    assert "72 hours after the breach was determined" in found["nydfs-superintendent"].deadline_text
    assert found["nydfs-extortion-payment"].deadline is None
    assert "24 hours of the ransom payment" in found["nydfs-extortion-payment"].deadline_text
    assert "ny-cra" in found and "threshold: more than 5,000" in found["ny-cra"].condition
    assert found["nj-state-police"].ordering == "before the notice to the New Jersey residents"
    assert day(found["ny-individuals"]) == date(2026, 12, 20)
    no_data, _ = table({"NY": 6000}, ["ssn"], ["nydfs_licensee"], kind="ransomware", personal_data_exposed="no")
    assert set(no_data) == {"nydfs-superintendent", "nydfs-extortion-payment"}  # a cybersecurity incident
    undetermined, _ = table({"NY": 6000}, ["ssn"], ["nydfs_licensee"], kind="data_theft")
    assert "nydfs-extortion-payment" not in undetermined
    assert "incident.determined is not set" in undetermined["nydfs-superintendent"].deadline_text


def test_business_day_clocks_skip_weekends_and_federal_holidays() -> None:
    found, _ = table({"VT": 10}, ["payment_cards"])
    # Friday 2026-11-20 + 14 business days, Thanksgiving (11-26) skipped.
    assert day(found["vt-attorney-general"]) == date(2026, 12, 11)
    assert day(found["card-incident-report"]) == date(2026, 11, 25)
    assert day(found["card-account-numbers"]) == date(2026, 12, 7)
    assert "whichever comes first" in found["vt-attorney-general"].deadline_text


def test_foreign_rules_follow_their_regions() -> None:
    found, _ = table({"EU": 10, "UK": 5, "CAN": 3, "AU": 2}, ["contact_details"])
    assert found["eu-supervisory-authority"].deadline == datetime(2026, 11, 23, tzinfo=UTC)
    assert found["uk-ico"].deadline == datetime(2026, 11, 23, tzinfo=UTC)
    assert "canada-opc" in found and day(found["au-assessment"]) == date(2026, 12, 20)
    only_data, _ = table({"TX": 10}, ["eu_personal_data"])
    assert "eu-supervisory-authority" in only_data and "not recorded" in only_data["eu-individuals"].condition


def test_no_exposure_means_no_duty_and_readiness_states_duties_in_words() -> None:
    assert table({"TX": 1200}, ["ssn"], personal_data_exposed="no") == ({}, [])
    ready, _ = table({"FL": 3200}, ["payment_cards"], discovered="none")
    assert all(d.deadline is None for d in ready.values())
    assert ready["fl-individuals"].deadline_text == "30 days after the breach was determined"
    assert "fl-cra" in ready


def test_the_notify_action_is_due_by_the_earliest_legal_deadline() -> None:
    plan = build_plan(assessment({"TX": 1200}, ["ssn"], kind="ransomware"))
    notify = next(a for a in plan.actions if a.phase is Phase.NOTIFY)
    assert notify.due == date(2026, 12, 20)  # the Texas AG: 30 days, not the action's 7-day window
    assert any("Earliest legal deadline: 2026-12-20" in n for n in notify.notes)
    assert plan.notifications[0].rule == "tx-attorney-general"


def test_new_fields_survive_the_results_round_trip() -> None:
    a = assessment({"MD": 1200}, ["ssn", "contact_details"])
    a.plan = build_plan(a)
    back = from_dict(to_dict(a))
    assert back.plan == a.plan
    md_cra = next(n for n in back.plan.notifications if n.rule == "md-cra")
    assert not md_cra.confirmed and md_cra.open_points and back.plan.notification_notes


@pytest.mark.parametrize(("written", "code"), [("TX", "TX"), ("US-CA", "CA"), ("ca", "CA"), ("Canada", "CAN"),
                                               ("UK", "UK"), ("GB", "UK"), ("EU", "EU"), ("AU", "AU")])
def test_residents_codes_as_people_type_them(tmp_path: Path, written: str, code: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(f"version: 1\norganization:\n  name: Co\n  sector: tax_preparer\n  residents: {{{written}: 5}}\n")
    config = load_config(path, fake_registry())
    assert config.organization.residents == {code: 5} and config.organization.sector == ["tax_preparer"]


def test_unknown_or_doubled_places_are_located_errors(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("version: 1\norganization:\n  name: Co\n  residents: {XX: 5}\n  sector: [bakery]\n")
    with pytest.raises(InputError) as caught:
        load_config(path, fake_registry())
    text = "\n".join(caught.value.lines())
    assert "'XX' is not a US state code (TX or US-TX), Canada, UK, EU or AU" in text and "sector" in text
    path.write_text("version: 1\norganization:\n  name: Co\n  residents: {CA: 5, US-CA: 6}\n")
    with pytest.raises(InputError, match="listed twice"):
        load_config(path, fake_registry())


def test_samples_state_the_duties_their_data_triggers(registry: Registry) -> None:
    ledger = load_config(SAMPLES / "ledger-accounting" / "posture.yaml", registry)
    org = ledger.organization.model_dump(mode="json")
    found, _ = notification_table(Assessment(config_path="c", config_id="x", organization=org,
                                             mode=Mode.READINESS, incident=None, scope={}, started=NOW,
                                             finished=NOW, checks=[]))
    assert "ftc-safeguards" in {d.rule for d in found}
    shop = load_config(SAMPLES / "corner-shop" / "posture.yaml", registry)
    org = shop.organization.model_dump(mode="json")
    found, _ = notification_table(Assessment(config_path="c", config_id="x", organization=org,
                                             mode=Mode.READINESS, incident=None, scope={}, started=NOW,
                                             finished=NOW, checks=[]))
    assert "fl-cra" in {d.rule for d in found}


def test_the_readme_incident_dates_block_loads_and_sets_the_clocks(tmp_path: Path, registry: Registry) -> None:
    readme = (SAMPLES.parent / "README.md").read_text()
    block = next(b.split("\n", 1)[1] for b in readme.split("```yaml")[1:] if "residents_notified:" in b)
    block = block.split("```")[0]
    path = tmp_path / "posture.yaml"
    path.write_text("version: 1\norganization:\n  name: Co\n  sector: tax_preparer\n  customer_data: [ssn]\n"
                    "  residents: {US-CA: 600, MD: 10, LA: 5}\n" + block)
    config = load_config(path, registry)
    assert config.incident is not None
    a = Assessment(config_path=str(path), config_id="x", organization=config.organization.model_dump(mode="json"),
                   mode=Mode.INCIDENT, incident=config.incident.model_dump(mode="json"), scope={}, started=NOW,
                   finished=NOW, checks=[])
    found = {d.rule: d for d in notification_table(a)[0]}
    assert day(found["ca-attorney-general"]) == date(2026, 12, 25)
    assert day(found["md-individuals"]) == date(2027, 1, 15)
    assert day(found["la-attorney-general"]) == date(2026, 12, 20)
