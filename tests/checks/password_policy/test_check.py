"""The password_policy check end to end through posture.testing: config → evidence → findings and facts."""

from __future__ import annotations

import hashlib
import json
import shutil
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from checks.password_policy import PasswordPolicyCheck
from posture.catalogue import load_catalogue
from posture.check import Secrets
from posture.config import load_config
from posture.errors import Cancelled, ConfigError, InputError
from posture.models import Finding, Severity, Status
from posture.registry import Registry
from posture.testing import config_from_dict, context_for, minimal_config, run_check

NOW = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)
SAMPLES = Path(__file__).resolve().parents[3] / "sample_configs"
CANARIES = {"front-desk": "Dental#Cnry1", "server-room": "Qz8!vortex-canary", "typed-wifi": "Canary-Typed-42x"}


@pytest.fixture(scope="module")
def only_passwords() -> Registry:
    registry = Registry()
    registry.add(PasswordPolicyCheck, load_catalogue().weaknesses)
    return registry


def run(tmp_path: Path, registry: Registry, section: dict[str, Any], secrets: Secrets | None = None,
        **top: Any) -> tuple[list[Finding], dict[str, Any]]:
    data = minimal_config(checks={"password_policy": section}, **top)
    data["organization"]["context_words"] = ["lonestar", "dental", "houston", "smile"]
    config = config_from_dict(tmp_path, data, registry)
    ctx = context_for(config, "password_policy", now=NOW, secrets=secrets)
    return run_check(PasswordPolicyCheck, ctx), ctx.facts


def by_key(findings: list[Finding]) -> dict[str, Finding]:
    return {f.key: f for f in findings}


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest().upper()


def assert_nowhere(texts: list[str], secrets: list[str]) -> None:
    blob = "\n".join(texts)
    for secret in secrets:
        for form in (secret, sha1(secret), sha1(secret).lower(), sha1(secret)[5:]):
            assert form not in blob, "a candidate password (or its hash) leaked"


# --- the "must show" ------------------------------------------------------------------------

def test_must_show_net_accounts_7_42_never(tmp_path: Path, only_passwords: Registry) -> None:
    shutil.copy(SAMPLES / "lone-star-dental/evidence/net-accounts.txt", tmp_path / "net-accounts.txt")
    found_file = tmp_path / "found.txt"
    found_file.write_text(f"front-desk\t{CANARIES['front-desk']}\nserver-room\t{CANARIES['server-room']}\n")
    secrets = Secrets(candidate_passwords=[("typed-wifi", CANARIES["typed-wifi"])])
    findings, facts = run(tmp_path, only_passwords, {
        "sources": [{"type": "windows_net_accounts", "path": "net-accounts.txt", "asset": "LSD domain"}],
        "mfa": {"email": True},
        "candidate_passwords_file": "found.txt",
        "breach_check": {"mode": "off"},
    }, secrets=secrets, incident={"discovered": "2026-11-20", "kind": "ransomware"})
    f = by_key(findings)

    length, rotation, lockout = f["LSD domain/min-length"], f["LSD domain/expiry"], f["LSD domain/lockout"]
    assert length.status is Status.FAIL and length.severity is Severity.HIGH and "7" in length.title
    assert "15" in length.title and "net-accounts.txt:6" in length.evidence[0]
    assert rotation.status is Status.FAIL and "42 days" in rotation.title and "SHALL NOT" in rotation.detail
    assert lockout.status is Status.FAIL and lockout.severity is Severity.HIGH and "Never" in lockout.evidence[0]
    for finding in (length, rotation, lockout):
        assert any("NIST SP 800-63B Rev. 4" in r.title for r in finding.references)
        assert finding.remediation and finding.weaknesses == ("weak-passwords",) and finding.asset == "LSD domain"

    weakest = f["LSD domain/weakest-accepted"]
    example = facts["assets"]["LSD domain"]["weakest_accepted"]
    assert weakest.status is Status.FAIL and f"“{example['example']}”" in weakest.title
    assert f"zxcvbn score {example['zxcvbn_score']} of 4" in weakest.title and example["zxcvbn_score"] <= 1
    assert any("Synthetic" in line for line in weakest.evidence) and "synthetic" in weakest.title
    assert len(example["example"]) >= 7

    audit = {k: v for k, v in f.items() if k.startswith("candidate/")}
    assert set(audit) == {"candidate/front-desk", "candidate/server-room", "candidate/typed-wifi"}
    assert audit["candidate/front-desk"].status is Status.FAIL  # 12 characters, built on a business word
    assert audit["candidate/server-room"].status is Status.PASS and audit["candidate/typed-wifi"].status is Status.PASS
    assert audit["candidate/typed-wifi"].evidence[0].endswith("(typed in)")

    # no canary anywhere in what the check produced
    texts = [repr(x) for x in findings] + [json.dumps(facts)]
    assert_nowhere(texts, list(CANARIES.values()))


def test_a_candidate_equal_to_the_weakest_example_is_not_printed(tmp_path: Path, only_passwords: Registry) -> None:
    section = {"sources": [{"type": "declared", "asset": "pc", "min_length": 7, "complexity": False,
                            "blocklist": False}]}
    _, facts = run(tmp_path, only_passwords, section)
    weakest = facts["assets"]["pc"]["weakest_accepted"]["example"]
    (tmp_path / "found.txt").write_text(f"{weakest}\n")
    findings, facts = run(tmp_path, only_passwords, {**section, "candidate_passwords_file": "found.txt",
                                                     "breach_check": {"mode": "off"}})
    assert facts["assets"]["pc"]["weakest_accepted"]["example"] != weakest
    assert_nowhere([repr(x) for x in findings] + [json.dumps(facts)], [weakest])


# --- the sample configs -----------------------------------------------------------------------------

def sample_config(sample: str, tmp_path: Path, registry: Registry) -> Any:
    """The sample's organization and password_policy section, its evidence paths made absolute."""
    data = yaml.safe_load((SAMPLES / sample / "posture.yaml").read_text())
    section = data["checks"]["password_policy"]
    for source in section["sources"]:
        if "path" in source:
            source["path"] = str(SAMPLES / sample / source["path"])
    trimmed = {"version": 1, "organization": data["organization"], "checks": {"password_policy": section}}
    if "incident" in data:
        trimmed["incident"] = data["incident"]
    return config_from_dict(tmp_path, trimmed, registry)


@pytest.mark.parametrize(("sample", "expected"), [
    ("lone-star-dental", {"LSD domain/min-length": Status.FAIL, "LSD domain/lockout": Status.FAIL,
                          "LSD domain/not-evidenced": Status.FAIL, "mfa/email": Status.PASS}),
    ("ledger-accounting", {"LEDGER domain/composition": Status.FAIL, "LEDGER domain/expiry": Status.FAIL,
                           "LEDGER domain/lockout": Status.PASS, "Microsoft 365 tenant/min-length": Status.FAIL,
                           "Microsoft 365 tenant/blocklist": Status.PASS, "mfa/admin": Status.FAIL}),
    ("corner-shop", {"back-office server/min-length": Status.FAIL, "back-office server/composition": Status.FAIL,
                     "back-office server/blocklist": Status.FAIL, "back-office server/hash-method": Status.PASS,
                     "back-office server/not-evidenced": Status.FAIL}),
])
def test_sample_configs(sample: str, expected: dict[str, Status], tmp_path: Path, only_passwords: Registry) -> None:
    ctx = context_for(sample_config(sample, tmp_path, only_passwords), "password_policy", now=NOW)
    f = by_key(run_check(PasswordPolicyCheck, ctx))
    assert {k: f[k].status for k in expected} == expected
    for finding in f.values():
        if finding.status is Status.FAIL:
            assert finding.weaknesses and finding.references and finding.remediation and finding.asset
    json.dumps(ctx.facts)  # JSON-safe


def test_ledger_m365_explains_why_15_applies_despite_email_mfa(tmp_path: Path, only_passwords: Registry) -> None:
    config = sample_config("ledger-accounting", tmp_path, only_passwords)
    f = by_key(run_check(PasswordPolicyCheck, context_for(config, "password_policy", now=NOW)))
    detail = f["Microsoft 365 tenant/min-length"].detail
    assert "mfa.computer_logon and mfa.admin are false" in detail and "used alone" in detail


def test_describe_evidence(tmp_path: Path, only_passwords: Registry) -> None:
    config = sample_config("corner-shop", tmp_path, only_passwords)
    lines = PasswordPolicyCheck().describe_evidence(config.options("password_policy"), config)
    assert lines[0].startswith("linux_login_defs: ") and lines[0].endswith("login.defs")


# --- bad input is located -----------------------------------------------------------------------------

@pytest.mark.parametrize(("section", "key", "message"), [
    ({"sources": [{"type": "nt_accounts", "path": "x"}]}, "checks.password_policy.sources[0]", "type must be one of"),
    ({"sources": [{"type": "declared", "asset": "a", "min_length": "long"}]},
     "checks.password_policy.sources[0].min_length", "integer"),
    ({"sources": [{"type": "declared", "asset": "a", "minimum": 3}]},
     "checks.password_policy.sources[0].minimum", "unknown key"),
    ({"breach_check": {"mode": "offline"}}, "checks.password_policy.breach_check", "hash_file"),
    ({"mfa": {"vpn": True}}, "checks.password_policy.mfa.vpn", "unknown key"),
])
def test_config_errors_are_located(tmp_path: Path, only_passwords: Registry, section: dict[str, Any], key: str,
                                   message: str) -> None:
    with pytest.raises(ConfigError) as err:
        run(tmp_path, only_passwords, section)
    problem = err.value.problems[0]
    assert problem.key == key and message in problem.message and problem.line is not None


def test_missing_evidence_file_points_at_the_config_key(tmp_path: Path, only_passwords: Registry) -> None:
    with pytest.raises(InputError) as err:
        run(tmp_path, only_passwords, {"sources": [{"type": "pwquality_conf", "path": "nope.conf"}]})
    assert err.value.key == "checks.password_policy.sources[0].path" and err.value.line is not None


def test_bad_evidence_names_the_file_and_line(tmp_path: Path, only_passwords: Registry) -> None:
    (tmp_path / "pw.conf").write_text("minlen = 8\ndcredit = lots\n")
    with pytest.raises(InputError) as err:
        run(tmp_path, only_passwords, {"sources": [{"type": "pwquality_conf", "path": "pw.conf"}]})
    assert err.value.path == str(tmp_path / "pw.conf") and err.value.line == 2 and err.value.key == "dcredit"


def test_bad_hash_file_is_refused_before_running(tmp_path: Path, only_passwords: Registry) -> None:
    (tmp_path / "found.txt").write_text("pw\n")
    (tmp_path / "hashes.txt").write_text("not a hash list\n")
    with pytest.raises(InputError, match="SHA1:COUNT") as err:
        run(tmp_path, only_passwords, {"candidate_passwords_file": "found.txt",
                                       "breach_check": {"mode": "offline", "hash_file": "hashes.txt"}})
    assert err.value.key == "checks.password_policy.breach_check.hash_file"


def test_offline_breach_check_end_to_end(tmp_path: Path, only_passwords: Registry) -> None:
    breached, fine = "Lonestar2026!", "tidal-walnut-oracle-58-cobalt"
    rows = sorted([(sha1(breached), 3107), *((sha1(f"x{n}"), n + 1) for n in range(300))])
    (tmp_path / "pwned.txt").write_text("".join(f"{h}:{c}\n" for h, c in rows))
    (tmp_path / "found.txt").write_text(f"reception\t{breached}\nbackup-nas\t{fine}\n")
    findings, facts = run(tmp_path, only_passwords, {
        "candidate_passwords_file": "found.txt", "breach_check": {"mode": "offline", "hash_file": "pwned.txt"}})
    f = by_key(findings)
    assert f["candidate/reception"].severity is Severity.CRITICAL and "3,107 times" in f["candidate/reception"].title
    assert f["candidate/backup-nas"].status is Status.PASS
    assert f["no-policy-evidence"].status is Status.FAIL
    assert facts["candidates"]["breached"] == 1 and facts["candidates"]["breach_mode"] == "offline"
    assert_nowhere([repr(x) for x in findings] + [json.dumps(facts)], [breached, fine])


def test_finding_keys_are_stable_across_runs(tmp_path: Path, only_passwords: Registry) -> None:
    section = {"sources": [{"type": "declared", "asset": "a", "min_length": 8, "max_age_days": 30}]}
    first = {f.id for f in run(tmp_path, only_passwords, section)[0]}
    second = {f.id for f in run(tmp_path, only_passwords, section)[0]}
    assert first == second and len(first) > 3


def test_readiness_mode_expiry_has_no_incident_wording(tmp_path: Path, only_passwords: Registry) -> None:
    findings, _ = run(tmp_path, only_passwords, {"sources": [{"type": "declared", "asset": "a", "max_age_days": 30}]})
    assert "every password must change now" not in by_key(findings)["a/expiry"].detail
    assert date(2026, 11, 22) == NOW.date()


def test_yaml_off_is_understood(tmp_path: Path, only_passwords: Registry) -> None:
    (tmp_path / "posture.yaml").write_text(
        "version: 1\norganization: {name: Test Co}\nchecks:\n  password_policy:\n    breach_check: {mode: off}\n")
    config = load_config(tmp_path / "posture.yaml", only_passwords)
    assert config.options("password_policy").breach_check.mode == "off"  # type: ignore[attr-defined]


def test_cancelled_before_running(tmp_path: Path, only_passwords: Registry) -> None:
    config = config_from_dict(tmp_path, minimal_config(checks={"password_policy": {
        "sources": [{"type": "declared", "asset": "a", "min_length": 8}]}}), only_passwords)
    ctx = context_for(config, "password_policy", now=NOW)
    ctx.cancel_event.set()
    with pytest.raises(Cancelled):
        run_check(PasswordPolicyCheck, ctx)
