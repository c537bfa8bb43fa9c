"""The issue's "must show", end to end through the real CLI, real nmap and a real webhook server.

Two `posture scan` runs of one config scan 127.0.0.83 (nothing else). Between them the test opens a
listener there that claims to be an old OpenSSH and carries a hostile `<script>` banner. Then:
- the second plan lists the port as new (summary, changes section, NEW marks),
- the staff edition (rendered from the results with `posture plan --audience staff`) holds no address
  and no port number,
- the HTML shows the banner as text, never as a tag,
- the webhook on 127.0.0.1 received exactly one alert: the second run's new high finding.
"""

from __future__ import annotations

import html
import json
import os
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests.conftest import need_tools
from tests.reports.webhook_server import Webhook, webhook

pytestmark = pytest.mark.integration

ADDRESS = "127.0.0.83"
# nmap's OpenSSH-on-Ubuntu rule copies everything after "Ubuntu-" into the version it reports.
BANNER = b"SSH-2.0-OpenSSH_7.2p2 Ubuntu-4ubuntu2.10 <script>alert('owned')</script>\r\n"
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((ADDRESS, 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def hostile_listener(port: int) -> Iterator[None]:
    """A TCP service on ADDRESS:port that greets every connection with BANNER."""
    server = socket.socket()
    try:
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((ADDRESS, port))
        server.listen(16)
    except OSError:
        server.close()
        raise
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except (TimeoutError, OSError):
                continue
            with conn:
                try:
                    conn.sendall(BANNER)
                    conn.settimeout(1.0)
                    conn.recv(1024)
                except OSError:
                    pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
        server.close()


def _posture(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost"}
    return subprocess.run([sys.executable, "-m", "posture", *args], cwd=ROOT, capture_output=True, text=True,
                          env=env, timeout=300)


def _config(folder: Path, webhook_url: str, port: int) -> Path:
    data = {
        "version": 1,
        "organization": {
            "name": "Drift Test Dental",
            # every contact named, so the readiness check raises nothing: the only news is the port
            "contacts": {"incident_lead": "Ana Ruiz (owner)", "it_provider": "Bayou IT, +1 713 555 0142",
                         "attorney": "Lee & Co", "cyber_insurer": "Sunshine Mutual"},
        },
        "scope": {
            "authorization": "Test: this machine's loopback only, listener opened by the test itself",
            "targets": [{"address": ADDRESS, "name": "front-desk-pc", "exposure": "internal",
                         "expected_ports": []}],
        },
        # standard = version detection, which reads the banner; only PORT is scanned
        "checks": {"ports": {"profile": "standard", "ports": str(port)}},
        "report": {"out_dir": "reports", "formats": ["markdown", "json", "html"]},
        "alerts": {"webhook": webhook_url, "on": ["new_high", "check_error"], "timeout_s": 10},
    }
    path = folder / "posture.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class Runs:
    first: subprocess.CompletedProcess[str]
    second: subprocess.CompletedProcess[str]
    staff: subprocess.CompletedProcess[str]
    history: subprocess.CompletedProcess[str]
    hook: Webhook
    folder: Path
    first_results: dict[str, Any]
    port: int

    @property
    def out(self) -> Path:
        return self.folder / "reports"


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    need_tools("nmap")
    folder = tmp_path_factory.mktemp("drift")
    db = folder / "history.sqlite"
    port = free_port()  # closed during the first run
    with webhook([200]) as hook:
        config = _config(folder, hook.url, port)
        first = _posture("scan", str(config), "--db", str(db), "--strict-alerts")
        first_results = json.loads((folder / "reports" / "posture-results.json").read_text("utf-8"))
        with hostile_listener(port):
            second = _posture("scan", str(config), "--db", str(db), "--strict-alerts")
        staff = _posture("plan", str(folder / "reports" / "posture-results.json"), "--audience", "staff", "--out",
                         str(folder / "staff"))
        history = _posture("history", str(config), "--db", str(db))
    return Runs(first, second, staff, history, hook, folder, first_results, port)


def test_the_first_run_is_clean_and_the_second_finds_the_port(runs: Runs) -> None:
    assert runs.first.returncode == 0, runs.first.stderr
    assert runs.second.returncode == 1, runs.second.stderr  # a high finding, and the alert was delivered
    assert [c["status"] for c in runs.first_results["checks"]] == ["ok", "ok"]
    assert [f for f in runs.first_results["findings"] if f["status"] == "fail"] == []


def test_the_second_plan_lists_the_port_as_new(runs: Runs) -> None:
    results = json.loads((runs.out / "posture-results.json").read_text("utf-8"))
    new = {f["id"]: f for f in results["findings"] if f["id"] in results["drift"]["new"]}
    assert new and all(f["key"].startswith(f"{ADDRESS}/tcp/{runs.port}") for f in new.values())
    assert {f["severity"] for f in new.values()} >= {"high"}  # the outdated OpenSSH
    plan = (runs.out / "posture-plan.md").read_text("utf-8")
    assert "| Since the last run (" in plan and f"| {len(new)} new · 0 resolved · 0 unchanged |" in plan
    changes = plan.split("## Changes since the last run")[1].split("\n## ")[0]
    assert changes.count(f"tcp/{runs.port}") == len(new)
    assert plan.count("weaknesses:") == plan.count("**NEW** since")  # every failing finding is new


def test_the_staff_edition_has_no_address_and_no_port(runs: Runs) -> None:
    assert runs.staff.returncode == 0, runs.staff.stderr
    for name in ("posture-plan-staff.md", "posture-plan-staff.html"):
        text = html.unescape((runs.folder / "staff" / name).read_text("utf-8"))
        assert re.findall(r"\b(?:\d{1,3}\.){3}\d{1,3}\b", text) == []
        assert not re.search(rf"(?<![\d-]){runs.port}(?!\d)", text)
        for detail in ("front-desk-pc", "OpenSSH", "7.2p2", "4ubuntu2.10", "script", "Ana Ruiz"):
            assert detail not in text, (name, detail)
        assert "Upgrade or replace unsupported and outdated software" in text  # the action stays


def test_both_results_files_match_the_published_schema(runs: Runs) -> None:
    schema = json.loads(resources.files("posture.data").joinpath("results.schema.json").read_text("utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    second = json.loads((runs.out / "posture-results.json").read_text("utf-8"))
    for document in (runs.first_results, second):
        assert [e.message for e in validator.iter_errors(document)] == []


def test_the_html_shows_the_hostile_banner_as_text(runs: Runs) -> None:
    page = (runs.out / "posture-plan.html").read_text("utf-8")
    assert "&lt;script&gt;alert('owned')&lt;/script&gt;" in page
    assert "<script" not in page


def test_the_webhook_received_exactly_one_alert(runs: Runs) -> None:
    assert len(runs.hook.received) == 1
    alert = runs.hook.received[0]
    assert alert["posture"]["triggers"] == ["new_high"]
    assert alert["posture"]["previous_run"]
    assert [f["severity"] for f in alert["posture"]["new_high"]] == ["high"]
    assert "Outdated OpenSSH" in alert["text"] and "&lt;script&gt;" in alert["text"]


def test_history_lists_both_runs(runs: Runs) -> None:
    assert runs.history.returncode == 0, runs.history.stderr
    rows = [line.split() for line in runs.history.stdout.splitlines()[1:]]
    assert len(rows) == 2
    assert rows[0][4:6] == ["-", "-"] and rows[1][5] == "0" and int(rows[1][4]) >= 1
