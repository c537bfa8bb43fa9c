"""Candidate passwords: the file format, masking, scoring, offline breach look-ups and their findings."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import pytest

from checks.password_policy.audit import Lookup, candidate_findings
from checks.password_policy.breach import BreachResult, HashFile, LookupStats, check_hash_file
from checks.password_policy.candidates import Candidate, mask, parse_candidates, typed_candidates, unique_labels
from checks.password_policy.strength import ZXCVBN_MAX_LENGTH, estimate
from posture.errors import InputError
from posture.models import Severity, Status

CONTEXT = ["lonestar", "dental", "houston"]


def sha1(password: str) -> str:
    return hashlib.sha1(password.encode()).hexdigest().upper()


def write_hash_file(path: Path, counts: dict[str, int], filler: int = 500, newline: str = "\n") -> Path:
    rows = {sha1(f"filler-{n}"): n + 1 for n in range(filler)}
    rows.update({sha1(p): c for p, c in counts.items()})
    path.write_text(newline.join(f"{h}:{c}" for h, c in sorted(rows.items())) + newline, encoding="ascii")
    return path


# --- the candidate file ---------------------------------------------------------------------------

def test_file_format_labels_lines_and_comments() -> None:
    raw = b"# found on site 2026-11-20\n\nfront-desk\tSmile2026!\r\nwith spaces inside  \nrouter admin\tadmin\n"
    c = parse_candidates(raw, "found.txt")
    assert [(x.label, x.password) for x in c] == [("front-desk", "Smile2026!"), ("line 4", "with spaces inside  "),
                                                   ("router admin", "admin")]


def test_repeated_labels_get_numbered_and_typed_ones_join_in() -> None:
    both = unique_labels([*parse_candidates(b"wifi\tone\nwifi\ttwo\n", "f"), *typed_candidates([("wifi", "x"),
                                                                                               ("", "y")])])
    assert [c.label for c in both] == ["wifi", "wifi #2", "wifi #3", "typed #2"]
    assert both[2].origin == "typed"


@pytest.mark.parametrize(("raw", "message"), [
    (b"\tsecret-value\n", "label before the tab is empty"),
    (b"label\t\n", "password is missing"),
    (("x" * 100 + "\tsecret-value\n").encode(), "longer than"),
])
def test_bad_lines_name_the_line_and_never_the_password(raw: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message) as err:
        parse_candidates(raw, "found.txt")
    assert err.value.line == 1 and "secret-value" not in str(err.value)


def test_a_candidate_never_shows_its_password() -> None:
    c = Candidate("front-desk", "Smile2026!")
    for text in (repr(c), str(c), c.mask(), f"{c}", repr([c])):
        assert "Smile2026!" not in text
    assert mask("abc") == "•••••••• (3 characters)" and mask("") == "•••••••• (0 characters)"


def test_long_passwords_are_scored_on_72_characters() -> None:
    strength = estimate("correct horse battery staple " * 10, CONTEXT)
    assert strength.truncated and strength.score == 4
    assert not estimate("x" * ZXCVBN_MAX_LENGTH).truncated
    assert estimate("").score == 0


# --- the local hash file --------------------------------------------------------------------------

@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_hash_file_found_and_not_found(tmp_path: Path, newline: str) -> None:
    path = write_hash_file(tmp_path / "pwned.txt", {"Smile2026!": 12, "password": 9_000_000}, newline=newline)
    hash_file = HashFile(path)
    results = hash_file.lookup_all([sha1("Smile2026!"), sha1("password"), sha1("not-in-there")])
    assert results[sha1("Smile2026!")] == BreachResult("found", 12)
    assert results[sha1("password")].count == 9_000_000
    assert results[sha1("not-in-there")].status == "not_found"
    assert hash_file.stats.probes < 3 * 12  # binary search: about log2(lines) reads per look-up


def test_first_and_last_lines_are_found(tmp_path: Path) -> None:
    rows = sorted(sha1(f"w{n}") for n in range(50))
    path = tmp_path / "h.txt"
    path.write_text("".join(f"{h}:{n + 1}\n" for n, h in enumerate(rows)))
    results = HashFile(path).lookup_all([rows[0], rows[-1], "0" * 40, "F" * 40])
    assert results[rows[0]].count == 1 and results[rows[-1]].count == 50
    assert results["0" * 40].status == results["F" * 40].status == "not_found"


def test_unsorted_or_garbage_file_gives_error_not_a_pass(tmp_path: Path) -> None:
    rows = [f"{sha1(f'w{n}')}:1" for n in range(200)]
    unsorted = tmp_path / "unsorted.txt"
    unsorted.write_text("\n".join(sorted(rows, reverse=True)) + "\n")
    assert {r.status for r in HashFile(unsorted).lookup_all([sha1("w7"), sha1("nope")]).values()} == {"error"}
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("\n".join(sorted(rows)[:100] + ["this is not a hash line"] + sorted(rows)[100:]) + "\n")
    results = HashFile(garbage).lookup_all([sha1(f"w{n}") for n in range(200)])
    assert any(r.status == "error" for r in results.values())
    assert all(r.status in {"found", "error"} for r in results.values())


def test_missing_hash_file_is_an_error_result(tmp_path: Path) -> None:
    results = HashFile(tmp_path / "gone.txt").lookup_all([sha1("x")])
    assert results[sha1("x")].status == "error"


def test_hash_file_precheck(tmp_path: Path) -> None:
    (tmp_path / "empty").write_text("")
    (tmp_path / "ntlm").write_text("8846F7EAEE8FB117AD06BDD830B7586C:3\n")
    assert "empty" in str(check_hash_file(tmp_path / "empty"))
    assert "SHA1:COUNT" in str(check_hash_file(tmp_path / "ntlm"))
    assert check_hash_file(write_hash_file(tmp_path / "ok", {})) is None


def test_cancel_stops_the_offline_look_up(tmp_path: Path) -> None:
    event = threading.Event()
    event.set()
    from posture.errors import Cancelled
    with pytest.raises(Cancelled):
        HashFile(write_hash_file(tmp_path / "h", {})).lookup_all([sha1("x")], cancel_event=event)


# --- findings -------------------------------------------------------------------------------------

def findings_for(pairs: list[tuple[str, str]], results: dict[str, BreachResult] | None, mode: str = "offline"):
    candidates = [Candidate(label, pw) for label, pw in pairs]
    lookup = Lookup(results, LookupStats(), mode)
    findings, facts = candidate_findings("password_policy", candidates, lookup, CONTEXT)
    return {f.asset: f for f in findings}, facts


def test_breached_weak_short_and_strong_candidates() -> None:
    strong = "vivid-otter-lantern-97-quarry"
    results = {sha1("Houston2026!"): BreachResult("found", 42), sha1("qwerty"): BreachResult("not_found"),
               sha1(strong): BreachResult("not_found"), sha1("Tr0ub4dor&3x!"): BreachResult("not_found")}
    found, facts = findings_for([("front-desk", "Houston2026!"), ("printer", "qwerty"), ("vault", strong),
                                 ("wifi", "Tr0ub4dor&3x!")], results)
    breached = found["front-desk"]
    assert breached.status is Status.FAIL and breached.severity is Severity.CRITICAL
    assert "42 times" in breached.title and breached.actions == ("change-breached-passwords",)
    assert found["printer"].severity is Severity.HIGH and "easy to guess" in found["printer"].title
    assert found["vault"].status is Status.PASS
    assert facts["breached"] == 1 and facts["candidates_checked"] == 4 and facts["short"] == 3
    for finding in found.values():
        text = " ".join([finding.title, finding.detail, finding.remediation, *finding.evidence, finding.key])
        for password in ("Houston2026!", "qwerty", strong, "Tr0ub4dor&3x!"):
            assert password not in text
        assert sha1("Houston2026!") not in text


def test_a_failed_look_up_is_an_error_not_a_pass() -> None:
    strong = "vivid-otter-lantern-97-quarry"
    found, facts = findings_for([("vault", strong)], {sha1(strong): BreachResult("error", reason="HTTP 500")},
                                mode="online")
    assert found["vault"].status is Status.ERROR and "HTTP 500" in found["vault"].title
    assert facts["not_checked"] == 1


def test_breach_check_off_still_scores() -> None:
    found, facts = findings_for([("x", "password")], None, mode="off")
    assert found["x"].status is Status.FAIL and any("off" in e for e in found["x"].evidence)
    assert facts["breach_mode"] == "off"
