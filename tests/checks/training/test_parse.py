"""The training parser on exports as they come: several vendors' shapes, messy files, bad rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from checks.training.parse import Record, RowErrors, parse_roster, parse_staff
from posture.errors import ConfigError, InputError

TODAY = date(2026, 11, 22)


def write(folder: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = folder / name
    path.write_bytes(text.encode(encoding))
    return path


def completions(records: list[Record]) -> dict[str, date | None]:
    return {r.name or r.email: r.completed for r in records}


# --- vendor-like shapes -----------------------------------------------------------------------------

KNOWBE4 = '''"First Name","Last Name","Email","Group","Training Campaign","Status","Enrollment Date","Start Date",\
"Completion Date","Phishing Failures"
"Sam","Ortiz","sam@x.example","Ops","2026 Annual","Passed","02/02/2026 09:00","03/12/2026 08:31",\
"03/12/2026 09:14","0"
"Ravi","Patel","ravi@x.example","Tax","2025 Annual","Passed","09/15/2025 09:00","","10/14/2025 14:02","3"
"Ravi","Patel","ravi@x.example","Tax","2026 Annual","Not Started","02/02/2026 09:00","","","3"
'''

DEFENDER = '''Display name,Email address,Department,Training name,Training status,Completion date
Ann Lee,ann@x.example,Front desk,Mass Market Phishing,Completed,3/15/2026 2:22:01 PM
Bo Chen,bo@x.example,Clinic,Mass Market Phishing,InProgress,
'''

WOMBAT = '''User Name\tUser Email\tAssignment\tAssignment Status\tDate Completed\tPhish Clicks
Ann Lee\tann@x.example\tURL Training\tComplete\t2026-01-05T10:00:00Z\t1
Bo Chen\tbo@x.example\tURL Training\tPast Due\t\t2
'''

HAND_MADE = '''Employee,Dept,Training Date,Notes
Ann Lee,Front,3/5/2026,
Bo Chen,Front,11/24/2025,asked for the video version
Cy Dunn,Back,,new
'''


@pytest.mark.parametrize(("name", "text", "expected"), [
    ("knowbe4.csv", KNOWBE4, {"Sam Ortiz": date(2026, 3, 12), "Ravi Patel": None}),  # Ravi's last row
    ("defender.csv", DEFENDER, {"Ann Lee": date(2026, 3, 15), "Bo Chen": None}),
    ("wombat.tsv", WOMBAT, {"Ann Lee": date(2026, 1, 5), "Bo Chen": None}),
    ("sheet.csv", HAND_MADE, {"Ann Lee": date(2026, 3, 5), "Bo Chen": date(2025, 11, 24), "Cy Dunn": None}),
])
def test_vendor_shapes(tmp_path: Path, name: str, text: str, expected: dict[str, date | None]) -> None:
    parsed = parse_roster(write(tmp_path, name, text), today=TODAY)
    assert completions(parsed.records) == expected


def test_knowbe4_columns_combine_names_and_read_phishing(tmp_path: Path) -> None:
    parsed = parse_roster(write(tmp_path, "kb4.csv", KNOWBE4), today=TODAY)
    assert parsed.has_phishing and [r.clicks for r in parsed.records] == [0, 3, 3]
    assert parsed.records[1].completed == date(2025, 10, 14)
    assert parsed.records[0].department == "Ops" and parsed.records[0].hire_date is None  # Start Date ≠ hire
    assert parsed.columns.header("completed") == "Completion Date"


def test_wombat_is_tab_separated_and_counts_clicks(tmp_path: Path) -> None:
    parsed = parse_roster(write(tmp_path, "w.tsv", WOMBAT), today=TODAY)
    assert [(r.email, r.clicks, r.status) for r in parsed.records] == [
        ("ann@x.example", 1, "Complete"), ("bo@x.example", 2, "Past Due")]


def test_excel_unicode_text_is_utf16_with_tabs(tmp_path: Path) -> None:
    text = "Name\tCompleted\r\nZoë Brandt\t15.03.2026\r\n"
    parsed = parse_roster(write(tmp_path, "u.txt", "\ufeff" + text, "utf-16-le"), today=TODAY)
    assert completions(parsed.records) == {"Zoë Brandt": date(2026, 3, 15)}


def test_windows_1252_file(tmp_path: Path) -> None:
    parsed = parse_roster(write(tmp_path, "w.csv", "Name;Completed\nJosé Núñez;2026-01-02\n", "cp1252"), today=TODAY)
    assert parsed.records[0].name == "José Núñez"


def test_excel_serial_dates_and_month_names(tmp_path: Path) -> None:
    text = "Name,Completed\nA,46096\nB,46096.5\nC,15 Mar 2026\nD,\"March 15, 2026\"\nE,20260315\n"
    parsed = parse_roster(write(tmp_path, "x.csv", text), today=TODAY)
    assert set(completions(parsed.records).values()) == {date(2026, 3, 15)}


def test_staff_list_shapes(tmp_path: Path) -> None:
    hr = "Full Name,Start Date,Team\n\"Lee, Ann\",2019-04-01,Front\nBo Chen,2026-10-05,Back\n"
    parsed = parse_staff(write(tmp_path, "hr.csv", hr))
    assert [(r.name, r.hire_date, r.department) for r in parsed.records] == [
        ("Ann Lee", date(2019, 4, 1), "Front"), ("Bo Chen", date(2026, 10, 5), "Back")]


def test_yaml_list_with_dates_and_locations(tmp_path: Path) -> None:
    text = "- name: Ann Lee\n  completed: 2026-03-01\n- name: Bo Chen\n  completed: someday\n"
    with pytest.raises(InputError) as err:
        parse_roster(write(tmp_path, "r.yaml", text), today=TODAY)
    assert (err.value.line, err.value.column, err.value.key) == (4, 3, "completed")
    parsed = parse_roster(write(tmp_path, "ok.yaml", text.replace("someday", "2025-01-01")), today=TODAY)
    assert completions(parsed.records) == {"Ann Lee": date(2026, 3, 1), "Bo Chen": date(2025, 1, 1)}


@pytest.mark.parametrize("text", ["name: Ann\n", "- just a string\n", "- {name: [a, b], completed: 2026-01-01}\n"])
def test_yaml_shapes_that_are_not_rosters(tmp_path: Path, text: str) -> None:
    with pytest.raises(InputError):
        parse_roster(write(tmp_path, "r.yaml", text), today=TODAY)


# --- real-world mess --------------------------------------------------------------------------------

MESSY = (
    "\ufeffsep=;\r\n"
    "Training log - exported 2026-11-01;;;\r\n"
    ";;;\r\n"
    " Name ; E-Mail ;Completed ; Shoe size \r\n"
    "  Ann   Lee  ; ANN@x.example ; 14.01.2026 ; 38\r\n"
    "  Ann   Lee  ; ANN@x.example ; 14.01.2026 ; 38\r\n"
    ";;;\r\n"
    "\"Bo\nChen\";bo@x.example;03.09.2025;;;\r\n"
    "Cy Dunn;cy@x.example\r\n"
)


def test_messy_file_reads_cleanly(tmp_path: Path) -> None:
    parsed = parse_roster(write(tmp_path, "m.csv", MESSY), today=TODAY)
    assert [(r.line, r.name, r.email, r.completed) for r in parsed.records] == [
        (5, "Ann Lee", "ANN@x.example", date(2026, 1, 14)),
        (6, "Ann Lee", "ANN@x.example", date(2026, 1, 14)),
        (8, "Bo Chen", "bo@x.example", date(2025, 9, 3)),
        (10, "Cy Dunn", "cy@x.example", None),
    ]


def test_line_numbers_after_a_multiline_cell(tmp_path: Path) -> None:
    text = 'Name,Completed,Notes\nAnn,2026-01-01,"line one\nline two\nline three"\nBo,not a date,\n'
    with pytest.raises(InputError) as err:
        parse_roster(write(tmp_path, "r.csv", text), today=TODAY)
    assert (err.value.line, err.value.column, err.value.key) == (5, 2, "Completed")


def test_every_bad_row_is_reported(tmp_path: Path) -> None:
    rows = ["Name,Email,Completed,Status,Phishing Result"]
    rows += [f"P{i},p{i}@x.example,2026-02-{i:02d},Completed," for i in range(1, 21)]
    rows[3] = "P3,p3@x.example,2026-02-31,Completed,"  # not a real date
    rows[7] = "P7,p7-at-x.example,2026-02-07,Completed,"  # not an email
    rows[9] = ",,2026-02-09,Completed,"  # nobody
    rows[12] = "P12,p12@x.example,,Completed,"  # completed without a date
    rows[15] = "P15,p15@x.example,2026-02-15,Completed,maybe"  # unknown phishing result
    rows[18] = "P18,p18@x.example,2026-02-18,Completed,,extra"  # a stray unquoted comma
    with pytest.raises(RowErrors) as err:
        parse_roster(write(tmp_path, "r.csv", "\n".join(rows) + "\n"), today=TODAY)
    where = [(p.line, p.column, p.key) for p in err.value.problems]
    assert where == [(4, 3, "Completed"), (8, 2, "Email"), (10, 1, "Name"), (13, 3, "Completed"),
                     (16, 5, "Phishing Result"), (19, 6, None)]
    assert "(and 5 more problems)" in str(err.value) and isinstance(err.value, ConfigError)
    assert len(err.value.lines()) == 6 and all(line.startswith(str(tmp_path / "r.csv") + ":")
                                              for line in err.value.lines())


def test_not_completed_statuses_ignore_the_date(tmp_path: Path) -> None:
    text = ("Name,Status,Completed\nA,In Progress,2026-01-01\nB,not started,\nC,Assigned,\nD,,2026-01-01\n"
            "E,Expired,2024-01-01\nF,Completed,2026-01-01\n")
    parsed = parse_roster(write(tmp_path, "r.csv", text), today=TODAY)
    assert completions(parsed.records) == {"A": None, "B": None, "C": None, "D": date(2026, 1, 1),
                                           "E": date(2024, 1, 1), "F": date(2026, 1, 1)}


def test_login_column_holding_emails_becomes_the_email(tmp_path: Path) -> None:
    parsed = parse_roster(write(tmp_path, "r.csv", "User,Completed\nann@x.example,2026-01-01\n"), today=TODAY)
    assert (parsed.records[0].name, parsed.records[0].email) == ("", "ann@x.example")


# --- dates that need the user's help -----------------------------------------------------------------

def test_ambiguous_dates_say_how_to_fix_it(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "Name,Completed\nA,03/04/2026\nB,05/06/2026\n")
    with pytest.raises(InputError) as err:
        parse_roster(path, today=TODAY)
    assert (err.value.line, err.value.column, err.value.key) == (2, 2, "Completed")
    assert "date_format" in err.value.message and "'%m/%d/%Y'" in err.value.message
    assert "4 March" in err.value.message and "3 April" in err.value.message
    us = parse_roster(path, date_format="%m/%d/%Y", today=TODAY)
    eu = parse_roster(path, date_format="%d/%m/%Y", today=TODAY)
    assert us.records[0].completed == date(2026, 3, 4) and eu.records[0].completed == date(2026, 4, 3)


def test_one_telling_date_settles_the_whole_file(tmp_path: Path) -> None:
    text = "Name,Completed,Hire Date\nA,03/04/2026,\nB,05/06/2026,25/12/2019\n"
    parsed = parse_roster(write(tmp_path, "r.csv", text), today=TODAY)
    assert [r.completed for r in parsed.records] == [date(2026, 4, 3), date(2026, 6, 5)]


def test_mixed_day_and_month_first_is_an_error(tmp_path: Path) -> None:
    text = "Name,Completed\nA,25/03/2026\nB,03/25/2026\n"
    with pytest.raises(InputError) as err:
        parse_roster(write(tmp_path, "r.csv", text), today=TODAY)
    assert err.value.line == 3 and "both day-first" in err.value.message


def test_date_format_still_accepts_iso_and_rejects_the_rest(tmp_path: Path) -> None:
    text = "Name,Completed\nA,15/03/2026\nB,2026-03-15\nC,03.15.2026\n"
    with pytest.raises(InputError) as err:
        parse_roster(write(tmp_path, "r.csv", text), date_format="%d/%m/%Y", today=TODAY)
    assert err.value.line == 4 and "does not match date_format '%d/%m/%Y'" in err.value.message


# --- files that cannot be rosters ---------------------------------------------------------------------

@pytest.mark.parametrize(("content", "message"), [
    (b"", "the file is empty"),
    (b"\n\n;;;\n", "the file is empty"),
    (b"Name,Completed\n", "no rows below the header"),
    (b"Course,Completed\nX,2026-01-01\n", "no column names the person"),
    (b"Name,Course\nA,X\n", "no completion date column"),
    (b"PK\x03\x04\x00\x00binary", "NUL bytes"),
    (b"\xff\xfeA\x00\x00\xd8", "invalid UTF-16"),
    (b'Name,Completed\nA,"2026-01-01\n', "unreadable CSV"),
])
def test_unusable_files(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(content)
    with pytest.raises(InputError) as err:
        parse_roster(path, today=TODAY)
    assert message in err.value.message and err.value.path == str(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        parse_staff(tmp_path / "nope.csv")
    assert "cannot read" in err.value.message
