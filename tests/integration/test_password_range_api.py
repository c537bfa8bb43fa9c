"""Breach look-ups against a local range API, and the canary run through the real CLI.

The server (range_api_server.py) listens on 127.0.0.1 only; nothing here reaches another address.
"""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from checks.password_policy.breach import RangeClient
from tests.integration.range_api_server import range_api, sha1

PREFIX = re.compile(r"^/range/[0-9A-F]{5}$")


def client(url: str, **kw: Any) -> RangeClient:
    settings = {"timeout_s": 2.0, "retries": 2, "backoff_s": 0.01, **kw}
    return RangeClient(url, **settings)


def same_prefix_pair() -> tuple[str, str]:
    """Two different passwords whose SHA-1 starts with the same 5 characters."""
    seen: dict[str, str] = {}
    n = 0
    while True:
        word = f"shared-{n}"
        prefix = sha1(word)[:5]
        if prefix in seen:
            return seen[prefix], word
        seen[prefix] = word
        n += 1


# --- the protocol ---------------------------------------------------------------------------------

def test_found_not_found_padding_and_only_the_prefix_leaves() -> None:
    a, b = same_prefix_pair()
    with range_api() as api:
        api.add("Houston2026!", 4211)
        api.add(a, 7)
        api.counts[sha1("padded-away")] = 0  # listed only as padding: not a breach
        c = client(api.url)
        results = c.lookup_all([sha1("Houston2026!"), sha1(a), sha1(b), sha1("padded-away"), sha1("Houston2026!")])
        c.close()
    assert results[sha1("Houston2026!")].count == 4211 and results[sha1(a)].count == 7
    assert results[sha1(b)].status == "not_found" and results[sha1("padded-away")].status == "not_found"
    assert len(api.requests) == 3 == c.stats.requests == c.stats.distinct_prefixes  # a and b share one request
    for request in api.requests:
        assert PREFIX.match(request["path"])
        assert request["headers"]["Add-Padding"] == "true"
        assert request["headers"]["User-Agent"].startswith("posture/")
        assert "Houston" not in json.dumps(request) and sha1("Houston2026!")[5:] not in request["path"]


@pytest.mark.parametrize(("script", "reason", "requests"), [
    (["500"], "HTTP 500", 3),
    (["503", "502", "500"], "HTTP 500", 3),
    (["garbage"], "unreadable", 1),
    (["empty"], "nothing", 1),
    (["404"], "HTTP 404", 1),
])
def test_faults_give_an_error_result_never_a_pass(script: list[str], reason: str, requests: int) -> None:
    with range_api(script) as api:
        c = client(api.url)
        result = c.lookup_all([sha1("whatever")])[sha1("whatever")]
    assert result.status == "error" and reason in result.reason
    assert len(api.requests) == requests


def test_a_timeout_is_retried_then_an_error() -> None:
    with range_api(["slow"]) as api:
        c = client(api.url, timeout_s=0.2, retries=1)
        result = c.lookup_all([sha1("x")])[sha1("x")]
    assert result.status == "error" and "timed out" in result.reason and len(api.requests) == 2


def test_429_and_500_are_retried_until_an_answer() -> None:
    with range_api(["429", "500", "ok"]) as api:
        api.add("password", 9_545_824)
        c = client(api.url)
        result = c.lookup_all([sha1("password")])[sha1("password")]
    assert result.count == 9_545_824 and len(api.requests) == 3


def test_nothing_listening_is_an_error() -> None:
    with range_api() as api:
        url = api.url
    result = client(url, retries=1).lookup_all([sha1("x")])[sha1("x")]
    assert result.status == "error" and "connect" in result.reason


def test_without_a_user_agent_the_api_refuses_and_we_report_it() -> None:
    with range_api() as api:
        c = client(api.url, retries=0)
        c.headers.pop("User-Agent")
        result = c.lookup_all([sha1("x")])[sha1("x")]
    assert result.status == "error" and "403" in result.reason


# --- the canary: a full CLI run, then every byte written is searched ---------------------------------

CANARIES = {"reception": "Canary-Recep7ion!", "file-server admin": "cnry-Houston-2026", "wifi": "Zq-canary-wifi-98#"}


def test_canary_passwords_appear_in_no_output_log_or_history(tmp_path: Path) -> None:
    evidence = Path(__file__).resolve().parents[2] / "sample_configs/lone-star-dental/evidence/net-accounts.txt"
    work = tmp_path / "work"
    work.mkdir()
    (work / "net-accounts.txt").write_bytes(evidence.read_bytes())
    (work / "found.txt").write_text("".join(f"{label}\t{pw}\n" for label, pw in CANARIES.items()))
    out, db = tmp_path / "out", tmp_path / "state" / "history.sqlite"
    with range_api(["500", "ok"]) as api:  # one fault on the way, retried
        api.add(CANARIES["reception"], 31)
        config = {
            "version": 1,
            "organization": {"name": "Lone Star Dental", "context_words": ["lonestar", "dental", "houston"],
                             "customer_data": ["health_records"], "residents": {"TX": 1200}},
            "incident": {"discovered": "2026-11-20", "kind": "ransomware", "personal_data_exposed": "unknown"},
            "checks": {"password_policy": {
                "sources": [{"type": "windows_net_accounts", "path": "net-accounts.txt", "asset": "LSD domain"}],
                "mfa": {"email": True},
                "candidate_passwords_file": "found.txt",
                "breach_check": {"mode": "online", "api_url": api.url, "timeout_s": 5, "backoff_s": 0.01},
            }},
            "report": {"out_dir": "reports", "formats": ["markdown", "json", "html"]},
        }
        config_path = work / "posture.yaml"
        config_path.write_text(yaml.safe_dump(config, sort_keys=False))
        env = {"POSTURE_DB": str(db), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
        scan = subprocess.run([sys.executable, "-m", "posture", "-v", "scan", str(config_path), "--out", str(out),
                               "--db", str(db)], capture_output=True, text=True, env=env, timeout=120)
        assert scan.returncode == 1, scan.stderr  # high findings: the run worked and found problems
        paths = [p for p in api.requests]
    replot = subprocess.run([sys.executable, "-m", "posture", "plan", str(out / "posture-results.json"), "--out",
                             str(tmp_path / "replot")], capture_output=True, text=True, env=env, timeout=60)
    history = subprocess.run([sys.executable, "-m", "posture", "history", str(config_path), "--db", str(db)],
                             capture_output=True, text=True, env=env, timeout=60)
    assert replot.returncode in (0, 1), replot.stderr
    assert history.returncode == 0, history.stderr

    # the run really happened: findings, the plan's containment, the breached candidate
    results = json.loads((out / "posture-results.json").read_text())
    findings = {f["title"]: f for f in results["findings"] if f["check"] == "password_policy"}
    assert any("reception" in t and "31 times" in t for t in findings)
    assert any("Minimum password length is 7" in t for t in findings)
    actions = {a["id"]: a for a in results["plan"]["actions"]}
    assert actions["reset-all-passwords"]["priority"] == 1 and actions["reset-all-passwords"]["phase"] == "contain"
    assert actions["change-breached-passwords"]["priority"] == 1
    assert all(PREFIX.match(r["path"]) for r in paths)

    written = [p for p in tmp_path.rglob("*") if p.is_file() and p.name != "found.txt"]
    assert db.exists() and any(p.suffix == ".md" for p in written) and any(p.suffix == ".html" for p in written)
    blobs = {str(p): p.read_bytes() for p in written}
    blobs["scan stdout+stderr"] = (scan.stdout + scan.stderr + replot.stdout + replot.stderr + history.stdout
                                   + history.stderr).encode()
    with sqlite3.connect(db) as conn:  # also the database's logical content, in case of compression
        for (table,) in conn.execute("select name from sqlite_master where type='table'"):
            rows = conn.execute(f'select * from "{table}"').fetchall()  # noqa: S608 - our own test database
            blobs[f"db table {table}"] = repr(rows).encode()
    assert any(b"reception" in blob for blob in blobs.values())  # the search does see what was written
    for password in CANARIES.values():
        digest = sha1(password)
        forms = [password, digest, digest.lower(), digest[5:], password.encode("utf-16-le").decode("latin-1")]
        for where, blob in blobs.items():
            for form in forms:
                assert form.encode("latin-1", "ignore") not in blob, f"{form!r} found in {where}"


def test_check_with_an_unreachable_api_reports_error_findings_and_keeps_the_policy(tmp_path: Path) -> None:
    from checks.password_policy import PasswordPolicyCheck
    from posture.catalogue import load_catalogue
    from posture.models import Status
    from posture.registry import Registry
    from posture.testing import config_from_dict, context_for, minimal_config, run_check

    registry = Registry()
    registry.add(PasswordPolicyCheck, load_catalogue().weaknesses)
    (tmp_path / "found.txt").write_text("nas\tlong-unusual-phrase-for-the-nas-77\n")
    with range_api(["500"]) as api:
        config = config_from_dict(tmp_path, minimal_config(checks={"password_policy": {
            "sources": [{"type": "declared", "asset": "a", "min_length": 15}],
            "candidate_passwords_file": "found.txt",
            "breach_check": {"api_url": api.url, "retries": 1, "backoff_s": 0.01}}}), registry)
        ctx = context_for(config, "password_policy")
        findings = {f.key: f for f in run_check(PasswordPolicyCheck, ctx)}
    assert findings["candidate/nas"].status is Status.ERROR and "HTTP 500" in findings["candidate/nas"].title
    assert findings["a/min-length"].status is Status.PASS
    assert ctx.facts["candidates"]["not_checked"] == 1 and ctx.facts["candidates"]["range_requests"] == 2
