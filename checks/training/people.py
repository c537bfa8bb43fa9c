"""Rows to people: one person per email (or, without one, per normalised name), roster matched to staff.

A learning platform and an HR system rarely agree on spelling: emails are compared case-folded, and
names with accents, punctuation, spacing and "Last, First" order removed, so "José  Núñez" on the
roster is "Nunez, Jose" on the HR list.
"""

from __future__ import annotations

import fnmatch
import functools
import re
import unicodedata
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import chain, compress

from checks.training.cells import Columns
from checks.training.parse import Record, display_name

_NOT_WORD = re.compile(r"[\W_]+")


@functools.lru_cache(maxsize=1 << 16)
def name_key(name: str) -> str:
    """"Núñez, José" and "jose  NUNEZ" both become "jose nunez"."""
    plain = unicodedata.normalize("NFKD", display_name(name))
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    return _NOT_WORD.sub(" ", plain.casefold()).strip()


@dataclass(slots=True)
class Person:
    name: str
    email: str
    department: str = ""
    hire_date: date | None = None
    last_completed: date | None = None
    last_course: str = ""
    open_status: str = ""  # the status of a row that is not a completion ("In Progress"), for evidence
    click_total: int = 0  # the highest click count any row reported
    click_events: int = 0  # simulations marked clicked, one per row
    # Line numbers of the person's rows: an array (compact, nothing for the garbage collector to walk), or
    # the shared empty tuple for the many people with none (a container apiece would cost time to collect).
    roster_lines: Sequence[int] = ()
    phishing_lines: Sequence[str] = ()  # "file line N" of phishing-result rows
    staff_line: int | None = None

    @property
    def ident(self) -> str:
        """Stable identity for finding keys: the case-folded email, else the normalised name."""
        return self.email.casefold() if self.email else name_key(self.name)

    @property
    def label(self) -> str:
        return self.name or self.email

    @property
    def clicks(self) -> int:
        return self.click_total + self.click_events

    def add_completion(self, when: date | None, course: str) -> None:
        if when is not None and (self.last_completed is None or when > self.last_completed):
            self.last_completed, self.last_course = when, course

    def absorb(self, other: Person) -> None:
        """Fold another entry for the same person into this one, keeping this one's name and email."""
        self.name = self.name or other.name
        self.email = self.email or other.email
        self.department = self.department or other.department
        self.hire_date = self.hire_date or other.hire_date
        self.add_completion(other.last_completed, other.last_course)
        self.open_status = self.open_status or other.open_status
        self.click_total = max(self.click_total, other.click_total)
        self.click_events += other.click_events
        if other.roster_lines:
            self.roster_lines = array("I", chain(self.roster_lines, other.roster_lines))
        if other.phishing_lines:
            self.phishing_lines = [*self.phishing_lines, *other.phishing_lines]


class CourseFilter:
    """Which courses count as security awareness: all, or those matching the config's names/patterns."""

    def __init__(self, patterns: Sequence[str]) -> None:
        self.patterns = [p.casefold() for p in patterns]
        self._cache: dict[str, bool] = {}

    def __call__(self, course: str) -> bool:
        if not self.patterns:
            return True
        hit = self._cache.get(course)
        if hit is None:
            folded = " ".join(course.casefold().split())
            hit = any(fnmatch.fnmatchcase(folded, p) for p in self.patterns)
            self._cache[course] = hit
        return hit


def roster_people(rows: Columns, counts: CourseFilter) -> list[Person]:
    """One Person per learner (by email, else by name), with the latest completion of a course that counts.

    The parser numbered each row's name, email and department cells (`rows.who`): a big roster has
    tens of rows per learner but only one or a few such numbers, so people are made per number, and
    only line numbers and completions take a Python step per row.
    """
    people: list[Person] = []
    by_key: dict[str, int] = {}
    lines: list[array[int]] = []  # each person's roster lines
    person_of: list[int] = []  # who number (0, 1, 2... in the order first seen) -> index in people
    for name, email, department in zip(rows.name.values, rows.email.values, rows.department.values, strict=True):
        k = email.casefold() if email else name_key(name)
        at = by_key.get(k)
        if at is None:
            at = by_key[k] = len(people)
            lines.append(array("I"))
            people.append(Person(name, email, department, roster_lines=lines[-1]))
        else:
            person = people[at]
            person.name = person.name or name
            person.department = person.department or department
        person_of.append(at)
    of_row = list(map(person_of.__getitem__, rows.who))
    for at, line in zip(of_row, rows.line, strict=True):
        lines[at].append(line)
    _fill(people, of_row, rows, counts)
    return _fold_names({k: people[at] for k, at in by_key.items() if people[at].email},
                       {k: people[at] for k, at in by_key.items() if not people[at].email})


def _fill(people: list[Person], of_row: list[int], rows: Columns, counts: CourseFilter) -> None:
    """Hire date, latest completion, open status and phishing clicks, from each person's rows."""
    if any(rows.hire_date.values):
        for at, hired in dict.fromkeys(zip(of_row, rows.hire_date, strict=True)):
            people[at].hire_date = people[at].hire_date or hired
    completed: list[date | None] = list(rows.completed)
    if not all(map(counts, rows.course.values)):
        completed = [day if day is not None and counts(course) else None
                     for day, course in zip(completed, rows.course, strict=True)]
    days: Iterator[date] = compress(completed, completed)  # type: ignore[arg-type]  # the rows with a date
    for at, day, course in zip(compress(of_row, completed), days, compress(rows.course, completed), strict=True):
        person = people[at]
        if person.last_completed is None or day > person.last_completed:
            person.last_completed, person.last_course = day, course
    # The status of a row that is not a completion, by completion number (a completion: none).
    open_status = ["" if day is not None else status for day, status in
                   zip(rows.completed.values, rows.status.values, strict=True)]
    for at, status in dict.fromkeys(zip(of_row, map(open_status.__getitem__, rows.completed.numbers), strict=True)):
        people[at].open_status = people[at].open_status or status
    if any(clicks is not None for clicks in rows.clicks.values):
        for at, clicks in dict.fromkeys(zip(of_row, rows.clicks, strict=True)):
            if clicks is not None and clicks > people[at].click_total:
                people[at].click_total = clicks
    for at, events in Counter(compress(of_row, rows.clicked)).items():
        people[at].click_events = events


def add_phishing(people: list[Person], records: Iterable[Record], source: str) -> list[Person]:
    """Fold phishing-simulation results into the learners (by email, else by a unique name); a person
    found only in the results joins the list with no training record."""
    by_email = {p.email.casefold(): p for p in people if p.email}
    by_name: dict[str, list[Person]] = {}
    for p in people:
        by_name.setdefault(name_key(p.name), []).append(p)
    out = list(people)
    for r in records:
        person = by_email.get(r.email.casefold()) if r.email else None
        if person is None and r.name:
            same = by_name.get(name_key(r.name), [])
            person = same[0] if len(same) == 1 else None
        if person is None:
            person = Person(r.name, r.email, r.department)
            out.append(person)
            if r.email:
                by_email[r.email.casefold()] = person
            by_name.setdefault(name_key(r.name), []).append(person)
        if r.clicks is not None and r.clicks > person.click_total:
            person.click_total = r.clicks
        if r.clicked:
            person.click_events += 1
        if not isinstance(person.phishing_lines, list):
            person.phishing_lines = list(person.phishing_lines)
        person.phishing_lines.append(f"{source} line {r.line}")
    return out


def staff_people(records: Iterable[Record]) -> list[Person]:
    """The HR list, duplicates merged."""
    by_email: dict[str, Person] = {}
    by_name: dict[str, Person] = {}
    for r in records:
        table, k = (by_email, r.email.casefold()) if r.email else (by_name, name_key(r.name))
        entry = Person(r.name, r.email, r.department, r.hire_date, staff_line=r.line)
        if k in table:
            table[k].absorb(entry)
        else:
            table[k] = entry
    return _fold_names(by_email, by_name)


def _fold_names(by_email: dict[str, Person], by_name: dict[str, Person]) -> list[Person]:
    """Rows without an email join the one emailed person of the same name, when there is exactly one."""
    named: dict[str, list[Person]] = {}
    for person in by_email.values():
        named.setdefault(name_key(person.name), []).append(person)
    people = list(by_email.values())
    for k, person in by_name.items():
        same = named.get(k, [])
        if len(same) == 1:
            same[0].absorb(person)
        else:
            people.append(person)
    return people


@dataclass(frozen=True)
class Matched:
    population: list[Person]  # the staff whose training is judged
    departed: list[Person]  # on the roster, not on the staff list


def match(roster: list[Person], staff: list[Person] | None) -> Matched:
    """Attach each roster entry to its staff member: by email, else by a name unique on the staff list."""
    if staff is None:
        return Matched(roster, [])
    by_email = {p.email.casefold(): p for p in staff if p.email}
    by_name: dict[str, list[Person]] = {}
    for p in staff:
        by_name.setdefault(name_key(p.name), []).append(p)
    departed = []
    for learner in roster:
        target = by_email.get(learner.email.casefold()) if learner.email else None
        if target is None and learner.name:
            same = by_name.get(name_key(learner.name), [])
            target = same[0] if len(same) == 1 else None
        if target is None:
            departed.append(learner)
            continue
        target.absorb(learner)
    return Matched(staff, departed)
