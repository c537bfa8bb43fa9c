"""The consultant's first hour: configs as people type them, every problem at once, runs that say what they
did and did not assess, and the comparison that never calls "resolved" what it did not look at."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from checks.training.parse import parse_roster
from posture.check import UNASSESSED
from posture.config import load_config
from posture.drift import compare
from posture.models import Assessment, CheckResult, CheckStatus, Finding, Mode, Severity, Status
from posture.registry import default_registry
from posture.yamlsrc import load_yaml
from reports import html as html_report
from reports import markdown
from reports.text import md

ROOT = Path(__file__).resolve().parents[2]
POSTURE = str(Path(sys.executable).with_name("posture"))


def posture(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([POSTURE, *args], capture_output=True, text=True, cwd=cwd, timeout=300,
                          env={**os.environ, "PYTHONWARNINGS": "error"})


# --- YAML as people type it -------------------------------------------------------------------------

HAND_TYPED = """\
version: 1
organization:
  name: Corner Shop
incident:
  discovered: 2026-11-20
  kind: ransomware
  personal_data_exposed: yes
checks:
  password_policy:
    sources:
      - {type: declared, asset: office, min_length: 8}
    mfa: {remote_access: no, email: yes, admin: off}
alerts:
  webhook: https://hooks.example.com/T000
  on: [new_high, check_error]
"""


def test_a_hand_typed_config_with_bare_yes_no_and_on_validates(tmp_path: Path) -> None:
    path = tmp_path / "client.yaml"
    path.write_text(HAND_TYPED)
    config = load_config(path, default_registry())
    assert config.incident is not None and config.incident.personal_data_exposed == "yes"
    assert config.alerts is not None and config.alerts.on == ["new_high", "check_error"]
    mfa = config.options("password_policy").mfa  # type: ignore[union-attr]
    assert (mfa.remote_access, mfa.email, mfa.admin) == (False, True, False)  # bool fields still read yes/no


def test_only_true_and_false_are_booleans(tmp_path: Path) -> None:
    path = tmp_path / "x.yaml"
    path.write_text("a: yes\nb: No\non: 1\nc: off\nd: y\ne: true\nf: FALSE\ng: 06:17\nh: 0x1F\ni: 1.5\n")
    assert load_yaml(path).data == {"a": "yes", "b": "No", "on": 1, "c": "off", "d": "y", "e": True, "f": False,
                                    "g": "06:17", "h": 31, "i": 1.5}


def test_a_yaml_roster_keeps_words_that_yaml_1_1_called_booleans(tmp_path: Path) -> None:
    roster = tmp_path / "roster.yaml"
    roster.write_text("- {name: Ola Nordmann, email: ola@shop.example, department: NO, course: Phishing 101,"
                      " completed: 2026-10-01}\n- {name: Ann Lee, email: ann@shop.example, department: On call,"
                      " course: Phishing 101, completed: 2026-09-01}\n")
    parsed = parse_roster(roster, today=datetime(2026, 11, 20).date())
    assert [r.department for r in parsed.records] == ["NO", "On call"]


# --- validate: every layer at once ----------------------------------------------------------------------

def test_three_mistakes_in_three_layers_give_three_located_lines(tmp_path: Path) -> None:
    (tmp_path / "client.yaml").write_text(
        "version: 1\n"
        "organization:\n"
        "  name: Corner Shop\n"
        "  colour: blue\n"                               # schema: unknown key
        "incident:\n"
        "  discovered: 2026-11-20\n"
        "  personal_data_exposed: maybe\n"               # value: not yes/no/unknown
        "checks:\n"
        "  training:\n"
        "    roster: evidence/trainig.csv\n")            # evidence: no such file
    proc = posture("validate", "client.yaml", cwd=tmp_path)
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.splitlines() == [
        "posture: client.yaml:4:3: organization.colour: unknown key",
        "posture: client.yaml:7:3: incident.personal_data_exposed: Input should be 'yes', 'no' or 'unknown'",
        "posture: client.yaml:10:5: checks.training.roster: evidence/trainig.csv: cannot read: "
        "No such file or directory",
    ]


def test_evidence_contents_are_located_at_the_key_and_name_the_file_line(tmp_path: Path) -> None:
    (tmp_path / "net.txt").write_text("Minimum password length: lots\n")
    (tmp_path / "client.yaml").write_text(
        "version: 1\norganization: {name: Co}\nchecks:\n  password_policy:\n    sources:\n"
        "      - {type: windows_net_accounts, path: net.txt}\n  backups:\n"
        "    - {name: Files, type: restic, snapshots_file: gone.json}\n")
    proc = posture("validate", "client.yaml", cwd=tmp_path)
    lines = proc.stderr.splitlines()
    assert proc.returncode == 2 and len(lines) == 2, proc.stderr
    assert lines[0].startswith("posture: client.yaml:6:") and "net.txt:1" in lines[0]
    assert lines[1].startswith("posture: client.yaml:8:") and "checks.backups[0].snapshots_file" in lines[1]


def test_typos_inside_backup_jobs_get_a_did_you_mean(tmp_path: Path) -> None:
    (tmp_path / "client.yaml").write_text(
        "version: 1\norganization: {name: Co}\nchecks:\n  backups:\n"
        "    - {name: Files, type: restic, repository: /srv/r, pasword_file: pw}\n")
    proc = posture("validate", "client.yaml", cwd=tmp_path)
    assert "checks.backups[0].pasword_file: unknown key (did you mean 'password_file'?)" in proc.stderr


def test_the_starter_validates_and_plan_help_names_its_own_defaults(tmp_path: Path) -> None:
    assert posture("init", "x.yaml", cwd=tmp_path).returncode == 0
    assert posture("validate", "x.yaml", cwd=tmp_path).returncode == 0
    helptext = " ".join(posture("plan", "--help").stdout.split())
    assert "default: the results file's folder" in helptext and "report.out_dir" not in helptext


# --- nothing checked is never a clean bill of health -------------------------------------------------------

def test_a_run_where_nothing_ran_exits_3_and_says_nothing_was_assessed(tmp_path: Path) -> None:
    (tmp_path / "client.yaml").write_text("version: 1\norganization: {name: Co}\nchecks: {readiness: false}\n")
    proc = posture("scan", "client.yaml", "--no-history", cwd=tmp_path)
    assert proc.returncode == 3
    assert "nothing was assessed" in proc.stderr
    plan = (tmp_path / "reports/posture-plan.md").read_text()
    assert "Nothing was assessed" in plan and "no problems were found" not in plan


# --- -v -----------------------------------------------------------------------------------------------------

@pytest.mark.integration
@pytest.mark.parametrize("where", ["before", "after"])
def test_verbose_demo_shows_posture_s_own_steps_only(tmp_path: Path, where: str) -> None:
    from tests.conftest import need_tools

    need_tools("nmap")
    args = ["scan", str(ROOT / "sample_configs/demo.yaml"), "--out", str(tmp_path), "--no-history"]
    proc = posture(*(["-v", *args] if where == "before" else [*args, "-v"]))
    lines = proc.stderr.splitlines()
    assert proc.returncode == 1, proc.stderr
    assert 5 < len(lines) < 40, proc.stderr
    assert all(line.startswith("posture: ") for line in lines), proc.stderr
    text = proc.stderr
    assert "config loaded" in text and "report written" in text and "nmap -s" in text
    for check in ("ports", "password_policy", "backups", "training", "readiness"):
        assert f"check {check}: started" in text and f"check {check}: finished in " in text
    assert "markdown_it" not in text and "DEBUG" not in text


# --- drift: not supplied is not resolved ----------------------------------------------------------------------

def _run(findings: list[Finding], facts: dict[str, object], day: int) -> Assessment:
    finished = datetime(2026, 11, day, tzinfo=UTC)
    return Assessment(config_path="x.yaml", config_id="c", organization={"name": "Co"}, mode=Mode.READINESS,
                      incident=None, scope={}, started=finished - timedelta(minutes=1), finished=finished,
                      checks=[CheckResult("password_policy", "Passwords", CheckStatus.OK, tuple(findings),
                                          facts=facts)], run_id=f"run{day}")


def _fail(key: str) -> Finding:
    return Finding(check="password_policy", key=key, status=Status.FAIL, severity=Severity.HIGH, title=key)


def test_candidates_typed_once_are_not_rechecked_when_none_are_typed_next_time() -> None:
    before = _run([_fail("candidate/reception"), _fail("office/min-length")], {}, 16)
    after = _run([], {UNASSESSED: ["candidate/reception"]}, 23)  # the policy was fixed; no candidates typed
    changes = compare(before, after)
    assert [f.key for f in changes.resolved] == ["office/min-length"]
    assert [f.key for f in changes.not_rechecked] == ["candidate/reception"]


def test_the_password_check_marks_last_runs_candidates_not_supplied(tmp_path: Path) -> None:
    from checks.password_policy import PasswordPolicyCheck
    from posture.check import PreviousRun
    from posture.testing import config_from_dict, context_for, minimal_config, run_check

    config = config_from_dict(tmp_path, minimal_config(checks={"password_policy": {
        "sources": [{"type": "declared", "asset": "office", "min_length": 15}]}}))
    ctx = context_for(config, "password_policy")
    old = _fail("candidate/reception")
    ctx.previous = PreviousRun("run16", datetime(2026, 11, 16, tzinfo=UTC), {old.id: old})
    run_check(PasswordPolicyCheck, ctx)
    assert ctx.facts[UNASSESSED] == ["candidate/reception"]
    assert ctx.facts["breach_check"].startswith("online: ")


# --- the plan's text --------------------------------------------------------------------------------------------

def test_markdown_escapes_only_what_would_act_and_keeps_code_spans() -> None:
    assert md("no_offsite_backup! > fine") == "no_offsite_backup! > fine"
    assert md("run `restic forget --keep-daily 14`") == "run `restic forget --keep-daily 14`"
    assert md("<script>*x* [a](b) _y_") == "\\<script>\\*x\\* \\[a\\](b) \\_y\\_"
    from dataclasses import replace

    from tests.reports import sample

    odd = replace(sample.OLD_SSH, title="run `borg prune` now <b>x</b>")
    html = html_report.render(sample.assessment(odd), "consultant")  # the page is rendered from the model
    assert "<code>borg prune</code>" in html and "&lt;b&gt;x" in html and "`" not in html.split("<body")[-1]


def test_reminders_are_not_listed_as_passes() -> None:
    due = Finding(check="training", key="t/expiring-soon", status=Status.PASS, severity=Severity.INFO,
                  title="Training expires within 30 days for 1 person", remediation="Book the refresher.")
    ok = Finding(check="backups", key="b/encrypted", status=Status.PASS, severity=Severity.INFO,
                 title="Backups of Files are encrypted", asset="Files")
    assessment = _run([], {}, 23)
    assessment.checks = [CheckResult("training", "Training", CheckStatus.OK, (due, ok))]
    text = markdown.render(assessment)
    passed = text.split("### What passed")[1].split("##")[0]
    assert "Backups of Files are encrypted" in passed and "(Files)" not in passed and "expires" not in passed
    assert "Training expires within 30 days for 1 person: Book the refresher." in text.split("### Reminders")[1]


def test_the_mfa_action_does_not_ask_for_mfa_where_it_is_on() -> None:
    from posture.catalogue import load_catalogue

    title = load_catalogue().actions["enable-mfa"].title
    assert "email" not in title and "where the findings below show it missing" in title


def test_borg_retention_advice_names_borg() -> None:
    from checks.backups.rules import PRUNE_EXAMPLE

    assert PRUNE_EXAMPLE["borg"].startswith("borg prune") and PRUNE_EXAMPLE["restic"].startswith("restic forget")


# --- the breach look-up with no network -------------------------------------------------------------------

def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_an_unreachable_range_api_stops_after_one_retry_for_every_prefix() -> None:
    from checks.password_policy.breach import RangeClient

    client = RangeClient(f"http://127.0.0.1:{_closed_port()}/range/", timeout_s=10, retries=3, backoff_s=0.2)
    results = client.lookup_all([f"{n:05X}" + "0" * 35 for n in range(6)])  # six distinct prefixes
    assert client.stats.requests == 2  # one retry, then the other prefixes are not tried
    assert {r.status for r in results.values()} == {"error"}
    assert all("could not connect" in r.reason and "breach_check.mode" in r.reason for r in results.values())


def test_with_no_network_the_scan_says_so_on_one_line(tmp_path: Path) -> None:
    (tmp_path / "found.txt").write_text("nas\tlong-unusual-phrase-for-the-nas-77\nwifi\tanother-long-one-4411\n")
    (tmp_path / "client.yaml").write_text(
        "version: 1\norganization: {name: Co}\nchecks:\n  readiness: false\n  password_policy:\n"
        "    sources: [{type: declared, asset: office, min_length: 15}]\n"
        "    candidate_passwords_file: found.txt\n"
        f"    breach_check: {{api_url: 'http://127.0.0.1:{_closed_port()}/range/'}}\n")
    proc = posture("scan", "client.yaml", "--no-history", cwd=tmp_path)
    said = [line for line in proc.stderr.splitlines() if "breach look-up failed" in line]
    assert len(said) == 1 and "2 candidate password(s) not checked" in said[0], proc.stderr
    plan = (tmp_path / "reports/posture-plan.md").read_text()
    assert "| Breach look-up | online: the first 5 characters of each password" in plan
