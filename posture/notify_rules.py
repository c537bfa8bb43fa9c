"""The breach-notification rule table (posture/data/notifications.yaml), typed and checked when loaded.

Each US jurisdiction becomes up to three kinds of rule (its residents, its regulators, the consumer
reporting agencies); the federal, sector and foreign rules are listed as they are. Loading fails with a
message naming the rule when one has no source, an unknown data kind or sector, a clock that does not
parse, or a reference to a rule that does not exist.
"""

from __future__ import annotations

import functools
import re
import typing
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

from posture.catalogue import read_data
from posture.config import FOREIGN_REGIONS, US_STATES, CustomerData, Sector

KINDS = frozenset(typing.get_args(CustomerData))
SECTORS = frozenset(typing.get_args(Sector))
REGIONS = frozenset(FOREIGN_REGIONS.values())
EVENTS = ("discovered", "determined", "investigation_ended", "year_end")
UNITS = ("days", "business days", "hours")


class RuleTableError(ValueError):
    """posture/data/notifications.yaml is inconsistent: a packaging defect, not a user error."""


@dataclass(frozen=True, slots=True)
class Clock:
    """One way a deadline is counted: N units from an event, relative to another notice, or none."""

    kind: Literal["from", "after", "with", "before", "immediately", "none"]
    amount: int = 0
    unit: str = "days"
    ref: str = ""  # an event (from), a rule id (after/with/before) or "ransom_payment"


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    recipient: str
    jurisdiction: str  # a state code, US (federal and card brands), EU, UK, CAN or AU
    place: str  # the jurisdiction's name for the plan: "Texas", "the EU"
    role: Literal["individuals", "regulator", "cra", "other"]
    clocks: tuple[Clock, ...]
    kinds: frozenset[str] | None  # None: any personal data
    unverified_kinds: frozenset[str]
    sectors: frozenset[str]
    count: Literal["state", "us", "one_state", "region"]
    minimum: int
    maximum: int | None
    incident_kinds: frozenset[str]
    in_force: date | None
    any_incident: bool  # owed even when no personal data was exposed (a cybersecurity-incident notice)
    note: str
    source: str
    confirmed: bool
    open_points: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RuleTable:
    rules: tuple[Rule, ...]
    state_kinds: dict[str, frozenset[str]]  # every kind each US jurisdiction's law reaches
    as_of: str
    state_names: dict[str, str]
    # Open points about duties the table does not list (no CRA duty found, unsure): by jurisdiction and role.
    absent_points: dict[str, dict[str, tuple[str, ...]]]

    def get(self, rule_id: str) -> Rule | None:
        return next((r for r in self.rules if r.id == rule_id), None)


_CLOCK = re.compile(r"(\d+) (days|business days|hours) (from|after) (\w[\w-]*)")


def parse_clock(text: str, where: str) -> tuple[Clock, ...]:
    clocks = []
    for part in str(text).split(" or "):
        part = part.strip()
        if part in ("immediately", "no fixed deadline"):
            clocks.append(Clock("immediately" if part == "immediately" else "none"))
        elif m := _CLOCK.fullmatch(part):
            clocks.append(Clock(typing.cast(Any, m[3]), int(m[1]), m[2], m[4]))
        elif m := re.fullmatch(r"(with|before) (\w[\w-]*)", part):
            clocks.append(Clock(typing.cast(Any, m[1]), ref=m[2]))
        else:
            raise RuleTableError(f"notifications.yaml: {where}: cannot read the deadline {part!r}")
    return tuple(clocks)


@functools.cache  # the data file never changes while posture runs: read and validate it once
def rule_table() -> RuleTable:
    return build_table(read_data("notifications.yaml"))


def build_table(data: dict[str, Any]) -> RuleTable:
    base = frozenset(data["base_kinds"])
    jurisdictions: dict[str, Any] = data["jurisdictions"]
    missing = US_STATES - set(jurisdictions)
    if missing:
        raise RuleTableError(f"notifications.yaml: no entry for {', '.join(sorted(missing))}")
    rules: list[Rule] = []
    state_kinds: dict[str, frozenset[str]] = {}
    absent: dict[str, dict[str, tuple[str, ...]]] = {}
    for code, j in jurisdictions.items():
        rules += _state_rules(code, j, base, data["cra_recipient"])
        state_kinds[code] = base | frozenset(j.get("covers", ())) | frozenset(j.get("covers_unverified", ()))
        points = j.get("open_points") or {}
        unlisted = {role: tuple(points[role]) for role in ("regulators", "cra") if role in points and not j.get(role)}
        unknown = set(points) - {"all", "regulators", "cra"}
        if unknown:
            raise RuleTableError(f"notifications.yaml: {code}.open_points: unknown roles {sorted(unknown)}")
        if unlisted:
            absent[code] = unlisted
    for r in data["rules"]:
        rules.append(_other_rule(r))
    table = RuleTable(tuple(rules), state_kinds, str(data.get("as_of", "")),
                      {code: j["name"] for code, j in jurisdictions.items()}, absent)
    _validate(table)
    return table


def _state_rules(code: str, j: dict[str, Any], base: frozenset[str], cra_recipient: str) -> list[Rule]:
    name = j["name"]
    sources = j.get("sources") or []
    law = j.get("law", "")
    source = f"{law} ({sources[0]})" if law and sources else (sources[0] if sources else "")
    common: dict[str, Any] = dict(
        jurisdiction=code, place=name, kinds=base | frozenset(j.get("covers", ())) | frozenset(
            j.get("covers_unverified", ())), unverified_kinds=frozenset(j.get("covers_unverified", ())),
        sectors=frozenset(), count="state", maximum=None, incident_kinds=frozenset(), in_force=None, any_incident=False,
        source=source)
    points = j.get("open_points") or {}
    unsure = not j.get("confirmed", True)

    def flags(role: str) -> dict[str, Any]:
        # The research's confirmed: false marks the rows its open points are about, not the whole state.
        mine = tuple(points.get("all", ())) + tuple(points.get(role, ()))
        return {"confirmed": not (unsure and mine), "open_points": mine}

    prefix = code.lower()
    out = [Rule(id=f"{prefix}-individuals", recipient=f"Affected {name} residents", role="individuals",
                clocks=parse_clock(j["individuals"], f"{code}.individuals"), minimum=1, note=j.get("note", ""),
                **common, **flags("individuals"))]
    for reg in j.get("regulators", ()):
        due = str(reg["due"]).replace("individuals", f"{prefix}-individuals")
        out.append(Rule(id=f"{prefix}-{reg['id']}", recipient=reg["to"], role="regulator",
                        clocks=parse_clock(due, f"{code}.regulators.{reg['id']}"), minimum=int(reg["min"]),
                        note="", **common, **flags("regulators")))
    if "cra" in j:
        due = str(j["cra"]["due"]).replace("individuals", f"{prefix}-individuals")
        out.append(Rule(id=f"{prefix}-cra", recipient=f"{cra_recipient}, for {name} residents", role="cra",
                        clocks=parse_clock(due, f"{code}.cra"), minimum=int(j["cra"]["min"]), note="", **common,
                        **flags("cra")))
    return out


def _other_rule(r: dict[str, Any]) -> Rule:
    kinds = r.get("kinds", "any")
    region = r.get("region")
    in_force = r.get("in_force")
    return Rule(
        id=r["id"], recipient=r["to"], jurisdiction=region or "US",
        place={"EU": "the EU", "UK": "the UK", "CAN": "Canada", "AU": "Australia"}.get(region or "", "the US"),
        role="other", clocks=parse_clock(r["due"], r["id"]),
        kinds=None if kinds == "any" else frozenset(kinds), unverified_kinds=frozenset(),
        sectors=frozenset(r.get("sectors", ())), count=r.get("count", "us"), minimum=int(r.get("min", 1)),
        maximum=r.get("max"), incident_kinds=frozenset(r.get("incident_kinds", ())),
        in_force=date.fromisoformat(str(in_force)) if in_force else None,
        any_incident=bool(r.get("any_incident", False)), note=r.get("note", ""),
        source=r.get("source", ""), confirmed=r.get("confirmed", True), open_points=tuple(r.get("open_points", ())),
    )


def _validate(table: RuleTable) -> None:
    ids = [r.id for r in table.rules]
    dupes = {i for i in ids if ids.count(i) > 1}
    if dupes:
        raise RuleTableError(f"notifications.yaml: rule ids used twice: {', '.join(sorted(dupes))}")
    known = set(ids)
    for rule in table.rules:
        where = f"notifications.yaml: {rule.id}"
        if not rule.source.strip():
            raise RuleTableError(f"{where}: no source")
        if rule.kinds is not None and not rule.kinds <= KINDS:
            raise RuleTableError(f"{where}: unknown data kinds {sorted(rule.kinds - KINDS)}")
        if not rule.sectors <= SECTORS:
            raise RuleTableError(f"{where}: unknown sectors {sorted(rule.sectors - SECTORS)}")
        if rule.count == "region" and rule.jurisdiction not in REGIONS:
            raise RuleTableError(f"{where}: unknown region {rule.jurisdiction!r}")
        if rule.maximum is not None and rule.maximum < rule.minimum:
            raise RuleTableError(f"{where}: max is below min")
        for clock in rule.clocks:
            if clock.kind == "from" and clock.ref not in EVENTS:
                raise RuleTableError(f"{where}: unknown event {clock.ref!r}")
            if clock.kind in ("after", "with", "before") and clock.ref not in known | {"ransom_payment"}:
                raise RuleTableError(f"{where}: refers to {clock.ref!r}, which is no rule")
            if clock.ref == rule.id:
                raise RuleTableError(f"{where}: refers to itself")


# US federal holidays, as observed (a Saturday holiday moves to Friday, a Sunday one to Monday).
def federal_holidays(year: int) -> set[date]:
    def nth(month: int, weekday: int, n: int) -> date:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))

    def last_monday_of_may() -> date:
        end = date(year, 5, 31)
        return end - timedelta(days=end.weekday())

    fixed = [date(year, 1, 1), date(year, 6, 19), date(year, 7, 4), date(year, 11, 11), date(year, 12, 25)]
    observed = {d - timedelta(days=1) if d.weekday() == 5 else d + timedelta(days=1) if d.weekday() == 6 else d
                for d in fixed}
    return observed | {nth(1, 0, 3), nth(2, 0, 3), last_monday_of_may(), nth(9, 0, 1), nth(10, 0, 2), nth(11, 3, 4)}


def add_business_days(start: date, days: int) -> date:
    """`days` business days after `start`: weekends and US federal holidays do not count."""
    holidays = federal_holidays(start.year) | federal_holidays(start.year + 1) | federal_holidays(start.year - 1)
    current = start
    while days > 0:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in holidays:
            days -= 1
    return current
