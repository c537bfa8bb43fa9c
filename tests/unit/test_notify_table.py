"""Properties of the whole rule table: every jurisdiction, every threshold, the data-kind triggers, the checks
made when the table is loaded, and the business-day calendar."""

from __future__ import annotations

import copy
from datetime import UTC, date, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posture.catalogue import read_data
from posture.config import US_STATES
from posture.models import Assessment, Mode
from posture.notify import notification_table
from posture.notify_rules import (
    KINDS,
    SECTORS,
    RuleTableError,
    add_business_days,
    build_table,
    federal_holidays,
    rule_table,
)

NOW = datetime(2026, 11, 22, tzinfo=UTC)
TABLE = rule_table()
STATES = sorted(US_STATES)
THRESHOLDED = [r for r in TABLE.rules if r.role in ("regulator", "cra") and r.minimum > 1]


def rules_for(residents: dict[str, int], data: list[str], sector: list[str] | None = None,
              incident: bool = True) -> set[str]:
    record = {"discovered": "2026-11-20", "kind": "data_theft", "personal_data_exposed": "yes"} if incident else None
    a = Assessment(config_path="c", config_id="x",
                   organization={"name": "Co", "residents": residents, "customer_data": data, "sector": sector or []},
                   mode=Mode.INCIDENT if incident else Mode.READINESS, incident=record, scope={},
                   started=NOW, finished=NOW, checks=[])
    return {d.rule for d in notification_table(a)[0]}


def test_every_us_jurisdiction_has_a_sourced_rule_for_its_residents() -> None:
    assert len(STATES) == 54
    for code in STATES:
        rule = TABLE.get(f"{code.lower()}-individuals")
        assert rule is not None and rule.source and rule.jurisdiction == code, code
        assert {"ssn", "drivers_licenses", "bank_accounts", "payment_cards"} <= TABLE.state_kinds[code]
    assert all(r.source.strip() for r in TABLE.rules)


def test_the_table_holds_the_fixed_deadlines_the_issue_names() -> None:
    def clock(rule_id: str) -> tuple[Any, ...]:
        rule = TABLE.get(rule_id)
        assert rule is not None, rule_id
        return tuple((c.kind, c.amount, c.unit, c.ref) for c in rule.clocks)

    for code in ("AL", "AZ", "IN", "NM", "OH", "OR", "RI", "TN", "VT", "WI"):
        assert clock(f"{code.lower()}-individuals")[0][1:3] == (45, "days"), code
    for code in ("CT", "DE", "LA", "SD"):
        assert clock(f"{code.lower()}-individuals")[0][1:3] == (60, "days"), code
    assert clock("me-individuals") == (("from", 30, "days", "discovered"),)
    assert clock("md-individuals") == (("from", 45, "days", "investigation_ended"),)
    assert clock("vt-attorney-general")[0] == ("from", 14, "business days", "discovered")
    assert clock("pr-consumer-affairs") == (("from", 10, "days", "discovered"),)
    assert clock("la-attorney-general") == (("after", 10, "days", "la-individuals"),)
    assert clock("ia-attorney-general") == (("after", 5, "business days", "ia-individuals"),)
    assert clock("md-attorney-general") == (("before", 0, "days", "md-individuals"),)
    assert clock("nj-state-police") == (("before", 0, "days", "nj-individuals"),)
    assert clock("ca-attorney-general") == (("after", 15, "days", "ca-individuals"),)
    assert len([r for r in TABLE.rules if r.role == "cra"]) >= 34


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(STATES), st.integers(min_value=1, max_value=2_000_000), st.booleans())
def test_contact_details_alone_trigger_no_state_duty(state: str, count: int, incident: bool) -> None:
    found = rules_for({state: count}, ["contact_details"], incident=incident)
    assert not [r for r in found if r.startswith(f"{state.lower()}-")]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(STATES), st.integers(min_value=1, max_value=50_000),
       st.sets(st.sampled_from(sorted(KINDS))), st.sets(st.sampled_from(sorted(SECTORS))))
def test_a_state_duty_fires_exactly_when_its_law_covers_a_kind_held(state: str, count: int, kinds: set[str],
                                                                     sectors: set[str]) -> None:
    found = rules_for({state: count}, sorted(kinds), sorted(sectors))
    covered = bool(kinds & TABLE.state_kinds[state])
    assert (f"{state.lower()}-individuals" in found) == covered
    for rule_id in found:
        rule = TABLE.get(rule_id)
        assert rule is not None
        assert rule.kinds is None or rule.kinds & kinds
        assert not rule.sectors or rule.sectors & sectors


@pytest.mark.parametrize("rule", THRESHOLDED, ids=[r.id for r in THRESHOLDED])
def test_regulator_and_cra_thresholds_at_minus_one_and_at_threshold(rule: Any) -> None:
    below = rules_for({rule.jurisdiction: rule.minimum - 1}, ["ssn"])
    at = rules_for({rule.jurisdiction: rule.minimum}, ["ssn"])
    assert rule.id not in below and rule.id in at


@pytest.mark.parametrize(("rule_id", "minimum"), [("ftc-safeguards", 500), ("hipaa-hhs", 500), ("hbnr-ftc", 500)])
def test_federal_thresholds_count_everyone_in_the_us(rule_id: str, minimum: int) -> None:
    sector = {"ftc-safeguards": "tax_preparer", "hipaa-hhs": "hipaa_covered_entity", "hbnr-ftc": "health_app"}
    kinds = ["ssn", "health_records"]
    split = {"TX": minimum // 2, "CA": minimum - minimum // 2}
    assert rule_id in rules_for(split, kinds, [sector[rule_id]])
    assert rule_id not in rules_for({"TX": minimum // 2, "CA": minimum - minimum // 2 - 1}, kinds, [sector[rule_id]])


def test_the_rule_table_is_checked_when_loaded() -> None:
    data = read_data("notifications.yaml")

    def broken(change: Any) -> str:
        copy_ = copy.deepcopy(data)
        change(copy_)
        with pytest.raises(RuleTableError) as caught:
            build_table(copy_)
        return str(caught.value)

    assert "no entry for GU" in broken(lambda d: d["jurisdictions"].pop("GU"))
    assert "no source" in broken(lambda d: d["rules"][0].update(source=""))
    assert "no source" in broken(lambda d: d["jurisdictions"]["TX"].update(sources=[], law=""))
    assert "which is no rule" in broken(lambda d: d["rules"][1].update(due="with hipaa-patients"))
    assert "unknown data kinds" in broken(lambda d: d["rules"][0].update(kinds=["shoe_sizes"]))
    assert "unknown sectors" in broken(lambda d: d["rules"][0].update(sectors=["bakery"]))
    assert "cannot read the deadline" in broken(lambda d: d["jurisdictions"]["TX"].update(individuals="soon"))
    assert "used twice" in broken(lambda d: d["rules"].append(dict(d["rules"][0])))


def test_federal_holidays_as_observed() -> None:
    assert date(2027, 7, 5) in federal_holidays(2027)  # 4 July 2027 is a Sunday
    assert date(2027, 12, 24) in federal_holidays(2027)  # Christmas 2027 is a Saturday
    assert date(2027, 12, 31) in federal_holidays(2028)  # so is New Year's Day 2028
    assert date(2026, 11, 26) in federal_holidays(2026)  # Thanksgiving
    assert add_business_days(date(2026, 11, 25), 1) == date(2026, 11, 27)
    assert add_business_days(date(2027, 12, 23), 1) == date(2027, 12, 27)
    assert add_business_days(date(2027, 12, 30), 1) == date(2028, 1, 3)
