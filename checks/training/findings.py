"""A Judgement as findings (one per person with a gap, for the consultant's edition) and facts (counts
by department, for the staff edition, which shows no names).

Gaps map to `employee-ignorance`; people on the roster but not on the staff list map to
`weak-passwords`, because what matters about them is the accounts they may still have.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from checks.training.people import Person
from checks.training.rules import Judgement, Standing
from posture.api import Finding, Reference, Severity, Status, load_catalogue

IGNORANCE = ("employee-ignorance",)
NO_DEPARTMENT = "No department"


@dataclass(frozen=True)
class Sources:
    check_id: str
    roster: str  # file names, for evidence lines
    staff: str | None
    has_phishing: bool
    customer_data: Sequence[str]


def training_references(customer_data: Sequence[str]) -> tuple[Reference, ...]:
    """CIS 14.1 always; PCI DSS when the business takes cards, HIPAA when it holds health records."""
    ids = ["cis-14.1"]
    if "payment_cards" in customer_data:
        ids.append("pci-12.6.3")
    if "health_records" in customer_data:
        ids.append("hipaa-164.308")
    ids.append("guide-breach-now")
    return load_catalogue().refs(*ids)


def department(person: Person) -> str:
    return person.department or NO_DEPARTMENT


def build(j: Judgement, src: Sources) -> tuple[list[Finding], dict[str, Any]]:
    writer = _Writer(j, src)
    findings = [writer.coverage()]
    findings += [writer.overdue(s) for s in j.overdue]
    findings += [writer.never(s) for s in j.never]
    findings += [writer.new_hire(s) for s in j.new_hires]
    findings += [writer.clicker(p) for p in j.repeat_clickers]
    findings += [writer.departed(p) for p in j.departed]
    findings += [f for f in (writer.expiring(), writer.onboarding()) if f is not None]
    return findings, facts(j, src)


class _Writer:
    def __init__(self, j: Judgement, src: Sources) -> None:
        self.j = j
        self.src = src
        self.refs = training_references(src.customer_data)

    def _finding(self, key: str, title: str, person: Person | None = None, **fields: Any) -> Finding:
        fields.setdefault("status", Status.FAIL)
        fields.setdefault("weaknesses", IGNORANCE)
        fields.setdefault("references", self.refs)
        return Finding(check=self.src.check_id, key=key, title=title,
                       asset=person.label if person else f"all staff ({self.src.staff or self.src.roster})",
                       **fields)

    def _where(self, person: Person) -> list[str]:
        lines = [f"department: {person.department}"] if person.department else []
        if person.email:
            lines.append(f"email: {person.email}")
        if person.hire_date:
            lines.append(f"hired: {person.hire_date.isoformat()}")
        if person.staff_line is not None and self.src.staff:
            lines.append(f"staff list: {self.src.staff} line {person.staff_line}")
        if person.roster_lines:
            shown = ", ".join(str(n) for n in sorted(person.roster_lines)[:5])
            more = len(person.roster_lines) - 5
            lines.append(f"training roster: {self.src.roster} line{'s' * (len(person.roster_lines) > 1)} {shown}"
                         + (f" and {more} more" if more > 0 else ""))
        if person.phishing_lines:
            lines.append("phishing results: " + ", ".join(person.phishing_lines[:5])
                         + (f" (and {len(person.phishing_lines) - 5} more)" if len(person.phishing_lines) > 5 else ""))
        return lines

    def coverage(self) -> Finding:
        j = self.j
        pct = _percent(len(j.current), j.counted)
        evidence = [f"current: {len(j.current)} of {j.counted}", f"overdue: {len(j.overdue)}",
                    f"never trained: {len(j.never)}", f"new hires past the {j.new_hire_days}-day window: "
                    f"{len(j.new_hires)}"]
        if j.onboarding:
            evidence.append(f"not counted: {_people(len(j.onboarding), 'new hire')} still within the "
                            f"{j.new_hire_days}-day window")
        by_department = _department_coverage(j)
        if set(by_department) != {NO_DEPARTMENT}:
            evidence += [f"{dept}: {current} of {total} current" for dept, (current, total) in
                         sorted(by_department.items())]
        title = f"Security training coverage {pct}% ({len(j.current)} of {j.counted} staff current)"
        if j.counted == 0 or len(j.current) == j.counted:
            return self._finding("coverage", title, status=Status.PASS, severity=Severity.INFO,
                                 detail=f"Everyone due has completed security training in the last {j.valid_days} "
                                        "days.", evidence=tuple(evidence))
        fraction = j.coverage
        severity = Severity.HIGH if fraction < 0.5 else Severity.MEDIUM if fraction < 0.8 else Severity.LOW
        gaps = j.counted - len(j.current)
        return self._finding(
            "coverage", title, severity=severity, evidence=tuple(evidence),
            detail=f"{gaps} of {j.counted} staff have no security training in the last {j.valid_days} days. "
                   "Untrained staff are one of the commonest ways in: a convincing email, a fake login page, a "
                   "call asking for a password. Training at hire and every year is the baseline the standards "
                   "set.",
            remediation="Enrol everyone listed as overdue or never trained in a security awareness course with "
                        "phishing practice, and repeat it every year and for each new hire.",
        )

    def overdue(self, s: Standing) -> Finding:
        p, j = s.person, self.j
        assert s.due is not None and p.last_completed is not None
        late = (j.today - s.due).days
        evidence = [*self._where(p), f"last completed: {p.last_completed.isoformat()}"
                    + (f" ({p.last_course})" if p.last_course else ""),
                    f"lapsed: {s.due.isoformat()} ({late} day{'s' * (late != 1)} ago)"]
        return self._finding(
            f"overdue/{p.ident}", f"{p.label}: security training overdue since {s.due.isoformat()}", p,
            severity=Severity.MEDIUM, evidence=tuple(evidence),
            detail=f"Last trained on {p.last_completed.isoformat()}; training is good for {j.valid_days} days, so "
                   f"it lapsed on {s.due.isoformat()}. Scams change every year and people forget what they learnt.",
            remediation=f"Have {_first_name(p)} take this year's security awareness course, phishing included, "
                        "and record the completion.",
        )

    def never(self, s: Standing) -> Finding:
        p = s.person
        evidence = self._where(p)
        if p.open_status:
            evidence.append(f"assigned but not completed: status {p.open_status!r}")
        elif not p.roster_lines:
            evidence.append(f"no row in the training roster {self.src.roster}")
        if s.due is not None:
            evidence.append(f"was due: {s.due.isoformat()} ({self.j.new_hire_days} days after hire)")
        return self._finding(
            f"never/{p.ident}", f"{p.label}: no security training on record", p,
            severity=Severity.HIGH, evidence=tuple(evidence),
            detail="There is no completed security awareness training for this person. Someone never shown "
                   "what phishing, fake invoices or password scams look like is the easiest way in.",
            remediation=f"Enrol {_first_name(p)} in a security awareness course with phishing practice now and "
                        "record the completion.",
        )

    def new_hire(self, s: Standing) -> Finding:
        p, j = s.person, self.j
        assert p.hire_date is not None and s.due is not None
        days = (j.today - p.hire_date).days
        evidence = [*self._where(p), f"was due: {s.due.isoformat()} ({j.new_hire_days} days after hire)"]
        if p.open_status:
            evidence.append(f"assigned but not completed: status {p.open_status!r}")
        return self._finding(
            f"new-hire/{p.ident}", f"{p.label}: new hire not trained {days} days after starting", p,
            severity=Severity.HIGH, evidence=tuple(evidence),
            detail=f"Started on {p.hire_date.isoformat()}; training was due within {j.new_hire_days} days, by "
                   f"{s.due.isoformat()}. New staff are favourite targets: they do not yet know who normally "
                   "asks for what.",
            remediation=f"Have {_first_name(p)} complete security awareness training this week, and make it part "
                        "of every new hire's first weeks.",
        )

    def clicker(self, p: Person) -> Finding:
        evidence = [*self._where(p), f"simulated phishing emails clicked: {p.clicks}"]
        return self._finding(
            f"phishing/{p.ident}", f"{p.label}: clicked {p.clicks} simulated phishing emails", p,
            severity=Severity.HIGH, evidence=tuple(evidence),
            detail="Falling for more than one test email shows the training has not stuck; a real one would "
                   "hand over a password or start ransomware the same way.",
            remediation=f"Give {_first_name(p)} short one-to-one phishing coaching, then include them in the next "
                        "simulations; make reporting a suspicious email easy and blame-free.",
        )

    def departed(self, p: Person) -> Finding:
        evidence = [*self._where(p)]
        if p.last_completed:
            evidence.append(f"last training: {p.last_completed.isoformat()}")
        return self._finding(
            f"departed/{p.ident}", f"{p.label}: on the training roster but not on the staff list", p,
            severity=Severity.MEDIUM, evidence=tuple(evidence), weaknesses=("weak-passwords",),
            detail="The learning platform knows this person but the HR list does not: they may have left. The "
                   "accounts of people who have left (email, remote access, cloud apps) are a quiet way in "
                   "when nobody disables them, and their passwords are never changed.",
            remediation="Check with HR. If they have left, disable their accounts everywhere and change any shared "
                        "passwords they knew; if they still work here, add them to the staff list.",
            references=load_catalogue().refs("cis-5.3", "guide-breach-now"),
        )

    def expiring(self) -> Finding | None:
        j = self.j
        if not j.expiring:
            return None
        first = j.expiring[0].due
        assert first is not None
        evidence = tuple(f"{_who(s.person)}: expires {s.due.isoformat()}" for s in j.expiring if s.due)
        return self._finding(
            "expiring-soon",
            f"Security training expires within {j.expiring_days} days for "
            f"{len(j.expiring)} {'person' if len(j.expiring) == 1 else 'people'} (first on {first.isoformat()})",
            status=Status.PASS, severity=Severity.INFO, evidence=evidence,
            detail="Still current today, but due again soon: book the refresher before it lapses.",
            remediation="Schedule the refresher for each person before the date shown.",
        )

    def onboarding(self) -> Finding | None:
        j = self.j
        if not j.onboarding:
            return None
        evidence = tuple(f"{_who(s.person)}: due by {s.due.isoformat()}" for s in j.onboarding if s.due)
        last = max(s.due for s in j.onboarding if s.due)
        return self._finding(
            "onboarding", f"{_people(len(j.onboarding), 'new hire')} due for security training by "
                          f"{last.isoformat()}",
            status=Status.PASS, severity=Severity.INFO, evidence=evidence,
            detail=f"Hired within the last {j.new_hire_days} days and not trained yet: not a gap until the date "
                   "shown.",
            remediation="Make sure each completes the course before the date shown.",
        )


def _who(p: Person) -> str:
    return f"{p.label} ({p.department})" if p.department else p.label


def _people(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"


def _first_name(p: Person) -> str:
    return p.name.split()[0] if p.name else p.email


def _percent(part: int, whole: int) -> int:
    """Whole percent, rounded down: 99.7% is not "100%" while someone is still untrained."""
    return part * 100 // whole if whole else 100


def _department_coverage(j: Judgement) -> dict[str, tuple[int, int]]:
    onboarding = {id(s.person) for s in j.onboarding}
    totals = Counter(department(p) for p in j.population if id(p) not in onboarding)
    current = Counter(department(s.person) for s in j.current)
    return {dept: (current[dept], total) for dept, total in totals.items()}


def _by_department(people: Iterable[Person]) -> dict[str, int]:
    return dict(sorted(Counter(department(p) for p in people).items()))


def _group(standings: Sequence[Standing]) -> dict[str, Any]:
    dues = [s.due for s in standings if s.due is not None]
    return {"count": len(standings), "by_department": _by_department(s.person for s in standings),
            "earliest_due": min(dues).isoformat() if dues else None}


def facts(j: Judgement, src: Sources) -> dict[str, Any]:
    """JSON-safe figures without names, for the plan and the staff edition."""
    out: dict[str, Any] = {
        "as_of": j.today.isoformat(),
        "valid_days": j.valid_days,
        "new_hire_days": j.new_hire_days,
        "expiring_days": j.expiring_days,
        "staff_source": "staff list" if src.staff else "training roster",
        "staff": len(j.population),
        "coverage": {
            "fraction": round(j.coverage, 4),
            "percent": _percent(len(j.current), j.counted),
            "current": len(j.current),
            "counted": j.counted,
            "not_counted_onboarding": len(j.onboarding),
        },
        "overdue": _group(j.overdue),
        "never_trained": _group(j.never),
        "new_hires_untrained": _group(j.new_hires),
        "expiring_soon": _group(j.expiring),
        "onboarding": _group(j.onboarding),
        "departments": {
            dept: {"staff": total, "current": current}
            for dept, (current, total) in sorted(_department_coverage(j).items())
        },
    }
    if src.has_phishing:
        out["phishing"] = {
            "clicked_once": len(j.clicked),
            "repeat_clickers": len(j.repeat_clickers),
            "repeat_clickers_by_department": _by_department(j.repeat_clickers),
        }
    if src.staff:
        out["possibly_departed"] = len(j.departed)
    return out
