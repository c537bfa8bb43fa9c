"""Every bundled sample config runs end to end through the real CLI (real nmap on 127.0.0.x)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from posture.cli import main
from tests.conftest import need_tools

SAMPLES = Path(__file__).resolve().parents[2] / "sample_configs"
CONFIGS = sorted([SAMPLES / "demo.yaml", *SAMPLES.glob("*/posture.yaml")])

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    need_tools("nmap")
    out = {}
    for config in CONFIGS:
        name = config.parent.name if config.name == "posture.yaml" else config.stem
        folder = tmp_path_factory.mktemp(name)
        code = main(["scan", str(config), "--out", str(folder), "--quiet", "--no-history", "--format",
                     "markdown,json,html"])
        assert code in (0, 1), f"{config}: exit {code}"
        out[name] = folder
    return out


def test_every_sample_writes_a_complete_plan_with_no_check_errors(scanned: dict[str, Path]) -> None:
    assert set(scanned) == {"demo", "lone-star-dental", "ledger-accounting", "corner-shop"}
    for name, folder in scanned.items():
        results = json.loads((folder / "posture-results.json").read_text())
        errors = {c["id"]: c["error"] for c in results["checks"] if c["status"] != "ok"}
        assert errors == {}, f"{name}: {errors}"
        assert {c["id"] for c in results["checks"]} >= {"readiness", "ports", "password_policy", "backups", "training"}
        assert results["plan"]["actions"], name
        assert (folder / "posture-plan.html").read_text().startswith("<!DOCTYPE html>")


def test_dental_plan_opens_with_p1_containment_and_texas_deadlines(scanned: dict[str, Path]) -> None:
    folder = scanned["lone-star-dental"]
    results = json.loads((folder / "posture-results.json").read_text())
    actions = results["plan"]["actions"]
    assert actions[0]["priority"] == 1 and actions[0]["phase"] == "contain"
    finding_ids = {f["id"] for f in results["findings"]}
    for action in actions:
        assert action["guide_steps"], action["id"]
        assert action["findings"] and set(action["findings"]) <= finding_ids, action["id"]
    deadlines = {n["rule"]: n for n in results["plan"]["notifications"]}
    assert deadlines["tx-individuals"]["deadline"].startswith("2027-01-19")
    assert deadlines["tx-attorney-general"]["deadline"].startswith("2026-12-20")
    plan = (folder / "posture-plan.md").read_text()
    first_action = re.search(r"^- \[ \] \*\*(.+?)\*\*", plan, re.M)
    assert first_action and first_action.group(1) == "Preserve evidence before anything is wiped or switched off"
    assert plan.index("### P1: within 24 hours") < plan.index("#### Contain") < plan.index("#### Identify")
    assert "Texas Attorney General" in plan and "verify with your attorney" in plan


def test_readiness_samples_write_a_prevention_plan_without_due_dates(scanned: dict[str, Path]) -> None:
    for name in ("ledger-accounting", "corner-shop"):
        results = json.loads((scanned[name] / "posture-results.json").read_text())
        assert results["mode"] == "readiness" and results["plan"]["notifications"]
        assert all(n["deadline"] is None for n in results["plan"]["notifications"])  # stated in words
        assert all(a["due"] is None for a in results["plan"]["actions"])
    ledger = json.loads((scanned["ledger-accounting"] / "posture-results.json").read_text())
    assert "ftc-safeguards" in {n["rule"] for n in ledger["plan"]["notifications"]}
    shop = json.loads((scanned["corner-shop"] / "posture-results.json").read_text())
    assert "fl-cra" in {n["rule"] for n in shop["plan"]["notifications"]}
