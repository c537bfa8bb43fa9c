"""Breach-notification duties and deadlines, from posture/data/notifications.yaml.

Deadlines count from `incident.discovered`. Laws change and their triggers have nuances this table
cannot hold, so every duty is printed with "verify with your attorney".
"""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from posture.catalogue import read_data
from posture.models import Assessment, Notification

STATE_NAMES = {
    "TX": "Texas", "CA": "California", "NY": "New York", "FL": "Florida", "CO": "Colorado", "WA": "Washington",
    "EU": "the EU",
}


@functools.cache
def _rules() -> dict[str, Any]:
    data: dict[str, Any] = read_data("notifications.yaml")
    return data


def notification_duties(assessment: Assessment) -> list[Notification]:
    incident = assessment.incident or {}
    if not incident or incident.get("personal_data_exposed") == "no":
        return []
    discovered = _as_date(incident["discovered"])
    start = datetime.combine(discovered, time(0, 0), tzinfo=UTC)
    org = assessment.organization
    residents: dict[str, int] = org.get("residents", {})
    data_kinds = set(org.get("customer_data", []))
    total = sum(residents.values())
    biggest_state = max((n for r, n in residents.items() if r != "EU"), default=0)
    rules = _rules()
    duties: list[Notification] = []
    covered_regions = set()

    for rule in rules["rules"]:
        minimum = rule.get("min_affected", 1)
        if "region" in rule:
            region = rule["region"]
            covered_regions.add(region)
            count = residents.get(region, 0)
            if count < 1:
                continue
            if count < minimum:
                continue
            name = STATE_NAMES.get(region, region)
            condition = f"{count:,} residents of {name} affected" + (f" (threshold {minimum:,})" if minimum > 1 else "")
        else:
            if rule["data"] not in data_kinds:
                continue
            kind = rule["data"].replace("_", " ")
            if "min_in_one_state" in rule:
                if biggest_state < rule["min_in_one_state"]:
                    continue
                condition = f"{kind}; {biggest_state:,} residents of one state (threshold {rule['min_in_one_state']:,})"
            elif total < minimum:
                if "below_note" in rule:
                    year_end = datetime.combine(date(discovered.year, 12, 31), time(0, 0), tzinfo=UTC)
                    deadline = year_end + timedelta(days=60)
                    duties.append(_duty(rule, deadline, f"{kind}; {total:,} people: {rule['below_note']}",
                                        f"{deadline.date()} (60 days after the year ends)"))
                continue
            else:
                condition = f"{kind} held; about {total:,} people" if total else f"{kind} held"
        hours = rule["hours"]
        deadline = start + timedelta(hours=hours)
        if "deadline_text" in rule:
            text = rule["deadline_text"]
        elif hours % 24 == 0 and hours >= 24 * 7:  # short clocks (GDPR's 72 hours) are read in hours
            text = f"{deadline.date()} ({hours // 24} days after discovery)"
        else:
            text = f"{deadline:%Y-%m-%d %H:%M} UTC ({hours} hours after discovery)"
        duties.append(_duty(rule, deadline, condition, text))

    for region, count in sorted(residents.items()):
        if region in covered_regions or count < 1:
            continue
        duties.append(Notification(
            rule=f"{region.lower()}-individuals", recipient=f"Affected residents of {region}",
            jurisdiction=region, deadline=None,
            deadline_text="without unreasonable delay: check this state's law for a fixed deadline",
            condition=f"{count:,} residents affected", source=rules["other_state_source"], confirmed=False,
        ))
    duties.sort(key=lambda d: (d.deadline is None, d.deadline or start))
    return duties


def _duty(rule: dict[str, Any], deadline: datetime, condition: str, text: str) -> Notification:
    return Notification(
        rule=rule["id"], recipient=rule["recipient"], jurisdiction=rule.get("region", "US"),
        deadline=deadline, deadline_text=text, condition=condition + (f"; {rule['note']}" if "note" in rule else ""),
        source=rule["source"], confirmed=rule.get("confirmed", True),
    )


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
