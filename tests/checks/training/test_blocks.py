"""Reading in blocks: the same records, lines and problems whatever the block and piece sizes, and
whether or not a quoted cell spans lines."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import checks.training.table as table
from checks.training.parse import RowErrors, parse_roster
from posture.errors import InputError

TODAY_ROWS = [f"P{i},p{i}@x.example,2026-02-{1 + i % 28:02d},Ops" for i in range(40)]


def roster(rows: list[str], end: str = "\n") -> str:
    return end.join(["Name,Email,Completed,Department", *rows]) + end


def read(path: Path) -> object:
    """What parsing gives: the records, or each problem's place and message."""
    try:
        return [tuple(r) for r in parse_roster(path, today=date(2026, 11, 22)).records]
    except RowErrors as exc:
        return [(p.line, p.column, p.key, p.message) for p in exc.problems]
    except InputError as exc:
        return (exc.line, exc.column, exc.key, exc.message)


MULTILINE = [*TODAY_ROWS[:7], 'P7,p7@x.example,2026-02-08,"Ops\nand\nSales"', *TODAY_ROWS[8:]]
BAD = [*TODAY_ROWS[:5], "P5,p5-at-x.example,2026-02-06,Ops", "", ",,,", *TODAY_ROWS[8:20],
       "P20,p20@x.example,someday,Ops", 'P21,p21@x.example,2026-02-22,"Ops\nDesk"', *TODAY_ROWS[22:]]


@pytest.mark.parametrize("rows", [TODAY_ROWS, MULTILINE, BAD], ids=["plain", "multiline", "bad"])
@pytest.mark.parametrize("end", ["\n", "\r\n", "\r"])
def test_block_and_piece_sizes_change_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rows: list[str],
                                              end: str) -> None:
    path = tmp_path / "r.csv"
    path.write_text(roster(rows, end), encoding="utf-8", newline="")
    expected = read(path)
    for block, piece in [(1, 1), (2, 7), (3, 64), (7, 5)]:
        monkeypatch.setattr(table, "BLOCK_ROWS", block)
        monkeypatch.setattr(table, "PIECE_CHARS", piece)
        assert read(path) == expected, (block, piece)


def test_lines_after_cells_with_line_breaks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table, "BLOCK_ROWS", 3)
    path = tmp_path / "r.csv"
    path.write_text(roster(BAD), encoding="utf-8")
    problems = read(path)
    assert isinstance(problems, list)
    # line 7 holds an email that is not one; "someday" is on line 22, below a blank line and a row of empty cells
    assert [(line, column, key) for line, column, key, _ in problems] == [(7, 2, "Email"), (22, 3, "Completed")]


def test_an_unclosed_quote_far_down_is_located(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(table, "BLOCK_ROWS", 4)
    path = tmp_path / "r.csv"
    path.write_text(roster([*TODAY_ROWS[:30], 'P30,p30@x.example,"2026-02-01,Ops', *TODAY_ROWS[31:]]), encoding="utf-8")
    with pytest.raises(InputError) as err:
        parse_roster(path)
    assert "unreadable CSV" in err.value.message and err.value.line == 32


def test_an_unclosed_quote_wins_over_a_missing_header(tmp_path: Path) -> None:
    """The whole file is read before a header problem is reported, as when it was read at once."""
    path = tmp_path / "r.csv"
    path.write_text("Course,Completed\n" + "X,2026-01-01\n" * 30 + 'X,"2026-01-01\n', encoding="utf-8")
    with pytest.raises(InputError) as err:
        parse_roster(path)
    assert "unreadable CSV" in err.value.message


def test_ambiguous_dates_name_the_first_in_reading_order(tmp_path: Path) -> None:
    """Two dates on the same line: the message names the left one, whichever column it is in."""
    path = tmp_path / "r.csv"
    path.write_text("Name,Hire Date,Completed\nA,03/25/2026,25/03/2026\n", encoding="utf-8")
    with pytest.raises(InputError) as err:
        parse_roster(path)
    assert "both day-first ('25/03/2026', line 2) and month-first ('03/25/2026', line 2)" in err.value.message
    assert (err.value.line, err.value.column, err.value.key) == (2, 3, "Completed")


def test_columns_and_records_agree(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(roster(TODAY_ROWS), encoding="utf-8")
    parsed = parse_roster(path)
    assert parsed.count == len(parsed.records) == 40
    assert list(parsed.data.name) == [r.name for r in parsed.records]
    assert list(parsed.data.line) == [r.line for r in parsed.records] == list(range(2, 42))
    assert len(parsed.data.email.values) == 40 and len(parsed.data.department.values) == 40  # one per who
    assert parsed.data.completed[3] == parsed.records[3].completed
