"""Dates as exports write them: ISO, US 03/15/2025, European 15.03.2025 or 15/03/2025, Excel serials,
"15 Mar 2025", with or without a time.

Each distinct string is parsed once (a 50,000-row roster has a few hundred distinct dates). Slash
and dash dates could be month-first or day-first, so the order is decided once per file from the
values that settle it (a 25 can only be a day); a file that never settles it, or settles it both
ways, is an error that says how to fix it, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from posture.api import InputError

# A time after the date ("T14:22:01Z", " 2:22 PM", " 08:00 +0200") is dropped before the date is read:
# a roster with timestamps has thousands of distinct strings but only hundreds of distinct dates.
_CLOCK = re.compile(r"\d{1,2}(?::\d{2}){1,2}(?:[.,]\d+)?\s*(?:[ap]\.?m\.?)?\s*(?:z|utc|gmt|[+-]\d{2}:?\d{2})?", re.I)
_TIME_AFTER = re.compile(r"([^:]*[Tt\s])" + _CLOCK.pattern, re.I)  # (the date and separator)(the clock)
_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})")
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})")
_PAIR = re.compile(r"(\d{1,2})([/-])(\d{1,2})\2(\d{4}|\d{2})")
_DOTTED = re.compile(r"(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4}|\d{2})\.?")
_SERIAL = re.compile(r"(\d{1,6})(?:\.\d+)?")
_WEEKDAY = r"(?:[a-z]{3,9}\.?,?\s+)?"
_MONTH_FIRST = re.compile(_WEEKDAY + r"([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})", re.I)
_DAY_FIRST = re.compile(_WEEKDAY + r"(\d{1,2})(?:st|nd|rd|th)?[\s-]+([a-z]{3,9})\.?,?[\s-]+(\d{4}|\d{2})", re.I)

_MONTHS = {name: number for number, names in enumerate((
    ("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
    ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"),
    ("nov", "november"), ("dec", "december")), start=1) for name in names}

# Excel counts days from 1899-12-30 (its 1900 leap-year bug folded in). Outside this window a bare
# number in a date column is far more likely a typo than a date (1954-10-03 ... 2119-01-10).
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL_RANGE = (20000, 80000)

EXPECTED = "expected e.g. 2025-03-15, 03/15/2025, 15.03.2025, 15 Mar 2025 or an Excel date number"


@dataclass(frozen=True)
class Seen:
    """Where a date string first appeared, for messages."""

    line: int
    column: int | None
    header: str


@dataclass(frozen=True)
class _Pair:
    first: int
    second: int
    year: int


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:  # the strptime %y pivot: 69-99 are 1900s, 00-68 are 2000s
        year += 1900 if year >= 69 else 2000
    return year


@dataclass(frozen=True)
class _Bad:
    reason: str  # completes "'<text>' ..."


NOT_REAL = _Bad("is not a real date")
NOT_A_DATE = _Bad(f"is not a date ({EXPECTED})")


def _make(year: int, month: int, day: int) -> date | _Bad:
    try:
        return date(year, month, day)
    except ValueError:
        return NOT_REAL


def _date_part(text: str) -> str:
    """The text without a trailing time of day ("T14:22:01Z", " 2:22 PM"): what is left of the first colon's
    digits must end in a T or a space, and everything from those digits on must read as a clock."""
    if ":" not in text:
        return text
    m = _TIME_AFTER.fullmatch(text)
    return m[1][:-1].rstrip() if m else text


def _unambiguous(text: str) -> date | _Bad | None:
    """A date that can only be read one way; why it is not a date; or None when the form is not one of these."""
    if m := _ISO.fullmatch(text):
        return _make(int(m[1]), int(m[2]), int(m[3]))
    if m := _COMPACT.fullmatch(text):
        return _make(int(m[1]), int(m[2]), int(m[3]))
    if m := _DOTTED.fullmatch(text):  # dots are day-first wherever they are written
        return _make(_year(m[3]), int(m[2]), int(m[1]))
    if m := _SERIAL.fullmatch(text):
        serial = float(text)
        if not _SERIAL_RANGE[0] <= serial <= _SERIAL_RANGE[1]:
            return NOT_A_DATE
        return _EXCEL_EPOCH + timedelta(days=int(serial))
    if m := _MONTH_FIRST.fullmatch(text):
        month = _MONTHS.get(m[1].casefold())
        return _make(int(m[3]), month, int(m[2])) if month else None
    if m := _DAY_FIRST.fullmatch(text):
        month = _MONTHS.get(m[2].casefold())
        return _make(_year(m[3]), month, int(m[1])) if month else None
    return None


def _classify(part: str) -> date | _Bad | _Pair:
    """The date part of a string (no time) read as a date, a month/day pair to decide later, or not a date."""
    found = _unambiguous(part)
    if found is not None:
        return found
    if m := _PAIR.fullmatch(part):
        return _Pair(int(m[1]), int(m[3]), _year(m[4]))
    return NOT_A_DATE


def _with_format(text: str, fmt: str) -> date | str:
    part = _date_part(text)
    for candidate in (text, part):
        try:
            return datetime.strptime(candidate, fmt).date()
        except ValueError:
            continue
    found = _unambiguous(part)
    if isinstance(found, date):
        return found
    return f"{text!r} does not match date_format {fmt!r}"


def read_dates(
    values: Iterable[str], where: Callable[[str], Seen], *, date_format: str | None, path: str
) -> tuple[dict[str, date], dict[str, str]]:
    """Parse the distinct date strings of one file: (dates by string, error message by string).

    `where` says where a string first appeared, for messages. Raises InputError when the file's slash
    or dash dates could be read month-first or day-first.
    """
    dates, errors = _read_dates(values, where, date_format=date_format, path=path)
    return _plausible(dates, errors)


# A training or hire date outside these bounds is a typo (12/31/9999), and date arithmetic on it
# (valid_days after 9999-12-31) would overflow: it is refused with its row, like any unreadable date.
EARLIEST = date(1900, 1, 1)
YEARS_AHEAD = 2


def _plausible(dates: dict[str, date], errors: dict[str, str]) -> tuple[dict[str, date], dict[str, str]]:
    latest = date.today() + timedelta(days=366 * YEARS_AHEAD)
    wrong = {value for value in set(dates.values()) if value < EARLIEST or value > latest}
    for text, value in [(text, value) for text, value in dates.items() if value in wrong] if wrong else ():
        del dates[text]
        when = f"before {EARLIEST}" if value < EARLIEST else f"more than {YEARS_AHEAD} years from today"
        errors[text] = f"{text!r} is not a plausible date ({value} is {when})"
    return dates, errors


def _read_dates(
    values: Iterable[str], where: Callable[[str], Seen], *, date_format: str | None, path: str
) -> tuple[dict[str, date], dict[str, str]]:
    if date_format:
        dates: dict[str, date] = {}
        errors: dict[str, str] = {}
        for text in values:
            result = _with_format(text, date_format)
            if isinstance(result, date):
                dates[text] = result
            else:
                errors[text] = result
        return dates, errors
    # Thousands of distinct strings (times of day) share a few hundred dates: each date part is read once.
    texts = list(values)
    parts = list(map(_date_part, texts))
    kinds = {part: _classify(part) for part in dict.fromkeys(parts)}
    pairs = {part: kind for part, kind in kinds.items() if isinstance(kind, _Pair)}
    day_first = bool(pairs) and _decide_order(
        pairs, lambda wanted: [t for t, p in zip(texts, parts, strict=True) if p in wanted], where, path)
    good: dict[str, date] = {}
    bad: dict[str, str] = {}
    for part, kind in kinds.items():
        if isinstance(kind, _Pair):
            day, month = (kind.first, kind.second) if day_first else (kind.second, kind.first)
            kind = _make(kind.year, month, day)
        if isinstance(kind, date):
            good[part] = kind
        else:
            bad[part] = kind.reason
    if not bad:
        return dict(zip(texts, map(good.__getitem__, parts), strict=True)), {}
    return ({t: good[p] for t, p in zip(texts, parts, strict=True) if p in good},
            {t: f"{t!r} {bad[p]}" for t, p in zip(texts, parts, strict=True) if p in bad})


def _decide_order(pairs: Mapping[str, _Pair], texts_of: Callable[[set[str]], list[str]],
                  where: Callable[[str], Seen], path: str) -> bool:
    """True when the file's numeric dates are day-first, False when month-first. `pairs` is by date part;
    `texts_of` gives the strings with these date parts, for messages."""
    day_first = {part for part, p in pairs.items() if p.first > 12 >= p.second}
    month_first = {part for part, p in pairs.items() if p.second > 12 >= p.first}
    if day_first and month_first:
        a, b = _first_seen(texts_of(day_first), where), _first_seen(texts_of(month_first), where)
        later = max(a, b, key=lambda t: _reading_order(where(t)))
        raise InputError(
            f"this file writes dates both day-first ({a!r}, line {where(a).line}) and month-first ({b!r}, line "
            f"{where(b).line}); make them consistent, or set date_format under checks.training "
            "('%d/%m/%Y' or '%m/%d/%Y') and correct the rows that do not match",
            path=path, line=where(later).line, column=where(later).column, key=where(later).header)
    if day_first or month_first:
        return bool(day_first)
    ambiguous = {part for part, p in pairs.items() if p.first != p.second}
    if not ambiguous:
        return False  # every value reads the same both ways (01/01/2025)
    text = _first_seen(texts_of(ambiguous), where)
    pair = pairs[_date_part(text)]
    seen = where(text)
    raise InputError(
        f"cannot tell whether dates like {text!r} are month-first (US: {_spell(pair.second, pair.first)}) or "
        f"day-first ({_spell(pair.first, pair.second)}): no date in the file settles it. Set date_format under "
        "checks.training: '%m/%d/%Y' for US month-first or '%d/%m/%Y' for day-first",
        path=path, line=seen.line, column=seen.column, key=seen.header)


def _first_seen(texts: list[str], where: Callable[[str], Seen]) -> str:
    """The text met first reading the file line by line, left to right."""
    return min(texts, key=lambda t: _reading_order(where(t)))


def _reading_order(seen: Seen) -> tuple[int, int]:
    return seen.line, seen.column or 0


def _spell(day: int, month: int) -> str:
    names = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
             "October", "November", "December")
    return f"{day} {names[month - 1]}"
