"""Every real evidence sample in tests/data/real/ read the way posture reads it in the field.

Each file goes through `posture validate` and `posture scan` (in-process, the CLI's own entry point)
with a config written the way a consultant would, and the test asserts what the file says: the values
read, the findings expected, or a clean one-line refusal naming the file. Time-dependent judgements
(freshness, gaps, history depth) are also checked with the check run as of the capture date. Test ids
are the sample paths, so the run names every file it judged. nmap-xml/ and masscan-xml/ are the ports
check's and have their own test.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from checks.backups import BackupsCheck
from checks.training import TrainingCheck
from posture.cli import main
from posture.models import Finding, Status
from posture.testing import config_from_dict, context_for, minimal_config, run_check, write_config

REAL = Path(__file__).resolve().parents[1] / "data" / "real"
NOT_OURS = {"nmap-xml", "masscan-xml"}
RESTIC_CAPTURED = datetime(2026, 12, 1, 18, 41, 15, tzinfo=UTC)  # restic-json/PROVENANCE
BORG_CAPTURED = datetime(2026, 12, 1, 18, 55, tzinfo=UTC)  # borg-json/PROVENANCE
TRAINING_DAY = datetime(2026, 12, 1, 12, tzinfo=UTC)

# --- what each file says -----------------------------------------------------------------------------------
# Password evidence: the values read (net accounts: min_length, max_age_days, lockout_threshold, history),
# or the words of the one-line refusal.
NET = "windows_net_accounts"
PASSWORD: dict[str, tuple[str, dict[str, Any] | str]] = {
    "net-accounts/en-windows-11-powershell51-utf16le.txt": (NET, {"min_length": 0, "max_age_days": 42,
                                                                  "lockout_threshold": 10, "history": 0}),
    "net-accounts/en-server-2019-domain-cmd-ascii.txt": (NET, {"min_length": 14, "max_age_days": 0,
                                                               "lockout_threshold": 0, "history": 24}),
    "net-accounts/de-cmd-cp850.txt": (NET, {"min_length": 0, "max_age_days": 42, "lockout_threshold": 0}),
    "net-accounts/de-powershell51-utf16le.txt": (NET, {"min_length": 12, "max_age_days": 0, "lockout_threshold": 5,
                                                       "history": 24}),
    "net-accounts/fr-powershell51-utf16le.txt": (NET, {"min_length": 0, "max_age_days": 42, "lockout_threshold": 0}),
    "net-accounts/es-powershell7-utf8.txt": (NET, {"min_length": 8, "max_age_days": 42, "lockout_threshold": 10}),
    "net-accounts/it-cmd-cp850.txt": (NET, {"min_length": 7, "max_age_days": 90, "lockout_threshold": 0}),
    "net-accounts/pt-br-powershell51-utf16le.txt": (NET, {"min_length": 0, "max_age_days": 42,
                                                          "lockout_threshold": 0}),
    "net-accounts/nl-powershell51-outfile-utf8-bom.txt": (NET, {"min_length": 15, "max_age_days": 0,
                                                                "lockout_threshold": 10}),
    "net-accounts/ru-powershell51-utf16le.txt": (NET, "no `net accounts` label recognised"),
    "net-accounts/en-access-denied-cmd.txt": (NET, "this is an error from net accounts"),
    "net-accounts/de-systemfehler-cmd-cp850.txt": (NET, "this is an error from net accounts"),
    "ad-policy/get-addefaultdomainpasswordpolicy-ps51-utf16le.txt": (
        "ad_password_policy", {"min_length": 7, "max_age_days": 42, "lockout_threshold": 0, "history": 24}),
    "ad-policy/get-addefaultdomainpasswordpolicy-convertto-json-ps51-utf16le.json": (
        "ad_password_policy", {"min_length": 15, "max_age_days": 0, "lockout_threshold": 5,
                               "lockout_duration_min": 15}),
    "ad-policy/get-addefaultdomainpasswordpolicy-convertto-json-ps7-utf8.json": (
        "ad_password_policy", {"min_length": 15, "max_age_days": 0, "lockout_threshold": 5}),
    "login-defs/debian-12.login.defs": ("linux_login_defs", {"max_age_days": 0, "hash_method": "SHA512"}),
    "login-defs/debian-12-pass-min-len-15.login.defs": ("linux_login_defs", {"min_length": 15, "max_age_days": 0}),
    "login-defs/debian-12-crlf-utf16le.login.defs": ("linux_login_defs", {"max_age_days": 0,
                                                                         "hash_method": "SHA512"}),
    "login-defs/centos-7.login.defs": ("linux_login_defs", {"min_length": 8, "max_age_days": 0,
                                                           "hash_method": "SHA512"}),
    "login-defs/ubuntu.login.defs": ("linux_login_defs", {"min_length": 8, "max_age_days": 0}),
    "login-defs/arch.login.defs": ("linux_login_defs", {"max_age_days": 730, "min_age_days": 30}),
    "login-defs/suse-12.login.defs": ("linux_login_defs", {"max_age_days": 28, "hash_method": "SHA512"}),
    "login-defs/fedora-shadow-utils.login.defs": ("linux_login_defs", {"max_age_days": 0,
                                                                       "hash_method": "YESCRYPT"}),
    "login-defs/cyberpatriot-hardened.login.defs": ("linux_login_defs", {"max_age_days": 90, "min_age_days": 7}),
    "pwquality/debian-12-libpwquality-1.4.5.conf": ("pwquality_conf", {"min_length": 8, "blocklist": "dictionary"}),
    "pwquality/debian-12-minlen-15.conf": ("pwquality_conf", {"min_length": 15, "blocklist": "dictionary"}),
    "pwquality/debian-12-not-enforcing.conf": ("pwquality_conf", {"min_length": 0, "blocklist": "none"}),
    "faillock/debian-12-linux-pam-1.5.2.conf": ("faillock_conf", {"lockout_threshold": 3,
                                                                  "lockout_duration_min": 10}),
    "faillock/debian-12-deny-5.conf": ("faillock_conf", {"lockout_threshold": 5, "lockout_duration_min": 15}),
}

# Backups: (list or snapshots file, borg info file or None) -> snapshots read and hosts, or the refusal.
BACKUPS: dict[str, tuple[str | None, dict[str, Any] | str]] = {
    "restic-json/restic-0.14-two-hosts.json": (None, {"count": 64, "hosts": {"fileserver", "laptop"}}),
    "restic-json/restic-0.14-two-hosts-group-by-host.json": (None, {"count": 64, "hosts": {"fileserver", "laptop"}}),
    "restic-json/restic-0.14-two-hosts-powershell51-utf16le.json": (None, {"count": 64,
                                                                         "hosts": {"fileserver", "laptop"}}),
    "restic-json/restic-0.14-14-day-gap.json": (None, {"count": 31, "hosts": {"nas"}}),
    "restic-json/restic-0.14-28-day-gap.json": (None, {"count": 8, "hosts": {"office-pc"}}),
    "restic-json/restic-0.14-future-dated.json": (None, {"count": 4, "hosts": {"till"}}),
    "restic-json/restic-0.14-latest-only.json": (None, {"count": 1, "hosts": {"till"}}),
    "restic-json/restic-0.14-truncated.json": (None, "not valid JSON"),
    "restic-json/restic-0.18.0-mixed-history.json": (None, {"count": 3, "hosts": {"Lazi-PC"}}),
    "restic-json/restic-0.16.2-group-by-host.json": (None, {"count": 2, "hosts": {"3099758ccbd9"}}),
    "restic-json/restic-0.12-group-by-host.json": (None, {"count": 1, "hosts": {"ace809d23440"}}),
    "borg-json/borg-1.2.4-list-repokey-blake2.json": ("borg-json/borg-1.2.4-info-repokey-blake2.json",
                                                      {"count": 40, "encrypted": True}),
    "borg-json/borg-1.2.4-list-repokey-blake2-powershell51-utf16le.json": (None, {"count": 40, "encrypted": True}),
    "borg-json/borg-1.2.4-list-none-future-dated.json": ("borg-json/borg-1.2.4-info-none.json",
                                                         {"count": 4, "encrypted": False}),
    "borg-json/borg-1.2.4-list-keyfile.json": ("borg-json/borg-1.2.4-info-keyfile.json",
                                               {"count": 1, "encrypted": True}),
    "borg-json/borg-1.1.18-docs-list-last-1.json": ("borg-json/borg-1.1.18-docs-info.json",
                                                    {"count": 1, "encrypted": True}),
    "borg-json/borg-1.1.18-docs-info-last-1.json": (None, {"count": 1, "encrypted": True}),
    "borg-json/borg-2.0.0b5-rlist-repokey-aes-ocb.json": ("borg-json/borg-2.0.0b5-rinfo-repokey-aes-ocb.json",
                                                          {"count": 4, "encrypted": True}),
    "borg-json/borg-2-master-docs-list-last-1.json": ("borg-json/borg-2-master-docs-info.json",
                                                      {"count": 1, "encrypted": True}),
    "borg-json/borg-2-master-docs-info-last-1.json": (None, {"count": 1, "encrypted": True}),
    "borg-json/borg-1.2.4-info-authenticated.json": (None, "expected the output of `borg list --json`"),
}
BORG_INFO_ONLY = {info for info, _ in BACKUPS.values() if info}  # read as the info_file of a job above

# Training: the role a file plays and what it says: people read (name, completed or clicks), or the refusal.
TRAINING: dict[str, tuple[str, dict[str, Any] | str]] = {
    "training-csv/proofpoint-user-enrollments.csv": ("roster", {"completed": {
        "Maria Alvarez": date(2026, 1, 20), "José Núñez": date(2026, 3, 2), "Priya Raman": None,
        "Tom O'Brien": None, "Chloé Dubois": date(2025, 1, 14)}}),
    "training-csv/roster-excel-csv-cp1252.csv": ("roster", {"completed": {"José Núñez": date(2026, 3, 2),
                                                                          "Chloé Dubois": date(2025, 1, 14)}}),
    "training-csv/roster-excel-csv-utf8-semicolon.csv": ("roster", {"completed": {
        "Maria Alvarez": date(2026, 1, 20), "José Núñez": date(2026, 3, 2)}}),
    "training-csv/roster-excel-unicode-text-utf16le.txt": ("roster", {"completed": {
        "Maria Alvarez": date(2026, 1, 20), "Chloé Dubois": date(2025, 1, 14)}}),
    "training-xlsx/roster-with-title-row.xlsx": ("roster", {"completed": {
        "Maria Alvarez": date(2026, 1, 20), "Tom O'Brien": None, "Chloé Dubois": date(2025, 1, 14)}}),
    "training-xlsx/roster-truncated-download.xlsx": ("roster", "not an .xlsx workbook"),
    "training-yaml/roster-typed.yaml": ("roster", {"completed": {
        "Maria Alvarez": date(2026, 1, 20), "Tom O'Brien": date(2025, 11, 2), "Chloé Dubois": None}}),
    "training-csv/hr-staff-employee-number.csv": ("staff", {"names": {
        "Maria Alvarez", "José Núñez", "Priya Raman", "Tom O'Brien", "Chloé Dubois"}}),
    "training-xlsx/hr-staff-employee-number.xlsx": ("staff", {"names": {
        "Maria Alvarez", "José Núñez", "Priya Raman", "Tom O'Brien", "Chloé Dubois"}}),
    # one campaign: Maria clicked, Tom submitted data, José only opened it, Chloé's email was only sent
    "gophish/Q4 invoice lure - Results.csv": ("phishing", {"clicked_once": 2, "repeat": set()}),
    "gophish/Q4 invoice lure - Results-utf8-bom.csv": ("phishing", {"clicked_once": 2, "repeat": set()}),
    "gophish/Q4 invoice lure - Events.csv": ("phishing", "this is GoPhish's Events export"),
    # click counts over four simulations: Maria 2, José 0, Tom 3
    "attack-sim/user-coverage-export-csv-ps51.csv": ("phishing", {"clicked_once": 0,
                                                                  "repeat": {"Maria Alvarez", "Tom O'Brien"}}),
    "attack-sim/user-coverage-convertto-csv-outfile-ps51-utf16le.csv": ("phishing", {
        "clicked_once": 0, "repeat": {"Maria Alvarez", "Tom O'Brien"}}),
}
ROSTER = "training-csv/proofpoint-user-enrollments.csv"  # the roster beside a staff list or phishing file


def sample_files() -> set[str]:
    return {str(p.relative_to(REAL)) for p in REAL.rglob("*")
            if p.is_file() and p.parts[len(REAL.parts)] not in NOT_OURS and p.name not in {"PROVENANCE", "README.md"}}


def test_every_sample_has_an_expectation_and_every_format_a_provenance() -> None:
    known = set(PASSWORD) | set(BACKUPS) | BORG_INFO_ONLY | set(TRAINING)
    assert sample_files() == known
    for folder in {name.split("/")[0] for name in known}:
        provenance = (REAL / folder / "PROVENANCE").read_text(encoding="utf-8")
        missing = [n for n in known if n.startswith(folder + "/") and Path(n).name not in provenance]
        assert not missing, f"{folder}/PROVENANCE does not say where these came from: {missing}"


# --- running the CLI ---------------------------------------------------------------------------------------

def cli(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def validate_and_scan(tmp_path: Path, capsys: pytest.CaptureFixture[str], checks: dict[str, Any],
                      refusal: str | None, sample: str) -> dict[str, Any] | None:
    """validate, then scan; a refused sample must fail both with one located line naming it."""
    config = write_config(tmp_path, minimal_config(checks=checks))
    code, out, err = cli(capsys, "validate", str(config))
    if refusal is not None:
        assert code == 2, out + err
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and "Traceback" not in err, err
        assert Path(sample).name in lines[0] and refusal in lines[0], lines[0]
        code, _, err = cli(capsys, "scan", str(config), "--out", str(tmp_path / "out"), "--no-history", "-q")
        assert code == 2 and refusal in err and not (tmp_path / "out").exists()
        return None
    assert code == 0, out + err
    code, out, err = cli(capsys, "scan", str(config), "--out", str(tmp_path / "out"), "--format", "json",
                         "--no-history", "-q")
    assert code in (0, 1), f"exit {code}: {err}"
    results: dict[str, Any] = json.loads((tmp_path / "out" / "posture-results.json").read_text(encoding="utf-8"))
    assert all(c["status"] == "ok" for c in results["checks"]), results["checks"]
    return results


# --- password evidence -------------------------------------------------------------------------------------

@pytest.mark.parametrize("sample", sorted(PASSWORD))
def test_password_evidence(sample: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    kind, expected = PASSWORD[sample]
    asset = Path(sample).stem
    checks = {"password_policy": {"sources": [{"type": kind, "path": str(REAL / sample), "asset": asset}]}}
    results = validate_and_scan(tmp_path, capsys, checks, expected if isinstance(expected, str) else None, sample)
    if results is None:
        return
    assert isinstance(expected, dict)
    settings = results["checks"][0]["facts"]["assets"][asset]["settings"]
    assert {k: settings.get(k) for k in expected} == expected
    passes = {f["key"].split("/", 1)[1] for f in results["findings"] if f["status"] == "pass" and f["asset"] == asset}
    if kind == "linux_login_defs":  # PASS_MIN_LEN is superseded by PAM: shown, never a pass
        assert "min-length" not in passes
    if sample.endswith("not-enforcing.conf"):  # enforcing = 0: minlen 15 only warns
        assert "min-length" not in passes and "blocklist" not in passes


def test_pass_min_len_15_under_pam_is_named_not_enforced(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sample = "login-defs/debian-12-pass-min-len-15.login.defs"
    checks = {"password_policy": {"sources": [{"type": "linux_login_defs", "path": str(REAL / sample),
                                               "asset": "web"}]}}
    results = validate_and_scan(tmp_path, capsys, checks, None, sample)
    assert results is not None
    finding = next(f for f in results["findings"] if f["key"] == "web/min-length")
    assert finding["status"] == "fail" and "PASS_MIN_LEN" in finding["title"] and "not enforced" in finding["title"]


# --- backups -----------------------------------------------------------------------------------------------

def job_for(sample: str, info: str | None) -> dict[str, Any]:
    name = Path(sample).stem
    if sample.startswith("restic-json/"):
        return {"name": name, "type": "restic", "snapshots_file": str(REAL / sample)}
    job: dict[str, Any] = {"name": name, "type": "borg", "list_file": str(REAL / sample), "timezone": "UTC"}
    if info:
        job["info_file"] = str(REAL / info)
    return job


@pytest.mark.parametrize("sample", sorted(BACKUPS))
def test_backup_evidence(sample: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    info, expected = BACKUPS[sample]
    results = validate_and_scan(tmp_path, capsys, {"backups": [job_for(sample, info)]},
                                expected if isinstance(expected, str) else None, sample)
    if results is None:
        return
    assert isinstance(expected, dict)
    job = results["checks"][0]["facts"]["jobs"][0]
    assert job["snapshots"] == expected["count"]
    if "encrypted" in expected:
        assert job["encrypted"] is expected["encrypted"]
    findings = judged(tmp_path, sample, info)
    if "hosts" in expected:
        hosts = expected["hosts"]
        retention = [f for f in findings if "/retention" in f.key]
        assert len(retention) == (len(hosts) if len(hosts) > 1 else 1)
        if len(hosts) > 1:  # every history finding names its host
            assert {f.key.rsplit("/", 1)[1] for f in retention} == hosts
            assert all(f"for host {f.key.rsplit('/', 1)[1]}" in f.title for f in retention)
    # a future-dated backup never passes, whatever the clock says
    fresh = next(f for f in findings if f.key.endswith("/freshness"))
    if "future" in sample:
        assert fresh.status is Status.FAIL and "in the future" in fresh.title


def judged(tmp_path: Path, sample: str, info: str | None) -> list[Finding]:
    """The check run as of the capture date, so ages and gaps are the ones the file was made with."""
    now = RESTIC_CAPTURED if sample.startswith("restic-json/") else BORG_CAPTURED
    folder = tmp_path / "judged"
    folder.mkdir()
    config = config_from_dict(folder, minimal_config(checks={"backups": [job_for(sample, info)]}))
    return run_check(BackupsCheck, context_for(config, "backups", now=now))


def by_aspect(findings: list[Finding]) -> dict[str, Finding]:
    return {f.key.split("/", 1)[1]: f for f in findings}


def test_two_hosts_in_one_restic_repository_are_judged_each(tmp_path: Path) -> None:
    found = by_aspect(judged(tmp_path, "restic-json/restic-0.14-two-hosts.json", None))
    laptop, server = found["retention/laptop"], found["retention/fileserver"]
    assert laptop.status is Status.FAIL and laptop.title.endswith("for host laptop reaches back only 2 hours")
    assert server.status is Status.PASS and "for host fileserver reaches back 62 days" in server.title
    assert found["freshness"].status is Status.PASS


@pytest.mark.parametrize("sample, days", [("restic-json/restic-0.14-14-day-gap.json", 15),  # 14 days missing
                                          ("restic-json/restic-0.14-28-day-gap.json", 28)])
def test_two_and_four_week_gaps_raise_irregular_backups(tmp_path: Path, sample: str, days: int) -> None:
    found = by_aspect(judged(tmp_path, sample, None))
    assert found["freshness"].status is Status.PASS
    gap = found["gaps"]
    assert gap.status is Status.FAIL and gap.weaknesses == ("irregular-backups",)
    assert f"went {days} days without a backup" in gap.title


@pytest.mark.parametrize("sample, info", [("restic-json/restic-0.14-future-dated.json", None),
                                          ("borg-json/borg-1.2.4-list-none-future-dated.json",
                                           "borg-json/borg-1.2.4-info-none.json")])
def test_future_dated_backups_never_pass(tmp_path: Path, sample: str, info: str | None) -> None:
    found = by_aspect(judged(tmp_path, sample, info))
    assert found["freshness"].status is Status.FAIL and "in the future" in found["freshness"].title
    assert "0 minutes" not in found["freshness"].title


def test_borg_2_encryption_without_mode_is_read(tmp_path: Path) -> None:
    found = by_aspect(judged(tmp_path, "borg-json/borg-2-master-docs-list-last-1.json",
                             "borg-json/borg-2-master-docs-info.json"))
    assert found["encryption"].status is Status.PASS
    assert "aes256-ocb" in " ".join(found["encryption"].evidence)


# --- training ----------------------------------------------------------------------------------------------

def training_options(sample: str, role: str) -> dict[str, Any]:
    if role == "roster":
        return {"roster": str(REAL / sample)}
    options: dict[str, Any] = {"roster": str(REAL / ROSTER)}
    if role == "staff":
        options["staff"] = str(REAL / sample)
    else:
        options["phishing"] = [str(REAL / sample)]
    return options


@pytest.mark.parametrize("sample", sorted(TRAINING))
def test_training_evidence(sample: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    role, expected = TRAINING[sample]
    options = training_options(sample, role)
    results = validate_and_scan(tmp_path, capsys, {"training": options},
                                expected if isinstance(expected, str) else None, sample)
    if results is None:
        return
    assert isinstance(expected, dict)
    titles = [f["title"] for f in results["findings"] if f["check"] == "training"]
    assert not any(t.split(":")[0].strip().isdigit() for t in titles), titles  # never "101: overdue"
    folder = tmp_path / "judged"
    folder.mkdir()
    config = config_from_dict(folder, minimal_config(checks={"training": options}))
    ctx = context_for(config, "training", now=TRAINING_DAY)
    check = TrainingCheck()
    check.prepare(ctx)
    findings = list(check.run(ctx))
    if "completed" in expected:
        assert check._roster is not None
        read = {r.name: r.completed for r in check._roster.records}
        assert read == expected["completed"]
    if "names" in expected:
        assert check._staff is not None
        assert {r.name for r in check._staff.records} == expected["names"]
    if "repeat" in expected:
        assert ctx.facts["phishing"]["clicked_once"] == expected["clicked_once"]
        repeat = {f.asset for f in findings if f.key.startswith("phishing/") and f.status is Status.FAIL}
        assert repeat == expected["repeat"], [(f.key, f.title) for f in findings]
