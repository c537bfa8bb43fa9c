"""The parsers of outside input (restic and borg JSON, folder names): located errors, and only InputError."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks.backups import borg, restic
from checks.backups.folder import list_backups, time_in_name
from checks.backups.jsonfile import parse_json, parse_time, read_json_file
from posture.errors import CheckFailed, InputError
from tests.checks.backups.support import restic_json

SAMPLES = Path(__file__).resolve().parents[3] / "sample_configs"


def parse_restic(text: str, host: str | None = None) -> list:
    return restic.parse_snapshots(parse_json(text, "snaps.json"), text, "snaps.json", host)


def parse_borg_list(text: str) -> borg.BorgRepo:
    return borg.parse_list(parse_json(text, "list.json"), text, "list.json", zone=UTC)


# --- restic -----------------------------------------------------------------------------------------------------


def test_restic_sample_evidence_parses_in_time_order() -> None:
    path = SAMPLES / "lone-star-dental/evidence/restic-snapshots.json"
    snaps = restic.parse_snapshots(*read_json_file(path), path)
    assert len(snaps) == 13
    assert snaps == sorted(snaps, key=lambda s: s.time)
    assert snaps[-1].id == "b10bb4af"
    assert snaps[-1].time == datetime(2026, 11, 11, 7, 30, 12, tzinfo=UTC)  # 01:30:12 CST
    assert {s.host for s in snaps} == {"fileserver"}


def test_restic_times_with_offsets_and_nanoseconds_become_utc() -> None:
    snaps = parse_restic(restic_json(["2026-11-02T01:30:00.123456789-06:00", "2026-11-01T23:00:00Z"]))
    assert [s.time for s in snaps] == [datetime(2026, 11, 1, 23, 0, tzinfo=UTC),
                                       datetime(2026, 11, 2, 7, 30, 0, 123456, tzinfo=UTC)]


def test_restic_host_filter_and_missing_short_id() -> None:
    data = json.loads(restic_json(["2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"]))
    data[1]["hostname"] = "reception-pc"
    del data[1]["short_id"]
    snaps = parse_restic(json.dumps(data), host="reception-pc")
    assert [(s.id, s.host) for s in snaps] == [("00000001", "reception-pc")]


def test_restic_group_by_output_is_flattened() -> None:
    group = [{"group_key": {"hostname": "fileserver", "paths": None, "tags": None},
              "snapshots": json.loads(restic_json(["2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z"]))}]
    assert len(parse_restic(json.dumps(group))) == 2


def test_restic_empty_list_is_no_snapshots() -> None:
    assert parse_restic("[]") == []


def test_restic_bad_time_is_located_at_its_line_and_key() -> None:
    text = json.dumps(json.loads(restic_json(["2026-11-01T00:00:00Z"] * 3)), indent=2)
    text = text.replace('"time": "2026-11-01T00:00:00Z"', '"time": "yesterday"', 3).replace(
        '"time": "yesterday"', '"time": "2026-11-01T00:00:00Z"', 2)
    with pytest.raises(InputError) as info:
        parse_restic(text)
    err = info.value
    assert err.key == "[2].time"
    assert err.path == "snaps.json"
    assert err.line is not None
    assert text.splitlines()[err.line - 1].strip().startswith('"time": "yesterday"')
    assert "not an ISO 8601 time" in err.message


def test_restic_syntax_error_has_line_and_column() -> None:
    with pytest.raises(InputError) as info:
        parse_restic('[\n  {"time": "2026-11-01T00:00:00Z",\n  "id" "x"}\n]')
    assert (info.value.line, info.value.column) == (3, 8)
    assert "not valid JSON" in info.value.message


@pytest.mark.parametrize("text, key, message", [
    ('{"snapshots": []}', None, "expected a list of snapshots"),
    ('[1]', "[0]", "must be a JSON object"),
    ('[{"time": "2026-11-01T00:00:00Z"}]', "[0]", "no `id` or `short_id`"),
    ('[{"time": 5, "id": "a"}]', "[0].time", "expected a time"),
    ('[{"time": "2026-11-01T00:00:00Z", "id": "a", "hostname": 7}]', "[0].hostname", "must be text"),
    ('[{"group_key": {}, "snapshots": 3}]', "[0].snapshots", "a snapshot group"),
])
def test_restic_wrong_shapes_are_named(text: str, key: str | None, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_restic(text)
    assert info.value.key == key
    assert message in info.value.message


@pytest.mark.parametrize("text", ["[" * 100_000, "1" * 5000, "", "\ufeff[]x", '"\\ud800"'])
def test_hostile_json_is_an_input_error(text: str) -> None:
    with pytest.raises(InputError):
        parse_restic(text)


# --- borg --------------------------------------------------------------------------------------------------------


def test_borg_sample_evidence_parses_with_its_time_zone() -> None:
    folder = SAMPLES / "ledger-accounting/evidence"
    listing = borg.parse_list(*read_json_file(folder / "borg-list.json"), folder / "borg-list.json",
                              zone=ZoneInfo("America/Denver"))
    info = borg.parse_info(*read_json_file(folder / "borg-info.json"), folder / "borg-info.json")
    repo = borg.merge(listing, info)
    assert repo.encryption == "repokey-blake2" and borg.is_encrypted(repo.encryption)
    assert repo.location == "ssh://backup@vault.example.net/./ledger"
    assert repo.archives[-1].id == "fileserver-2026-11-21T23:00"
    assert repo.archives[-1].time == datetime(2026, 11, 22, 6, 0, 25, tzinfo=UTC)  # 23:00 MST
    assert repo.stats["unique_csize"] > 0


@pytest.mark.parametrize("mode, encrypted", [("repokey", True), ("keyfile-blake2", True), ("repokey-blake2", True),
                                             ("none", False), ("authenticated", False),
                                             ("authenticated-blake2", False)])
def test_borg_encryption_modes(mode: str, encrypted: bool) -> None:
    assert borg.is_encrypted(mode) is encrypted


def test_borg_naive_times_use_the_zone_given() -> None:
    text = json.dumps({"archives": [{"name": "a", "time": "2026-11-01T23:00:00.000000"}]})
    data = json.loads(text)
    repo = borg.parse_list(data, text, "x", zone=timezone(timedelta(hours=-7)))
    assert repo.archives[0].time == datetime(2026, 11, 2, 6, 0, tzinfo=UTC)


def test_borg_start_is_used_when_time_is_missing() -> None:
    repo = parse_borg_list('{"archives": [{"archive": "b", "start": "2026-11-01T00:00:00"}]}')
    assert repo.archives[0].id == "b" and repo.encryption is None and repo.location is None


@pytest.mark.parametrize("text, key, message", [
    ('[]', None, "borg list --json"),
    ('{"archives": {}}', "archives", "must be a list"),
    ('{"archives": [3]}', "archives[0]", "JSON object"),
    ('{"archives": [{"time": "2026-11-01T00:00:00"}]}', "archives[0]", "no `name`"),
    ('{"archives": [{"name": "a", "time": "soon"}]}', "archives[0].time", "ISO 8601"),
    ('{"archives": [], "encryption": {"mode": 1}}', "encryption", "mode"),
    ('{"archives": [], "repository": []}', "repository", "must be an object"),
    ('{"archives": [], "repository": {"location": 5}}', "repository.location", "must be text"),
])
def test_borg_wrong_shapes_are_named(text: str, key: str | None, message: str) -> None:
    with pytest.raises(InputError) as info:
        parse_borg_list(text)
    assert info.value.key == key
    assert message in info.value.message


def test_borg_info_needs_a_repository_object() -> None:
    with pytest.raises(InputError, match="borg info --json"):
        borg.parse_info({"archives": []}, "{}", "info.json")


def test_borg_located_error_points_at_the_archive_line() -> None:
    archives = [{"name": f"a{i}", "time": "2026-11-01T00:00:00"} for i in range(4)]
    archives[3]["time"] = "not a time"
    text = json.dumps({"archives": archives, "encryption": {"mode": "none"}}, indent=4)
    with pytest.raises(InputError) as info:
        parse_borg_list(text)
    assert info.value.line is not None
    assert '"not a time"' in text.splitlines()[info.value.line - 1]


# --- times and folder names -------------------------------------------------------------------------------------


def test_parse_time_reads_naive_times_in_this_machines_zone_by_default() -> None:
    moment = parse_time("2026-11-01T12:00:00")
    assert moment.tzinfo is UTC
    assert moment == datetime(2026, 11, 1, 12, 0).astimezone().astimezone(UTC)


@pytest.mark.parametrize("name, expected", [
    ("shop-laptop-2026-11-14.zip", datetime(2026, 11, 14, tzinfo=UTC)),
    ("db_20261114_2330.sql.gz", datetime(2026, 11, 14, 23, 30, tzinfo=UTC)),
    ("backup-2026-11-14T02-15-09.tar", datetime(2026, 11, 14, 2, 15, 9, tzinfo=UTC)),
    ("v12345678-2026-02-30-then-2026-03-01.zip", datetime(2026, 3, 1, tzinfo=UTC)),
    ("readme.txt", None),
    ("2026-13-01.zip", None),
])
def test_dates_in_file_names(name: str, expected: datetime | None) -> None:
    assert time_in_name(name) == expected


def test_folder_listing_orders_by_time_and_notes_undated_files(tmp_path: Path) -> None:
    for name in ("b-2026-11-02.zip", "a-2026-11-03.zip", "notes.zip", "other-2026-11-01.txt"):
        (tmp_path / name).write_bytes(b"x" * 10)
    (tmp_path / "sub-2026-11-04.zip").mkdir()
    files, notes = list_backups(tmp_path, "*.zip", "name")
    assert [f.id for f in files] == ["b-2026-11-02.zip", "a-2026-11-03.zip"]
    assert files[0].size == 10
    assert notes == ["1 matching file(s) have no date in their name and were left out"]


def test_folder_that_is_missing_is_a_check_failure(tmp_path: Path) -> None:
    with pytest.raises(CheckFailed, match="does not exist"):
        list_backups(tmp_path / "nas", "*", "mtime")
    (tmp_path / "file").write_text("x")
    with pytest.raises(CheckFailed, match="is not a folder"):
        list_backups(tmp_path / "file", "*", "mtime")


# --- property: whatever the bytes, only InputError ------------------------------------------------------------

_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["time", "id", "short_id", "hostname", "archives", "name", "start", "encryption", "mode",
                         "repository", "location", "group_key", "snapshots", "summary"]) | st.text(max_size=5),
        inner, max_size=5),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=_json_values)
def test_parsers_raise_only_input_error_on_any_json(value: object) -> None:
    text = json.dumps(value)
    for parse in (lambda: parse_restic(text), lambda: parse_borg_list(text),
                  lambda: borg.parse_info(json.loads(text), text, "info.json")):
        try:
            parse()
        except InputError:
            pass


@settings(max_examples=300, deadline=None)
@given(text=st.text(max_size=200))
def test_parsers_raise_only_input_error_on_any_text(text: str) -> None:
    for parse in (lambda: parse_restic(text), lambda: parse_borg_list(text)):
        try:
            parse()
        except InputError:
            pass


@settings(max_examples=200, deadline=None)
@given(stamp=st.text(max_size=40))
def test_snapshot_times_raise_only_input_error(stamp: str) -> None:
    text = json.dumps([{"time": stamp, "id": "abc"}])
    try:
        parse_restic(text)
    except InputError:
        pass
