"""zxcvbn, used safely: capped at 72 characters, serialised, and never holding on to the password.

zxcvbn's run time grows steeply with length and it raises past 72 characters, so longer passwords
are scored on their first 72 (which already makes them very strong) and flagged as such. It also
keeps the caller's context words in a module-level dictionary, so calls are serialised with a lock.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from zxcvbn import zxcvbn

ZXCVBN_MAX_LENGTH = 72
_LOCK = threading.Lock()

# zxcvbn's attack scenarios, as the report words them.
CRACK_SCENARIOS = {
    "online_throttling_100_per_hour": "online, with throttling (100 guesses an hour)",
    "online_no_throttling_10_per_second": "online, without throttling (10 a second)",
    "offline_slow_hashing_1e4_per_second": "offline, against a slow hash such as bcrypt (10,000 a second)",
    "offline_fast_hashing_1e10_per_second": "offline, against a fast hash such as NTLM (10 billion a second)",
}


class StrengthError(Exception):
    """zxcvbn failed; deliberately carries no message, so no password can ride on it."""


@dataclass(frozen=True)
class Strength:
    score: int  # 0 (too guessable) to 4 (very unguessable)
    guesses_log10: float
    crack_times: dict[str, str]  # scenario → "17 minutes"
    warning: str  # zxcvbn's fixed-text warning, never part of the password
    truncated: bool  # scored on the first 72 characters only

    @property
    def guesses(self) -> float:
        return 10 ** self.guesses_log10

    def crack_time_lines(self) -> list[str]:
        return [f"{CRACK_SCENARIOS[k]}: {self.crack_times[k]}" for k in CRACK_SCENARIOS if k in self.crack_times]


EMPTY = Strength(0, 0.0, dict.fromkeys(CRACK_SCENARIOS, "instantly"), "An empty password is no protection.", False)


def estimate(password: str, user_inputs: Sequence[str] = ()) -> Strength:
    """Score one password with the business's own words as context."""
    if not password:
        return EMPTY
    truncated = len(password) > ZXCVBN_MAX_LENGTH
    sample = password[:ZXCVBN_MAX_LENGTH]
    failed = False
    try:
        with _LOCK:
            result = zxcvbn(sample, user_inputs=list(user_inputs), max_length=ZXCVBN_MAX_LENGTH)
        score = int(result["score"])
        log10 = float(result["guesses_log10"])
        times = {str(k): str(v) for k, v in result["crack_times_display"].items()}
        warning = str(result.get("feedback", {}).get("warning") or "")
        del result  # it holds the password
    except Exception:
        failed = True  # raised outside this block so zxcvbn's error (which may quote the input) is not chained
    if failed or not math.isfinite(log10):
        raise StrengthError()
    return Strength(score, log10, times, warning, truncated)
