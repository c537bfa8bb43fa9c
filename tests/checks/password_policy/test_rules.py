"""Judging policies against NIST SP 800-63B Rev. 4 and CIS Controls v8, and the weakest-accepted example."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from checks.password_policy.options import DeclaredSource, Mfa
from checks.password_policy.policy import Composition, PatternLimits, Policy, merge_by_asset
from checks.password_policy.rules import PolicyJudge, length_rule, load_rules, mfa_findings
from checks.password_policy.sources import declared_source, parse_file
from checks.password_policy.weakest import Rules, accepts, context_terms, rules_for, weakest_accepted
from posture.models import Finding, Severity, Status

NOW = datetime(2026, 11, 22, tzinfo=UTC)
CONTEXT = context_terms(["lonestar", "dental", "houston", "smile"], "Lone Star Dental")


def declared(**fields: object) -> Policy:
    [policy] = merge_by_asset([declared_source(DeclaredSource(type="declared", asset="tenant", **fields))])
    return policy


def judge(policy: Policy, mfa: Mfa | None = None, incident: bool = False) -> dict[str, Finding]:
    findings = PolicyJudge("password_policy", policy, mfa or Mfa(), incident=incident).findings()
    return {f.key.split("/", 1)[1]: f for f in findings}


def test_rules_data_cites_known_references() -> None:
    rules = load_rules()
    assert rules["thresholds"]["single_factor_min_length"] == 15
    assert rules["thresholds"]["max_failed_attempts"] == 100


# --- length: 15 alone, 8 with MFA ----------------------------------------------------------------

def test_single_factor_needs_15() -> None:
    f = judge(declared(min_length=12))["min-length"]
    assert f.status is Status.FAIL and f.severity is Severity.MEDIUM
    assert "15" in f.title and "used alone" in f.detail and "mfa.admin" in f.detail
    assert any("800-63B Rev. 4" in r.title for r in f.references)
    assert "at least 15 characters" in f.remediation


def test_mfa_everywhere_the_policy_reaches_lowers_the_bar_to_8() -> None:
    policy = declared(min_length=12, accounts=["email"])
    rule = length_rule(policy, Mfa(email=True))
    assert rule.required == 8 and not rule.single_factor
    f = judge(policy, Mfa(email=True))["min-length"]
    assert f.status is Status.PASS and "second factor" in f.detail


def test_one_uncovered_account_class_keeps_15() -> None:
    policy = declared(min_length=12, accounts=["email", "admin"])
    assert length_rule(policy, Mfa(email=True)).required == 15


@pytest.mark.parametrize(("length", "severity"), [(0, Severity.CRITICAL), (7, Severity.HIGH),
                                                   (8, Severity.MEDIUM), (14, Severity.MEDIUM)])
def test_length_severity(length: int, severity: Severity) -> None:
    assert judge(declared(min_length=length))["min-length"].severity is severity


def test_windows_remediation_explains_the_14_character_limit() -> None:
    net = parse_file("windows_net_accounts", "Minimum password length: 7\nMaximum password age (days): 42\n"
                     "Lockout threshold: Never\n", "net.txt", "LSD")
    f = judge(merge_by_asset([net])[0])["min-length"]
    assert "Relax minimum password length limits" in f.remediation


# --- the habits NIST now advises against ------------------------------------------------------------

def test_forced_rotation_is_a_finding_that_explains_why() -> None:
    f = judge(declared(max_age_days=42))["expiry"]
    assert f.status is Status.FAIL and f.severity is Severity.MEDIUM
    assert "SHALL NOT" in f.detail and "evidence of compromise" in f.detail
    assert judge(declared(max_age_days=365))["expiry"].severity is Severity.LOW
    assert judge(declared(max_age_days=0))["expiry"].status is Status.PASS


def test_rotation_in_incident_mode_says_change_everything_now_once() -> None:
    assert "every password must change now" in judge(declared(max_age_days=42), incident=True)["expiry"].detail


def test_complexity_is_a_finding_that_says_drop_it_with_the_length_change() -> None:
    f = judge(declared(complexity=True))["composition"]
    assert f.status is Status.FAIL and f.severity is Severity.LOW
    assert "SHALL NOT" in f.detail and "not before" in f.detail
    assert judge(declared(complexity=False))["composition"].status is Status.PASS


@pytest.mark.parametrize(("threshold", "status", "severity"), [
    (0, Status.FAIL, Severity.HIGH), (101, Status.FAIL, Severity.MEDIUM), (100, Status.PASS, Severity.INFO),
    (5, Status.PASS, Severity.INFO)])
def test_lockout_at_most_100(threshold: int, status: Status, severity: Severity) -> None:
    f = judge(declared(lockout_threshold=threshold))["lockout"]
    assert (f.status, f.severity) == (status, severity)
    assert any("3.2.2" in r.title for r in f.references)


def test_blocklist_kinds() -> None:
    assert judge(declared(blocklist=False))["blocklist"].severity is Severity.MEDIUM
    assert judge(declared(blocklist=True))["blocklist"].status is Status.PASS
    pwq = merge_by_asset([parse_file("pwquality_conf", "minlen = 15\n", "pwquality.conf")])[0]
    assert judge(pwq)["blocklist"].severity is Severity.LOW  # a dictionary is not a breached list


def test_short_maximum_length() -> None:
    assert judge(declared(max_length=20))["max-length"].status is Status.FAIL
    assert judge(declared(max_length=64))["max-length"].status is Status.PASS


def test_reversible_encryption_and_weak_hashes() -> None:
    ad = parse_file("ad_password_policy", '{"ComplexityEnabled": true, "MinPasswordLength": 15, '
                    '"LockoutThreshold": 5, "MaxPasswordAge": "00:00:00", "ReversibleEncryptionEnabled": true}', "ad")
    assert judge(merge_by_asset([ad])[0])["reversible-encryption"].severity is Severity.HIGH
    defs = parse_file("linux_login_defs", "ENCRYPT_METHOD MD5\n", "login.defs")
    assert judge(merge_by_asset([defs])[0])["hash-method"].severity is Severity.HIGH


def test_unseen_settings_are_listed_not_guessed() -> None:
    f = judge(declared(min_length=15))["not-evidenced"]
    assert f.status is Status.FAIL and f.severity is Severity.LOW
    for name in ("expiry", "blocklist", "lockout", "character-type rules", "maximum length"):
        assert name in f.title
    defs = merge_by_asset([parse_file("linux_login_defs", "PASS_MAX_DAYS 99999\n", "login.defs")])[0]
    assert "faillock.conf" in judge(defs)["not-evidenced"].remediation


def test_mfa_findings_cite_cis_6_3_to_6_5() -> None:
    findings = {f.key: f for f in mfa_findings("password_policy", Mfa(email=True))}
    assert findings["mfa/email"].status is Status.PASS
    remote = findings["mfa/remote_access"]
    assert remote.status is Status.FAIL and remote.actions == ("enable-mfa",)
    assert "6.4" in remote.references[0].title
    assert "6.5" in findings["mfa/admin"].references[0].title


# --- the weakest accepted password ----------------------------------------------------------------

def test_generated_examples_satisfy_the_policy() -> None:
    rules = Rules(7, 127, Composition(min_classes=3), PatternLimits(), "none")
    result = weakest_accepted(rules, CONTEXT, NOW)
    assert result.weakest is not None
    for example in [*result.examples, result.seasonal]:
        assert example is not None and accepts(rules, example.password, CONTEXT)
        assert len(example.password) >= 7
        assert sum(any(f(c) for c in example.password) for f in (str.islower, str.isupper, str.isdigit)) + \
            any(not c.isalnum() for c in example.password) >= 3
    assert result.weakest.strength.score <= 1
    assert result.seasonal is not None and "2026" in result.seasonal.password


def test_without_complexity_the_weakest_is_a_plain_word() -> None:
    result = weakest_accepted(Rules(7, 127, Composition(), PatternLimits(), "none"), CONTEXT, NOW)
    assert result.weakest is not None and result.weakest.password.isalpha()
    assert result.weakest.strength.score == 0


def test_required_classes_and_repeat_limits_are_respected() -> None:
    rules = Rules(10, 512, Composition(required=(("digit", 2), ("other", 1))), PatternLimits(max_repeat=2),
                  "dictionary")
    result = weakest_accepted(rules, CONTEXT, NOW)
    for example in result.examples:
        password = example.password
        assert sum(c.isdigit() for c in password) >= 2 and any(not c.isalnum() for c in password)
        assert not any(password[i] == password[i + 1] == password[i + 2] for i in range(len(password) - 2))


def test_a_full_blocklist_refuses_the_business_words() -> None:
    rules = Rules(12, 256, Composition(), PatternLimits(), "full")
    for example in weakest_accepted(rules, CONTEXT, NOW).examples:
        assert not any(word in example.password.lower() for word in CONTEXT)
    assert not accepts(rules, "Houston2026!!", CONTEXT) and not accepts(rules, "P@$$w0rd1234", CONTEXT)


def test_a_candidate_password_is_never_shown_as_an_example() -> None:
    rules = Rules(7, 127, Composition(), PatternLimits(), "none")
    first = weakest_accepted(rules, CONTEXT, NOW)
    assert first.weakest is not None
    real = first.weakest.password.upper()  # same password in another case
    again = weakest_accepted(rules, CONTEXT, NOW, exclude=[real])
    assert all(e.password.casefold() != real.casefold() for e in again.examples)


def test_unknown_minimum_length_gives_no_example_and_unknown_rules_are_assumed_strict() -> None:
    assert rules_for(declared(max_age_days=0)) is None
    rules = rules_for(declared(min_length=8))
    assert rules is not None and rules.blocklist == "full" and rules.composition.min_classes == 3
    assert len(rules.assumptions) == 2
