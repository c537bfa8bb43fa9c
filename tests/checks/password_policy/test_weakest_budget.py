"""The weakest-accepted-password search scores only a few candidates with zxcvbn (milliseconds each),
yet finds the same weakest password as scoring every candidate would."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime

import pytest

import checks.password_policy.weakest as weakest
from checks.password_policy.policy import Composition, PatternLimits
from checks.password_policy.strength import estimate
from checks.password_policy.weakest import Rules, context_terms, generate, weakest_accepted

NOW = datetime(2026, 11, 22, tzinfo=UTC)
CONTEXT = context_terms(["lonestar", "dental", "houston", "smile"], "Lone Star Dental")
RULES = {
    # Scoring every candidate takes a while: two policies, one where a bare word wins and one where a
    # doubled word does (the least decorated of all).
    "three classes": Rules(7, 127, Composition(min_classes=3), PatternLimits(), "none"),
    "long, three classes": Rules(12, 127, Composition(min_classes=3), PatternLimits(), "none"),
}


def _guesses_log10(candidate: str) -> float:
    return estimate(candidate, CONTEXT).guesses_log10


def _score_all(candidates: list[str]) -> Iterable[float]:
    """Every candidate's score, on every core (tens of seconds on one); fresh interpreters, not forks of
    this one, whose other tests may have left threads holding locks."""
    workers = os.cpu_count() or 1
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(_guesses_log10, candidates, chunksize=max(1, len(candidates) // (workers * 8))))


@pytest.mark.parametrize("name", RULES)
def test_few_scored_and_the_weakest_is_the_weakest_of_all(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    rules = RULES[name]
    scored: list[str] = []

    def counting(password: str, context: object) -> object:
        scored.append(password)
        return estimate(password, context)  # type: ignore[arg-type]

    monkeypatch.setattr(weakest, "estimate", counting)
    result = weakest_accepted(rules, CONTEXT, NOW)
    candidates = generate(rules, CONTEXT, NOW)
    assert len(scored) <= weakest.MAX_SCORED + weakest.MAX_DATED < len(candidates)
    every = min(_score_all(candidates))
    assert result.weakest is not None and result.weakest.strength.guesses_log10 == every
