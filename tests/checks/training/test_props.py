"""Property tests: the parser only ever raises InputError, and reads back what an export wrote."""

from __future__ import annotations

import tempfile
from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from checks.training.dates import Seen, read_dates
from checks.training.parse import parse_roster, parse_staff
from posture.errors import InputError

TODAY = date(2026, 11, 22)
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def parse_bytes(content: bytes, suffix: str = ".csv", **kwargs: object) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"roster{suffix}"
        path.write_bytes(content)
        try:
            parse_roster(path, today=TODAY, **kwargs)  # type: ignore[arg-type]
        except InputError:
            pass
        try:
            parse_staff(path)
        except InputError:
            pass


@FAST
@given(st.binary(max_size=400))
def test_any_bytes_raise_only_input_error(content: bytes) -> None:
    parse_bytes(content)


CELL = st.text(alphabet=st.sampled_from(list("abAB @.,;\t\"'/-:0123456789\n\r ÿé")), max_size=12)
HEADERS = st.sampled_from(["Name", "Email", "Completed", "Status", "Phishing", "Hire Date", "Department",
                           "Course", "First Name", "Last Name", "junk", ""])


@FAST
@given(st.lists(HEADERS, min_size=1, max_size=6), st.lists(st.lists(CELL, max_size=7), max_size=8),
       st.sampled_from([",", ";", "\t"]), st.sampled_from([None, "%d/%m/%Y", "%m/%d/%Y"]))
def test_csv_like_text_raises_only_input_error(
    headers: list[str], rows: list[list[str]], delimiter: str, date_format: str | None
) -> None:
    text = "\n".join(delimiter.join(r) for r in [headers, *rows])
    parse_bytes(text.encode("utf-8"), date_format=date_format)


@FAST
@given(st.text(max_size=200))
def test_any_yaml_text_raises_only_input_error(text: str) -> None:
    parse_bytes(text.encode("utf-8"), suffix=".yaml")


@FAST
@given(st.text(max_size=30), st.sampled_from([None, "%d.%m.%Y", "%Y-%m-%d %H:%M"]))
def test_any_date_string_is_a_date_or_a_message(text: str, date_format: str | None) -> None:
    try:
        dates, errors = read_dates([text], lambda t: Seen(2, 3, "Completed"), date_format=date_format, path="r.csv")
    except InputError:
        return
    assert (text in dates) != (text in errors)


# --- round trip: what an export writes, the parser reads back --------------------------------------

NAME = st.text(alphabet="abcdefghijklmnopqrstuvwxyzéñ", min_size=1, max_size=8).map(str.capitalize)
DAY = st.integers(min_value=0, max_value=4000).map(lambda n: TODAY - timedelta(days=n))
PERSON = st.tuples(NAME, NAME, st.one_of(st.none(), DAY), st.sampled_from(["", "Front desk", "Shop"]))

STYLES = {
    "iso": lambda d: d.isoformat(),
    "iso-time": lambda d: f"{d.isoformat()}T08:30:00Z",
    "us": lambda d: f"{d.month}/{d.day}/{d.year}",
    "eu-dots": lambda d: d.strftime("%d.%m.%Y"),
    "eu-slash": lambda d: d.strftime("%d/%m/%Y"),
    "excel": lambda d: str((d - date(1899, 12, 30)).days),
    "words": lambda d: d.strftime("%d %b %Y"),
}
STYLE_FORMATS = {"us": "%m/%d/%Y", "eu-slash": "%d/%m/%Y"}


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(PERSON, min_size=1, max_size=15), st.sampled_from(sorted(STYLES)), st.sampled_from([",", ";", "\t"]),
       st.booleans(), st.booleans(), st.booleans())
def test_written_rosters_read_back(
    people: list[tuple[str, str, date | None, str]], style: str, delimiter: str, bom: bool, padded: bool,
    blank_rows: bool,
) -> None:
    fmt = STYLES[style]
    pad = "  " if padded else ""
    lines = [delimiter.join(f"{pad}{h}{pad}" for h in ("First Name", "Last Name", "Email", "Completion Date",
                                                         "Department"))]
    for i, (first, last, when, dept) in enumerate(people):
        email = f"{first}.{last}{i}@shop.example".lower()
        cells = [first, last, email, fmt(when) if when else "", dept]
        lines.append(delimiter.join(f"{pad}{c}{pad}" for c in cells))
        if blank_rows and i % 3 == 0:
            lines.append(delimiter * 4)
    text = ("\ufeff" if bom else "") + "\r\n".join(lines) + "\r\n"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roster.csv"
        path.write_text(text, encoding="utf-8")
        try:
            parsed = parse_roster(path, today=TODAY)
        except InputError as exc:
            # Only the one legitimate refusal: slash dates that no value settles.
            assume(style in STYLE_FORMATS and "cannot tell whether" in exc.message)
            parsed = parse_roster(path, today=TODAY, date_format=STYLE_FORMATS[style])
    got = [(r.name, r.completed, r.department) for r in parsed.records]
    assert got == [(f"{first} {last}", when, dept) for first, last, when, dept in people]


@pytest.mark.parametrize(("text", "expected"), [
    ("2026-03-15", date(2026, 3, 15)),
    ("2026/3/5", date(2026, 3, 5)),
    ("2026-03-15 14:22:01.000", date(2026, 3, 15)),
    ("2026-03-15T14:22:01+02:00", date(2026, 3, 15)),
    ("15.03.2026", date(2026, 3, 15)),
    ("5.3.26", date(2026, 3, 5)),
    ("15.03.2026 08:00", date(2026, 3, 15)),
    ("3/15/2026 2:22 PM", date(2026, 3, 15)),
    ("15/03/2026", date(2026, 3, 15)),
    ("15-Mar-2026", date(2026, 3, 15)),
    ("Sun, 15 March 2026", date(2026, 3, 15)),
    ("Mar. 15th, 2026", date(2026, 3, 15)),
    ("46096", date(2026, 3, 15)),
    ("20260315", date(2026, 3, 15)),
    ("1/1/99", date(1999, 1, 1)),
])
def test_date_forms(text: str, expected: date) -> None:
    dates, errors = read_dates([text], lambda t: Seen(2, 1, "d"), date_format=None, path="r.csv")
    assert dates == {text: expected} and not errors


@pytest.mark.parametrize("text", ["31.02.2026", "2026-13-01", "45", "999999", "tomorrow", "15 Smarch 2026",
                                  "13/13/2026", "2026-03-15 garbage"])
def test_not_dates(text: str) -> None:
    dates, errors = read_dates([text], lambda t: Seen(2, 1, "d"), date_format=None, path="r.csv")
    assert not dates and text in errors
