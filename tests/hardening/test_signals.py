"""However posture is stopped — Ctrl-C (once, or twice within 20 ms), SIGTERM from systemd, SIGHUP when the
terminal goes away — no nmap, restic or password_command outlives it, and no temporary file is left.

A real `posture scan` runs a live nmap scan against a loopback listener this test opens (it accepts and
never answers, so nmap's service probes keep it busy) and a real restic on a real repository whose
password_command hangs. The signal lands while all three run.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from posture.testing import minimal_config
from tests.conftest import need_tools
from tests.hardening.support import write_yaml
from tests.servers import silent_service

pytestmark = pytest.mark.integration

PASSWORD_COMMAND = """#!/bin/sh
echo $$ >> "{pids}"
exec sleep 300
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def descendants(root: int) -> dict[int, str]:
    """pid → program name of every process below `root`."""
    parents: dict[int, int] = {}
    names: dict[int, str] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
        names[int(entry.name)] = Path(cmdline[0].decode(errors="replace")).name if cmdline[0] else ""
    found: dict[int, str] = {}
    frontier = {root}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier and pid not in found}
        found.update({pid: names[pid] for pid in frontier})
    return found


@pytest.mark.parametrize("how", ["SIGTERM", "SIGHUP", "double Ctrl-C", "Ctrl-C"])
def test_a_signal_during_a_live_scan_leaves_no_process_and_no_temporary_file(tmp_path: Path, how: str) -> None:
    need_tools("nmap", "restic")
    nmap = shutil.which("nmap")
    assert nmap is not None
    pids = tmp_path / "password-command.pids"
    command = tmp_path / "slow-password"
    command.write_text(PASSWORD_COMMAND.format(pids=pids), encoding="utf-8")
    command.chmod(0o755)
    subprocess.run(["restic", "init", "--repo", str(tmp_path / "repo")], check=True, capture_output=True, timeout=120,
                   env={**os.environ, "RESTIC_PASSWORD": "Cnry-signal-password", "HOME": str(tmp_path)})
    temp = tmp_path / "tmp"  # posture's own temporary folder: other runs on this machine do not share it
    temp.mkdir()
    with silent_service("127.0.0.63") as port:
        config = write_yaml(tmp_path / "posture.yaml", minimal_config(
            scope={"authorization": "test: loopback only", "targets": [{"address": "127.0.0.63"}]},
            checks={"readiness": False, "ports": {"profile": "standard", "ports": [port]},
                    "backups": [{"name": "Hung password", "type": "restic", "repository": str(tmp_path / "repo"),
                                 "password_command": str(command), "timeout_s": 300}]}))
        out = tmp_path / "out"
        scan = subprocess.Popen([sys.executable, "-m", "posture", "scan", str(config), "--out", str(out), "-q",
                                 "--no-history"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "TMPDIR": str(temp)})
        seen: dict[int, str] = {}
        try:
            deadline = time.monotonic() + 90
            while time.monotonic() < deadline and scan.poll() is None:
                seen.update(descendants(scan.pid))
                names = set(seen.values())
                if {Path(nmap).name, "restic"} <= names and pids.exists() and list(temp.glob("posture-nmap-*")):
                    break
                time.sleep(0.02)
            assert scan.poll() is None, scan.communicate()
            assert {Path(nmap).name, "restic"} <= set(seen.values()) and pids.exists(), seen
            time.sleep(0.3)  # mid-scan
            seen.update(descendants(scan.pid))
            if how == "double Ctrl-C":
                scan.send_signal(signal.SIGINT)
                time.sleep(0.01)
                scan.send_signal(signal.SIGINT)
            else:
                scan.send_signal({"SIGTERM": signal.SIGTERM, "SIGHUP": signal.SIGHUP,
                                  "Ctrl-C": signal.SIGINT}[how])
            stdout, stderr = scan.communicate(timeout=60)
        finally:
            if scan.poll() is None:
                scan.kill()
    expected = {"SIGTERM": 128 + signal.SIGTERM, "SIGHUP": 128 + signal.SIGHUP}.get(how, 130)
    assert scan.returncode == expected, stderr
    assert stderr.strip().splitlines()[-1] == "posture: interrupted; nothing was written", stderr
    assert "Traceback" not in stderr and stdout == ""
    # Every tool it started is gone at once (not after some grace period of their own).
    helpers = [int(p) for p in pids.read_text().split()]
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline and [p for p in [*seen, *helpers] if alive(p)]:
        time.sleep(0.05)
    left = {pid: seen.get(pid, "password_command") for pid in [*seen, *helpers] if alive(pid)}
    assert not left, f"still running after posture exited: {left}"
    assert list(temp.iterdir()) == [], "temporary files left behind"
    assert not out.exists() or not [p for p in out.rglob("*") if p.name.endswith((".partial", ".tmp"))]
