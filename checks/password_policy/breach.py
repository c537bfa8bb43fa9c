"""Is a password in a breach corpus? Pwned Passwords, online or from a local copy.

Online, k-anonymity: only the first 5 hex characters of the SHA-1 go to the range API; the answer
lists every known suffix under that prefix and the match happens here. `Add-Padding` makes every
answer about the same size (padding lines have count 0 and are ignored). Candidates sharing a
prefix share one request. Offline, a downloaded `SHA1:COUNT` list sorted by hash is binary-searched
on disk, so a 40 GB file costs ~35 seeks per look-up and is never loaded.

A look-up that fails (timeout, HTTP 500, garbage, unsorted file) is an `error` result, never a
"not found": a password we could not check has not passed.
"""

from __future__ import annotations

import re
import threading
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, Literal

from posture.api import POSTURE_VERSION as posture_version
from posture.api import Cancelled
from posture.webcall import CallFailed, call

PREFIX_LENGTH = 5
CONNECT_TIMEOUT_S = 3.0
MAX_RANGE_BYTES = 2 * 1024 * 1024
MAX_RETRY_AFTER_S = 30.0
USER_AGENT = f"posture/{posture_version} (small-business security assessment; password_policy check)"
_RANGE_LINE = re.compile(r"^([0-9A-Fa-f]{35}):(\d{1,12})$")
_HASH_LINE = re.compile(rb"^([0-9A-Fa-f]{40}):(\d{1,12})\s*$")

Status = Literal["found", "not_found", "error"]


@dataclass(frozen=True)
class BreachResult:
    status: Status
    count: int = 0  # times seen in breaches (found only)
    reason: str = ""  # why the look-up failed (error only); never contains a password


class BreachLookupError(Exception):
    """A range or hash-file look-up that failed; the message is safe to show."""


@dataclass
class LookupStats:
    lookups: int = 0
    distinct_prefixes: int = 0
    requests: int = 0  # HTTP requests made, retries included
    probes: int = 0  # offline: lines read while searching


ProgressFn = Callable[[int, int], None]


class RangeClient:
    """The Pwned Passwords range API over one shared session."""

    def __init__(self, api_url: str, *, timeout_s: float, retries: int, backoff_s: float,
                 cancel_event: threading.Event | None = None) -> None:
        self.api_url = api_url if api_url.endswith("/") else api_url + "/"
        self.timeout_s = timeout_s  # wall-clock, per request: a dripping server cannot stretch it
        self.retries = retries
        self.backoff_s = backoff_s
        self.cancel_event = cancel_event or threading.Event()
        self.headers = {"User-Agent": USER_AGENT, "Add-Padding": "true"}
        self.stats = LookupStats()
        # Set when the API could not be reached at all (no network, DNS, nothing listening): the other
        # prefixes are not tried, so a machine with no internet fails in seconds, not minutes.
        self.unreachable: str | None = None

    def close(self) -> None:
        """Nothing is kept open between requests (each one has its own deadline)."""

    def lookup_all(self, hashes: Iterable[str], progress: ProgressFn | None = None) -> dict[str, BreachResult]:
        """Results by full SHA-1, one request per distinct prefix."""
        by_prefix: dict[str, list[str]] = {}
        for digest in hashes:
            by_prefix.setdefault(digest[:PREFIX_LENGTH], []).append(digest)
        self.stats.distinct_prefixes += len(by_prefix)
        results: dict[str, BreachResult] = {}
        for done, (prefix, digests) in enumerate(by_prefix.items(), start=1):
            if self.cancel_event.is_set():
                raise Cancelled("breach look-up cancelled")
            if self.unreachable is not None:
                results.update({d: BreachResult("error", reason=self.unreachable) for d in digests})
                self.stats.lookups += len(digests)
                continue
            try:
                suffixes = self.fetch_range(prefix)
            except BreachLookupError as exc:
                results.update({d: BreachResult("error", reason=str(exc)) for d in digests})
            else:
                for digest in digests:
                    count = suffixes.get(digest[PREFIX_LENGTH:], 0)
                    results[digest] = BreachResult("found", count) if count else BreachResult("not_found")
            self.stats.lookups += len(digests)
            if progress:
                progress(done, len(by_prefix))
        return results

    def fetch_range(self, prefix: str) -> dict[str, int]:
        """Suffix → count for one prefix, retrying timeouts, 429 and 5xx with a doubling wait."""
        if not re.fullmatch(r"[0-9A-F]{5}", prefix):
            raise BreachLookupError("not a 5-character SHA-1 prefix")
        last: _Retryable | None = None
        for attempt in range(self.retries + 1):
            if last is not None:
                wait = self.backoff_s * 2 ** (attempt - 1)
                if last.retry_after is not None:
                    wait = max(wait, last.retry_after)
                if self.cancel_event.wait(wait):
                    raise Cancelled("breach look-up cancelled")
            try:
                body = self._get(prefix)
            except _Unreachable as exc:
                if last is not None or self.retries == 0:  # the second attempt failed too: stop trying at all
                    self.unreachable = f"{exc} (the breach look-up is online; no network? set breach_check.mode)"
                    raise BreachLookupError(self.unreachable) from None
                last = exc
                continue
            except _Retryable as exc:
                last = exc
                continue
            return parse_range(body)
        raise BreachLookupError(f"{last} (after {self.retries + 1} attempts)")

    def _host(self) -> str:
        return urllib.parse.urlsplit(self.api_url).netloc or self.api_url

    def _get(self, prefix: str) -> str:
        self.stats.requests += 1
        try:
            # A short connect timeout: a machine with no route out must not wait the whole timeout.
            reply = call("GET", self.api_url + prefix, deadline_s=self.timeout_s, headers=self.headers,
                         max_bytes=MAX_RANGE_BYTES, connect_timeout_s=CONNECT_TIMEOUT_S)
        except CallFailed as exc:
            if "too large" in str(exc):
                raise BreachLookupError("the range API answer is far too large") from None
            if exc.not_connected:
                within = f" within {min(CONNECT_TIMEOUT_S, self.timeout_s):g} s" if exc.timed_out else ""
                raise _Unreachable(f"could not connect to {self._host()}{within}"
                                   + (" (its name does not resolve)" if exc.no_dns else "")) from None
            raise _Retryable("timed out" if exc.timed_out else "the connection broke") from None
        if reply.status == 429 or reply.status >= 500:
            raise _Retryable(f"HTTP {reply.status}", _retry_after(reply.headers.get("Retry-After")))
        if 300 <= reply.status < 400:  # never followed: the prefix goes to the configured host only
            raise BreachLookupError(f"HTTP {reply.status}: the range API redirected elsewhere; not followed")
        if reply.status != 200:
            raise BreachLookupError(f"HTTP {reply.status} from the range API")
        return reply.body.decode("utf-8", errors="replace")


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class _Unreachable(_Retryable):
    """Nothing answered at all: tried once more, then the whole look-up stops."""


def _retry_after(value: str | None) -> float | None:
    if value and value.strip().isdigit():
        return min(float(value.strip()), MAX_RETRY_AFTER_S)
    return None


def parse_range(body: str) -> dict[str, int]:
    """`SUFFIX:COUNT` lines; count-0 lines are padding. Anything else means the answer is not trustworthy."""
    suffixes: dict[str, int] = {}
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    if not lines:
        raise BreachLookupError("the range API answered with nothing")
    for number, line in enumerate(lines, start=1):
        match = _RANGE_LINE.match(line)
        if match is None:
            raise BreachLookupError(f"unreadable range API answer (line {number} is not SUFFIX:COUNT)")
        count = int(match[2])
        if count:
            suffixes[match[1].upper()] = count
    return suffixes


@dataclass
class HashFile:
    """A sorted `SHA1:COUNT` file (the downloadable Pwned Passwords list), searched on disk."""

    path: Path
    stats: LookupStats = field(default_factory=LookupStats)

    def lookup_all(self, hashes: Iterable[str], progress: ProgressFn | None = None,
                   cancel_event: threading.Event | None = None) -> dict[str, BreachResult]:
        digests = list(dict.fromkeys(hashes))
        results: dict[str, BreachResult] = {}
        try:
            handle = self.path.open("rb")
        except OSError as exc:
            reason = f"cannot open the hash file: {exc.strerror or type(exc).__name__}"
            return {d: BreachResult("error", reason=reason) for d in digests}
        with handle:
            size = self.path.stat().st_size
            for done, digest in enumerate(digests, start=1):
                if cancel_event is not None and cancel_event.is_set():
                    raise Cancelled("breach look-up cancelled")
                try:
                    count = self._search(handle, size, digest.encode("ascii"))
                except BreachLookupError as exc:
                    results[digest] = BreachResult("error", reason=str(exc))
                else:
                    results[digest] = BreachResult("found", count) if count else BreachResult("not_found")
                self.stats.lookups += 1
                if progress and (done % 256 == 0 or done == len(digests)):
                    progress(done, len(digests))
        return results

    def _search(self, handle: BinaryIO, size: int, target: bytes) -> int:
        """Binary search for the first line whose hash is >= target; its count if it is the target."""
        lo, hi = 0, size
        seen: list[tuple[int, bytes]] = []
        while lo < hi:
            mid = (lo + hi) // 2
            start, line = self._line_at(handle, mid)
            key = self._key(line, start) if line else None
            if key is not None:
                seen.append((start, key))
            if key is None or key >= target:
                hi = mid
            else:
                lo = start + len(line)
        start, line = self._line_at(handle, lo)
        if not line:
            return 0
        key = self._key(line, start)
        seen.append((start, key))
        seen.sort()
        if any(a[1] > b[1] for a, b in zip(seen, seen[1:], strict=False)):
            raise BreachLookupError("the hash file is not sorted by hash; sort it or download the ordered list")
        if key != target:
            return 0
        match = _HASH_LINE.match(line)
        assert match is not None
        return int(match[2])

    def _line_at(self, handle: BinaryIO, pos: int) -> tuple[int, bytes]:
        """The first whole line starting at or after byte `pos`."""
        self.stats.probes += 1
        if pos == 0:
            handle.seek(0)
        else:
            handle.seek(pos - 1)
            handle.readline(4096)
        start = handle.tell()
        return start, handle.readline(4096)

    @staticmethod
    def _key(line: bytes, start: int) -> bytes:
        match = _HASH_LINE.match(line)
        if match is None:
            hint = " (an NTLM list? use the SHA-1 one)" if re.match(rb"^[0-9A-Fa-f]{32}:", line) else ""
            raise BreachLookupError(f"the hash file is not SHA1:COUNT at byte {start:,}{hint}")
        return match[1].upper()


def check_hash_file(path: Path) -> str | None:
    """Why `path` cannot serve as a hash file, or None: read its first line only."""
    try:
        with path.open("rb") as handle:
            first = handle.readline(4096)
    except OSError as exc:
        return f"cannot read: {exc.strerror or type(exc).__name__}"
    if not first:
        return "the hash file is empty"
    if _HASH_LINE.match(first) is None:
        return "the first line is not SHA1:COUNT (the Pwned Passwords SHA-1 list, ordered by hash)"
    return None
