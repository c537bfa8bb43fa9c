"""The set-up `make` does on a fresh machine: which Python builds .venv (scripts/pick-python)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PICK = ROOT / "scripts" / "pick-python"
SUITABLE = "import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))"


def pick(*candidates: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(PICK), *map(str, candidates)], capture_output=True, text=True, timeout=60)


def fake_python(folder: Path, name: str, version: str, *, venv: bool = True) -> Path:
    """A `python3` that answers pick-python's question as a Python of `version` would."""
    too_old = tuple(map(int, version.split("."))) < (3, 11)
    path = folder / name
    path.write_text(f"#!/bin/sh\n# Python {version}{'' if venv else ', no venv module'}\n"
                    f"exit {1 if too_old or not venv else 0}\n")
    path.chmod(0o755)
    return path


def test_the_first_suitable_candidate_is_picked(tmp_path: Path) -> None:
    old = fake_python(tmp_path, "python3.10", "3.10")
    no_venv = fake_python(tmp_path, "python3.12-bare", "3.12", venv=False)
    good = fake_python(tmp_path, "python3.11", "3.11")
    later = fake_python(tmp_path, "python3.13", "3.13")
    proc = pick(tmp_path / "missing", old, no_venv, good, later)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == str(good)


def test_no_suitable_python_is_one_clear_line_and_exit_1(tmp_path: Path) -> None:
    proc = pick(fake_python(tmp_path, "python3.9", "3.9"), tmp_path / "missing")
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.strip().splitlines() == [
        "posture: no Python 3.11 or newer that can create a virtual environment (python3-venv on Debian)"]


def test_by_default_the_distribution_s_python_comes_before_the_one_on_path() -> None:
    system = Path("/usr/bin/python3")
    system_suits = (os.access(system, os.X_OK)
                    and subprocess.run([str(system), "-c", SUITABLE], capture_output=True, check=False).returncode == 0)
    proc = pick()
    assert proc.returncode == 0, proc.stderr
    picked = proc.stdout.strip()
    if system_suits:
        assert picked == str(system)
    else:  # a machine without it (macOS, or no python3-venv): the python3 on PATH
        on_path = subprocess.run(["sh", "-c", "command -v python3"], capture_output=True, text=True, check=True)
        assert picked == on_path.stdout.strip()
    assert subprocess.run([picked, "-c", SUITABLE], check=False).returncode == 0


def test_make_builds_the_venv_with_the_picked_python_unless_told_otherwise() -> None:
    dry = subprocess.run(["make", "-n", "-B", ".venv/bin/python"], cwd=ROOT, capture_output=True, text=True,
                         check=True)
    assert f"{pick().stdout.strip()} -m venv .venv" in dry.stdout
    chosen = subprocess.run(["make", "-n", "-B", ".venv/bin/python", "PYTHON=/opt/my/python3.12"], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    assert "/opt/my/python3.12 -m venv .venv" in chosen.stdout
