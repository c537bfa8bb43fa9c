"""The data rows' cells turned into typed columns, every bad row reported at once.

A roster can have hundreds of thousands of rows but only thousands of distinct people, courses and
dates. So as each block of rows is read, its cells are grouped into a few keys per row (who: the
name, email and department cells; the completion: status and date; the course; the phishing
result; the hire date) and each key is replaced by the number of its distinct value, in C; the
cells themselves are freed with the block. At the end every distinct value is interpreted once and
the rows mapped through the results by number. Problems are found among the distinct values; only
when one is bad are the rows scanned for where it is.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable, Hashable, Iterable, Iterator
from datetime import date, timedelta
from itertools import compress, repeat
from typing import Any, Generic, NamedTuple, TypeVar

from checks.training.columns import ColumnMap
from checks.training.dates import Seen, read_dates
from checks.training.table import Block, Table, place
from checks.training.vocabulary import vocabulary, word_key
from posture.api import InputError

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_SPACES = re.compile(r"\s+")
_CLICKS = re.compile(r"(\d{1,6})(?:\s*(?:clicks?|times?))?", re.I)
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "dds", "dmd", "rdh", "cpa", "esq"})
_NOT_DONE, _DONE, _OTHER = range(3)
K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
T = TypeVar("T")


class Column(Generic[T]):
    """A field's value on each row, kept as the row's number into the field's distinct values: compact, and
    an array is nothing the garbage collector has to walk."""

    __slots__ = ("numbers", "values")

    def __init__(self, numbers: array[int], values: list[T]) -> None:
        self.numbers = numbers
        self.values = values

    def __len__(self) -> int:
        return len(self.numbers)

    def __getitem__(self, row: int) -> T:
        return self.values[self.numbers[row]]

    def __iter__(self) -> Iterator[T]:
        return map(self.values.__getitem__, self.numbers)


class Columns(NamedTuple):
    """The data rows, one column per field, aligned; a field the file lacks is "" or None on every row."""

    line: array[int]
    name: Column[str]  # name, email and department are numbered by `who`
    email: Column[str]
    course: Column[str]
    completed: Column[date | None]  # None: this row is not a completion; numbered together with status
    status: Column[str]
    clicks: Column[int | None]  # a total of simulated-phishing clicks
    clicked: Column[bool | None]  # the outcome of one simulation
    hire_date: Column[date | None]
    department: Column[str]
    who: array[int]  # rows with the same name, email and department cells have the same number, 0, 1, 2...


class Memo(dict[K, V]):
    """A function of a value, computed once per distinct value; used as `map(memo.__getitem__, column)`."""

    def __init__(self, fn: Callable[[K], V]) -> None:
        super().__init__()
        self.fn = fn

    def __missing__(self, value: K) -> V:
        result = self[value] = self.fn(value)
        return result


class _Numbers(dict[Any, int]):  # keys: a cell, or a tuple of cells
    """Each distinct key numbered 0, 1, 2... in the order first seen: `map(numbers.__getitem__, keys)`."""

    def __missing__(self, key: Any) -> int:
        number = self[key] = len(self)
        return number


# The keys a row is read as: the fields of each that the header maps, in this order.
GROUPS = {
    "who": ("name", "first_name", "last_name", "email", "department"),
    "completion": ("status", "completed"),
    "course": ("course",),
    "phishing": ("phishing",),
    "hire_date": ("hire_date",),
}


class _Group:
    """One key of every row: its distinct values numbered, and each row's number."""

    def __init__(self, fields: tuple[str, ...], columns: ColumnMap) -> None:
        self.fields = tuple(f for f in fields if f in columns.index)
        self.at = [columns.index[f] for f in self.fields]
        self.numbers = _Numbers()
        self.rows = array("I")

    def add(self, by_column: list[tuple[str, ...]]) -> None:
        if len(self.at) == 1:
            keys: Iterable[Any] = by_column[self.at[0]]
        else:
            keys = zip(*(by_column[at] for at in self.at), strict=True)
        self.rows.extend(map(self.numbers.__getitem__, keys))

    def values(self, field: str) -> list[str]:
        """The field's raw cell in each distinct key, by number ("" when the file has no such column)."""
        if field not in self.fields:
            return [""] * len(self.numbers)
        if len(self.fields) == 1:
            return list(self.numbers)
        at = self.fields.index(field)
        return [key[at] for key in self.numbers]

    def column(self, by_number: list[T]) -> Column[T]:
        """A value per distinct key, as the column of every row's."""
        return Column(self.rows, by_number)

    def rows_with(self, numbers: Iterable[int]) -> Iterator[int]:
        """The rows whose key is one of `numbers`; no scan at all when there are none."""
        wanted = set(numbers)
        return compress(range(len(self.rows)), map(wanted.__contains__, self.rows)) if wanted else iter(())

    def first_rows(self) -> dict[int, int]:
        """number -> the first row with it."""
        return dict(zip(reversed(self.rows), range(len(self.rows) - 1, -1, -1), strict=True))


def tidy(text: str) -> str:
    return _SPACES.sub(" ", text).strip()


def display_name(name: str) -> str:
    """"Alvarez, Maria" → "Maria Alvarez": HR systems often write surname first."""
    if name.count(",") == 1 and "@" not in name:
        last, first = (part.strip() for part in name.split(","))
        if last and first and first.casefold().rstrip(".") not in _SUFFIXES:
            return f"{first} {last}"
    return name


def phishing_result(text: str) -> tuple[int | None, bool | None] | str:
    """(clicks, None) for a count, (None, clicked) for one simulation's outcome, or an error message."""
    text = text.strip()
    if not text:
        return None, None
    if m := _CLICKS.fullmatch(text):
        return int(m[1]), None
    word = word_key(text)
    vocab = vocabulary()
    if word in vocab.phishing_clicked:
        return None, True
    if word in vocab.phishing_safe:
        return None, False
    return (f"phishing result {text!r} not understood: expected a number of clicks, or a result such as "
            "Clicked, Reported or No action")


def _status_kind(text: str) -> int:
    word = word_key(text)
    vocab = vocabulary()
    return _NOT_DONE if word in vocab.not_completed else _DONE if word in vocab.completed else _OTHER


class CellReader:
    """Reads a table's data rows block by block (`add`), then interprets them (`finish`)."""

    def __init__(self, table: Table, columns: ColumnMap, date_format: str | None, today: date | None) -> None:
        self.path = str(table.path)
        self.columns = columns
        self.width = len(columns.headers)
        self.date_format = date_format
        self.latest = today + timedelta(days=1) if today else None
        self.problems: list[InputError] = []
        self.lines = array("I")
        self.places: list[tuple[tuple[int, int], ...]] = []
        self.groups = {name: _Group(fields, columns) for name, fields in GROUPS.items()}
        self._reading = [g for g in self.groups.values() if g.fields]

    # --- reading ----------------------------------------------------------------------------------------

    def add(self, block: Block) -> None:
        rows = block.rows
        if list(map(len, rows)).count(self.width) != len(rows):
            rows = [self._fit(line, cells, places) for line, cells, places in
                    zip(block.lines, rows, block.places or repeat(None), strict=False)]
        self.lines.extend(block.lines)
        if block.places is not None:
            self.places += block.places
        if rows:
            by_column = list(zip(*rows, strict=True))  # transposed in one pass over the rows
            for group in self._reading:
                group.add(by_column)

    def _fit(self, line: int, cells: list[str], places: tuple[tuple[int, int], ...] | None) -> list[str]:
        """A ragged row cut or padded to the header's width; extra values that are not empty are a problem."""
        width = self.width
        if len(cells) > width:
            if "".join(cells[width:]).strip():
                where = place(line, places, width)
                self.problems.append(InputError(
                    f"the row has {len(cells)} values but the header names {width} columns (a value containing "
                    "the delimiter must be in double quotes)", path=self.path, line=where[0], column=where[1]))
            return cells[:width]
        return cells + [""] * (width - len(cells))

    def problem(self, row: int, field: str | None, message: str) -> None:
        at = self.columns.index.get(field) if field is not None else None
        if at is None:
            line, column, key = self.lines[row], None, None
        else:
            (line, column), key = self.place(row, at), self.columns.headers[at]
        self.problems.append(InputError(message, path=self.path, line=line, column=column, key=key))

    def place(self, row: int, at: int) -> tuple[int, int]:
        return place(self.lines[row], self.places[row] if self.places else None, at)

    def report(self, group: str, field: str | None, messages: dict[int, str]) -> None:
        """`messages` by distinct number: one problem on every row with that number."""
        rows = self.groups[group].rows
        for i in self.groups[group].rows_with(messages):
            self.problem(i, field, messages[rows[i]])

    # --- interpreting -----------------------------------------------------------------------------------

    def finish(self) -> tuple[Columns, list[InputError]]:
        for group in self.groups.values():
            if not group.fields:  # the file has none of its columns: every row has the one empty key
                group.rows = array("I", [group.numbers[""]]) * len(self.lines)
        who, completion, course, phishing, hire = (self.groups[g] for g in GROUPS)
        names, emails = self._identities(who)
        tidied = Memo(tidy).__getitem__  # keys repeat their cells: 40,000 completions share a few statuses
        departments = list(map(tidied, who.values("department")))
        texts = list(map(str.strip, completion.values("completed")))
        hire_texts = list(map(str.strip, hire.values("hire_date")))
        days, hire_days = self._dates(texts, hire_texts)
        statuses = completion.values("status")
        completed = self._completions(statuses, texts, days)
        clicks, clicked = self._phishing(phishing)
        courses = list(map(tidied, course.values("course")))
        return Columns(
            self.lines, who.column(names), who.column(emails), course.column(courses),
            completion.column(completed), completion.column(list(map(tidied, statuses))), phishing.column(clicks),
            phishing.column(clicked), hire.column(hire_days), who.column(departments), who.rows,
        ), self.problems

    def _identities(self, who: _Group) -> tuple[list[str], list[str]]:
        """Each distinct who's name and email (by number); rows naming nobody or a broken email are problems."""
        person: Memo[str, str] = Memo(lambda text: display_name(tidy(text)))
        names = list(map(person.__getitem__, who.values("name")))
        if "first_name" in who.fields or "last_name" in who.fields:
            joined = map(person.__getitem__, map(" ".join, zip(who.values("first_name"), who.values("last_name"),
                                                              strict=True)))
            # A "name" column of numbers beside First/Last Name is an employee number, never the name.
            names = [whole if not name or name.isdigit() else name for name, whole in zip(names, joined, strict=True)]
        emails = list(map(str.strip, who.values("email")))
        ok: Memo[str, bool] = Memo(lambda text: bool(_EMAIL.fullmatch(text)))
        if "email" not in who.fields:  # a "User" column holding logins: the name is the email
            emails = [name if name and ok[name] else "" for name in names]
            names = ["" if email else name for name, email in zip(names, emails, strict=True)]
        self.report("who", "email", {i: f"{email!r} is not an email address"
                                     for i, email in enumerate(emails) if email and not ok[email]})
        first = next((f for f in ("name", "first_name", "last_name", "email") if f in who.fields), None)
        self.report("who", first, {i: "the row names nobody: no name or email"
                                   for i, (name, email) in enumerate(zip(names, emails, strict=True))
                                   if not name and not email})
        return names, emails

    def _dates(self, texts: list[str], hire_texts: list[str]) -> tuple[list[date | None], list[date | None]]:
        """Both date columns' distinct texts parsed together (one file's dates share one day/month order)."""
        columns = (("completion", "completed", texts), ("hire_date", "hire_date", hire_texts))
        first_use: dict[str, tuple[int, int]] = {}  # text -> (row, column) where it is first met; for messages

        def where(text: str) -> Seen:
            if not first_use:
                for group, field, by_number in columns:
                    if field in self.columns.index:
                        at, firsts = self.columns.index[field], self.groups[group].first_rows()
                        for number, seen in enumerate(by_number):
                            first_use[seen] = min(first_use.get(seen, (firsts[number], at)), (firsts[number], at))
            row, at = first_use[text]
            return Seen(*self.place(row, at), self.columns.headers[at])

        distinct = dict.fromkeys(texts)
        distinct.update(dict.fromkeys(hire_texts))
        distinct.pop("", None)
        dates, errors = read_dates(distinct, where, date_format=self.date_format, path=self.path)
        for group, field, by_number in columns:
            self.report(group, field, {i: errors[text] for i, text in enumerate(by_number) if text in errors})
        return list(map(dates.get, texts)), list(map(dates.get, hire_texts))

    def _completions(self, statuses: list[str], texts: list[str], days: list[date | None]) -> list[date | None]:
        """A status that says "not completed" wins over a date; "completed" without a date cannot be judged."""
        kinds = list(map(Memo(_status_kind).__getitem__, statuses))
        self.report("completion", "completed", {
            i: f"the status says {status.strip()!r} but there is no completion date, so it cannot be judged; "
               "add the date" for i, (status, kind, text) in enumerate(zip(statuses, kinds, texts, strict=True))
            if kind == _DONE and not text})
        completed = [None if kind == _NOT_DONE else day for kind, day in zip(kinds, days, strict=True)]
        if self.latest is not None:
            latest = self.latest
            self.report("completion", "completed", {i: f"the completion date {day} is in the future"
                                                    for i, day in enumerate(completed) if day and day > latest})
        return completed

    def _phishing(self, phishing: _Group) -> tuple[list[int | None], list[bool | None]]:
        results = list(map(phishing_result, phishing.values("phishing")))
        self.report("phishing", "phishing", {i: r for i, r in enumerate(results) if isinstance(r, str)})
        return ([None if isinstance(r, str) else r[0] for r in results],
                [None if isinstance(r, str) else r[1] for r in results])
