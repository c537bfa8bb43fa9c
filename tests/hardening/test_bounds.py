"""Dates, sizes and paths bounded where they enter: the config and the evidence files. Each hostile value is
one located line, exit 2, no traceback — for `validate` and for `scan` (which must not crash later in the
notification deadlines, the backups check's compromise window or the training check's date arithmetic).
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest

from posture.testing import minimal_config
from tests.hardening.support import assert_refused, copy_evidence, evidence_config, posture, write_yaml

TOMORROW_BUT_ONE = (date.today() + timedelta(days=2)).isoformat()


@pytest.mark.parametrize(("incident", "key", "fragment"), [
    ({"discovered": "9999-12-31"}, "incident.discovered", "is in the future"),
    ({"discovered": TOMORROW_BUT_ONE}, "incident.discovered", "is in the future"),
    ({"discovered": "0001-01-01"}, "incident.discovered", "is before 1970-01-01"),
    ({"discovered": "2026-11-20", "first_compromise": "2026-11-25"}, "incident.first_compromise",
     "is after incident.discovered"),
    ({"discovered": "2026-11-20", "first_compromise": "0001-01-01"}, "incident.first_compromise", "is before"),
    ({"discovered": "2026-11-20", "residents_notified": "9999-12-31"}, "incident.residents_notified",
     "not a plausible date"),
    ({"discovered": "2026-11-20", "determined": "0001-01-01"}, "incident.determined", "not a plausible date"),
])
@pytest.mark.parametrize("command", ["validate", "scan"])
def test_incident_dates_outside_what_can_be_true_are_refused(tmp_path: Path, incident: dict[str, str], key: str,
                                                             fragment: str, command: str) -> None:
    config = write_yaml(tmp_path / "posture.yaml", minimal_config(incident={"kind": "ransomware", **incident}))
    extra = ["--out", str(tmp_path / "out"), "--no-history"] if command == "scan" else []
    proc = posture(command, str(config), *extra)
    assert_refused(proc, config, key, fragment)
    assert not (tmp_path / "out").exists()


NUL_PATHS = [
    ('report:\n  out_dir: "reports\\0x"\n', 5, "report.out_dir", "NUL"),
    ("report:\n  out_dir: !!binary cmVwb3J0cw==\n", 5, "report.out_dir", "!!binary"),
    ('report:\n  out_dir: "rep\\torts"\n', 5, "report.out_dir", "control characters"),
    ('report:\n  out_dir: "rep\\x1b[31morts"\n', 5, "report.out_dir", "U+001B"),
    ('checks:\n  password_policy:\n    candidate_passwords_file: "found\\0.txt"\n', 6,
     "checks.password_policy.candidate_passwords_file", "NUL"),
    ("checks:\n  training:\n    roster: !!binary dHJhaW5pbmcuY3N2\n", 6, "checks.training.roster", "!!binary"),
    ('checks:\n  backups:\n    - {name: x, type: restic, snapshots_file: "s\\0.json"}\n', 6, "checks.backups[0]",
     "NUL"),
    ('checks:\n  training:\n    roster: "roster\\n.csv"\n', None, "checks.training.roster", "control characters"),
]


@pytest.mark.parametrize(("section", "line", "key", "fragment"), NUL_PATHS)
@pytest.mark.parametrize("command", ["validate", "scan"])
def test_nul_and_control_characters_in_a_path_are_one_located_line(tmp_path: Path, section: str, line: int | None,
                                                                   key: str, fragment: str, command: str) -> None:
    config = tmp_path / "posture.yaml"
    config.write_text("version: 1\norganization:\n  name: Shop\n" + section, encoding="utf-8")
    (tmp_path / "roster\n.csv").write_text("Name,Completed\nA,2026-01-02\n", encoding="utf-8")
    extra = ["--no-history"] if command == "scan" else []
    proc = posture(command, str(config), *extra)
    assert_refused(proc, config, key, fragment, line=line)
    assert len([ln for ln in proc.stderr.splitlines() if ln.startswith("posture: ")]) == 1


def test_a_hire_date_of_9999_is_a_located_error_not_a_crash(tmp_path: Path) -> None:
    copy_evidence("knowbe4-export.csv", tmp_path, "roster.csv")
    staff = copy_evidence("hr-staff.csv", tmp_path, "staff.csv")
    lines = staff.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("2011-09-12", "9999-12-31")
    staff.write_text("\n".join(lines) + "\n", encoding="utf-8")
    config = evidence_config(tmp_path, training={"roster": "roster.csv", "staff": "staff.csv"})
    for command in ("validate", "scan"):
        proc = posture(command, str(config), *(["--no-history", "--out", str(tmp_path / "out")] * (command == "scan")))
        assert_refused(proc, staff, "9999-12-31", "not a plausible date", line=3)


@pytest.mark.parametrize("size", [10**309, -1, 2**61])
def test_a_borg_size_past_an_exabyte_is_a_located_error(tmp_path: Path, size: int) -> None:
    copy_evidence("borg-list.json", tmp_path, "borg-list.json")
    info = copy_evidence("borg-info.json", tmp_path, "borg-info.json")
    data = json.loads(info.read_text(encoding="utf-8"))
    data["cache"]["stats"]["unique_size"] = 0  # placeholder, replaced as text: json cannot hold 10**309 as float
    text = json.dumps(data, indent=4).replace('"unique_size": 0', f'"unique_size": {size}')
    info.write_text(text, encoding="utf-8")
    config = evidence_config(tmp_path, backups=[{"name": "Vault", "type": "borg", "list_file": "borg-list.json",
                                                 "info_file": "borg-info.json"}])
    for command in ("validate", "scan"):
        proc = posture(command, str(config), *(["--no-history", "--out", str(tmp_path / "out")] * (command == "scan")))
        assert_refused(proc, info, "unique_size", "not a plausible size")


def test_a_million_item_config_validates(tmp_path: Path) -> None:
    """Size alone is no attack: 2 MB of list items validates (bench/bench_config_size.py measures it is linear)."""
    config = tmp_path / "posture.yaml"
    config.write_text("version: 1\norganization:\n  name: Shop\n  context_words: [" + ",".join(["a"] * 999_990)
                      + "]\n", encoding="utf-8")
    assert config.stat().st_size < 2 * 1024 * 1024
    proc = posture("validate", str(config), timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
