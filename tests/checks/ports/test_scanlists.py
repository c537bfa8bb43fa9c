"""The scan lists nmap is given are remembered between runs, and only what can be trusted is read back."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from checks.ports import scanlists
from checks.ports.profiles import table_ports, top_tcp_ports
from checks.ports.services import load_services


def cache_path() -> Path:
    path = scanlists.cache_file()
    assert path is not None
    return path


class Counting:
    def __init__(self, value: Any) -> None:
        self.value, self.calls = value, 0

    def __call__(self) -> Any:
        self.calls += 1
        return self.value


def test_worked_out_once_then_read_back_from_an_owner_only_file() -> None:
    work_out = Counting([22, 80])
    assert scanlists.remembered("top", "key-1", work_out, scanlists.valid_ports) == [22, 80]
    assert scanlists.remembered("top", "key-1", work_out, scanlists.valid_ports) == [22, 80]
    assert work_out.calls == 1
    path = cache_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert json.loads(path.read_text(encoding="utf-8"))["top"] == {"key": "key-1", "value": [22, 80]}


def test_another_key_works_it_out_again_and_keeps_the_other_sections() -> None:
    scanlists.remembered("table", "t", Counting([1]), scanlists.valid_ports)
    again = Counting([443])
    assert scanlists.remembered("top", "old", Counting([80]), scanlists.valid_ports) == [80]
    assert scanlists.remembered("top", "new", again, scanlists.valid_ports) == [443]
    assert again.calls == 1
    assert scanlists.remembered("table", "t", Counting([2]), scanlists.valid_ports) == [1]


@pytest.mark.parametrize("stored", [
    "not json at all",
    json.dumps({"format": 99, "top": {"key": "k", "value": [22]}}),
    json.dumps({"format": 1, "top": {"key": "k", "value": [0, 22]}}),  # no port 0
    json.dumps({"format": 1, "top": {"key": "k", "value": [22, 70000]}}),
    json.dumps({"format": 1, "top": {"key": "k", "value": ["22"]}}),
    json.dumps({"format": 1, "top": {"key": "k", "value": [True]}}),
    json.dumps([1, 2]),
])
def test_a_damaged_or_odd_cache_is_ignored_and_replaced(stored: str) -> None:
    path = cache_path()
    path.parent.mkdir(mode=0o700, parents=True)
    path.write_text(stored, encoding="utf-8")
    path.chmod(0o600)
    work_out = Counting([21, 22])
    assert scanlists.remembered("top", "k", work_out, scanlists.valid_ports) == [21, 22]
    assert work_out.calls == 1
    assert json.loads(path.read_text(encoding="utf-8"))["top"]["value"] == [21, 22]


@pytest.mark.parametrize("script", ["../../tmp/evil.nse", "/tmp/evil", "Evil", "", "ssh-*", "a b"])
def test_script_names_read_back_are_bare_names(script: str) -> None:
    assert not scanlists.valid_scripts([script])
    assert scanlists.valid_scripts(["ssh-auth-methods", "smb2-security-mode"])


def test_a_cache_others_could_have_written_is_not_trusted() -> None:
    path = cache_path()
    path.parent.mkdir(mode=0o700, parents=True)
    path.write_text(json.dumps({"format": 1, "top": {"key": "k", "value": [4444]}}), encoding="utf-8")
    path.chmod(0o666)
    assert scanlists.remembered("top", "k", Counting([22]), scanlists.valid_ports) == [22]
    path.write_text(json.dumps({"format": 1, "top": {"key": "k", "value": [4444]}}), encoding="utf-8")
    path.chmod(0o600)
    path.parent.chmod(0o777)
    assert scanlists.remembered("top", "k", Counting([22]), scanlists.valid_ports) == [22]
    assert json.loads(path.read_text(encoding="utf-8"))["top"]["value"] == [4444]  # and not written into


def test_no_usable_cache_folder_still_gives_the_lists(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))  # the folder cannot be made under a file
    work_out = Counting([22])
    assert scanlists.remembered("top", "k", work_out, scanlists.valid_ports) == [22]
    assert scanlists.remembered("top", "k", work_out, scanlists.valid_ports) == [22]
    assert work_out.calls == 2


def test_the_table_lists_are_the_table_s_from_the_cache_too() -> None:
    table = load_services()
    tcp, udp = table.scan_ports
    for _ in range(2):  # worked out, then read back
        lists = table_ports()
        assert (lists.tcp, lists.udp, lists.scripts) == (tcp, udp, table.scripts)
    assert "service_table" in json.loads(cache_path().read_text(encoding="utf-8"))


def test_a_changed_nmap_services_file_is_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    services = tmp_path / "nmap-services"
    services.write_text("http\t80/tcp\t0.5\nssh\t22/tcp\t0.4\ntelnet\t23/tcp\t0.3\n", encoding="utf-8")
    monkeypatch.setenv("NMAPDIR", str(tmp_path))
    assert top_tcp_ports(2) == [22, 80]
    assert top_tcp_ports(2) == [22, 80]
    services.write_text("http\t80/tcp\t0.5\nssh\t22/tcp\t0.1\ntelnet\t23/tcp\t0.3\n", encoding="utf-8")
    os.utime(services, (1, 1))  # the contents decide, not the time stamp
    assert top_tcp_ports(2) == [23, 80]


def test_without_a_home_folder_nothing_is_remembered_and_nothing_written(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # what an unset home leaves: not a place to write
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)
    assert scanlists.cache_file() is None
    work_out = Counting([22])
    assert scanlists.remembered("top", "k", work_out, scanlists.valid_ports) == [22]
    assert list(tmp_path.iterdir()) == []


def test_a_new_version_of_the_code_that_works_the_lists_out_works_them_out_again(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import checks.ports.profiles as profiles

    (tmp_path / "nmap-services").write_text("http\t80/tcp\t0.5\nssh\t22/tcp\t0.4\n", encoding="utf-8")
    monkeypatch.setenv("NMAPDIR", str(tmp_path))
    ranked: list[int] = []
    rank = profiles.rank_top_tcp
    monkeypatch.setattr(profiles, "rank_top_tcp", lambda text, count: ranked.append(count) or rank(text, count))
    top_tcp_ports(1)
    top_tcp_ports(1)
    assert ranked == [1]
    own_file = scanlists.own_file
    monkeypatch.setattr(scanlists, "own_file", lambda name: own_file(name) + b"# fixed\n")
    top_tcp_ports(1)
    assert ranked == [1, 1]
