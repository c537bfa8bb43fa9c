"""A roster or staff file turned into typed records, every bad row reported at once.

Only InputError leaves this module (a hypothesis test holds it to that). A file with bad rows
raises RowErrors, which carries one located InputError per problem, so the user fixes the file in
one pass instead of one line per run.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import repeat
from pathlib import Path
from typing import Any, NamedTuple

from checks.training.columns import (
    PHISHING_FIELDS,
    ROSTER_FIELDS,
    STAFF_FIELDS,
    ColumnMap,
    map_columns,
    missing_required,
)
from checks.training.dates import Seen, read_dates
from checks.training.table import Row, Table, read_table, tuples
from checks.training.vocabulary import header_key, vocabulary, word_key
from posture.api import ConfigError, InputError

HEADER_SEARCH_ROWS = 10  # a title line or two above the headers is common in exported reports
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_SPACES = re.compile(r"\s+")
_CLICKS = re.compile(r"(\d{1,6})(?:\s*(?:clicks?|times?))?", re.I)
_SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "dds", "dmd", "rdh", "cpa", "esq"})


class RowErrors(ConfigError):
    """Several problems in one run's evidence files, each its own located InputError in `problems`.

    A ConfigError because that is the error the runner and the CLI already list problem by problem.
    """

    def __init__(self, problems: Sequence[InputError]) -> None:
        super().__init__(sorted(problems, key=lambda p: (p.path or "", p.line or 0, p.column or 0)))
        more = len(self.problems) - 1
        if more:
            self.args = (f"{self.args[0]} (and {more} more problem{'s' * (more > 1)})",)

    def __str__(self) -> str:
        return str(self.args[0])


class Record(NamedTuple):  # a tuple: tens of thousands are made, and a frozen dataclass costs far more
    line: int
    name: str
    email: str
    course: str = ""
    completed: date | None = None  # None: this row is not a completion
    status: str = ""
    clicks: int | None = None  # a total of simulated-phishing clicks
    clicked: bool | None = None  # the outcome of one simulation
    hire_date: date | None = None
    department: str = ""


@dataclass(frozen=True)
class Parsed:
    path: Path
    columns: ColumnMap
    records: list[Record]

    @property
    def has_phishing(self) -> bool:
        return "phishing" in self.columns.index


def parse_roster(
    path: Path, *, explicit: Mapping[str, str] | None = None, date_format: str | None = None,
    delimiter: str | None = None, today: date | None = None,
) -> Parsed:
    """Training completions. `today` rejects completion dates in the future (a day's slack for time zones)."""
    table = read_table(path, delimiter)
    return _parse(table, _header(table, ROSTER_FIELDS, ("completed",), explicit or {}, staff=False),
                  date_format, today)


def parse_staff(
    path: Path, *, explicit: Mapping[str, str] | None = None, date_format: str | None = None,
    delimiter: str | None = None,
) -> Parsed:
    """The HR list of current staff."""
    table = read_table(path, delimiter)
    return _parse(table, _header(table, STAFF_FIELDS, (), explicit or {}, staff=True), date_format, None)


def parse_phishing(
    path: Path, *, explicit: Mapping[str, str] | None = None, date_format: str | None = None,
    delimiter: str | None = None,
) -> Parsed:
    """Phishing-simulation results (GoPhish's results CSV, Attack Simulation Training's user coverage):
    who clicked, one row per person and campaign or a click count per person."""
    table = read_table(path, delimiter)
    wanted = {k: v for k, v in (explicit or {}).items() if k in PHISHING_FIELDS}
    try:
        header = _header(table, PHISHING_FIELDS, ("phishing",), wanted, staff=False, phishing=True)
    except InputError as exc:
        keys = {header_key(cell) for row in table.records[:1] for cell in row.cells}
        if {"campaignid", "message"} <= keys:  # GoPhish's other export, one line per event
            raise InputError(exc.message.split(" (headers found")[0] + ": this is GoPhish's Events export; use "
                             "Export CSV > Results", path=exc.path, line=exc.line) from None
        raise
    return _parse(table, header, date_format, None)


def _parse(table: Table, header: tuple[int, ColumnMap], date_format: str | None, today: date | None) -> Parsed:
    path = str(table.path)
    header_at, columns = header
    rows = table.records[header_at + 1:]
    if not rows:
        raise InputError("no rows below the header: the file lists nobody", path=path,
                         line=table.records[header_at].line)
    reader = _RowReader(table, columns, date_format, today)
    return Parsed(table.path, columns, reader.read(rows))


def _header(
    table: Table, fields: Sequence[str], required: Sequence[str], explicit: Mapping[str, str], *, staff: bool,
    phishing: bool = False,
) -> tuple[int, ColumnMap]:
    """The header row (the first of the top rows that names the required columns) and its column map."""
    if not table.records:
        raise InputError("the file is empty", path=str(table.path), line=1)
    candidates = table.records[:1] if table.fixed_header else table.records[:HEADER_SEARCH_ROWS]
    best: tuple[int, ColumnMap] | None = None
    for at, row in enumerate(candidates):
        columns = map_columns([c.strip() for c in row.cells], fields, explicit, staff=staff, phishing=phishing)
        if missing_required(columns, required, explicit) is None:
            return at, columns
        if best is None or len(columns.index) > len(best[1].index):
            best = (at, columns)
    assert best is not None
    why = missing_required(best[1], required, explicit) or "no header row found"
    raise InputError(why, path=str(table.path), line=table.records[best[0]].line)


_NOT_DONE, _DONE, _OTHER = range(3)


class _Memo(dict[str, Any]):
    """A function of a cell's text, computed once per distinct text: rosters repeat names, courses,
    statuses and dates thousands of times. Used through `map(memo.__getitem__, column)`."""

    def __init__(self, fn: Callable[[str], Any]) -> None:
        super().__init__()
        self.fn = fn

    def __missing__(self, text: str) -> Any:
        value = self[text] = self.fn(text)
        return value


class _RowReader:
    """Reads the data rows column by column.

    A roster can have tens of thousands of rows, so each field's column is pulled out whole and
    interpreted with `map` over memoised functions; the Python-level work per row is a handful of
    list comprehensions that look for problems. Every problem is collected before anything is raised.
    """

    def __init__(self, table: Table, columns: ColumnMap, date_format: str | None, today: date | None) -> None:
        self.table = table
        self.path = str(table.path)
        self.columns = columns
        self.date_format = date_format
        self.latest = today + timedelta(days=1) if today else None
        self.problems: list[InputError] = []
        vocab = vocabulary()
        # No closure refers to `self`: a cycle would keep the whole table alive until the collector ran.
        self.tidy = tidy = _Memo(lambda text: _SPACES.sub(" ", text).strip())
        self.person = _Memo(lambda text: display_name(tidy[text]))
        self.email_ok = _Memo(lambda text: bool(_EMAIL.fullmatch(text)))
        self.status = _Memo(lambda text: _NOT_DONE if word_key(text) in vocab.not_completed
                            else _DONE if word_key(text) in vocab.completed else _OTHER)
        self.phishing = _Memo(_phishing_result)

    def problem(self, row: Row, field: str | None, message: str, index: int | None = None) -> None:
        if index is None and field is not None:
            index = self.columns.index.get(field)
        line, column = self.table.place(row, index) if index is not None else (row.line, None)
        key = self.columns.headers[index] if index is not None and index < len(self.columns.headers) else None
        self.problems.append(InputError(message, path=self.path, line=line, column=column, key=key))

    def read(self, rows: list[Row]) -> list[Record]:
        width = len(self.columns.headers)
        cells = [r.cells if len(r.cells) == width else self._fit(r, width) for r in rows]
        n = len(rows)
        by_column = list(zip(*cells, strict=True))  # transposed in one pass

        def column(field: str) -> list[str]:
            at = self.columns.index.get(field)
            return list(by_column[at]) if at is not None else [""] * n

        names = self._names(rows, column)
        emails = list(map(str.strip, column("email")))
        names, emails = self._identities(rows, names, emails)
        completed_texts = list(map(str.strip, column("completed")))
        completed, hired = self._dates(rows, {"completed": completed_texts,
                                              "hire_date": list(map(str.strip, column("hire_date")))})
        statuses = column("status")
        completed = self._completions(rows, statuses, completed_texts, completed)
        clicks, clicked = self._phishing(rows, column("phishing"))
        if self.problems:
            raise RowErrors(self.problems)
        tidy = self.tidy.__getitem__
        return tuples(Record, (
            [r.line for r in rows], names, emails, map(tidy, column("course")), completed,
            map(tidy, statuses), clicks, clicked, hired, map(tidy, column("department")),
        ))

    def _fit(self, row: Row, width: int) -> list[str]:
        """A ragged row cut or padded to the header's width; extra values that are not empty are a problem."""
        if len(row.cells) > width:
            if "".join(row.cells[width:]).strip():
                self.problem(row, None, f"the row has {len(row.cells)} values but the header names {width} columns "
                             "(a value containing the delimiter must be in double quotes)", index=width)
            return row.cells[:width]
        return row.cells + [""] * (width - len(row.cells))

    def _names(self, rows: list[Row], column: Callable[[str], list[str]]) -> list[str]:
        person = self.person.__getitem__
        names = list(map(person, column("name")))
        index = self.columns.index
        if "first_name" in index or "last_name" in index:
            joined = map(person, map(" ".join, zip(column("first_name"), column("last_name"), strict=True)))
            # A "name" column of numbers beside First/Last Name is an employee number, never the name.
            names = [whole if not name or name.isdigit() else name for name, whole in zip(names, joined, strict=True)]
        return names

    def _identities(self, rows: list[Row], names: list[str], emails: list[str]) -> tuple[list[str], list[str]]:
        ok = self.email_ok.__getitem__
        index = self.columns.index
        if "email" not in index:  # a "User" column holding logins: the name is the email
            swap = [bool(name) and ok(name) for name in names]
            if any(swap):
                emails = [name if s else "" for name, s in zip(names, swap, strict=True)]
                names = ["" if s else name for name, s in zip(names, swap, strict=True)]
        for i in [i for i, email in enumerate(emails) if email and not ok(email)]:
            self.problem(rows[i], "email", f"{emails[i]!r} is not an email address")
        nobody = [i for i, (name, email) in enumerate(zip(names, emails, strict=True)) if not name and not email]
        first = next((f for f in ("name", "first_name", "last_name", "email") if f in index), None)
        for i in nobody:
            self.problem(rows[i], first, "the row names nobody: no name or email")
        return names, emails

    def _dates(self, rows: list[Row], texts: dict[str, list[str]]) -> list[list[date | None]]:
        """Each date column parsed; one file's columns share one day/month order, so they are read together."""
        first_use: dict[str, tuple[int, str]] = {}  # text -> (first row, field) using it
        for field, column in reversed(texts.items()):
            if field in self.columns.index:
                first_use.update(zip(reversed(column), zip(range(len(column) - 1, -1, -1), repeat(field)),
                                     strict=True))
        first_use.pop("", None)

        def where(text: str) -> Seen:
            i, field = first_use[text]
            at = self.columns.index[field]
            line, col = self.table.place(rows[i], at)
            return Seen(line, col, self.columns.headers[at])

        dates, errors = read_dates(first_use, where, date_format=self.date_format, path=self.path)
        found = []
        for field, column in texts.items():
            days = list(map(dates.get, column))
            for i in [i for i, (text, day) in enumerate(zip(column, days, strict=True)) if text and day is None]:
                self.problem(rows[i], field, errors.get(column[i], f"{column[i]!r} is not a date"))
            found.append(days)
        return found

    def _completions(
        self, rows: list[Row], statuses: list[str], texts: list[str], when: list[date | None]
    ) -> list[date | None]:
        """A status that says "not completed" wins over a date; "completed" without a date cannot be judged."""
        kinds = list(map(self.status.__getitem__, statuses))
        for i in [i for i, (kind, text) in enumerate(zip(kinds, texts, strict=True)) if kind == _DONE and not text]:
            self.problem(rows[i], "completed", f"the status says {statuses[i].strip()!r} but there is no "
                         "completion date, so it cannot be judged; add the date")
        result = [None if kind == _NOT_DONE else day for kind, day in zip(kinds, when, strict=True)]
        if self.latest is not None:
            latest = self.latest
            for i in [i for i, day in enumerate(result) if day is not None and day > latest]:
                self.problem(rows[i], "completed", f"the completion date {result[i]} is in the future")
        return result

    def _phishing(self, rows: list[Row], texts: list[str]) -> tuple[list[int | None], list[bool | None]]:
        if "phishing" not in self.columns.index:
            return [None] * len(rows), [None] * len(rows)
        results = list(map(self.phishing.__getitem__, texts))
        for i in [i for i, result in enumerate(results) if isinstance(result, str)]:
            self.problem(rows[i], "phishing", results[i])
        pairs = [(None, None) if isinstance(result, str) else result for result in results]
        return [p[0] for p in pairs], [p[1] for p in pairs]


def _phishing_result(text: str) -> tuple[int | None, bool | None] | str:
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


def display_name(name: str) -> str:
    """"Alvarez, Maria" → "Maria Alvarez": HR systems often write surname first."""
    if name.count(",") == 1 and "@" not in name:
        last, first = (part.strip() for part in name.split(","))
        if last and first and first.casefold().rstrip(".") not in _SUFFIXES:
            return f"{first} {last}"
    return name
