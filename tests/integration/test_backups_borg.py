"""The backups check against real borg repositories made here, with backdated archives."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest

from posture.errors import CheckFailed
from posture.models import Severity, Status
from tests.checks.backups.support import NOW, run
from tests.conftest import IN_CI

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not IN_CI and shutil.which("borg") is None, reason="borg is not installed")]

PASSPHRASE = "borg-integration-passphrase-5d1e"
AGES_DAYS = [45, 20, 2, 1]


def borg(*args: str, env: dict[str, str]) -> str:
    proc = subprocess.run(["borg", *args], env=env, capture_output=True, text=True, timeout=120, check=True,
                          stdin=subprocess.DEVNULL)
    return proc.stdout


def make_repo(root: Path, name: str, encryption: str, ages: list[int], env: dict[str, str]) -> Path:
    repo, data = root / name, root / f"{name}-data"
    data.mkdir()
    borg("init", "--encryption", encryption, str(repo), env=env)
    for i, days in enumerate(ages):
        (data / f"ledger-{i}.csv").write_text(f"row,{i}\n")
        stamp = (NOW - timedelta(days=days)).strftime("%Y-%m-%dT%H:%M:%S")  # borg reads --timestamp as UTC
        borg("create", "--timestamp", stamp, f"{repo}::files-{i}", str(data), env=env)
    return repo


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("borg")
    (root / "passphrase").write_text(PASSPHRASE + "\n")
    return root


def creation_env(base: Path, passphrase: str = PASSPHRASE) -> dict[str, str]:
    return {**os.environ, "BORG_BASE_DIR": str(base / "home"), "BORG_PASSPHRASE": passphrase}


@pytest.fixture(scope="module")
def encrypted(base: Path) -> Path:
    return make_repo(base, "encrypted", "repokey-blake2", AGES_DAYS, creation_env(base))


@pytest.fixture(autouse=True)
def _borg_home(base: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BORG_BASE_DIR", str(base / "home"))  # never the user's $HOME
    monkeypatch.delenv("BORG_PASSPHRASE", raising=False)


def job(repo: Path, base: Path, **changes: object) -> dict[str, object]:
    return {"name": "Ledger", "type": "borg", "repository": str(repo),
            "passphrase_file": str(base / "passphrase"), **changes}


def test_live_encrypted_repository(encrypted: Path, base: Path, tmp_path: Path) -> None:
    findings, facts = run(tmp_path, [job(encrypted, base)])
    assert findings["Ledger/freshness"].status is Status.PASS
    assert "files-3" in findings["Ledger/freshness"].evidence[2]
    assert findings["Ledger/encryption"].status is Status.PASS
    assert "borg mode repokey-blake2" in findings["Ledger/encryption"].evidence[-1]
    assert findings["Ledger/retention"].status is Status.PASS
    assert findings["Ledger/offsite"].status is Status.FAIL
    assert facts["jobs"][0]["snapshots"] == len(AGES_DAYS)
    assert any("on disk (deduplicated, compressed)" in line for line in findings["Ledger/freshness"].evidence)


def test_incident_restore_point_from_borg(encrypted: Path, base: Path, tmp_path: Path) -> None:
    incident = {"discovered": NOW.date().isoformat(), "kind": "ransomware"}
    findings, facts = run(tmp_path, [job(encrypted, base)], incident=incident)
    before = NOW - timedelta(days=20)
    assert findings["Ledger/restore-point"].title == (f"Clean restore point for Ledger: archive files-1 of "
                                                      f"{before:%Y-%m-%d %H:%M} UTC (before the compromise window)")
    assert facts["restore_points"][0]["snapshot_id"] == "files-1"


def test_saved_json_matches_live(encrypted: Path, base: Path, tmp_path: Path) -> None:
    env = creation_env(base)
    (tmp_path / "list.json").write_text(borg("list", "--json", str(encrypted), env=env))
    (tmp_path / "info.json").write_text(borg("info", "--json", str(encrypted), env=env))
    assert json.loads((tmp_path / "list.json").read_text())["encryption"]["mode"] == "repokey-blake2"
    live, _ = run(tmp_path, [job(encrypted, base)])
    saved, _ = run(tmp_path, [{"name": "Ledger", "type": "borg", "list_file": "list.json", "info_file": "info.json"}])
    assert {k: (f.status, f.title) for k, f in live.items()} == {k: (f.status, f.title) for k, f in saved.items()}
    assert f"Location: {encrypted}" in saved["Ledger/offsite"].evidence  # read from the saved JSON


def test_passphrase_command(encrypted: Path, base: Path, tmp_path: Path) -> None:
    findings, _ = run(tmp_path, [job(encrypted, base, passphrase_file=None,
                                     passphrase_command=f"cat {base / 'passphrase'}")])
    assert findings["Ledger/encryption"].status is Status.PASS


def test_verify_passes_on_a_healthy_repository(encrypted: Path, base: Path, tmp_path: Path) -> None:
    findings, _ = run(tmp_path, [job(encrypted, base, verify=True)])
    assert findings["Ledger/integrity"].status is Status.PASS


def test_unencrypted_repository_and_damage(base: Path, tmp_path: Path) -> None:
    repo = make_repo(base, "plain", "none", [3, 1], creation_env(base))
    findings, _ = run(tmp_path, [job(repo, base, passphrase_file=None)])
    encryption = findings["Ledger/encryption"]
    assert (encryption.status, encryption.severity) == (Status.FAIL, Severity.MEDIUM)
    assert "borg mode none, which does not encrypt the data" in encryption.evidence[-1]
    segment = max((p for p in (repo / "data").rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
    with segment.open("r+b") as handle:
        handle.seek(100)
        handle.write(b"XXXX")
    findings, _ = run(tmp_path, [job(repo, base, passphrase_file=None, verify=True)])
    integrity = findings["Ledger/integrity"]
    assert (integrity.status, integrity.severity) == (Status.FAIL, Severity.HIGH)
    assert any("integrity error" in line.lower() for line in integrity.evidence)


def test_unknown_unencrypted_repository_is_refused_not_prompted(base: Path, tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    repo = make_repo(base, "stranger", "none", [1], creation_env(base))
    monkeypatch.setenv("BORG_BASE_DIR", str(tmp_path / "fresh-home"))  # a machine that never saw it
    with pytest.raises(CheckFailed) as info:
        run(tmp_path, [job(repo, base, passphrase_file=None)])
    assert "BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes" in str(info.value)


def test_wrong_passphrase_is_an_error_without_it(encrypted: Path, base: Path, tmp_path: Path) -> None:
    (tmp_path / "wrong").write_text("wrong-passphrase-8e8e\n")
    with pytest.raises(CheckFailed) as info:
        run(tmp_path, [job(encrypted, base, passphrase_file=str(tmp_path / "wrong"))])
    message = str(info.value)
    assert "is incorrect" in message and "check passphrase_file" in message
    assert "wrong-passphrase-8e8e" not in message and PASSPHRASE not in message


def test_missing_passphrase_does_not_hang(encrypted: Path, base: Path, tmp_path: Path) -> None:
    with pytest.raises(CheckFailed) as info:
        run(tmp_path, [job(encrypted, base, passphrase_file=None, timeout_s=60)])
    assert "borg could not list the archives: can not acquire a passphrase" in str(info.value)
    assert "set passphrase_file or passphrase_command" in str(info.value)


def test_missing_repository_is_an_error(base: Path, tmp_path: Path) -> None:
    with pytest.raises(CheckFailed) as info:
        run(tmp_path, [job(tmp_path / "nowhere", base)])
    assert "does not exist" in str(info.value) and "check `repository`" in str(info.value)
