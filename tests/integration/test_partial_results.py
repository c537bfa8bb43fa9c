"""Partial results through the real CLI: two real restic repositories, one job given a wrong password.

The good job is still judged and its findings reach the plan; the bad job is one `error` finding naming
it; the next run does not call the bad job's earlier findings resolved.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from posture.drift import compare
from posture.results import load_results
from tests.conftest import need_tools

pytestmark = pytest.mark.integration
PASSWORD = "partial-results-pw-5d21"
POSTURE = str(Path(sys.executable).with_name("posture"))


def restic(*args: str, env: dict[str, str]) -> None:
    subprocess.run(["restic", *args], env=env, capture_output=True, text=True, timeout=120, check=True,
                   stdin=subprocess.DEVNULL)


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A client folder: conf/pw.txt, two local repositories with one snapshot each (the tests only read them)."""
    need_tools("restic")
    tmp_path = tmp_path_factory.mktemp("client")
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf/pw.txt").write_text(PASSWORD + "\n")
    env = {**os.environ, "RESTIC_PASSWORD": PASSWORD, "RESTIC_CACHE_DIR": str(tmp_path / "cache")}
    (tmp_path / "data").mkdir()
    (tmp_path / "data/file.txt").write_text("ledger\n")
    for repo in ("files", "mail"):
        restic("-r", str(tmp_path / repo), "init", env=env)
        restic("-r", str(tmp_path / repo), "backup", str(tmp_path / "data"), env=env)
    (tmp_path / "wrong.txt").write_text("not-the-password-0b7e\n")
    return tmp_path


def write(client: Path, mail_password_file: str) -> Path:
    config = {
        "version": 1,
        "organization": {"name": "Two Jobs Ltd"},
        "checks": {"readiness": False, "backups": [
            # password_command with a relative path: it runs in the config's folder, wherever posture is run
            {"name": "Files", "type": "restic", "repository": "files", "password_command": "cat conf/pw.txt"},
            {"name": "Mail", "type": "restic", "repository": "mail", "password_file": mail_password_file},
        ]},
        "report": {"out_dir": "out", "formats": ["markdown", "json"]},
    }
    path = client / "posture.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


def scan(config: Path, db: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RESTIC_CACHE_DIR": str(config.parent / "cache")}
    return subprocess.run([POSTURE, "scan", str(config), "--db", str(db)], capture_output=True, text=True,
                          cwd="/", timeout=300, env=env)  # cwd "/": password_command must not depend on it


def findings(client: Path) -> list[dict[str, Any]]:
    data = json.loads((client / "out/posture-results.json").read_text())
    return list(data["findings"])


def test_a_wrong_password_is_one_error_and_the_good_job_is_still_judged(client: Path, tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    proc = scan(write(client, "wrong.txt"), db)
    assert proc.returncode == 1, proc.stderr  # the good job has no offsite copy: high
    found = findings(client)
    errors = [f for f in found if f["status"] == "error"]
    assert [(f["asset"], f["title"]) for f in errors] == [("Mail", "Backup job 'Mail' could not be checked")]
    assert "wrong password" in errors[0]["detail"] and "not-the-password" not in json.dumps(found)
    files = {f["title"] for f in found if f["asset"] == "Files" and f["status"] == "fail"}
    assert "No offsite copy of Files" in files
    plan = (client / "out/posture-plan.md").read_text()
    assert "No offsite copy of Files" in plan
    assert "| Could not be checked | Backup job 'Mail' could not be checked" in plan
    assert "backups: 1 item(s) could not be checked" in proc.stderr


def test_the_broken_job_s_earlier_findings_are_not_re_checked_never_resolved(client: Path, tmp_path: Path) -> None:
    db = tmp_path / "history.sqlite"
    assert scan(write(client, "conf/pw.txt"), db).returncode == 1
    first = load_results(client / "out/posture-results.json")
    assert any(f.asset == "Mail" for f in first.failing)
    assert scan(write(client, "wrong.txt"), db).returncode == 1
    second = load_results(client / "out/posture-results.json")
    changes = compare(first, second)
    assert not changes.resolved
    assert {f.asset for f in changes.not_rechecked} == {"Mail"}
    assert second.drift is not None and not second.drift.resolved


def test_a_failing_password_command_blames_the_password_not_the_repository(client: Path, tmp_path: Path) -> None:
    config = write(client, "conf/pw.txt")
    text = config.read_text().replace("cat conf/pw.txt", "cat conf/missing.txt")
    config.write_text(text)
    scan(config, tmp_path / "history.sqlite")
    error = next(f for f in findings(client) if f["status"] == "error")
    assert error["asset"] == "Files" and "password_command failed" in error["detail"]
    assert "repository" not in error["detail"].split("(")[-1]
