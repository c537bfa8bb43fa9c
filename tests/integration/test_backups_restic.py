"""The backups check against real restic repositories made here, with backdated snapshots."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from posture.errors import CheckFailed
from posture.models import Severity, Status
from tests.checks.backups.support import NOW, run
from tests.conftest import IN_CI
from tests.servers import silent_service

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not IN_CI and shutil.which("restic") is None, reason="restic is not installed")]

PASSWORD = "integration-test-password-7f3a"
# Newest 9 days old; the incident window (discovered on NOW's date, 14-day look-back) opens 2026-11-06.
AGES_DAYS = [40, 16, 12, 9]
INCIDENT = {"discovered": NOW.date().isoformat(), "kind": "ransomware"}


def restic(repo: Path, *args: str, env: dict[str, str]) -> str:
    proc = subprocess.run(["restic", "-r", str(repo), *args], env=env, capture_output=True, text=True,
                          timeout=120, check=True, stdin=subprocess.DEVNULL)
    return proc.stdout


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """A local repository with snapshots at NOW minus AGES_DAYS, and its saved `snapshots --json`."""
    root = tmp_path_factory.mktemp("restic")
    (root / "pw").write_text(PASSWORD + "\n")
    env = {**os.environ, "RESTIC_PASSWORD_FILE": str(root / "pw"), "RESTIC_CACHE_DIR": str(root / "cache"),
           "TZ": "UTC"}
    repo, data = root / "repo", root / "data"
    data.mkdir()
    restic(repo, "init", env=env)
    for i, days in enumerate(AGES_DAYS):
        (data / f"file-{i}.txt").write_text(f"version {i}\n")
        stamp = (NOW - timedelta(days=days)).strftime("%Y-%m-%d %H:%M:%S")
        restic(repo, "backup", "--time", stamp, "--host", "fileserver", str(data), env=env)
    saved = restic(repo, "snapshots", "--json", env=env)
    (root / "snapshots.json").write_text(saved)
    ids = {datetime.fromisoformat(s["time"]): s["short_id"] for s in json.loads(saved)}
    return {"root": root, "repo": repo, "ids": ids}


@pytest.fixture(autouse=True)
def _cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESTIC_CACHE_DIR", str(tmp_path / "restic-cache"))  # never the user's $HOME


def job(made: dict[str, object], **changes: object) -> dict[str, object]:
    root = made["root"]
    assert isinstance(root, Path)
    return {"name": "File server", "type": "restic", "repository": str(made["repo"]),
            "password_file": str(root / "pw"), **changes}


def test_nine_day_old_local_repository_is_irregular_and_onsite(made: dict[str, object], tmp_path: Path) -> None:
    findings, facts = run(tmp_path, [job(made)], incident=INCIDENT)
    fresh, offsite = findings["File server/freshness"], findings["File server/offsite"]
    assert (fresh.status, fresh.severity, fresh.weaknesses) == (Status.FAIL, Severity.HIGH, ("irregular-backups",))
    assert "is 9 days old" in fresh.title
    assert (offsite.status, offsite.weaknesses) == (Status.FAIL, ("no-offsite-backup",))
    # The restore point is the newest snapshot before the window: the one 16 days old.
    before = NOW - timedelta(days=16)
    ids = made["ids"]
    assert isinstance(ids, dict)
    point = findings["File server/restore-point"]
    assert point.status is Status.PASS
    assert point.title == (f"Clean restore point for File server: snapshot {ids[before]} of "
                           f"{before:%Y-%m-%d %H:%M} UTC (before the compromise window)")
    assert facts["restore_points"] == [{"job": "File server", "host": "fileserver", "snapshot_id": ids[before],
                                        "time": before.isoformat()}]
    assert findings["File server/encryption"].status is Status.PASS
    assert findings["File server/retention"].status is Status.PASS  # 40 days of history


def test_saved_snapshots_give_the_same_verdicts_as_live(made: dict[str, object], tmp_path: Path) -> None:
    root = made["root"]
    assert isinstance(root, Path)
    live, _ = run(tmp_path, [job(made)], incident=INCIDENT)
    offline, _ = run(tmp_path, [{"name": "File server", "type": "restic", "repository": str(made["repo"]),
                                 "snapshots_file": str(root / "snapshots.json")}], incident=INCIDENT)
    assert {k: (f.status, f.title) for k, f in live.items()} == {k: (f.status, f.title) for k, f in offline.items()}


def test_password_command_and_host_filter(made: dict[str, object], tmp_path: Path) -> None:
    root = made["root"]
    assert isinstance(root, Path)
    findings, facts = run(tmp_path, [job(made, password_file=None, password_command=f"cat {root / 'pw'}",
                                         host="fileserver")])
    assert facts["jobs"][0]["snapshots"] == len(AGES_DAYS)
    findings, facts = run(tmp_path, [job(made, host="reception-pc")])
    assert facts["jobs"][0]["snapshots"] == 0
    assert findings["File server/freshness"].title == "No snapshot of File server is on record"


def test_verify_passes_on_a_healthy_repository(made: dict[str, object], tmp_path: Path) -> None:
    findings, facts = run(tmp_path, [job(made, verify=True)])
    assert findings["File server/integrity"].status is Status.PASS
    assert facts["jobs"][0]["verified"] is True


def test_verify_reports_a_damaged_repository(made: dict[str, object], tmp_path: Path) -> None:
    damaged = tmp_path / "damaged"
    shutil.copytree(made["repo"], damaged)  # type: ignore[arg-type]
    pack = next(p for p in sorted((damaged / "data").rglob("*")) if p.is_file())
    pack.chmod(0o644)
    with pack.open("ab") as handle:  # a pack that grew: what a bad disk or a botched copy leaves
        handle.write(b"damage")
    findings, _ = run(tmp_path, [job(made, repository=str(damaged), verify=True)])
    integrity = findings["File server/integrity"]
    assert (integrity.status, integrity.severity) == (Status.FAIL, Severity.HIGH)
    assert any("unexpected file size" in line for line in integrity.evidence)


def test_wrong_password_is_an_error_without_the_password(made: dict[str, object], tmp_path: Path) -> None:
    (tmp_path / "wrong").write_text("not-the-password-91c2\n")
    with pytest.raises(CheckFailed) as info:
        run(tmp_path, [job(made, password_file=str(tmp_path / "wrong"))])
    message = str(info.value)
    assert "wrong password" in message and "backup job 'File server'" in message
    assert "not-the-password-91c2" not in message and PASSWORD not in message


def test_missing_repository_is_an_error(made: dict[str, object], tmp_path: Path) -> None:
    with pytest.raises(CheckFailed) as info:
        run(tmp_path, [job(made, repository=str(tmp_path / "nowhere"))])
    assert "could not list the snapshots" in str(info.value) and "check `repository`" in str(info.value)


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port on 127.0.0.1 that accepts connections and never answers: a hung backend."""
    with silent_service() as port:
        yield port


def test_hung_client_is_stopped_at_the_timeout(made: dict[str, object], tmp_path: Path, silent_server: int) -> None:
    with pytest.raises(CheckFailed, match="restic did not finish within 1 s"):
        run(tmp_path, [job(made, repository=f"rest:http://127.0.0.1:{silent_server}/", timeout_s=1)])


def test_repository_on_a_mounted_network_share_is_offsite(made: dict[str, object], tmp_path: Path) -> None:
    repo = made["repo"]
    assert isinstance(repo, Path)
    mounts = tmp_path / "mounts"
    mounts.write_text(f"/dev/sda1 / ext4 rw 0 0\nnas.lan:/backup {repo.resolve().parent} nfs4 rw 0 0\n")
    findings, _ = run(tmp_path, [job(made, mounts_file=str(mounts))])
    offsite = findings["File server/offsite"]
    assert offsite.status is Status.PASS and "network share (type nfs4" in offsite.evidence[2]
