"""The weakest-accepted example as a finding: proof, in one made-up password, of what the policy lets through."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from checks.password_policy.policy import Policy
from checks.password_policy.rules import WEAKNESS, load_rules
from checks.password_policy.weakest import WeakestResult, rules_for, weakest_accepted
from posture.api import Finding, Severity, Status, load_catalogue

SEVERITY_BY_SCORE = {0: Severity.HIGH, 1: Severity.HIGH, 2: Severity.MEDIUM, 3: Severity.LOW}
SYNTHETIC = "Synthetic example built by posture from the policy's rules and the business's own words; " \
            "it is not anyone's password."


def weakest_finding(check_id: str, policy: Policy, context: list[str], now: datetime, exclude: list[str]
                    ) -> tuple[Finding | None, dict[str, Any]]:
    """The finding and the facts for one asset; (None, {}) when the minimum length is unknown."""
    rules = rules_for(policy)
    if rules is None:
        return None, {}
    result = weakest_accepted(rules, context, now, exclude=exclude)
    example = result.weakest
    if example is None:
        return None, {"examples_considered": result.considered}
    s = example.strength
    facts = {"example": example.password, "zxcvbn_score": s.score, "guesses_log10": round(s.guesses_log10, 2),
             "crack_times": s.crack_times, "synthetic": True}
    spec = load_rules()["rules"]["weakest-accepted"]
    ok = s.score >= 4
    times = "; ".join(s.crack_time_lines())
    detail = (f"{policy.asset}'s rules ({rules.describe()}) accept “{example.password}”. zxcvbn, told the "
              f"business's words, scores it {s.score} of 4 (about 10^{s.guesses_log10:.1f} guesses). Time to crack "
              f"it: {times}. " + " ".join(spec["why"].split()))
    return Finding(
        check=check_id, key=f"{policy.asset}/weakest-accepted",
        status=Status.PASS if ok else Status.FAIL,
        severity=Severity.INFO if ok else SEVERITY_BY_SCORE.get(s.score, Severity.LOW),
        title=(f"Even the weakest password {policy.asset} accepts resists guessing (zxcvbn {s.score} of 4)" if ok else
               f"{policy.asset} accepts passwords like “{example.password}” (synthetic example, zxcvbn score "
               f"{s.score} of 4)"),
        detail=detail if not ok else f"The weakest example found, “{example.password}”, scores {s.score} of 4.",
        asset=policy.asset, weaknesses=WEAKNESS, evidence=tuple(_evidence(result)),
        remediation="" if ok else "Raise the minimum length to 15 and refuse breached, common and business words "
                                  "(see the length and blocklist findings); the example then stops being accepted.",
        references=load_catalogue().refs(*spec["references"]),
    ), facts


def _evidence(result: WeakestResult) -> list[str]:
    lines = [SYNTHETIC, f"rules applied: {result.rules.describe()}"]
    lines += [f"assumed: {a}" for a in result.rules.assumptions]
    for example in result.examples:
        lines.append(f"accepted: “{example.password}”, zxcvbn {example.strength.score}/4, "
                     f"10^{example.strength.guesses_log10:.1f} guesses")
    if result.seasonal is not None and result.seasonal not in result.examples:
        e = result.seasonal
        lines.append(f"accepted, built on the year as forced rotation encourages: “{e.password}”, zxcvbn "
                     f"{e.strength.score}/4, offline against a fast hash: "
                     f"{e.strength.crack_times.get('offline_fast_hashing_1e10_per_second', '?')}")
    lines.append(f"{result.considered:,} patterns met the rules; the weakest {len(result.examples)} are shown")
    return lines
