"""Shared by the hardening tests: run the real `posture` command, build small configs with evidence,
and a plugin folder that installs test-only checks into a child process exactly as a third party would."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from posture.testing import minimal_config

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "sample_configs"
LOCATED_LINE = re.compile(r"^posture: (?P<path>[^:\n]+?)(?::(?P<line>\d+)(?::(?P<col>\d+))?)?: (?P<rest>.+)$")


def posture(*args: str, env: Mapping[str, str] | None = None, cwd: Path | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`python -m posture ARGS` in a child process, as a user or cron would run it."""
    full_env = {**os.environ, "PYTHONWARNINGS": "error", **(env or {})}
    return subprocess.run([sys.executable, "-m", "posture", *args], capture_output=True, text=True, cwd=cwd,
                          env=full_env, timeout=timeout)


def problem_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("posture: ") and ": WARNING: " not in line]


def assert_refused(proc: subprocess.CompletedProcess[str], path: Path | str, *fragments: str,
                   line: int | None = None) -> re.Match[str]:
    """Exit 2, no traceback, nothing on stdout, and a first problem line that names `path` (and `line`)."""
    assert proc.returncode == 2, (proc.returncode, proc.stderr[-2000:])
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    assert proc.stdout == ""
    lines = problem_lines(proc.stderr)
    assert lines, proc.stderr
    match = LOCATED_LINE.match(lines[0])
    assert match, lines[0]
    # Evidence files are named as the config wrote them (relative) or in full. An evidence problem is located
    # at the config key that names the file, and its message names the file (and line) after the key.
    if not (match["path"] == str(path) or str(path).endswith("/" + match["path"])):
        inner = re.search(r"(?:^|: )(?P<path>[^:\n]+?)(?::(?P<line>\d+)(?::(?P<col>\d+))?)?: ", match["rest"])
        while inner and not (inner["path"] == str(path) or str(path).endswith("/" + inner["path"])):
            inner = re.compile(r": (?P<path>[^:\n]+?)(?::(?P<line>\d+)(?::(?P<col>\d+))?)?: ").search(
                match["rest"], inner.end() - 2)
        assert inner, (match["path"], str(path), lines[0])
        match = inner
    if line is not None:
        assert match["line"] == str(line), lines[0]
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert all(len(text) < 1000 for text in lines)
    return match


def write_yaml(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def evidence_config(folder: Path, address: str = "127.0.0.1", **checks: Any) -> Path:
    """A config in `folder` with one target (loopback) and the given check sections (readiness off)."""
    data = minimal_config(scope={"authorization": "test: loopback only", "targets": [{"address": address}]},
                          checks={"readiness": False, **checks})
    return write_yaml(folder / "posture.yaml", data)


def copy_evidence(name: str, folder: Path, target: str) -> Path:
    """One of the sample configs' evidence files, copied into `folder` under `target`."""
    found = sorted(SAMPLES.glob(f"*/evidence/{name}"))
    assert found, name
    out = folder / target
    out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(found[0], out)
    return out


def plugin_site(folder: Path, module: str, source: str, checks: Mapping[str, str]) -> dict[str, str]:
    """A site folder holding one module and its dist-info; returns the environment that installs it."""
    site = folder / "site"
    info = site / f"{module}-1.0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (site / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {module}\nVersion: 1.0\n", encoding="utf-8")
    lines = "".join(f"{check_id} = {module}:{cls}\n" for check_id, cls in checks.items())
    (info / "entry_points.txt").write_text(f"[posture.checks]\n{lines}", encoding="utf-8")
    return {"PYTHONPATH": os.pathsep.join(filter(None, [str(site), os.environ.get("PYTHONPATH", "")]))}
