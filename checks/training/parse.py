"""A roster or staff file turned into typed records, every bad row reported at once.

Only InputError leaves this module (a hypothesis test holds it to that). A file with bad rows
raises RowErrors, which carries one located InputError per problem, so the user fixes the file in
one pass instead of one line per run. The header is found among the first rows; the rows below it
are read block by block into columns (`cells`), so a big export is never held as cells all at once.
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import NamedTuple

from checks.training.cells import CellReader, Columns, display_name
from checks.training.columns import (
    PHISHING_FIELDS,
    ROSTER_FIELDS,
    STAFF_FIELDS,
    ColumnMap,
    map_columns,
    missing_required,
)
from checks.training.table import Table, read_table
from checks.training.vocabulary import header_key
from posture.api import ConfigError, InputError

__all__ = ["Parsed", "Record", "RowErrors", "display_name", "parse_phishing", "parse_roster", "parse_staff"]


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
    data: Columns  # the rows, one list per field

    @property
    def has_phishing(self) -> bool:
        return "phishing" in self.columns.index

    @property
    def count(self) -> int:
        return len(self.data.line)

    @functools.cached_property
    def records(self) -> list[Record]:
        """The rows one Record each, made on first use and kept."""
        return list(self.rows())

    def rows(self) -> Iterator[Record]:
        """The rows one Record each, made as they are read (the check itself reads the big roster's columns)."""
        return map(Record._make, zip(*self.data[:len(Record._fields)], strict=True))


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
        keys = {header_key(cell) for row in table.head[:1] for cell in row.cells}
        if {"campaignid", "message"} <= keys:  # GoPhish's other export, one line per event
            raise InputError(exc.message.split(" (headers found")[0] + ": this is GoPhish's Events export; use "
                             "Export CSV > Results", path=exc.path, line=exc.line) from None
        raise
    return _parse(table, header, date_format, None)


def _parse(table: Table, header: tuple[int, ColumnMap], date_format: str | None, today: date | None) -> Parsed:
    header_at, columns = header
    reader = CellReader(table, columns, date_format, today)
    for block in table.blocks(header_at):
        reader.add(block)
    if not reader.lines:
        raise InputError("no rows below the header: the file lists nobody", path=str(table.path),
                         line=table.head[header_at].line)
    data, problems = reader.finish()
    if problems:
        raise RowErrors(problems)
    return Parsed(table.path, columns, data)


def _header(
    table: Table, fields: Sequence[str], required: Sequence[str], explicit: Mapping[str, str], *, staff: bool,
    phishing: bool = False,
) -> tuple[int, ColumnMap]:
    """The header row (the first of the top rows that names the required columns) and its column map."""
    if not table.head:
        raise InputError("the file is empty", path=str(table.path), line=1)
    candidates = table.head[:1] if table.fixed_header else table.head
    best: tuple[int, ColumnMap] | None = None
    for at, row in enumerate(candidates):
        columns = map_columns([c.strip() for c in row.cells], fields, explicit, staff=staff, phishing=phishing)
        if missing_required(columns, required, explicit) is None:
            return at, columns
        if best is None or len(columns.index) > len(best[1].index):
            best = (at, columns)
    assert best is not None
    why = missing_required(best[1], required, explicit) or "no header row found"
    deque(table.rest, maxlen=0)  # the rest is read first: a file that is not CSV at all says so, not this
    raise InputError(why, path=str(table.path), line=table.head[best[0]].line)
