"""The data rows' cells turned into typed columns, every bad row reported at once.

A roster can have hundreds of thousands of rows but only thousands of distinct names, courses and
dates. So each block of rows is cut into the columns the header mapped, each cell replaced by the
first equal string seen (the rest are freed at once), and at the end every distinct value is
interpreted once and the columns mapped through the results with `map`, in C. Problems are looked
for among the distinct values first; only when one is bad are the rows scanned for where it is.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Iterator
from datetime import date, timedelta
from itertools import compress, repeat
from operator import itemgetter
from typing import Any, NamedTuple, TypeVar

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


class Columns(NamedTuple):
    """The data rows as one list per field, aligned; a field the file lacks is all "" or None."""

    line: list[int]
    name: list[str]
    email: list[str]
    course: list[str]
    completed: list[date | None]  # None: this row is not a completion
    status: list[str]
    clicks: list[int | None]  # a total of simulated-phishing clicks
    clicked: list[bool | None]  # the outcome of one simulation
    hire_date: list[date | None]
    department: list[str]


class Memo(dict[K, V]):
    """A function of a value, computed once per distinct value; used as `map(memo.__getitem__, column)`."""

    def __init__(self, fn: Callable[[K], V]) -> None:
        super().__init__()
        self.fn = fn

    def __missing__(self, value: K) -> V:
        result = self[value] = self.fn(value)
        return result


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
        self.lines: list[int] = []
        self.places: list[tuple[tuple[int, int], ...]] = []
        # field -> the column's cells, each the first equal string seen (so equal cells are one object)
        self.raw: dict[str, list[str]] = {field: [] for field in columns.index}
        self._same: dict[str, dict[str, str]] = {field: {} for field in columns.index}
        self._cut = [(itemgetter(at), self.raw[field], self._same[field].setdefault)
                     for field, at in columns.index.items()]

    # --- reading ----------------------------------------------------------------------------------------

    def add(self, block: Block) -> None:
        rows = block.rows
        if list(map(len, rows)).count(self.width) != len(rows):
            rows = [self._fit(line, cells, places) for line, cells, places in
                    zip(block.lines, rows, block.places or repeat(None), strict=False)]
        self.lines += block.lines
        if block.places is not None:
            self.places += block.places
        for get, column, same in self._cut:
            cells = list(map(get, rows))
            column += map(same, cells, cells)

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

    # --- interpreting -----------------------------------------------------------------------------------

    def column(self, field: str, fn: Callable[[str], Any], absent: Any = "") -> list[Any]:
        """The field's column mapped through `fn`, each distinct cell once; `absent` on every row without it."""
        cells = self.raw.get(field)
        if cells is None:
            return [absent] * len(self.lines)
        return list(map(Memo(fn).__getitem__, cells))

    def finish(self) -> tuple[Columns, list[InputError]]:
        names, emails = self._identities()
        completed_texts = self.column("completed", str.strip)
        completed, hired = self._dates(completed_texts, self.column("hire_date", str.strip))
        completed = self._completions(completed_texts, completed)
        clicks, clicked = self._phishing()
        return Columns(self.lines, names, emails, self.column("course", tidy), completed,
                       self.column("status", tidy), clicks, clicked, hired,
                       self.column("department", tidy)), self.problems

    @staticmethod
    def _rows_with(values: list[Any], bad: Iterable[Any]) -> Iterator[int]:
        """The rows whose value is one of `bad`; no scan at all when nothing is."""
        wrong = set(bad)
        return compress(range(len(values)), map(wrong.__contains__, values)) if wrong else iter(())

    def _names(self) -> list[str]:
        person: Memo[str, str] = Memo(lambda text: display_name(tidy(text)))
        names = self.column("name", person.__getitem__)
        index = self.columns.index
        if "first_name" not in index and "last_name" not in index:
            return names
        blank = [""] * len(self.lines)
        pairs = zip(self.raw.get("first_name", blank), self.raw.get("last_name", blank), strict=True)
        full_name: Memo[tuple[str, str], str] = Memo(lambda pair: person[" ".join(pair)])
        joined = list(map(full_name.__getitem__, pairs))
        # A "name" column of numbers beside First/Last Name is an employee number, never the name.
        usable = {name: bool(name) and not name.isdigit() for name in set(names)}
        if not any(usable.values()):
            return joined
        if all(usable.values()):
            return names
        return [name if usable[name] else whole for name, whole in zip(names, joined, strict=True)]

    def _identities(self) -> tuple[list[str], list[str]]:
        names = self._names()
        emails = self.column("email", str.strip)
        ok: Memo[str, bool] = Memo(lambda text: bool(_EMAIL.fullmatch(text)))
        if "email" not in self.columns.index:  # a "User" column holding logins: the name is the email
            logins = {name for name in set(names) if name and ok[name]}
            if logins:
                emails = [name if name in logins else "" for name in names]
                names = ["" if name in logins else name for name in names]
        bad = [email for email in set(emails) if email and not ok[email]]
        for i in self._rows_with(emails, bad):
            self.problem(i, "email", f"{emails[i]!r} is not an email address")
        if "" in set(names) and "" in set(emails):
            first = next((f for f in ("name", "first_name", "last_name", "email") if f in self.columns.index), None)
            for i in [i for i, (name, email) in enumerate(zip(names, emails, strict=True)) if not name and not email]:
                self.problem(i, first, "the row names nobody: no name or email")
        return names, emails

    def _dates(self, completed: list[str], hired: list[str]) -> tuple[list[date | None], list[date | None]]:
        """Both date columns parsed; one file's columns share one day/month order, so they are read together."""
        texts = dict.fromkeys(completed)
        texts.update(dict.fromkeys(hired))
        texts.pop("", None)

        first_use: dict[str, tuple[int, int]] = {}  # text -> (row, column) where it is first met; for messages

        def where(text: str) -> Seen:
            if not first_use:
                for field, column in (("completed", completed), ("hire_date", hired)):
                    at = self.columns.index.get(field)
                    if at is not None:
                        firsts = dict(zip(reversed(column), range(len(column) - 1, -1, -1), strict=True))
                        for seen, row in firsts.items():
                            first_use[seen] = min(first_use.get(seen, (row, at)), (row, at))
            row, at = first_use[text]
            return Seen(*self.place(row, at), self.columns.headers[at])

        dates, errors = read_dates(texts, where, date_format=self.date_format, path=self.path)
        found = []
        for field, column in (("completed", completed), ("hire_date", hired)):
            for i in self._rows_with(column, errors):
                self.problem(i, field, errors[column[i]])
            found.append(list(map(dates.get, column)))
        return found[0], found[1]

    def _completions(self, texts: list[str], when: list[date | None]) -> list[date | None]:
        """A status that says "not completed" wins over a date; "completed" without a date cannot be judged."""
        statuses = self.raw.get("status")
        if statuses is not None:
            kinds = {status: _status_kind(status) for status in set(statuses)}
            done = {status for status, kind in kinds.items() if kind == _DONE}
            if done and "" in set(texts):
                for i in [i for i, (status, text) in enumerate(zip(statuses, texts, strict=True))
                          if not text and status in done]:
                    self.problem(i, "completed", f"the status says {statuses[i].strip()!r} but there is no "
                                 "completion date, so it cannot be judged; add the date")
            not_done = {status for status, kind in kinds.items() if kind == _NOT_DONE}
            if not_done:
                when = [None if status in not_done else day for status, day in zip(statuses, when, strict=True)]
        if self.latest is not None:
            latest = self.latest
            for i in self._rows_with(when, [day for day in set(when) if day is not None and day > latest]):
                self.problem(i, "completed", f"the completion date {when[i]} is in the future")
        return when

    def _phishing(self) -> tuple[list[int | None], list[bool | None]]:
        cells = self.raw.get("phishing")
        if cells is None:
            return [None] * len(self.lines), [None] * len(self.lines)
        results = {cell: phishing_result(cell) for cell in set(cells)}
        wrong = {cell: result for cell, result in results.items() if isinstance(result, str)}
        for i in self._rows_with(cells, wrong):
            self.problem(i, "phishing", wrong[cells[i]])
        clicks = {cell: None if isinstance(r, str) else r[0] for cell, r in results.items()}
        clicked = {cell: None if isinstance(r, str) else r[1] for cell, r in results.items()}
        return list(map(clicks.__getitem__, cells)), list(map(clicked.__getitem__, cells))
