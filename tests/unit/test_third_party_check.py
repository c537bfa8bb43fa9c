"""A third-party check written from docs/writing-a-check.md alone, built and installed as its own package:
it passes the conformance kit, and appears in `posture checks`, in `posture scan` and in the TUI; a probe
outside the scope raises. `posture new-check` writes a package that does the same."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from posture.models import CheckStatus
from posture.testing import minimal_config, write_config

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "writing-a-check.md"
BLOCK = re.compile(r"^```\w+ file=(\S+)\n(.*?)^```$", re.S | re.M)


def install(package: Path, site: Path) -> dict[str, str]:
    """pip-install the package into `site` (offline: hatchling is a test dependency); the env that sees it."""
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-build-isolation", "--no-deps",
                           "--target", str(site), str(package)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return {**os.environ, "PYTHONPATH": str(site)}


def posture(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "posture", *args], capture_output=True, text=True, env=env,
                          timeout=300)


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@pytest.fixture(scope="module")
def from_the_docs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("docs-check")
    blocks = BLOCK.findall(DOC.read_text(encoding="utf-8"))
    assert {name for name, _ in blocks} == {"pyproject.toml", "posture_printer_admin/__init__.py",
                                            "tests/test_printer_admin.py"}
    for name, text in blocks:
        (root / "pkg" / name).parent.mkdir(parents=True, exist_ok=True)
        (root / "pkg" / name).write_text(text, encoding="utf-8")
    return root, install(root / "pkg", root / "site")


def test_the_docs_check_passes_its_tests_and_the_conformance_kit(from_the_docs: tuple[Path, dict[str, str]]) -> None:
    root, env = from_the_docs
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(root / "pkg/tests")],
                          capture_output=True, text=True, env=env, cwd=root, timeout=300)
    assert done.returncode == 0 and "3 passed" in done.stdout, done.stdout + done.stderr


def test_the_docs_check_is_listed_and_scans(from_the_docs: tuple[Path, dict[str, str]], listener: int,
                                            tmp_path: Path) -> None:
    _, env = from_the_docs
    listed = posture(env, "checks")
    assert re.search(r"^printer_admin\s+plugin\s+Printer admin ports\s+\[exposed-entry-point\]", listed.stdout, re.M)
    scope = {"authorization": "the owner", "targets": [{"address": "127.0.0.1"}]}
    config = write_config(tmp_path, minimal_config(
        scope=scope, checks={"readiness": False, "printer_admin": {"hosts": ["127.0.0.1"], "ports": [listener]}}))
    scan = posture(env, "scan", str(config), "--out", str(tmp_path / "out"), "--no-history", "-q", "--fail-on", "none")
    assert scan.returncode == 0, scan.stderr
    results = json.loads((tmp_path / "out/posture-results.json").read_text(encoding="utf-8"))
    assert [f["title"] for f in results["findings"]] == [f"TCP port {listener} answers on 127.0.0.1"]
    assert "TCP port" in (tmp_path / "out/posture-plan.md").read_text(encoding="utf-8")

    # A probe outside the scope raises: the check's result is an error naming the address, exit code 3.
    outside = write_config(tmp_path, minimal_config(
        scope=scope, checks={"readiness": False, "printer_admin": {"hosts": ["127.0.0.99"]}}), "outside.yaml")
    scan = posture(env, "scan", str(outside), "--out", str(tmp_path / "out2"), "--no-history", "-q")
    assert scan.returncode == 3
    assert "printer_admin: could not complete: 127.0.0.99 is outside the scope the config authorises" in scan.stderr


def test_the_docs_check_runs_in_the_tui(from_the_docs: tuple[Path, dict[str, str]], listener: int, tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from posture.registry import default_registry
    from posture.tui.app import make_app
    from tests.tui.conftest import drive, run_to_end, shown

    root, _ = from_the_docs
    monkeypatch.syspath_prepend(str(root / "site"))
    scope = {"authorization": "the owner", "targets": [{"address": "127.0.0.1"}]}
    config = write_config(tmp_path, minimal_config(
        scope=scope, report={"out_dir": "out"},
        checks={"readiness": False, "printer_admin": {"hosts": ["127.0.0.1"], "ports": [listener]}}))
    app = make_app(config, default_registry(), db=tmp_path / "h.sqlite", start_dir=tmp_path)

    async def scenario(pilot: Any) -> None:
        text = await shown(pilot)
        assert "Printer admin ports" in text and f"probes TCP {listener} on 127.0.0.1" in text
        await pilot.press("r")
        await run_to_end(pilot)
        await pilot.press("enter")
        assert f"TCP port {listener} answers on 127.0.0.1" in await shown(pilot)

    drive(app, scenario, size=(120, 30))
    [result] = app.session.assessment.checks
    assert result.check == "printer_admin" and result.status is CheckStatus.OK
    assert (tmp_path / "out/posture-plan.md").is_file()  # published like any run


def test_new_check_writes_a_package_that_passes_the_kit(tmp_path: Path) -> None:
    made = posture(dict(os.environ), "new-check", "nas_admin", "--dir", str(tmp_path))
    assert made.returncode == 0, made.stderr
    package = tmp_path / "posture-nas-admin"
    assert (package / "posture_nas_admin/__init__.py").is_file()
    env = install(package, tmp_path / "site")
    assert re.search(r"^nas_admin\s+plugin", posture(env, "checks").stdout, re.M)
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(package / "tests")],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert done.returncode == 0 and "3 passed" in done.stdout, done.stdout + done.stderr
    again = posture(dict(os.environ), "new-check", "nas_admin", "--dir", str(tmp_path))
    assert again.returncode == 2 and "already exists; not overwriting it" in again.stderr
    bad = posture(dict(os.environ), "new-check", "Bad-Name", "--dir", str(tmp_path))
    assert bad.returncode == 2 and "is not a check id" in bad.stderr
