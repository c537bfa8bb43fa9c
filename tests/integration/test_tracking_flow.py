"""The tracking issue's "must show", through the real CLI, real nmap and a loopback listener the test opens.

Scan; set an owner and status with `posture track`; accept a high finding with `posture accept`; tick an
action and write an owner in the Markdown plan and read it back with `posture track --from`; scan again.
The second plan shows the owner, the ticked action done (or reopened, its findings still seen), the accepted
finding under "Accepted risks" with its expiry, out of the counts and the exit code. Then the deliverables
(`--format pdf,docx,csv`) are read back with pdftotext, python-docx and csv, and two concurrent `track`
writes beside a scan leave the database intact with both changes.
"""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import docx
import jsonschema
import pytest
import yaml

from tests.conftest import need_tools
from tests.integration.test_drift_ports import ROOT, _posture

pytestmark = pytest.mark.integration
ADDRESS = "127.0.0.86"
BANNER = b"SSH-2.0-OpenSSH_7.2p2 Ubuntu-4ubuntu2.10\r\n"


def _config(folder: Path, port: int) -> Path:
    data = {
        "version": 1,
        "organization": {"name": "Tracking Test Title Co",
                         "contacts": {"incident_lead": "Ana Ruiz", "it_provider": "Bayou IT", "attorney": "Lee & Co",
                                      "cyber_insurer": "Sunshine Mutual"}},
        "scope": {"authorization": "Test: loopback only, listener opened by the test itself",
                  "targets": [{"address": ADDRESS, "name": "file-server", "exposure": "internal",
                               "expected_ports": []}]},
        "checks": {"ports": {"profile": "standard", "ports": str(port)}},
        "report": {"out_dir": "reports", "formats": ["markdown", "json", "html"]},
    }
    path = folder / "posture.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class Flow:
    folder: Path
    config: Path
    db: Path
    first: dict[str, Any]
    second_run: subprocess.CompletedProcess[str]
    second: dict[str, Any]
    plan: str
    tracked: str
    accepted: list[str]
    ticked: str
    outputs: list[subprocess.CompletedProcess[str]]


def _results(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "reports" / "posture-results.json").read_text("utf-8"))


@pytest.fixture(scope="module")
def flow(tmp_path_factory: pytest.TempPathFactory) -> Flow:
    need_tools("nmap")
    from tests.integration import test_drift_ports as drift

    folder = tmp_path_factory.mktemp("tracking")
    db = folder / "history.sqlite"
    old_address, old_banner = drift.ADDRESS, drift.BANNER
    drift.ADDRESS, drift.BANNER = ADDRESS, BANNER
    try:
        port = drift.free_port()
        config = _config(folder, port)
        with drift.hostile_listener(port):
            first_run = _posture("scan", str(config), "--db", str(db))
            assert first_run.returncode == 1, first_run.stderr
            first = _results(folder)
            actions = first["plan"]["actions"]
            tracked = "close-exposed-services" if any(a["id"] == "close-exposed-services" for a in actions) \
                else actions[0]["id"]
            high = [f["id"] for f in first["findings"]
                    if f["status"] == "fail" and f["severity"] in ("critical", "high")]
            # tick an action that a finding left unaccepted still triggers, so it stays in the plan
            ticked = next(a["id"] for a in actions
                          if a["id"] != tracked and any(fid not in high for fid in a["findings"]))
            until = (date.today() + timedelta(days=60)).isoformat()
            outputs = [_posture("track", str(config), tracked, "--owner", "Dana", "--status", "in_progress",
                                "--db", str(db))]
            outputs += [_posture("accept", str(config), fid, "--reason", "vendor VPN appliance, replaced in Q1",
                                 "--until", until, "--by", "Ana", "--db", str(db)) for fid in high]
            plan_file = folder / "reports" / "posture-plan.md"
            marked = []
            for line in plan_file.read_text("utf-8").splitlines():
                if f"`{ticked}`" in line:
                    line = line.replace("- [ ]", "- [x]", 1).replace("owner: ________", "owner: Maria")
                marked.append(line)
            plan_file.write_text("\n".join(marked) + "\n", encoding="utf-8")
            outputs.append(_posture("track", str(config), "--from", str(plan_file), "--db", str(db)))
            second_run = _posture("scan", str(config), "--db", str(db))
    finally:
        drift.ADDRESS, drift.BANNER = old_address, old_banner
    return Flow(folder, config, db, first, second_run, _results(folder),
                (folder / "reports" / "posture-plan.md").read_text("utf-8"), tracked, high, ticked, outputs)


def test_every_tracking_command_succeeds(flow: Flow) -> None:
    for done in flow.outputs:
        assert done.returncode == 0, done.stderr
    assert flow.accepted, "the old OpenSSH gives at least one high finding to accept"
    assert f"{flow.ticked}: status → done; owner → Maria" in flow.outputs[-1].stdout


def test_the_second_plan_shows_owner_ticks_and_accepted_risks(flow: Flow) -> None:
    lines = {a: next(line for line in flow.plan.splitlines() if f"`{a}`" in line) for a in (flow.tracked, flow.ticked)}
    assert "owner: Dana; in progress" in lines[flow.tracked]
    ticked = lines[flow.ticked]
    assert "owner: Maria" in ticked
    assert ticked.startswith("- [x]") or "still seen" in ticked  # done, or reopened because still seen
    accepted = flow.plan.split("## Accepted risks")[1].split("\n## ")[0]
    until = (date.today() + timedelta(days=60)).isoformat()
    for fid in flow.accepted:
        assert f"`{fid}`" in accepted and f"until {until}" in accepted and "vendor VPN appliance" in accepted
    assert "accepted risk" in flow.plan.split("## Actions")[0]  # the progress line in the summary


def test_accepted_findings_leave_the_counts_and_the_exit_code(flow: Flow) -> None:
    failing = {f["id"] for f in flow.second["findings"] if f["status"] == "fail"}
    assert set(flow.accepted) <= failing, "still seen by the scan"
    assert set(flow.second["accepted"]) == set(flow.accepted)
    assert flow.second_run.returncode == 0, flow.second_run.stderr  # nothing at or above high is left unaccepted
    summary = flow.plan.split("## Actions")[0]
    assert "| Problems found | 0 critical · 0 high" in summary
    schema = json.loads((ROOT / "posture" / "data" / "results.schema.json").read_text("utf-8"))
    assert [e.message for e in jsonschema.Draft202012Validator(schema).iter_errors(flow.second)] == []


def test_a_plan_from_another_config_is_refused(flow: Flow, tmp_path: Path) -> None:
    other = tmp_path / "plan.md"
    other.write_text("- [x] **x** · `call-attorney` (owner: Eve)\n\nPlan of run `r` for config `0123456789abcdef`.\n")
    refused = _posture("track", str(flow.config), "--from", str(other), "--db", str(flow.db))
    assert refused.returncode == 2
    assert "another config" in refused.stderr and "Traceback" not in refused.stderr


def test_track_lists_the_actions_with_their_state(flow: Flow) -> None:
    listed = _posture("track", str(flow.config), "--db", str(flow.db))
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if line.startswith(flow.tracked))
    assert "Dana" in row and "in progress" in row
    assert "progress:" in listed.stdout


def test_deliverables_read_back(flow: Flow) -> None:
    need_tools("pdftotext")
    out = flow.folder / "deliverables"
    done = _posture("plan", str(flow.folder / "reports" / "posture-results.json"), "--format", "pdf,docx,csv",
                    "--out", str(out))
    assert done.returncode == 0, done.stderr
    first_title = flow.second["plan"]["actions"][0]["title"]
    text = subprocess.run(["pdftotext", str(out / "posture-plan.pdf"), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = " ".join(text.split())
    assert "Tracking Test Title Co" in flat and " ".join(first_title.split()) in flat
    document = docx.Document(str(out / "posture-plan.docx"))
    words = "\n".join([p.text for p in document.paragraphs]
                      + [c.text for t in document.tables for r in t.rows for c in r.cells])
    assert "Tracking Test Title Co" in words and first_title in words
    rows = list(csv.DictReader(io.StringIO((out / "posture-actions.csv").read_text("utf-8"))))
    assert [r["id"] for r in rows] == [a["id"] for a in flow.second["plan"]["actions"]]


def test_concurrent_track_writes_and_a_scan_keep_both_changes(flow: Flow) -> None:
    import os
    import sys

    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost"}
    base = [sys.executable, "-m", "posture"]
    procs = [
        subprocess.Popen([*base, "track", str(flow.config), "call-attorney", "--owner", "Lee", "--db", str(flow.db)],
                         cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
        subprocess.Popen([*base, "track", str(flow.config), "call-attorney", "--status", "done", "--db",
                          str(flow.db)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
        subprocess.Popen([*base, "scan", str(flow.config), "--db", str(flow.db), "--only", "readiness", "-q"],
                         cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True),
    ]
    results = [(p.wait(timeout=300), p.communicate()) for p in procs]
    assert [code for code, _ in results[:2]] == [0, 0], results
    assert results[2][0] in (0, 1), results[2]
    with sqlite3.connect(flow.db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        row = conn.execute("SELECT owner, status FROM action_state WHERE action='call-attorney'").fetchone()
    assert row == ("Lee", "done")
