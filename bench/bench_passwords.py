"""Candidate-password audit at scale: 10,000 passwords scored with zxcvbn and looked up offline in a sorted
hash file, then online against a local range API counting requests per distinct prefix.

Figures: zxcvbn passwords/s, offline look-ups/s and lines read per look-up (against log2 of the file's
lines), HTTP requests per distinct prefix (should be exactly 1), and the full check's run time.
Run: .venv/bin/python -m bench.bench_passwords
"""

from __future__ import annotations

import hashlib
import math
import random
import string
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from zxcvbn.frequency_lists import FREQUENCY_LISTS

from checks.password_policy import PasswordPolicyCheck
from checks.password_policy.audit import Lookup, candidate_findings
from checks.password_policy.breach import HashFile, RangeClient
from checks.password_policy.candidates import Candidate
from posture.catalogue import load_catalogue
from posture.registry import Registry
from posture.testing import config_from_dict, context_for, minimal_config
from tests.integration.range_api_server import range_api

CANDIDATES = 10_000
HASH_LINES = 400_000
CONTEXT = ["lonestar", "dental", "houston", "smile"]
NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def sha1(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest().upper()


def make_candidates(seed: int = 11) -> list[Candidate]:
    """A site audit's mix: common passwords (30 %), business word + year (26 %), random strings (24 %),
    four-word passphrases (18 %) and passphrases past 72 characters (2 %); common ones repeat."""
    rng = random.Random(seed)
    common = FREQUENCY_LISTS["passwords"][:3000]
    words = FREQUENCY_LISTS["english_wikipedia"][:5000]
    out = []
    for n in range(CANDIDATES):
        kind = n % 50
        if kind < 15:
            pw = rng.choice(common)
        elif kind < 28:
            pw = rng.choice(CONTEXT).capitalize() + str(rng.randint(2000, 2027)) + rng.choice("!#$")
        elif kind < 40:
            pw = "".join(rng.choice(string.ascii_letters + string.digits + "!@#") for _ in range(rng.randint(8, 20)))
        elif kind < 49:
            pw = "-".join(rng.choice(words) for _ in range(4))
        else:  # 2 %: past zxcvbn's 72-character limit, its slowest case
            pw = "-".join(rng.choice(words) for _ in range(12))
        out.append(Candidate(f"line {n + 1}", pw))
    return out


def write_hash_file(path: Path, candidates: list[Candidate], seed: int = 5) -> int:
    """Random hashes plus every other candidate, sorted like the Pwned Passwords download."""
    rng = random.Random(seed)
    rows = {f"{rng.getrandbits(160):040X}": rng.randint(1, 10_000) for _ in range(HASH_LINES)}
    rows.update({c.sha1: rng.randint(1, 100_000) for c in candidates[::2]})
    path.write_text("".join(f"{h}:{n}\n" for h, n in sorted(rows.items())), encoding="ascii")
    return len(rows)


def main() -> None:
    candidates = make_candidates()
    distinct = len({c.sha1 for c in candidates})
    print(f"{len(candidates):,} candidate passwords ({distinct:,} distinct)")
    with tempfile.TemporaryDirectory() as folder:
        hash_path = Path(folder) / "pwned-passwords-sha1-ordered-by-hash.txt"
        started = time.perf_counter()
        lines = write_hash_file(hash_path, candidates)
        print(f"hash file: {lines:,} lines, {hash_path.stat().st_size / 1e6:.1f} MB "
              f"(written in {time.perf_counter() - started:.1f} s)")

        hash_file = HashFile(hash_path)
        started = time.perf_counter()
        results = hash_file.lookup_all([c.sha1 for c in candidates])
        offline_s = time.perf_counter() - started
        found = sum(r.status == "found" for r in results.values())
        errors = sum(r.status == "error" for r in results.values())
        per_lookup = hash_file.stats.probes / max(hash_file.stats.lookups, 1)
        print(f"offline look-up: {len(results):,} in {offline_s:.2f} s = {len(results) / offline_s:,.0f}/s; "
              f"{found:,} found, {errors} errors; {per_lookup:.1f} lines read per look-up "
              f"(a binary search over bytes needs about log2(size) = {math.log2(hash_path.stat().st_size):.1f})")

        started = time.perf_counter()
        findings, facts = candidate_findings("password_policy", candidates, Lookup(results, hash_file.stats,
                                                                                   "offline"), CONTEXT)
        score_s = time.perf_counter() - started
        print(f"zxcvbn scoring + findings: {len(findings):,} in {score_s:.1f} s = {len(findings) / score_s:,.0f}/s "
              f"({score_s / len(findings) * 1000:.2f} ms each); breached {facts['breached']:,}, "
              f"guessable {facts['guessable']:,}, shorter than 15 {facts['short']:,}")

        with range_api() as api:
            for c in candidates[::2]:
                api.counts[c.sha1] = 1
            client = RangeClient(api.url, timeout_s=5, retries=2, backoff_s=0.01, cancel_event=threading.Event())
            started = time.perf_counter()
            online = client.lookup_all([c.sha1 for c in candidates])
            online_s = time.perf_counter() - started
            client.close()
            agree = sum(online[c.sha1].status == results[c.sha1].status for c in candidates)
            print(f"online look-up (local range API): {client.stats.requests:,} requests for "
                  f"{client.stats.distinct_prefixes:,} distinct prefixes = "
                  f"{client.stats.requests / client.stats.distinct_prefixes:.2f} per prefix; "
                  f"{len(api.requests):,} seen by the server; {online_s:.1f} s; "
                  f"agrees with offline on {agree:,}/{len(candidates):,}")

        registry = Registry()
        registry.add(PasswordPolicyCheck, load_catalogue().weaknesses)
        (Path(folder) / "found.txt").write_text("".join(f"{c.password}\n" for c in candidates))
        (Path(folder) / "net.txt").write_text("Minimum password length: 7\nMaximum password age (days): 42\n"
                                              "Lockout threshold: Never\n")
        config = config_from_dict(Path(folder), minimal_config(checks={"password_policy": {
            "sources": [{"type": "windows_net_accounts", "path": "net.txt"}],
            "candidate_passwords_file": "found.txt",
            "breach_check": {"mode": "offline", "hash_file": hash_path.name}}}), registry)
        ctx = context_for(config, "password_policy", now=NOW)
        check = PasswordPolicyCheck()
        started = time.perf_counter()
        check.prepare(ctx)
        total = len(list(check.run(ctx)))
        print(f"whole check (prepare + run, 10,000 candidates offline): {time.perf_counter() - started:.1f} s, "
              f"{total:,} findings")


if __name__ == "__main__":
    main()
