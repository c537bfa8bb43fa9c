"""Candidate passwords found on site, scored and looked up, turned into findings that never show them.

A candidate fails when it is in a breach corpus, when zxcvbn scores it 2 or lower, or when it is
shorter than NIST's 15 characters for a single-factor password. One whose breach look-up failed and
that is otherwise fine gets an `error` finding: it has not been shown safe.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from checks.password_policy.breach import BreachResult, HashFile, LookupStats, RangeClient
from checks.password_policy.candidates import Candidate
from checks.password_policy.options import BreachCheck
from checks.password_policy.rules import WEAKNESS, threshold
from checks.password_policy.strength import Strength, StrengthError, estimate
from posture.api import Config, Finding, Severity, Status, load_catalogue

ACTION = ("change-breached-passwords",)
WEAK_SCORE = 2  # zxcvbn 0-2: under 10^8 guesses


@dataclass(frozen=True)
class Lookup:
    results: dict[str, BreachResult] | None  # by SHA-1; None when the breach check is off
    stats: LookupStats
    mode: str
    failure: str | None = None  # why the whole look-up failed (the API unreachable), for one clear line


def look_up(candidates: list[Candidate], settings: BreachCheck, config: Config, cancel_event: threading.Event,
            progress: Callable[[int, int], None] | None = None) -> Lookup:
    """Breach results for every candidate, by the configured mode."""
    hashes = [c.sha1 for c in candidates]
    if settings.mode == "off" or not candidates:
        return Lookup(None, LookupStats(), settings.mode)
    if settings.mode == "offline":
        assert settings.hash_file is not None
        hash_file = HashFile(config.resolve(settings.hash_file))
        return Lookup(hash_file.lookup_all(hashes, progress, cancel_event), hash_file.stats, "offline")
    client = RangeClient(settings.api_url, timeout_s=settings.timeout_s, retries=settings.retries,
                         backoff_s=settings.backoff_s, cancel_event=cancel_event)
    try:
        return Lookup(client.lookup_all(hashes, progress), client.stats, "online", client.unreachable)
    finally:
        client.close()


def candidate_findings(check_id: str, candidates: list[Candidate], lookup: Lookup, context: list[str],
                       progress: Callable[[int, int], None] | None = None) -> tuple[list[Finding], dict[str, Any]]:
    findings = []
    tally = {"candidates_checked": len(candidates), "breached": 0, "guessable": 0, "short": 0, "not_checked": 0}
    scored: dict[str, Strength | None] = {}  # the same password twice is scored once (memory only)
    for n, candidate in enumerate(candidates, start=1):
        if candidate.password not in scored:
            try:
                scored[candidate.password] = estimate(candidate.password, context)
            except StrengthError:
                scored[candidate.password] = None
        strength = scored[candidate.password]
        breach = lookup.results.get(candidate.sha1) if lookup.results is not None else None
        finding = _finding(check_id, candidate, strength, breach, lookup.mode)
        findings.append(finding)
        tally["breached"] += bool(breach and breach.status == "found")
        tally["guessable"] += bool(strength and strength.score <= WEAK_SCORE)
        tally["short"] += len(candidate.password) < threshold("single_factor_min_length")
        tally["not_checked"] += finding.status is Status.ERROR
        if progress and (n % 100 == 0 or n == len(candidates)):
            progress(n, len(candidates))
    facts: dict[str, Any] = {**tally, "breach_mode": lookup.mode}
    if lookup.mode == "online":
        facts.update(range_requests=lookup.stats.requests, distinct_prefixes=lookup.stats.distinct_prefixes)
    return findings, facts


def _finding(check_id: str, c: Candidate, strength: Strength | None, breach: BreachResult | None,
             mode: str) -> Finding:
    min_length = threshold("single_factor_min_length")
    evidence = [f"password: {c.mask()} ({'typed in' if c.origin == 'typed' else 'from the candidate file'})"]
    problems: list[tuple[Severity, str]] = []
    if breach is not None and breach.status == "found":
        problems.append((Severity.CRITICAL, f"it appears in known breaches ({breach.count:,} times)"))
    if strength is not None:
        evidence.append(f"zxcvbn score {strength.score} of 4, about 10^{strength.guesses_log10:.1f} guesses")
        evidence += [f"time to crack {line}" for line in strength.crack_time_lines()]
        if strength.warning:
            evidence.append(f"zxcvbn: {strength.warning}")
        if strength.truncated:
            evidence.append("scored on its first 72 characters (zxcvbn's limit); longer only makes it stronger")
        if strength.score <= 1:
            problems.append((Severity.HIGH, f"it is easy to guess (zxcvbn score {strength.score} of 4)"))
        elif strength.score == WEAK_SCORE:
            problems.append((Severity.MEDIUM, "it falls to a determined guessing attack (zxcvbn score 2 of 4)"))
    else:
        evidence.append("zxcvbn could not score it")
    if len(c.password) < min_length:
        problems.append((Severity.LOW, f"it is shorter than {min_length} characters"))
    evidence.append(_breach_line(breach, mode))
    unchecked = strength is None or (breach is not None and breach.status == "error")
    refs = ("nist-800-63b-r4-passwords", "zxcvbn", *(("hibp-range",) if mode != "off" else ()))
    references = load_catalogue().refs(*refs)

    def finding(status: Status, severity: Severity, title: str, detail: str = "", remediation: str = "",
                actions: tuple[str, ...] = ()) -> Finding:
        return Finding(check=check_id, key=f"candidate/{c.label}", status=status, severity=severity, title=title,
                       detail=detail, asset=c.label, weaknesses=WEAKNESS, evidence=tuple(evidence),
                       remediation=remediation, references=references, actions=actions)

    if problems:
        severity = min((p[0] for p in problems), key=lambda s: s.rank)
        reasons = "; ".join(p[1] for p in problems)
        return finding(Status.FAIL, severity, f"Candidate password “{c.label}” must be changed: {problems[0][1]}",
                       detail=f"The password labelled “{c.label}” ({c.mask()}) fails because {reasons}. Attackers "
                              "try breached and common passwords first, on every account they can reach. The "
                              "password itself appears nowhere in this report.",
                       remediation="Change it today on every account and device that uses it, to a long unique "
                                   f"passphrase ({min_length}+ characters) kept in a password manager; if it is a "
                                   "factory default, change the default too.",
                       actions=ACTION)
    if unchecked:
        why = breach.reason if breach is not None and breach.status == "error" else "zxcvbn could not score it"
        return finding(Status.ERROR, Severity.MEDIUM,
                       f"Candidate password “{c.label}” could not be fully checked ({why})",
                       detail="It passed the checks that did run, but until the rest complete it has not been "
                              "shown safe.",
                       remediation="Run the check again when the breach look-up is reachable, or use an offline "
                                   "hash file (breach_check.mode: offline).")
    return finding(Status.PASS, Severity.INFO, f"Candidate password “{c.label}” is long, hard to guess"
                   + (" and not in known breaches" if mode != "off" else ""))


def _breach_line(breach: BreachResult | None, mode: str) -> str:
    source = "Pwned Passwords range API" if mode == "online" else "local hash file"
    if mode == "off" or breach is None:
        return "breach look-up: off (breach_check.mode)"
    if breach.status == "found":
        return f"{source}: seen {breach.count:,} times in breaches"
    if breach.status == "not_found":
        return f"{source}: not found"
    return f"{source}: look-up failed ({breach.reason})"
