"""The weakest passwords a policy would accept, built the way people really build them.

From the parsed rules (length, character types, repeats, blocklist) and the business's own words,
the season and the year, this builds candidates such as `Houston2026!`, keeps those the policy
would accept, scores them with zxcvbn and shows the weakest. They are synthetic: none comes from an
account, and any that happens to equal a candidate password the consultant supplied is dropped, so
a real password is never printed as an "example".

The blocklist is approximated: a dictionary check (pwquality's cracklib) refuses a password whose
letters, with digits and symbols trimmed from the ends, form a common word; a full blocklist (NIST)
also refuses the business's own words anywhere in it. Where the evidence does not show a rule, the
strict reading is assumed so the example is accepted either way.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import permutations
from typing import TYPE_CHECKING

from checks.password_policy.policy import Composition, PatternLimits, Policy

if TYPE_CHECKING:  # zxcvbn (behind strength) is imported only when candidates are scored, not when loaded
    from checks.password_policy.strength import Strength

MAX_SCORED = 40  # zxcvbn takes a few ms each; the weakest are among the least decorated anyway
MAX_DATED = 12  # and the shortest few built on the year, for the rotation example
DEFAULT_MAX_LENGTH = 128
ASSUMED_COMPLEXITY = Composition(min_classes=3, describe="three of the four character types (assumed)")
SEASONS = ("winter", "winter", "spring", "spring", "spring", "summer", "summer", "summer", "fall", "fall", "fall",
           "winter")  # by month
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
COMMON_BASES = ("password", "welcome", "letmein", "qwerty", "monkey", "dragon", "sunshine", "football",
                "baseball", "princess", "changeme", "admin", "family", "freedom")
LEET = str.maketrans({"@": "a", "4": "a", "3": "e", "1": "i", "!": "i", "0": "o", "$": "s", "5": "s", "7": "t"})
LEET_SUBS = str.maketrans({"a": "@", "o": "0", "e": "3", "i": "1", "s": "$"})


@dataclass(frozen=True)
class Rules:
    """What a candidate must satisfy, with the assumptions made where the evidence was silent."""

    min_length: int
    max_length: int
    composition: Composition
    patterns: PatternLimits
    blocklist: str  # none | dictionary | full
    assumptions: tuple[str, ...] = ()

    def describe(self) -> str:
        parts = [f"at least {self.min_length} characters", self.composition.describe]
        if self.blocklist != "none":
            parts.append(f"{'a dictionary check' if self.blocklist == 'dictionary' else 'a blocklist'}")
        return ", ".join(parts)


def rules_for(policy: Policy) -> Rules | None:
    """The acceptance rules of a merged policy; None when its minimum length is unknown."""
    min_length = policy.value("min_length")
    if min_length is None:
        return None
    assumptions = []
    composition = policy.value("composition")
    if composition is None:
        composition = ASSUMED_COMPLEXITY
        assumptions.append("character-type rules not shown: assumed required (3 of 4 types), so the example "
                           "is accepted either way")
    blocklist = policy.value("blocklist")
    if blocklist is None:
        blocklist = "full"
        assumptions.append("blocklist not shown: assumed to refuse common and business words, so the example is "
                           "accepted either way")
    return Rules(max(int(min_length), 1), int(policy.value("max_length", DEFAULT_MAX_LENGTH)), composition,
                 policy.value("pattern_limits", PatternLimits()), str(blocklist), tuple(assumptions))


# --- acceptance --------------------------------------------------------------------------------------

def char_class(c: str) -> str:
    if c.isascii() and c.isdigit():
        return "digit"
    if c.islower():
        return "lower"
    if c.isupper():
        return "upper"
    return "other"


def estimate(password: str, context: Sequence[str]) -> Strength:
    """zxcvbn's estimate (checks.password_policy.strength), imported the first time a candidate is scored."""
    from checks.password_policy.strength import estimate as score

    return score(password, context)


@functools.cache
def _dictionary() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(w for words in FREQUENCY_LISTS.values() for w in words if len(w) >= 3)


def _trim(text: str) -> str:
    return re.sub(r"^[^a-z]+|[^a-z]+$", "", text)


def _cores(password: str) -> set[str]:
    """The word a password is built on: digits and symbols trimmed from the ends, look-alikes undone
    ("P@$$w0rd!!" → "password"), tried in the orders that matter, and a repeated word reduced to one."""
    lowered = password.lower()
    cores = {_trim(lowered).translate(LEET), _trim(re.sub(r"[^a-z]+$", "", lowered).translate(LEET)),
             _trim(lowered.translate(LEET))}
    for core in list(cores):
        while len(core) % 2 == 0 and core and core[: len(core) // 2] == core[len(core) // 2:]:
            core = core[: len(core) // 2]
            cores.add(core)
    return {_trim(c) for c in cores}


def accepts(rules: Rules, password: str, context_words: Sequence[str] = ()) -> bool:
    n = len(password)
    if not rules.min_length <= n <= rules.max_length:
        return False
    counts: dict[str, int] = {}
    for c in password:
        counts[char_class(c)] = counts.get(char_class(c), 0) + 1
    comp = rules.composition
    if len(counts) < comp.min_classes or any(counts.get(c, 0) < k for c, k in comp.required):
        return False
    if comp.credit_min_length and n + sum(min(counts.get(c, 0), k) for c, k in comp.credits) < comp.credit_min_length:
        return False
    if not _within_pattern_limits(rules.patterns, password):
        return False
    if rules.blocklist in ("dictionary", "full"):
        lowered = password.lower()
        words = _dictionary()
        if lowered in words or len(set(lowered)) < 5 or any(c in words or c[::-1] in words for c in _cores(password)):
            return False
        if rules.blocklist == "full":
            flat = lowered.translate(LEET)
            if any(w and w in flat for w in context_words):
                return False
    return True


def _within_pattern_limits(limits: PatternLimits, password: str) -> bool:
    def longest_run(key: object) -> int:
        best = run = 0
        prev = None
        for c in password:
            k = key(c) if callable(key) else c
            run = run + 1 if k == prev else 1
            prev = k
            best = max(best, run)
        return best

    if limits.max_repeat and longest_run(None) > limits.max_repeat:
        return False
    if limits.max_class_repeat and longest_run(char_class) > limits.max_class_repeat:
        return False
    if limits.max_sequence:
        run = 1
        for a, b in zip(password, password[1:], strict=False):
            run = run + 1 if abs(ord(b) - ord(a)) == 1 else 1
            if run > limits.max_sequence:
                return False
    return True


# --- generation --------------------------------------------------------------------------------------

def context_terms(words: Iterable[str], organization: str = "") -> list[str]:
    """The business's words, lower case, letters only: what zxcvbn gets as user_inputs."""
    terms: dict[str, None] = {}
    for raw in [*words, *re.split(r"[^A-Za-z]+", organization)]:
        word = re.sub(r"[^a-z0-9]", "", str(raw).lower())
        if len(word) >= 3:
            terms[word] = None
    name = re.sub(r"[^a-z]", "", organization.lower())
    if len(name) >= 3:
        terms[name] = None
    return list(terms)


def generate(rules: Rules, context: Sequence[str], now: datetime) -> list[str]:
    """Candidates in rough order of simplicity, each accepted by `rules`."""
    return list(_decorated(rules, context, now))


def _decorated(rules: Rules, context: Sequence[str], now: datetime) -> dict[str, int]:
    """Each accepted candidate, in generation order, with how many characters were added to its word(s):
    the cheap guide to which few are worth zxcvbn's time (a bare or doubled word beats a decorated one)."""
    year = str(now.year)
    season = SEASONS[now.month - 1]
    words = list(dict.fromkeys([*context, season, MONTHS[now.month - 1], *COMMON_BASES, "spring", "summer",
                                "fall", "autumn", "winter"]))
    pairs = [a + b for a, b in permutations(list(context)[:6] + [season], 2)]
    bases = list(dict.fromkeys(words + pairs + [w + w for w in context[:4]]))
    suffixes = ["", "1", "!", "1!", "12", "123", "123!", "1234", "12345", "!1", year[2:], year[2:] + "!", year,
                year + "!", "@" + year, year + "#", year + "$", "#1", "!@#", "123456", "123456!", "1234567890",
                "1234567890!", year + "!!", "!" + year]
    out: dict[str, int] = {}
    forms = [_forms(base) for base in bases]
    for suffix in suffixes:  # simplest decoration first, so the first few hundred span every word
        for kind in range(4):
            for variants in forms:
                form = variants[kind]
                if not form:
                    continue
                for candidate in _padded(form, suffix, rules.min_length):
                    if candidate not in out and accepts(rules, candidate, context):
                        added = len(candidate) - len(form)
                        out[candidate] = len(suffix) if added and candidate.startswith(form * 2) else added
    for filler in ("a", "1", "!"):  # repeats, if nothing stops them
        candidate = ("A" if filler == "a" else "") + filler * max(rules.min_length, 8) + "1!"
        if accepts(rules, candidate, context):
            out[candidate] = len(candidate)
    return out


def _forms(word: str) -> list[str]:
    """lower, Capitalised, C@p1t@l1$3d, UPPER (a form equal to an earlier one is left empty)."""
    cap = word[:1].upper() + word[1:]
    forms = [word, cap, cap.translate(LEET_SUBS), word.upper()]
    return [f if f not in forms[:i] else "" for i, f in enumerate(forms)]


def _padded(form: str, suffix: str, min_length: int) -> list[str]:
    """The candidate, or the usual ways people stretch a short one to the minimum."""
    candidate = form + suffix
    short = min_length - len(candidate)
    if short <= 0:
        return [candidate]
    return [form + suffix + ("1234567890"[:short] if short <= 10 else "1" * short),
            form + form + suffix, form + suffix + "!" * short]


# --- choosing ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Example:
    password: str  # synthetic: built here, never taken from an account
    strength: Strength


@dataclass
class WeakestResult:
    rules: Rules
    examples: list[Example] = field(default_factory=list)  # weakest first
    seasonal: Example | None = None  # the weakest built on the year, the habit forced rotation breeds
    considered: int = 0

    @property
    def weakest(self) -> Example | None:
        return self.examples[0] if self.examples else None


def weakest_accepted(rules: Rules, context: Sequence[str], now: datetime, *, exclude: Iterable[str] = (),
                     keep: int = 3) -> WeakestResult:
    """Score the accepted candidates and keep the `keep` weakest; never one equal to an `exclude` password."""
    excluded = {p.casefold() for p in exclude}
    decorated = {c: n for c, n in _decorated(rules, context, now).items() if c.casefold() not in excluded}
    candidates = list(decorated)
    order = {c: i for i, c in enumerate(candidates)}  # generation order: simplest patterns first
    # zxcvbn takes milliseconds a password: only the least decorated few are scored.
    chosen = sorted(candidates, key=lambda c: (decorated[c], order[c]))[:MAX_SCORED]
    year = str(now.year)
    dated = sorted((c for c in candidates if year in c), key=lambda c: (len(c), decorated[c], order[c]))[:MAX_DATED]
    scores = {c: estimate(c, context) for c in dict.fromkeys(chosen + dated)}
    weakest_first = sorted(scores, key=lambda c: (scores[c].guesses_log10, len(c), order[c]))
    examples = [Example(c, scores[c]) for c in weakest_first]
    seasonal = next((e for e in examples if year in e.password), None)
    return WeakestResult(rules, examples[:keep], seasonal, considered=len(candidates))
