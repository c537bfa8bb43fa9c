"""Who is current, overdue, never trained, a new hire past the window, expiring soon, or a repeat clicker.

CIS Controls 14.1 and PCI DSS 12.6.3 ask for training at hire and at least every twelve months, so a
completion is valid for `valid_days` (365). Neither sets how soon after hire: that is
`new_hire_days` (30). Someone hired within that window and not yet trained is not a gap, and is left
out of the coverage figure until the window closes. Everything is judged against one `today`, the
run's date, never the machine's clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from checks.training.people import Matched, Person

REPEAT_CLICKS = 2  # "repeat clicker": fell for two or more simulated phishing emails


@dataclass(frozen=True)
class Standing:
    person: Person
    due: date | None  # when training fell (or falls) due; None for "never trained, hire date unknown"


@dataclass
class Judgement:
    today: date
    valid_days: int
    new_hire_days: int
    expiring_days: int
    population: list[Person]
    current: list[Standing] = field(default_factory=list)
    overdue: list[Standing] = field(default_factory=list)
    expiring: list[Standing] = field(default_factory=list)  # current, lapsing within expiring_days
    never: list[Standing] = field(default_factory=list)
    new_hires: list[Standing] = field(default_factory=list)  # hired recently, window passed, untrained
    onboarding: list[Standing] = field(default_factory=list)  # hired recently, still within the window
    repeat_clickers: list[Person] = field(default_factory=list)
    clicked: list[Person] = field(default_factory=list)
    departed: list[Person] = field(default_factory=list)

    @property
    def counted(self) -> int:
        """Staff the coverage figure is over: everyone but new hires still within their window."""
        return len(self.population) - len(self.onboarding)

    @property
    def coverage(self) -> float:
        return len(self.current) / self.counted if self.counted else 1.0


def judge(matched: Matched, today: date, *, valid_days: int, new_hire_days: int, expiring_days: int) -> Judgement:
    j = Judgement(today, valid_days, new_hire_days, expiring_days, matched.population, departed=matched.departed)
    valid = timedelta(days=valid_days)
    window = timedelta(days=new_hire_days)
    for person in matched.population:
        if person.last_completed is not None:
            expires = person.last_completed + valid
            if today > expires:
                j.overdue.append(Standing(person, expires))
            else:
                j.current.append(Standing(person, expires))
                if (expires - today).days <= expiring_days:
                    j.expiring.append(Standing(person, expires))
        elif person.hire_date is not None and today - person.hire_date <= window:
            j.onboarding.append(Standing(person, person.hire_date + window))
        elif person.hire_date is not None and today - person.hire_date <= valid:
            j.new_hires.append(Standing(person, person.hire_date + window))
        else:
            j.never.append(Standing(person, person.hire_date + window if person.hire_date else None))
        if person.clicks >= REPEAT_CLICKS:
            j.repeat_clickers.append(person)
        elif person.clicks:
            j.clicked.append(person)
    for group in (j.current, j.overdue, j.expiring, j.never, j.new_hires, j.onboarding):
        group.sort(key=lambda s: (s.due or date.min, s.person.label.casefold()))
    j.repeat_clickers.sort(key=lambda p: (-p.clicks, p.label.casefold()))
    j.departed.sort(key=lambda p: p.label.casefold())
    return j
