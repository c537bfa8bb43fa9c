"""Fuzz every evidence parser through its check, the way a run meets the file: the check's own
`prepare` reads it (only a located InputError may escape), then `run` judges what was read (only
CheckFailed, which becomes an `error` result, may escape). Nothing here probes the network or starts a
tool: the scans are off (`live_scan: false`), the backups are saved JSON, the breach look-up is off.

Also fuzzed directly: what the Pwned Passwords range API answers (`parse_range`) and a damaged offline
hash file, where the contract is an `error` result per password, never an exception or a false "found".
The seeds are the sample configs' own evidence files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from checks.password_policy.breach import BreachLookupError, HashFile, check_hash_file, parse_range
from posture.check import Check
from posture.errors import CheckFailed, InputError
from posture.registry import Registry, default_registry
from posture.testing import config_from_dict, context_for, minimal_config
from tests.hardening.fuzzing import fuzz, mutated_or_random
from tests.hardening.support import SAMPLES

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def sample(name: str) -> bytes:
    found = sorted(SAMPLES.glob(f"*/evidence/{name}"))
    assert found, name
    return found[0].read_bytes()


def policy(kind: str) -> Callable[[str], dict[str, Any]]:
    return lambda path: {"password_policy": {"sources": [{"type": kind, "path": path}],
                                             "breach_check": {"mode": "off"}}}


# parser name: (check id, evidence file name, config section for that path, seed)
PARSERS: dict[str, tuple[str, str, Callable[[str], dict[str, Any]], bytes]] = {
    "nmap XML": ("ports", "scan.xml", lambda p: {"ports": {"live_scan": False, "nmap_xml": [p]}},
                 sample("offsite-scan.xml")),
    "restic snapshots JSON": ("backups", "snapshots.json", lambda p: {"backups": [
        {"name": "Nightly", "type": "restic", "snapshots_file": p}]}, sample("restic-snapshots.json")),
    "borg list JSON": ("backups", "borg-list.json", lambda p: {"backups": [
        {"name": "Nightly", "type": "borg", "list_file": p, "timezone": "America/Denver"}]}, sample("borg-list.json")),
    "borg info JSON": ("backups", "borg-info.json", lambda p: {"backups": [
        {"name": "Nightly", "type": "borg", "list_file": "list.json", "info_file": p}]}, sample("borg-info.json")),
    "mounts (/proc/mounts)": ("backups", "mounts", lambda p: {"backups": [
        {"name": "Nightly", "type": "restic", "snapshots_file": "snaps.json", "repository": "/srv/restic",
         "mounts_file": p}]}, b"/dev/sda1 / ext4 rw,relatime 0 0\nnas.lan:/backup /srv nfs4 rw 0 0\n"),
    "net accounts text": ("password_policy", "net-accounts.txt", policy("windows_net_accounts"),
                          sample("net-accounts.txt")),
    "AD password policy": ("password_policy", "ad-policy.json", policy("ad_password_policy"), sample("ad-policy.json")),
    "login.defs text": ("password_policy", "login.defs", policy("linux_login_defs"), sample("login.defs")),
    "pwquality text": ("password_policy", "pwquality.conf", policy("pwquality_conf"), sample("pwquality.conf")),
    "faillock text": ("password_policy", "faillock.conf", policy("faillock_conf"),
                      b"# faillock\ndeny = 5\nunlock_time = 900\neven_deny_root\n"),
    "candidate passwords file": ("password_policy", "found.txt", lambda p: {"password_policy": {
        "candidate_passwords_file": p, "breach_check": {"mode": "off"}}},
        b"# found on site\nreception\tSummer2024!\nWelcome1\nadmin\tP@ssw0rd\n\n"),
    "training roster CSV": ("training", "roster.csv", lambda p: {"training": {"roster": p}},
                            sample("knowbe4-export.csv")),
    "training staff CSV": ("training", "staff.csv", lambda p: {"training": {"roster": "roster.csv", "staff": p}},
                           sample("hr-staff.csv")),
    "training roster YAML": ("training", "roster.yaml", lambda p: {"training": {"roster": p}},
                             b"- {name: Ana Diaz, email: ana@example.test, completed: 2026-03-02, course: Security}\n"
                             b"- {name: Bo Li, email: bo@example.test, completed: '03/24/2026', status: Passed}\n"),
}
# The password check's run searches for the weakest password the policy accepts (about 0.3 s): only
# every RUN_EVERY-th accepted input (chosen by its content, so a failure replays) is judged as well.
RUN_EVERY = {"password_policy": 16}
SUPPORT = {"list.json": sample("borg-list.json"), "snaps.json": sample("restic-snapshots.json"),
           "roster.csv": sample("training.csv")}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return default_registry()


@pytest.mark.parametrize("parser", list(PARSERS))
def test_fuzz_evidence(parser: str, registry: Registry, tmp_path: Path) -> None:
    check_id, name, section, seed = PARSERS[parser]
    for support, content in SUPPORT.items():
        (tmp_path / support).write_bytes(content)
    evidence = tmp_path / name
    evidence.write_bytes(seed)
    config = config_from_dict(tmp_path, minimal_config(
        scope={"authorization": "fuzz: loopback only", "targets": [{"address": "127.0.0.0/24"}]},
        checks={"readiness": False, **section(name)}), registry)
    check_cls = registry.require(check_id)

    def body(data: bytes) -> None:
        evidence.write_bytes(data)
        ctx = context_for(config, check_id, now=NOW)
        check: Check = check_cls()
        check.prepare(ctx)  # a located InputError, checked by the harness, or nothing
        if hashlib.sha1(data).digest()[0] % RUN_EVERY.get(check_id, 1):
            return
        try:
            list(check.run(ctx))
        except CheckFailed as exc:  # an `error` result: a clear one-line reason
            assert "\n" not in str(exc) and len(str(exc)) < 2000, str(exc)[:300]

    fuzz(parser, mutated_or_random(seed), body)


def test_fuzz_range_api_answers() -> None:
    """What the breach API sends back: parsed, or refused as untrustworthy (an `error` per password)."""
    good = "\r\n".join(f"{hashlib.sha1(str(n).encode()).hexdigest().upper()[5:]}:{n % 7}" for n in range(40)).encode()

    def body(data: bytes) -> None:
        try:
            counts = parse_range(data.decode("utf-8", "replace"))
        except BreachLookupError as exc:
            assert "\n" not in str(exc) and len(str(exc)) < 300
            raise InputError(str(exc), path="range API answer") from None
        assert all(len(suffix) == 35 and count > 0 for suffix, count in counts.items())

    fuzz("breach range API answer", mutated_or_random(good), body)


def test_fuzz_offline_hash_file(tmp_path: Path) -> None:
    """A damaged or unsorted hash file: each look-up is found, not found or an error; nothing escapes, and
    "found" is claimed only for a line that really is that hash."""
    passwords = [f"password{n}" for n in range(60)]
    digests = sorted(hashlib.sha1(p.encode()).hexdigest().upper() for p in passwords)
    seed = "".join(f"{d}:{n + 1}\n" for n, d in enumerate(digests[::2])).encode()
    path = tmp_path / "pwned.txt"

    def body(data: bytes) -> None:
        path.write_bytes(data)
        check_hash_file(path)
        results = HashFile(path).lookup_all(digests)
        for digest, result in results.items():
            assert result.status in ("found", "not_found", "error")
            if result.status == "found":
                assert f"{digest}:".encode() in data.upper()

    fuzz("offline hash file", st.one_of(mutated_or_random(seed), st.binary(max_size=200)), body)
