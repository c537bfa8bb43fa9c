"""Who must be told about a breach, by when, and why: the rule table evaluated for one organization.

A rule applies when the organization is of a kind it names (organization.sector), holds a data kind it
covers (organization.customer_data), and has enough people where it counts (organization.residents).
Clocks start from discovery, from the determination of the breach, from the end of the investigation,
or from another notice; when the config does not give that date, the deadline is stated in words.
Laws change and have exceptions this table cannot hold: every duty is printed "verify with your attorney".
In a readiness review (no incident) the same duties are listed in words: what a breach would oblige.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from posture.config import region_code
from posture.models import Assessment, Notification
from posture.notify_rules import Clock, Rule, RuleTable, add_business_days, rule_table

KIND_WORDS = {
    "ssn": "SSNs", "tax_records": "tax records", "bank_accounts": "bank account numbers",
    "payment_cards": "card numbers", "drivers_licenses": "driver's licence numbers",
    "account_credentials": "account credentials", "health_records": "health records",
    "dates_of_birth": "dates of birth", "contact_details": "contact details", "eu_personal_data": "EU personal data",
}
EVENT_WORDS = {
    "discovered": "discovery", "determined": "the breach was determined",
    "investigation_ended": "the investigation ends", "year_end": "the end of the calendar year",
}
# Holding this kind puts people of the region in scope even when the config gives no count there.
REGION_KIND = {"EU": "eu_personal_data"}


@dataclass
class _Facts:
    """What the rules read, taken once from the assessment."""

    people: dict[str, int]
    held: frozenset[str]
    sectors: frozenset[str]
    incident: dict[str, Any] | None
    events: dict[str, date | None] = field(default_factory=dict)
    notified: date | None = None

    def count(self, rule: Rule) -> int:
        if rule.count in ("state", "region"):
            return self.people.get(rule.jurisdiction, 0)
        us = [n for code, n in self.people.items() if code not in ("EU", "UK", "AU", "CAN")]
        return max(us, default=0) if rule.count == "one_state" else sum(us)


@dataclass(frozen=True)
class _Due:
    deadline: datetime | None
    text: str
    ordering: str = ""


def notification_duties(assessment: Assessment) -> list[Notification]:
    return notification_table(assessment)[0]


def notification_table(assessment: Assessment) -> tuple[list[Notification], list[str]]:
    """The duties, soonest first, and the lines the plan prints under them."""
    incident = assessment.incident
    no_personal_data = bool(incident and incident.get("personal_data_exposed") == "no")
    facts = _facts(assessment)
    table = rule_table()
    applying = [r for r in table.rules if _applies(r, facts) and (r.any_incident or not no_personal_data)]
    if no_personal_data and not applying:
        return [], []
    dues = _dues(applying, facts, table)
    duties = [_row(rule, facts, dues[rule.id]) for rule in applying]
    # Sorted by deadline; a readiness review has no dates, so it sorts as if the breach were found today.
    sort_dues = dues if incident else _dues(applying, _facts(assessment, assessment.finished.date()), table)
    order = {r.id: i for i, r in enumerate(applying)}
    latest = datetime.max.replace(tzinfo=UTC)
    duties.sort(key=lambda d: (sort_dues[d.rule].deadline or latest, order[d.rule]))
    return duties, [] if no_personal_data else _notes(facts, table)


def _dues(rules: list[Rule], facts: _Facts, table: RuleTable) -> dict[str, _Due]:
    dues: dict[str, _Due] = {}
    # Rules whose clocks name another notice are worked out after the notices they name.
    for rule in sorted(rules, key=lambda r: any(c.kind in ("after", "with", "before") for c in r.clocks)):
        dues[rule.id] = _due(rule, facts, dues, table)
    return dues


def _facts(a: Assessment, hypothetical: date | None = None) -> _Facts:
    org = a.organization
    people: dict[str, int] = {}
    for written, count in (org.get("residents") or {}).items():
        code = region_code(str(written))
        if code and count:
            people[code] = people.get(code, 0) + int(count)
    facts = _Facts(people, frozenset(org.get("customer_data") or ()), frozenset(org.get("sector") or ()),
                   a.incident)
    if a.incident or hypothetical:
        discovered = hypothetical or _as_date((a.incident or {})["discovered"])
        a_incident = a.incident or {}
        facts.events = {
            "discovered": discovered, "determined": _maybe_date(a_incident.get("determined")),
            "investigation_ended": _maybe_date(a_incident.get("investigation_ended")),
            "year_end": date(discovered.year, 12, 31),
        }
        facts.notified = _maybe_date(a_incident.get("residents_notified"))
    return facts


def _applies(rule: Rule, facts: _Facts) -> bool:
    if rule.sectors and not rule.sectors & facts.sectors:
        return False
    if rule.kinds is not None and not rule.kinds & facts.held:
        return False
    if rule.incident_kinds and (not facts.incident or facts.incident.get("kind") not in rule.incident_kinds):
        return False
    discovered = facts.events.get("discovered")
    if rule.in_force and discovered and discovered < rule.in_force:
        return False
    count = facts.count(rule)
    if rule.count == "region" and not count and REGION_KIND.get(rule.jurisdiction) in facts.held:
        return True  # the region's data is held; how many people is not recorded
    if rule.count in ("state", "region") and not count:
        return False
    if not facts.people and rule.count in ("us", "one_state"):
        return rule.minimum <= 1  # no counts recorded: only duties without a threshold are certain
    return count >= rule.minimum and (rule.maximum is None or count <= rule.maximum)


def _due(rule: Rule, facts: _Facts, dues: dict[str, _Due], table: RuleTable) -> _Due:
    parts = [_one_clock(c, facts, dues, table) for c in rule.clocks]
    if len(parts) == 1:
        return parts[0]
    dated = [p for p in parts if p.deadline is not None]
    first = min(dated, key=lambda p: p.deadline or datetime.max) if dated else parts[0]
    others = " or ".join(p.text for p in parts if p is not first)
    return _Due(first.deadline, f"{first.text}, or {others}, whichever comes first",
                "; ".join(p.ordering for p in parts if p.ordering))


def _one_clock(clock: Clock, facts: _Facts, dues: dict[str, _Due], table: RuleTable) -> _Due:
    discovered = facts.events.get("discovered")
    if clock.kind == "none":
        return _Due(None, "without unreasonable delay (the law sets no number of days)")
    if clock.kind == "immediately":
        return _Due(_at(discovered), f"immediately: {discovered}" if discovered else "immediately")
    span = _span(clock)
    if clock.kind == "from":
        words = f"{span} after {EVENT_WORDS[clock.ref]}"
        start = facts.events.get(clock.ref)
        if not facts.events:
            return _Due(None, words)
        if start is None and clock.ref == "determined":
            deadline = _add(clock, discovered)
            return _Due(deadline, f"{_show(deadline, clock)} ({words}; incident.determined is not set, "
                                  "so counted from discovery)")
        if start is None:
            return _Due(None, f"{words} (set incident.{clock.ref} for a date)")
        deadline = _add(clock, start)
        return _Due(deadline, f"{_show(deadline, clock)} ({words})")
    target = table.get(clock.ref)
    target_name = _notice_name(target)
    target_due = dues.get(clock.ref)
    if clock.kind == "after" and clock.ref == "ransom_payment":
        return _Due(None, f"within {span} of the ransom payment")
    notified = facts.notified if target and target.role == "individuals" else None
    if clock.kind == "before":
        if notified:
            return _Due(_at(notified), f"before {target_name} (sent {notified})", f"before {target_name}")
        limit = target_due.deadline if target_due else None
        text = f"before {target_name}" + (f", so by {_show(limit, None)} at the latest" if limit else "")
        return _Due(limit, text, f"before {target_name}")
    if clock.kind == "with":
        if notified:
            return _Due(_at(notified), f"{notified} (with {target_name}, sent {notified})", "together with "
                        f"{target_name}")
        limit = target_due.deadline if target_due else None
        text = f"with {target_name}" + (f", so by {_show(limit, None)} at the latest" if limit else "")
        return _Due(limit, text, f"together with {target_name}")
    words = f"{span} after {target_name}"
    if notified:
        deadline = _add(clock, notified)
        return _Due(deadline, f"{_show(deadline, clock)} ({words}, sent {notified})", f"after {target_name}")
    limit = target_due.deadline if target_due else None
    if limit is None:
        return _Due(None, words, f"after {target_name}")
    latest = _add(clock, limit.date())
    return _Due(latest, f"{words}: by {_show(latest, clock)} at the latest, if that notice goes out on its last "
                        f"day ({limit.date()}); set incident.residents_notified for the exact date",
                f"after {target_name}")


def _row(rule: Rule, facts: _Facts, due: _Due) -> Notification:
    held = facts.held if rule.kinds is None else rule.kinds & facts.held
    why = [_people(rule, facts)]
    if rule.sectors:
        why.append("sector: " + ", ".join(s.replace("_", " ") for s in sorted(rule.sectors & facts.sectors)))
    if held:
        why.append("data: " + ", ".join(KIND_WORDS[k] for k in sorted(held)))
    if rule.note:
        why.append(rule.note)
    open_points = list(rule.open_points)
    confirmed = rule.confirmed
    if rule.unverified_kinds and held and held <= rule.unverified_kinds:
        confirmed = False
        open_points.append(f"whether {rule.place}'s law covers {', '.join(KIND_WORDS[k] for k in sorted(held))}")
    return Notification(
        rule=rule.id, recipient=rule.recipient, jurisdiction=rule.jurisdiction, deadline=due.deadline,
        deadline_text=due.text, condition="; ".join(w for w in why if w), source=rule.source, confirmed=confirmed,
        ordering=due.ordering, open_points=tuple(open_points),
    )


def _people(rule: Rule, facts: _Facts) -> str:
    count = facts.count(rule)
    if rule.count in ("state", "region"):
        if not count:
            return f"people in {rule.place} (how many is not recorded)"
        return f"{count:,} people in {rule.place}" + _threshold(rule)
    if not facts.people:
        return "how many people is not recorded"
    where = "in one state" if rule.count == "one_state" else "in the US"
    return f"{count:,} people {where}" + _threshold(rule)


def _threshold(rule: Rule) -> str:
    if rule.maximum is not None:
        return f" (fewer than {rule.maximum + 1:,})"
    if rule.minimum <= 1:
        return ""
    return f" (threshold: more than {rule.minimum - 1:,})" if rule.minimum % 10 == 1 else \
        f" (threshold: {rule.minimum:,} or more)"


def _notes(facts: _Facts, table: RuleTable) -> list[str]:
    notes = []
    states = [code for code in facts.people if code in table.state_kinds]
    covered_anywhere: set[str] = set().union(*table.state_kinds.values())
    covered_here: set[str] = set().union(*(table.state_kinds[c] for c in states))
    anywhere = set(facts.held) - covered_anywhere
    here = set(facts.held) - anywhere - covered_here if states else set()
    if anywhere or here:
        line = ("No US state's breach-notification law covers " + _words(anywhere)) if anywhere else ""
        if here:
            names = ", ".join(table.state_names[c] for c in states)
            line += "; the laws" if line else "The laws"
            line += f" of the affected states ({names}) do not cover {_words(here)}"
        notes.append(line + ": holding only these triggers no state duty.")
    if "health_records" in facts.held and not facts.sectors & {"hipaa_covered_entity", "hipaa_business_associate",
                                                                "health_app"}:
        notes.append("Health records are held but organization.sector names neither HIPAA (covered entity or "
                     "business associate) nor a health app: HIPAA and the FTC Health Breach Notification Rule "
                     "were not evaluated; ask your attorney whether either applies.")
    for code in states:
        for role, points in table.absent_points.get(code, {}).items():
            what = "consumer-reporting-agency" if role == "cra" else "regulator"
            notes.append(f"{table.state_names[code]}: no {what} duty is listed, but that is unconfirmed "
                         f"({'; '.join(points)}): verify with your attorney.")
    if not facts.people and facts.held:
        notes.append("organization.residents gives no counts: duties with a threshold (regulators, consumer "
                     "reporting agencies, HHS) were not evaluated.")
    return notes


def _words(kinds: set[str]) -> str:
    return ", ".join(KIND_WORDS[k] for k in sorted(kinds))


def _notice_name(rule: Rule | None) -> str:
    if rule is None:
        return "the other notice"
    if rule.role == "individuals":
        return f"the notice to the {rule.place} residents"
    name = rule.recipient
    return f"the notice to {name[0].lower() + name[1:] if name.startswith('Affected') else name}"


def _span(clock: Clock) -> str:
    return f"{clock.amount} {clock.unit}"


def _add(clock: Clock, start: date | None) -> datetime | None:
    if start is None:
        return None
    if clock.unit == "hours":
        return datetime.combine(start, time(0, 0), tzinfo=UTC) + timedelta(hours=clock.amount)
    if clock.unit == "business days":
        return _at(add_business_days(start, clock.amount))
    return _at(start + timedelta(days=clock.amount))


def _show(deadline: datetime | None, clock: Clock | None) -> str:
    if deadline is None:
        return "no date"
    if clock is not None and clock.unit == "hours":
        return f"{deadline:%Y-%m-%d %H:%M} UTC"
    return deadline.date().isoformat()


def _at(day: date | None) -> datetime | None:
    return datetime.combine(day, time(0, 0), tzinfo=UTC) if day else None


def _maybe_date(value: Any) -> date | None:
    return _as_date(value) if value else None


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))
