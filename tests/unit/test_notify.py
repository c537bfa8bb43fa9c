from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from posture.models import Assessment, Mode, Notification
from posture.notify import notification_duties

NOW = datetime(2026, 11, 22, tzinfo=UTC)


def duties(residents: dict[str, int], data: list[str] | None = None, exposed: str = "unknown",
           discovered: str = "2026-11-20") -> dict[str, Notification]:
    incident: dict[str, Any] = {"discovered": discovered, "kind": "ransomware", "personal_data_exposed": exposed}
    a = Assessment(config_path="c", config_id="x",
                   organization={"name": "Co", "residents": residents, "customer_data": data or []},
                   mode=Mode.INCIDENT, incident=incident, scope={}, started=NOW, finished=NOW, checks=[])
    return {d.rule: d for d in notification_duties(a)}


def test_texas_individuals_sixty_days_and_attorney_general_thirty_from_250() -> None:
    found = duties({"TX": 1200})
    assert found["tx-individuals"].deadline is not None
    assert found["tx-individuals"].deadline.date() == date(2027, 1, 19)
    assert found["tx-attorney-general"].deadline.date() == date(2026, 12, 20)  # type: ignore[union-attr]
    assert "tx-attorney-general" not in duties({"TX": 249})
    assert "tx-attorney-general" in duties({"TX": 250})


def test_california_thirty_days_and_attorney_general_above_500() -> None:
    assert duties({"CA": 40})["ca-individuals"].deadline.date() == date(2026, 12, 20)  # type: ignore[union-attr]
    assert "ca-attorney-general" not in duties({"CA": 500})
    assert "ca-attorney-general" in duties({"CA": 501})


def test_hipaa_hhs_at_500_or_else_after_the_year_ends() -> None:
    big = duties({"TX": 600}, ["health_records"])
    assert big["hipaa-individuals"].deadline.date() == date(2027, 1, 19)  # type: ignore[union-attr]
    assert big["hipaa-hhs"].deadline == big["hipaa-individuals"].deadline
    small = duties({"TX": 100}, ["health_records"])
    assert small["hipaa-hhs"].deadline.date() == date(2027, 3, 1)  # type: ignore[union-attr]
    assert "after the year ends" in small["hipaa-hhs"].deadline_text


def test_gdpr_is_72_hours_and_cards_are_immediate_and_unconfirmed() -> None:
    found = duties({"EU": 10}, ["payment_cards"])
    assert found["eu-supervisory-authority"].deadline == datetime(2026, 11, 23, tzinfo=UTC)
    assert "72 hours" in found["eu-supervisory-authority"].deadline_text
    assert found["card-acquirer"].deadline_text == "immediately" and not found["card-acquirer"].confirmed


def test_states_without_a_rule_say_check_the_law_and_no_exposure_means_no_duty() -> None:
    other = duties({"OK": 12})["ok-individuals"]
    assert other.deadline is None and "check this state's law" in other.deadline_text
    assert duties({"TX": 1200}, ["health_records"], exposed="no") == {}
