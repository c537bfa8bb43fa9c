"""Property tests: every parser only ever raises InputError, errors never quote a password, and the
hash-file search finds exactly what the file holds."""

from __future__ import annotations

import hashlib
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks.password_policy.breach import BreachLookupError, HashFile, parse_range
from checks.password_policy.candidates import parse_candidates
from checks.password_policy.evidence import decode_evidence
from checks.password_policy.sources import PARSERS, parse_file
from checks.password_policy.strength import estimate
from posture.errors import InputError

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
KINDS = sorted(PARSERS)

NET_KEYS = ["Minimum password age (days)", "Maximum password age (days)", "Minimum password length",
            "Length of password history maintained", "Lockout threshold", "Lockout duration (minutes)",
            "Lockout observation window (minutes)", "Computer role"]
AD_KEYS = ["ComplexityEnabled", "MinPasswordLength", "MaxPasswordAge", "MinPasswordAge", "LockoutThreshold",
           "LockoutDuration", "LockoutObservationWindow", "PasswordHistoryCount", "ReversibleEncryptionEnabled"]
LINUX_KEYS = ["PASS_MAX_DAYS", "PASS_MIN_DAYS", "PASS_MIN_LEN", "ENCRYPT_METHOD", "minlen", "dcredit", "ucredit",
              "minclass", "maxrepeat", "maxsequence", "dictcheck", "enforcing", "badwords", "deny", "unlock_time",
              "fail_interval"]
values = st.one_of(st.integers(-10**12, 10**12).map(str), st.sampled_from(["Never", "None", "Unlimited", "True",
                   "False", "42.00:00:00", "00:30:00", "never", "", "-1", "99999"]), st.text(max_size=12))


def parse_all(text: str) -> None:
    for kind in KINDS:
        try:
            parse_file(kind, text, "evidence.txt")
        except InputError:
            pass


@FAST
@given(st.text(max_size=300))
def test_any_text_raises_only_input_error(text: str) -> None:
    parse_all(text)


@FAST
@given(st.binary(max_size=300))
def test_any_bytes_decode_or_raise_input_error(raw: bytes) -> None:
    try:
        text = decode_evidence(raw, "evidence.txt")
    except InputError:
        return
    parse_all(text)


@FAST
@given(st.lists(st.tuples(st.sampled_from(NET_KEYS + AD_KEYS + LINUX_KEYS), st.sampled_from([": ", " : ", " = ", "\t"]),
                          values), max_size=14))
def test_plausible_lines_raise_only_input_error(lines: list[tuple[str, str, str]]) -> None:
    parse_all("\n".join(f"{k}{sep}{v}" for k, sep, v in lines))


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(allow_nan=True),
              st.text(max_size=20)),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(
        st.sampled_from(["Ticks", "TotalMinutes", "Days", "x"]), inner, max_size=3),
    max_leaves=8)


@FAST
@given(st.dictionaries(st.sampled_from(AD_KEYS + ["Other"]), json_values, max_size=10))
def test_ad_json_of_any_shape_raises_only_input_error(data: dict[str, object]) -> None:
    try:
        parse_file("ad_password_policy", json.dumps(data), "ad.json")
    except InputError:
        pass


# --- candidates: errors never carry the password -------------------------------------------------

@FAST
@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=30),
                max_size=8))
def test_candidate_errors_never_quote_a_line(lines: list[str]) -> None:
    raw = "\n".join(lines).encode("utf-8")
    try:
        candidates = parse_candidates(raw, "found.txt")
    except InputError as exc:
        message = str(exc)
        assert not any(len(line.strip()) > 3 and line.strip() in message for line in lines)
        return
    for candidate in candidates:
        if len(candidate.password) >= 4:  # shorter ones can match "(12 characters)" by chance
            assert candidate.password not in repr(candidate)
            assert candidate.password not in str(candidate)
            assert candidate.password not in candidate.mask()


@FAST
@given(st.binary(max_size=300))
def test_candidate_parser_raises_only_input_error(raw: bytes) -> None:
    try:
        parse_candidates(raw, "found.txt")
    except InputError:
        pass


@settings(max_examples=40, deadline=None)
@given(st.text(min_size=0, max_size=200))
def test_strength_never_raises_past_72_characters(password: str) -> None:
    strength = estimate(password, ["houston"])
    assert 0 <= strength.score <= 4
    assert strength.truncated == (len(password) > 72)


# --- breach look-ups -------------------------------------------------------------------------------

@FAST
@given(st.text(max_size=200))
def test_range_parser_raises_only_its_error(body: str) -> None:
    try:
        parse_range(body)
    except BreachLookupError:
        pass


def sha1(word: str) -> str:
    return hashlib.sha1(word.encode()).hexdigest().upper()


@settings(max_examples=60, deadline=None)
@given(present=st.sets(st.text(min_size=1, max_size=8), min_size=1, max_size=40),
       absent=st.sets(st.text(min_size=1, max_size=8), max_size=10),
       crlf=st.booleans())
def test_hash_file_search_finds_exactly_what_is_there(present: set[str], absent: set[str], crlf: bool) -> None:
    rows = sorted((sha1(w), n) for n, w in enumerate(present, start=1))
    newline = "\r\n" if crlf else "\n"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "pwned.txt"
        path.write_text(newline.join(f"{h}:{n}" for h, n in rows) + newline, encoding="ascii")
        wanted = [sha1(w) for w in present | absent]
        results = HashFile(path).lookup_all(wanted)
    counts = dict(rows)
    for digest in wanted:
        result = results[digest]
        if digest in counts:
            assert (result.status, result.count) == ("found", counts[digest])
        else:
            assert result.status == "not_found"


@pytest.mark.parametrize("kind", KINDS)
def test_each_parser_is_registered_by_its_config_type(kind: str) -> None:
    assert callable(PARSERS[kind])
