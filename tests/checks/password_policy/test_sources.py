"""The password-policy parsers on real export formats, including the ways real files go wrong."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from checks.password_policy.evidence import decode_evidence, read_evidence
from checks.password_policy.options import DeclaredSource
from checks.password_policy.policy import Authority, ParsedSource, merge_by_asset
from checks.password_policy.sources import declared_source, parse_file
from posture.errors import InputError

SAMPLES = Path(__file__).resolve().parents[3] / "sample_configs"

NET_ACCOUNTS = """\
Force user logoff how long after time expires?:       Never
Minimum password age (days):                          0
Maximum password age (days):                          42
Minimum password length:                              7
Length of password history maintained:                None
Lockout threshold:                                    Never
Lockout duration (minutes):                           30
Lockout observation window (minutes):                 30
Computer role:                                        WORKSTATION
The command completed successfully.
"""

AD_TEXT = """\

ComplexityEnabled           : True
DistinguishedName           : DC=contoso,DC=local
LockoutDuration             : 00:30:00
LockoutObservationWindow    : 00:30:00
LockoutThreshold            : 0
MaxPasswordAge              : 42.00:00:00
MinPasswordAge              : 1.00:00:00
MinPasswordLength           : 7
objectClass                 : {domainDNS}
objectGuid                  : 3f6a2a5e-8c1d-4f0b-9a57-2b8d1e6c4f10
PasswordHistoryCount        : 24
ReversibleEncryptionEnabled : False

"""


def net(text: str) -> ParsedSource:
    return parse_file("windows_net_accounts", text, "net-accounts.txt", "LSD domain")


def values(source: ParsedSource) -> dict[str, object]:
    return {name: s.value for name, s in source.settings.items()}


# --- net accounts ---------------------------------------------------------------------------------

def test_net_accounts_reads_every_field_and_its_line() -> None:
    source = net(NET_ACCOUNTS)
    v = values(source)
    assert v["min_length"] == 7
    assert v["max_age_days"] == 42
    assert v["lockout_threshold"] == 0  # "Never"
    assert v["history"] == 0  # "None"
    assert v["lockout_duration_min"] == 30 and v["lockout_window_min"] == 30
    assert source.settings["min_length"].where == "net-accounts.txt:4"
    assert source.settings["min_length"].authority is Authority.OBSERVED
    assert "composition" not in source.settings  # net accounts does not show it
    assert source.settings["blocklist"].authority is Authority.INFERRED


def test_unlimited_maximum_age_means_no_expiry() -> None:
    text = NET_ACCOUNTS.replace("Maximum password age (days):                          42",
                                "Maximum password age (days):                          Unlimited")
    assert values(net(text))["max_age_days"] == 0


def test_powershell_redirect_utf16_with_bom_and_crlf(tmp_path: Path) -> None:
    path = tmp_path / "net.txt"
    path.write_bytes(codecs.BOM_UTF16_LE + NET_ACCOUNTS.replace("\n", "\r\n").encode("utf-16-le"))
    source = parse_file("windows_net_accounts", read_evidence(path), "net.txt")
    assert values(source)["min_length"] == 7


def test_utf16_without_bom_and_utf8_bom_are_decoded() -> None:
    assert "Minimum password length" in decode_evidence(NET_ACCOUNTS.encode("utf-16-le"), "x")
    assert decode_evidence(codecs.BOM_UTF8 + b"abc", "x") == "abc"
    assert decode_evidence("Kennwortl\u00e4nge: 7".encode("cp1252"), "x").startswith("Kennwortl")


def test_domain_banner_and_odd_spacing_are_tolerated() -> None:
    text = "The request will be processed at a domain controller for domain lsd.local.\n\n" + "\n".join(
        "   " + line.replace(":", " :", 1) for line in NET_ACCOUNTS.splitlines())
    assert values(net(text))["max_age_days"] == 42


@pytest.mark.parametrize(("text", "line", "key"), [
    (NET_ACCOUNTS.replace("password length:                              7",
                          "password length:                              seven"), 4, "minimum password length"),
    (NET_ACCOUNTS.replace("Lockout threshold:                                    Never",
                          "Lockout threshold:                                    -5"), 6, "lockout threshold"),
])
def test_bad_values_are_located(text: str, line: int, key: str) -> None:
    with pytest.raises(InputError) as err:
        net(text)
    assert err.value.line == line and err.value.key == key and err.value.column == 55


def test_missing_lines_are_named() -> None:
    text = "\n".join(line for line in NET_ACCOUNTS.splitlines() if not line.startswith("Lockout threshold"))
    with pytest.raises(InputError, match="Lockout threshold"):
        net(text)


def test_duplicate_line_is_refused() -> None:
    with pytest.raises(InputError, match="twice") as err:
        net(NET_ACCOUNTS + "Minimum password length:  14\n")
    assert err.value.line == 11


def test_an_error_message_instead_of_output_is_refused() -> None:
    with pytest.raises(InputError, match="error from net accounts") as err:
        net("System error 5 has occurred.\n\nAccess is denied.\n")
    assert err.value.line == 1


def test_localised_output_is_refused_not_misread() -> None:
    with pytest.raises(InputError, match="not a complete"):
        net("Minimale Kennwortl\u00e4nge:  7\nMaximales Kennwortalter (Tage):  42\n")


def test_sample_net_accounts_is_the_must_show_case() -> None:
    text = read_evidence(SAMPLES / "lone-star-dental/evidence/net-accounts.txt")
    v = values(net(text))
    assert (v["min_length"], v["max_age_days"], v["lockout_threshold"]) == (7, 42, 0)


# --- Get-ADDefaultDomainPasswordPolicy ------------------------------------------------------------

def ad(text: str) -> ParsedSource:
    return parse_file("ad_password_policy", text, "ad-policy", "CONTOSO")


def test_ad_list_output() -> None:
    v = values(ad(AD_TEXT))
    assert v["min_length"] == 7 and v["max_age_days"] == 42 and v["min_age_days"] == 1
    assert v["lockout_threshold"] == 0 and v["lockout_duration_min"] == 30 and v["history"] == 24
    assert v["composition"].imposes_types  # type: ignore[attr-defined]
    assert v["reversible_encryption"] is False


def test_ad_json_sample_from_windows_powershell() -> None:
    source = ad(read_evidence(SAMPLES / "ledger-accounting/evidence/ad-policy.json"))
    v = values(source)
    assert v["min_length"] == 10 and v["max_age_days"] == 90 and v["lockout_threshold"] == 5
    assert v["lockout_duration_min"] == 15
    assert source.settings["min_length"].where == "ad-policy:57"  # the key's line, not PropertyNames'


def test_ad_json_as_utf16_from_out_file(tmp_path: Path) -> None:
    data = {"ComplexityEnabled": False, "MinPasswordLength": 14, "LockoutThreshold": 10,
            "MaxPasswordAge": {"Ticks": 0, "Days": 0, "TotalDays": 0}}
    path = tmp_path / "p.json"
    path.write_bytes(codecs.BOM_UTF16_LE + json.dumps(data, indent=4).encode("utf-16-le"))
    v = values(ad(read_evidence(path)))
    assert v["max_age_days"] == 0 and v["min_length"] == 14
    assert not v["composition"].imposes_types  # type: ignore[attr-defined]


@pytest.mark.parametrize(("raw", "days"), [
    ("42.00:00:00", 42), ("00:00:00", 0), ({"TotalMinutes": 1440.0}, 1), ("10675199.02:48:05.4775807", 10675199),
])
def test_ad_timespans(raw: object, days: int) -> None:
    data = {"ComplexityEnabled": "True", "MinPasswordLength": "8", "LockoutThreshold": 3, "MaxPasswordAge": raw}
    assert values(ad(json.dumps(data)))["max_age_days"] == days


@pytest.mark.parametrize(("text", "message"), [
    ('{"ComplexityEnabled": true,', "invalid JSON"),
    ("[]", "one policy object"),
    ("[1]", "expected a JSON object"),
    ('{"ComplexityEnabled": true, "MinPasswordLength": 7, "LockoutThreshold": 0, "MaxPasswordAge": "soon"}',
     "TimeSpan"),
    ('{"ComplexityEnabled": "maybe", "MinPasswordLength": 7, "LockoutThreshold": 0, "MaxPasswordAge": 0}',
     "True or False"),
    ('{"ComplexityEnabled": true, "MinPasswordLength": 7}', "MaxPasswordAge"),
    ('{"ComplexityEnabled": true, "MinPasswordLength": 7, "LockoutThreshold": 0, "MaxPasswordAge": '
     '{"TotalMinutes": Infinity}}', "TimeSpan object"),
    ("[" * 5000, "invalid JSON"),
])
def test_ad_json_problems(text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        ad(text)


def test_ad_text_bad_value_is_located() -> None:
    with pytest.raises(InputError) as err:
        ad(AD_TEXT.replace("MinPasswordLength           : 7", "MinPasswordLength           : seven"))
    assert err.value.line == 9 and err.value.key == "MinPasswordLength"


# --- Linux ----------------------------------------------------------------------------------------

def test_sample_login_defs() -> None:
    source = parse_file("linux_login_defs", read_evidence(SAMPLES / "corner-shop/evidence/login.defs"),
                        "login.defs", "back-office server")
    v = values(source)
    assert v["max_age_days"] == 90 and v["min_age_days"] == 1 and v["hash_method"] == "SHA512"
    assert v["min_length"] == 8 and source.settings["min_length"].authority is Authority.SUPERSEDED


@pytest.mark.parametrize(("line", "days"), [("PASS_MAX_DAYS 99999", 0), ("PASS_MAX_DAYS -1", 0),
                                            ("PASS_MAX_DAYS\t60", 60), ("# PASS_MAX_DAYS 30", 0)])
def test_login_defs_expiry(line: str, days: int) -> None:
    assert values(parse_file("linux_login_defs", f"{line}\n", "login.defs"))["max_age_days"] == days


def test_login_defs_bad_number_is_located() -> None:
    with pytest.raises(InputError) as err:
        parse_file("linux_login_defs", "UMASK 022\nPASS_MAX_DAYS ninety\n", "login.defs")
    assert (err.value.line, err.value.column, err.value.key) == (2, 15, "PASS_MAX_DAYS")


def test_sample_pwquality() -> None:
    source = parse_file("pwquality_conf", read_evidence(SAMPLES / "corner-shop/evidence/pwquality.conf"),
                        "pwquality.conf")
    v = values(source)
    comp = v["composition"]
    assert v["min_length"] == 8 and v["blocklist"] == "dictionary"
    assert dict(comp.required) == {"digit": 1, "upper": 1, "other": 1}  # type: ignore[attr-defined]
    assert v["pattern_limits"].max_repeat == 3  # type: ignore[attr-defined]
    assert source.settings["blocklist"].authority is Authority.DEFAULT  # dictcheck left at its default


def test_pwquality_defaults_apply_to_an_all_comment_file() -> None:
    source = parse_file("pwquality_conf", "# minlen = 8\n", "pwquality.conf")
    assert values(source)["min_length"] == 8
    assert source.settings["min_length"].authority is Authority.DEFAULT


def test_pwquality_credits_lower_the_real_minimum() -> None:
    v = values(parse_file("pwquality_conf", "minlen = 12\ndcredit = 1\nucredit = 1\n", "pwquality.conf"))
    assert v["min_length"] == 10
    assert v["composition"].credit_min_length == 12  # type: ignore[attr-defined]


def test_pwquality_not_enforcing_accepts_anything() -> None:
    v = values(parse_file("pwquality_conf", "minlen = 20\nenforcing = 0\n", "pwquality.conf"))
    assert v["min_length"] == 0 and v["blocklist"] == "none"


def test_pwquality_last_value_wins_like_the_library() -> None:
    assert values(parse_file("pwquality_conf", "minlen = 9\nminlen = 14\n", "p"))["min_length"] == 14


@pytest.mark.parametrize("text", ["minlen = eight\n", "[section]\n", "minlen = 99999999999\n"])
def test_pwquality_problems(text: str) -> None:
    with pytest.raises(InputError) as err:
        parse_file("pwquality_conf", text, "pwquality.conf")
    assert err.value.line == 1


def test_faillock() -> None:
    v = values(parse_file("faillock_conf", "deny = 5\nunlock_time = never\nfail_interval = 900\n", "faillock.conf"))
    assert v["lockout_threshold"] == 5 and v["lockout_duration_min"] is None and v["lockout_window_min"] == 15
    default = parse_file("faillock_conf", "# deny = 3\n", "faillock.conf")
    assert values(default)["lockout_threshold"] == 3
    assert default.settings["lockout_threshold"].authority is Authority.DEFAULT


# --- declared and merging -------------------------------------------------------------------------

def test_declared_fields_are_marked_declared() -> None:
    source = declared_source(DeclaredSource(type="declared", asset="M365", min_length=12, max_age_days=0,
                                            complexity=False, lockout_threshold=10, blocklist=True))
    v = values(source)
    assert v["min_length"] == 12 and v["blocklist"] == "full" and not v["composition"].imposes_types  # type: ignore
    assert all(s.authority is Authority.DECLARED for s in source.settings.values())
    assert "max_length" not in v  # not given, not guessed


def test_merge_prefers_observed_over_superseded_and_declared_over_inferred() -> None:
    defs = parse_file("linux_login_defs", "PASS_MIN_LEN 6\nPASS_MAX_DAYS 30\n", "login.defs", "srv")
    pwq = parse_file("pwquality_conf", "minlen = 14\n", "pwquality.conf", "srv")
    [policy] = merge_by_asset([defs, pwq])
    assert policy.value("min_length") == 14 and policy.value("max_age_days") == 30
    windows = net(NET_ACCOUNTS)
    declared = declared_source(DeclaredSource(type="declared", asset="LSD domain", blocklist=True, complexity=True))
    [merged] = merge_by_asset([windows, declared])
    assert merged.value("blocklist") == "full"  # declared beats the platform inference
    assert merged.value("min_length") == 7
    assert merged.get("composition") is not None
