"""Faults in the tools and services a run depends on, seen from the real `posture scan` command: nmap
killed mid-scan, restic hanging, the breach API timing out or answering garbage. Each run still ends:
a clear line on stderr naming the check, exit 3, complete reports that say `error` (never `pass`), and
no tool left running.

The checks' own tests cover the same faults one level down: tests/checks/ports/test_check.py (a fake nmap
that dies, hangs or writes half a file), tests/integration/test_backups_restic.py (real restic against a
server that never answers), tests/integration/test_password_range_api.py (500s, 429s, timeouts, garbage).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from posture.testing import minimal_config
from tests.conftest import need_tools
from tests.hardening.support import posture, write_yaml
from tests.integration.range_api_server import range_api
from tests.servers import silent_service


def results(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "posture-results.json").read_text(encoding="utf-8"))
    return data


def check_result(data: dict[str, Any], check_id: str) -> dict[str, Any]:
    [found] = [c for c in data["checks"] if c["id"] == check_id]
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def children_named(parent: int, name: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        if ppid == parent and cmdline and Path(cmdline[0].decode()).name == name:
            found.append(int(entry.name))
    return found




@pytest.mark.integration
def test_nmap_killed_mid_scan_is_an_error_not_a_clean_host(tmp_path: Path) -> None:
    need_tools("nmap")
    nmap = shutil.which("nmap")
    assert nmap is not None
    with silent_service("127.0.0.61") as port:
        config = write_yaml(tmp_path / "posture.yaml", minimal_config(
            scope={"authorization": "test: loopback only", "targets": [{"address": "127.0.0.61"}]},
            checks={"readiness": False, "ports": {"profile": "standard", "ports": [port]}}))
        out = tmp_path / "out"
        scan = subprocess.Popen([sys.executable, "-m", "posture", "scan", str(config), "--out", str(out), "-q"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            found: list[int] = []
            while not found and time.monotonic() < deadline and scan.poll() is None:
                found = children_named(scan.pid, Path(nmap).name)
                time.sleep(0.02)
            assert found, "nmap never started"
            time.sleep(0.3)  # let it get going: mid-scan, not at the start
            os.kill(found[0], signal.SIGKILL)
            stdout, stderr = scan.communicate(timeout=120)
        finally:
            if scan.poll() is None:
                scan.kill()
    assert scan.returncode == 3, stderr
    assert "posture: ports: could not complete: " in stderr and "killed" in stderr, stderr
    assert "Traceback" not in stderr and len(stdout.split()) == 3
    ports = check_result(results(out), "ports")
    assert ports["status"] == "error" and "killed" in ports["error"]
    assert not [f for f in results(out)["findings"] if f["check"] == "ports" and f["status"] == "pass"]
    plan = (out / "posture-plan.md").read_text(encoding="utf-8")
    assert "| Could not be checked |" in plan and "Finish the checks that could not run" in plan


HANGING_RESTIC = """#!/bin/sh
echo $$ >> "{pids}"
exec sleep 300
"""


def test_a_hanging_restic_is_stopped_at_its_timeout_and_reported(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    pids = tmp_path / "restic.pids"
    restic = bin_dir / "restic"
    restic.write_text(HANGING_RESTIC.format(pids=pids), encoding="utf-8")
    restic.chmod(0o755)
    (tmp_path / "restic-password").write_text("a-long-repository-password\n", encoding="utf-8")
    config = write_yaml(tmp_path / "posture.yaml", minimal_config(checks={"readiness": False, "backups": [
        {"name": "File server", "type": "restic", "repository": "/srv/restic", "password_file": "restic-password",
         "timeout_s": 1},
    ]}))
    out = tmp_path / "out"
    proc = posture("scan", str(config), "--out", str(out), "-q", "--fail-on", "none",
                   env={"PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}"})
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.strip().splitlines() == [
        "posture: backups: could not complete: restic did not finish within 1 s and was stopped",
        "posture: nothing was assessed: no check ran to completion"], proc.stderr  # readiness is off here
    backups = check_result(results(out), "backups")
    assert backups["status"] == "error"
    assert not [f for f in results(out)["findings"] if f["check"] == "backups" and f["status"] == "pass"]
    assert pids.exists()
    assert not [pid for pid in map(int, pids.read_text().split()) if alive(pid)]
    plan = (out / "posture-plan.md").read_text(encoding="utf-8")
    assert "| Could not be checked |" in plan and "restic did not finish within 1 s" in plan


CANDIDATES = "reception\tkV9#qT2!mZ7@wL4$\nbackoffice\tR8%nB3^xH6&cJ1*p\n"


@pytest.mark.parametrize(("fault", "reason"), [("slow", "timed out"), ("garbage", "unreadable")])
def test_a_failing_breach_api_leaves_items_unchecked_never_passed(tmp_path: Path, fault: str, reason: str) -> None:
    (tmp_path / "found.txt").write_text(CANDIDATES, encoding="utf-8")
    with range_api([fault]) as api:
        config = write_yaml(tmp_path / "posture.yaml", minimal_config(checks={"readiness": False, "password_policy": {
            "candidate_passwords_file": "found.txt",
            "breach_check": {"mode": "online", "api_url": api.url, "timeout_s": 0.3, "retries": 1, "backoff_s": 0}}}))
        out = tmp_path / "out"
        proc = posture("scan", str(config), "--out", str(out), "-q", "--fail-on", "none")
        api.release.set()
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.strip() == "posture: password_policy: 2 item(s) could not be checked; see the report"
    findings = [f for f in results(out)["findings"] if f["check"] == "password_policy"]
    candidates = [f for f in findings if "reception" in f["title"] or "backoffice" in f["title"]]
    assert candidates and all(f["status"] == "error" for f in candidates), [(f["title"], f["status"]) for f in findings]
    assert any(reason in " ".join([f["detail"], *f["evidence"]]) for f in candidates)
    plan = (out / "posture-plan.md").read_text(encoding="utf-8")
    assert "Could not be checked" in plan
