"""The whole check through its config section: options, evidence files, the samples, tool failures, secrets."""

from __future__ import annotations

import json
import os
import stat
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from checks.backups import BackupsCheck
from checks.backups.options import BackupsOptions
from checks.backups.tools import scrub, tool_message
from posture.config import config_from_located
from posture.errors import Cancelled, CheckFailed, ConfigError, InputError, ToolMissing
from posture.models import Severity, Status
from posture.registry import Registry
from posture.testing import context_for, run_check
from posture.yamlsrc import load_yaml
from tests.checks.backups.support import NOW, context, restic_json, run

SAMPLES = Path(__file__).resolve().parents[3] / "sample_configs"
PASSWORD = "correct-horse-battery-staple-42"


def sample(name: str, registry: Registry, now: datetime = NOW, check: type[BackupsCheck] = BackupsCheck):
    """Run the check on a sample config's own backups section (other sections belong to other checks)."""
    located = load_yaml(SAMPLES / name / "posture.yaml")
    located.data["checks"] = {"backups": located.data["checks"]["backups"]}
    ctx = context_for(config_from_located(located, registry), "backups", now=now)
    findings = run_check(check, ctx)
    return {f.key: f for f in findings}, ctx.facts


# --- the config contract ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["corner-shop", "ledger-accounting", "lone-star-dental"])
def test_sample_sections_validate(name: str) -> None:
    section = load_yaml(SAMPLES / name / "posture.yaml").data["checks"]["backups"]
    assert BackupsOptions.model_validate(section).jobs


def test_demo_config_section_validates() -> None:
    section = load_yaml(SAMPLES / "demo.yaml").data["checks"]["backups"]
    assert BackupsOptions.model_validate(section).jobs[0].type == "restic"


@pytest.mark.parametrize("name", ["corner-shop", "ledger-accounting", "lone-star-dental"])
def test_json_schema_accepts_the_samples(name: str) -> None:
    import jsonschema

    section = load_yaml(SAMPLES / name / "posture.yaml").data["checks"]["backups"]
    jsonschema.validate(json.loads(json.dumps(section, default=str)), BackupsOptions.model_json_schema())


def config_errors(tmp_path: Path, jobs: Any) -> list[InputError]:
    from posture.testing import config_from_dict, minimal_config

    with pytest.raises(ConfigError) as info:
        config_from_dict(tmp_path, minimal_config(checks={"backups": jobs}))
    return info.value.problems


def test_unknown_key_is_reported_at_its_own_line(tmp_path: Path) -> None:
    [problem] = config_errors(tmp_path, [{"name": "a", "type": "restic", "repository": "/r", "pasword_file": "p"}])
    assert problem.key == "checks.backups[0].pasword_file"
    assert problem.line is not None
    line = (tmp_path / "posture.yaml").read_text().splitlines()[problem.line - 1]
    assert "pasword_file" in line


@pytest.mark.parametrize("jobs, message", [
    ([{"name": "a", "type": "tape"}], "one of restic, borg, declared, folder"),
    ([{"name": "a"}], "each job needs `type`"),
    ([{"name": "a", "type": "restic", "repository": "/r"}], "needs `password_file` or `password_command`"),
    ([{"name": "a", "type": "restic", "password_file": "p"}], "needs `repository`"),
    ([{"name": "a", "type": "restic", "repository": "/r", "password_file": "p", "password_command": "c"}],
     "not both"),
    ([{"name": "a", "type": "restic", "snapshots_file": "s.json", "verify": True}], "needs the live repository"),
    ([{"name": "a", "type": "borg"}], "needs `repository`"),
    ([{"name": "a", "type": "borg", "repository": "/r", "info_file": "i.json"}], "goes with `list_file`"),
    ([{"name": "a", "type": "borg", "list_file": "l.json", "timezone": "Mars/Olympus"}], "not a known time zone"),
    ([{"name": "a", "type": "folder", "path": "x", "pattern": "../*"}], "cannot leave it"),
    ([{"name": "a", "type": "declared", "tool": "x", "rpo_hours": 0}], "greater than 0"),
    ([{"name": "a", "type": "folder", "path": "x"}, {"name": "a", "type": "folder", "path": "y"}], "two jobs"),
    ([], "at least one backup job"),
    ({"type": "folder"}, "valid list"),
])
def test_bad_jobs_are_refused_with_a_reason(tmp_path: Path, jobs: Any, message: str) -> None:
    problems = config_errors(tmp_path, jobs)
    assert any(message in p.message for p in problems), [p.message for p in problems]


def test_missing_evidence_file_is_located_at_its_config_key(tmp_path: Path) -> None:
    ctx = context(tmp_path, [{"name": "a", "type": "restic", "snapshots_file": "nope.json"}])
    with pytest.raises(InputError) as info:
        BackupsCheck().prepare(ctx)
    assert info.value.key == "checks.backups[0].snapshots_file"
    assert info.value.line is not None and "file not found" in info.value.message


def test_malformed_evidence_names_the_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "snaps.json").write_text('[\n{"time": "2026-11-01T00:00:00Z", "id": "a"},\n{"time": }\n]')
    ctx = context(tmp_path, [{"name": "a", "type": "restic", "snapshots_file": "snaps.json"}])
    with pytest.raises(InputError) as info:
        BackupsCheck().prepare(ctx)
    assert info.value.path == str(tmp_path / "snaps.json") and info.value.line == 3


def test_describe_evidence_names_each_job(tmp_path: Path) -> None:
    ctx = context(tmp_path, [{"name": "Files", "type": "restic", "snapshots_file": "s.json"},
                             {"name": "DB", "type": "declared", "tool": "Veeam"}])
    lines = BackupsCheck().describe_evidence(ctx.options, ctx.config)
    assert lines == ["Backup job 'Files': saved restic snapshots s.json",
                     "Backup job 'DB': the owner's description of Veeam (declared, lower confidence)"]


# --- the samples ---------------------------------------------------------------------------------------------------


def test_lone_star_dental_sample_names_the_clean_restore_point(registry: Registry) -> None:
    findings, facts = sample("lone-star-dental", registry)
    job = "File server nightly"
    assert findings[f"{job}/offsite"].status is Status.FAIL
    assert findings[f"{job}/offsite"].weaknesses == ("no-offsite-backup",)
    fresh = findings[f"{job}/freshness"]
    assert (fresh.status, fresh.severity, fresh.weaknesses) == (Status.FAIL, Severity.HIGH, ("irregular-backups",))
    assert "9.2 days old" in fresh.title  # newest 2026-11-11 07:30 UTC, judged at 2026-11-20 12:00
    point = findings[f"{job}/restore-point"]
    assert point.title == ("Clean restore point for File server nightly: snapshot 83abd1a0 of 2026-11-05 07:30 UTC "
                           "(before the compromise window)")
    assert point.actions == ("review-backups-before-restore", "restore-clean")
    assert facts["restore_points"] == [{"job": job, "host": "fileserver", "snapshot_id": "83abd1a0",
                                        "time": "2026-11-05T07:30:10+00:00"}]
    assert facts["compromise_window_start"] == "2026-11-06T00:00:00+00:00"
    assert json.dumps(facts)  # JSON-safe


def test_ledger_sample_offsite_borg_and_declared_job(registry: Registry) -> None:
    findings, facts = sample("ledger-accounting", registry, now=datetime(2026, 11, 22, 9, tzinfo=UTC))
    borg_job, declared = "Client files to offsite", "Accounting database"
    assert findings[f"{borg_job}/offsite"].status is Status.PASS
    assert "ssh backend on vault.example.net" in findings[f"{borg_job}/offsite"].evidence[2]
    assert findings[f"{borg_job}/freshness"].status is Status.PASS
    assert findings[f"{borg_job}/encryption"].evidence[-1] == "Encryption: borg mode repokey-blake2"
    assert findings[f"{declared}/offsite"].status is Status.FAIL
    assert findings[f"{declared}/offsite"].title.endswith("(declared, not verified)")
    assert findings[f"{declared}/restore-test"].status is Status.FAIL  # 2025-03-15: over a year
    assert "restore_points" not in facts  # readiness mode
    assert [j["type"] for j in facts["jobs"]] == ["borg", "declared"]


def test_corner_shop_sample_folder_on_a_network_share(registry: Registry, tmp_path: Path) -> None:
    folder = SAMPLES / "corner-shop/evidence/usb-backups"
    mounts = tmp_path / "mounts"
    mounts.write_text(f"/dev/sda1 / ext4 rw 0 0\nnas:/shop {folder.resolve()} nfs4 rw 0 0\n")

    class OnNas(BackupsCheck):
        mounts_path = mounts

    findings, _ = sample("corner-shop", registry, now=datetime(2026, 11, 16, tzinfo=UTC), check=OnNas)
    job = "Shop laptop to USB"
    assert findings[f"{job}/offsite"].status is Status.PASS
    assert findings[f"{job}/freshness"].status is Status.PASS  # newest 2026-11-14, weekly rpo
    assert findings[f"{job}/size-trend"].status is Status.FAIL  # the last zip lost its sales export
    assert findings[f"{job}/encryption"].severity is Severity.LOW  # not recorded


# --- folders -------------------------------------------------------------------------------------------------------


def test_folder_by_modification_time(tmp_path: Path) -> None:
    backups = tmp_path / "usb"
    backups.mkdir()
    for days_ago in (40, 33, 26, 19, 12):
        path = backups / f"backup-{days_ago}.tar"
        path.write_bytes(b"x" * 100)
        stamp = (NOW - timedelta(days=days_ago)).timestamp()
        os.utime(path, (stamp, stamp))
    findings, facts = run(tmp_path, [{"name": "USB", "type": "folder", "path": "usb", "rpo_hours": 168,
                                      "last_restore_test": "2026-10-01", "encrypted": True}])
    assert findings["USB/freshness"].status is Status.FAIL and "12 days old" in findings["USB/freshness"].title
    assert findings["USB/retention"].status is Status.PASS
    assert findings["USB/restore-test"].status is Status.PASS
    assert findings["USB/encryption"].status is Status.PASS
    assert facts["jobs"][0]["snapshots"] == 5


def test_missing_folder_is_an_error_not_a_pass(tmp_path: Path) -> None:
    with pytest.raises(CheckFailed, match="does not exist"):
        run(tmp_path, [{"name": "NAS", "type": "folder", "path": "not-mounted"}])


# --- live tools, faked: what reaches the command line, timeouts, failures --------------------------------------------

FAKE = """#!/bin/sh
printf '%s\\n' "$0" "$@" > "$FAKE_LOG/argv"
env > "$FAKE_LOG/env"
case "$FAKE_MODE" in
  hang) exec sleep 30 ;;
  leak) echo "Fatal: wrong password $(cat "$RESTIC_PASSWORD_FILE")" >&2; exit 1 ;;
  garbage) echo "[{not json" ; exit 0 ;;
  *) cat "$FAKE_LOG/out.json" ;;
esac
"""


@pytest.fixture
def fake_restic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    tool = bin_dir / "restic"
    tool.write_text(FAKE)
    tool.chmod(tool.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setenv("FAKE_LOG", str(tmp_path))
    monkeypatch.setenv("RESTIC_PASSWORD", "inherited-must-not-win")
    (tmp_path / "pw").write_text(PASSWORD + "\n")
    (tmp_path / "out.json").write_text(restic_json(["2026-11-19T02:00:00Z", "2026-11-20T02:00:00Z"]))
    return tmp_path


LIVE = {"name": "Files", "type": "restic", "repository": "rest:https://backup:urlsecret99@vault.example.net/r",
        "password_file": "pw"}


def test_secrets_travel_in_the_environment_never_the_command_line(fake_restic: Path) -> None:
    findings, _ = run(fake_restic, [LIVE])
    argv = (fake_restic / "argv").read_text()
    env = (fake_restic / "env").read_text()
    assert argv.split("\n")[1:4] == ["snapshots", "--json", "--no-lock"]
    assert PASSWORD not in argv and "urlsecret99" not in argv and "vault.example.net" not in argv
    assert f"RESTIC_PASSWORD_FILE={fake_restic / 'pw'}" in env
    assert "RESTIC_PASSWORD=\n" in env  # the inherited one is blanked
    assert PASSWORD not in env
    offsite = findings["Files/offsite"]
    assert offsite.status is Status.PASS
    assert "Location: rest:https://backup:***@vault.example.net/r" in offsite.evidence
    assert not any("urlsecret99" in line for f in findings.values() for line in f.evidence)


def test_a_hung_client_is_stopped_and_reported(fake_restic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_MODE", "hang")
    with pytest.raises(CheckFailed, match="did not finish within 0.5 s"):
        run(fake_restic, [{**LIVE, "timeout_s": 0.5}])


def test_tool_messages_never_carry_the_password(fake_restic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_MODE", "leak")
    with pytest.raises(CheckFailed) as info:
        run(fake_restic, [LIVE])
    message = str(info.value)
    assert "wrong password ***" in message and PASSWORD not in message
    assert "check password_file" in message


def test_unreadable_tool_output_is_an_error(fake_restic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_MODE", "garbage")
    with pytest.raises(CheckFailed, match="unreadable snapshots"):
        run(fake_restic, [LIVE])


def test_missing_tool_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    (tmp_path / "pw").write_text("x" * 10)
    with pytest.raises(ToolMissing, match="restic is not installed"):
        run(tmp_path, [LIVE])


def test_one_failing_job_is_its_own_error_and_the_others_are_judged(fake_restic: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_MODE", "leak")
    jobs = [{"name": "DB", "type": "declared", "tool": "Veeam", "last_success": "2026-11-20T01:00:00Z"}, LIVE]
    findings, facts = run(fake_restic, jobs)
    errors = [f for f in findings.values() if f.status is Status.ERROR]
    assert len(errors) == 1 and errors[0].asset == "Files" and "could not be checked" in errors[0].title
    assert errors[0].key == "Files/could-not-check" and "urlsecret99" not in errors[0].detail
    assert any(f.asset == "DB" and f.status is Status.FAIL for f in findings.values())
    assert facts["not_assessed"] == ["Files/"]  # last run's findings of Files are not re-checked, not resolved


def test_when_every_job_fails_the_check_is_error_naming_each(fake_restic: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_MODE", "leak")
    with pytest.raises(CheckFailed, match="Backup job 'Files'.*; Backup job 'Files2'"):
        run(fake_restic, [LIVE, {**LIVE, "name": "Files2"}])


def test_cancel_stops_before_the_next_job(tmp_path: Path) -> None:
    ctx = context(tmp_path, [{"name": "DB", "type": "declared", "tool": "Veeam"}])
    ctx.cancel_event.set()
    check = BackupsCheck()
    check.prepare(ctx)
    with pytest.raises(Cancelled):
        list(check.run(ctx))


def test_scrub_masks_secrets_and_withholds_when_too_short() -> None:
    assert scrub("bad key hunter22 for repo", ["hunter22", ""]) == "bad key *** for repo"
    assert "abc" not in scrub("wrong password abc", ["abc"])
    proc = subprocess.CompletedProcess(["restic"], 1, "", "[0:00] 10%\nFatal: wrong password hunter22\n")
    assert tool_message(proc, ["hunter22"]) == "wrong password ***"
    assert tool_message(subprocess.CompletedProcess(["borg"], 2, "", ""), []) == "exit status 2, no message"


# --- declared jobs and incident details ----------------------------------------------------------------------------


def test_declared_job_is_marked_and_judged(tmp_path: Path) -> None:
    findings, facts = run(tmp_path, [{
        "name": "DB", "type": "declared", "tool": "Veeam Agent", "schedule": "daily",
        "last_success": "2026-11-19T23:30:00", "destination": "b2:veeam-office", "encrypted": True,
        "retention_days": 60, "last_restore_test": "2026-09-01", "immutable": True,
    }])
    assert all(f.title.endswith("(declared, not verified)") for f in findings.values())
    assert findings["DB/offsite"].status is Status.PASS  # the destination names a remote backend
    assert findings["DB/freshness"].status is Status.PASS
    assert findings["DB/retention"].status is Status.PASS
    assert facts["jobs"][0]["declared"] is True


def test_declared_job_without_offsite_statement_is_not_offsite(tmp_path: Path) -> None:
    findings, _ = run(tmp_path, [{"name": "DB", "type": "declared", "tool": "Veeam", "destination": "the NAS"}])
    assert findings["DB/offsite"].status is Status.FAIL
    assert "has not said" in findings["DB/offsite"].evidence[2]
    assert findings["DB/freshness"].title.startswith("No successful run of DB")


def test_first_compromise_moves_the_window(tmp_path: Path) -> None:
    times = [f"2026-{m:02d}-{d:02d}T02:00:00Z" for m, d in ((9, 1), (9, 20), (10, 1), (10, 20), (11, 1))]
    (tmp_path / "s.json").write_text(restic_json(times))
    incident = {"discovered": "2026-11-20", "kind": "data_theft", "first_compromise": "2026-10-05"}
    findings, facts = run(tmp_path, [{"name": "F", "type": "restic", "snapshots_file": "s.json"}], incident=incident)
    assert "snapshot 00000002 of 2026-10-01 02:00 UTC" in findings["F/restore-point"].title
    assert facts["compromise_window_start"] == "2026-10-05T00:00:00+00:00"


def test_hardware_failure_incident_marks_the_findings(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text(restic_json(["2026-11-18T02:00:00Z", "2026-11-19T02:00:00Z"]))
    incident = {"discovered": "2026-11-20", "kind": "hardware_failure"}
    findings, _ = run(tmp_path, [{"name": "F", "type": "restic", "snapshots_file": "s.json",
                                  "last_restore_test": date(2026, 10, 1).isoformat()}], incident=incident)
    point = findings["F/restore-point"]
    assert "hardware-failure" in point.weaknesses and "(the newest before the failure)" in point.title
    assert "hardware-failure" in findings["F/freshness"].weaknesses


def test_offline_evidence_uses_a_saved_mount_table(tmp_path: Path) -> None:
    (tmp_path / "s.json").write_text(restic_json(["2026-11-19T02:00:00Z"]))
    (tmp_path / "mounts.txt").write_text("nas.lan:/volume1/backup /mnt/nas nfs rw 0 0\n")
    job = {"name": "F", "type": "restic", "snapshots_file": "s.json", "repository": "/mnt/nas/restic",
           "mounts_file": "mounts.txt"}
    findings, _ = run(tmp_path, [job])
    assert findings["F/offsite"].status is Status.PASS
    assert "the saved mount table mounts.txt" in findings["F/offsite"].evidence[2]

