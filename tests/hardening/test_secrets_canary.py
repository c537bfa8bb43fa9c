"""The canary: every sample config, run for real with candidate passwords, a live restic repository
(password file and password command), a live borg repository (passphrase file) and a repository URL with
credentials in it, then re-rendered, listed, diffed and validated. Afterwards every file that changed
anywhere under the test's folder (reports, the history database and its WAL, the tools' caches), every
line on stdout and stderr (at -v, which logs each failing check's traceback) and the database's rows are
searched for each secret in every form it could take. None may appear. Reports and the database must be
owner-only. Typed secrets (the TUI's masked field) get the same treatment in-process, exceptions included.

The password check's own canary (tests/integration/test_password_range_api.py) covers its breach look-up
in depth; this one covers every check and every command at once.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import threading
import traceback
import urllib.parse
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from posture.check import Secrets
from posture.config import load_config
from posture.history import History
from posture.registry import default_registry
from posture.results import dumps
from posture.runner import Runner
from reports import render_all
from tests.conftest import IN_CI
from tests.hardening.support import SAMPLES
from tests.integration.range_api_server import range_api

pytestmark = [pytest.mark.integration,
              pytest.mark.skipif(not IN_CI and not all(shutil.which(t) for t in ("nmap", "restic", "borg")),
                                 reason="needs nmap, restic and borg")]

CANDIDATES = {"front desk": "Canary-Front-Desk-6q!", "owner laptop": "cnry-owner-Lap7op#",
              None: "Zq-canary-unlabelled-98"}
RESTIC_PASSWORD = "Canary-Restic-Repo-93x%"
BORG_PASSPHRASE = "Canary-Borg-Phrase-41z&"
URL_SECRET = "Canary-Url-Cred-55k"
TYPED = "Canary-Typed-In-TUI-27w"
# Every credential-bearing repository form restic and borg accept, each with its own canary (issue 16): an
# sftp short form, a password with `/` and a space, an e-mail user with `@` in the password, S3 keys, borg's
# scp style and ssh:// URL. Each job fails (nothing listens), so the tools' own messages quote them too.
FORM_SECRETS = {
    "sftp:backup:{}@127.0.0.1:/srv/restic": ("restic", "Canary-Sftp-Short-31q"),
    "rest:http://backup:{}@127.0.0.1:9/": ("restic", "Canary/Rest Slash 62v"),
    "rest:http://office@corp.example:{}@127.0.0.1:9/": ("restic", "Canary@Rest@At-84m"),
    "s3:http://AKIDEXAMPLE:{}@127.0.0.1:9/bucket": ("restic", "Canary-S3-Secret-19k"),
    "sftp://backup:{}@127.0.0.1:9//srv/restic": ("restic", "Canary-Sftp-Url-47d"),
    "backup:{}@127.0.0.1:/srv/borg": ("borg", "Canary-Borg-Scp-58t"),
    "ssh://backup:{}@127.0.0.1:9/./borg": ("borg", "Canary-Borg-Ssh-26n"),
}
WEBHOOK_TOKEN = "Canary-Webhook-Token-73p"
SECRETS = [*CANDIDATES.values(), RESTIC_PASSWORD, BORG_PASSPHRASE, URL_SECRET, TYPED,
           *(secret for _, secret in FORM_SECRETS.values()), WEBHOOK_TOKEN]
CONFIGS = {"demo": "demo.yaml", "corner-shop": "corner-shop/posture.yaml",
           "ledger-accounting": "ledger-accounting/posture.yaml", "lone-star-dental": "lone-star-dental/posture.yaml"}


def forms(secret: str) -> list[bytes]:
    """Every way a secret could be written down: as is, re-encoded, escaped, hashed (beyond the 5-character
    prefix the range API may see)."""
    digest = hashlib.sha1(secret.encode()).hexdigest()
    texts = [secret, secret.lower(), secret.upper(), urllib.parse.quote(secret), urllib.parse.quote_plus(secret),
             digest, digest.upper(), digest[5:], digest[5:].upper(), hashlib.sha256(secret.encode()).hexdigest()]
    out = [t.encode() for t in texts]
    out += [secret.encode("utf-16-le"), secret.encode("utf-16-be"), base64.b64encode(secret.encode()),
            secret.encode().hex().encode()]
    return out


def tool_env(home: Path) -> dict[str, str]:
    return {**os.environ, "HOME": str(home), "XDG_CACHE_HOME": str(home / ".cache"),
            "XDG_CONFIG_HOME": str(home / ".config"), "BORG_BASE_DIR": str(home), "RESTIC_CACHE_DIR":
            str(home / ".cache/restic"), "TZ": "UTC"}


def make_repositories(root: Path, env: dict[str, str]) -> dict[str, Path]:
    secrets = root / "secrets"
    secrets.mkdir()
    (secrets / "restic-password").write_text(RESTIC_PASSWORD + "\n", encoding="utf-8")
    (secrets / "borg-passphrase").write_text(BORG_PASSPHRASE + "\n", encoding="utf-8")
    data = root / "data"
    data.mkdir()
    (data / "ledger.txt").write_text("client records\n", encoding="utf-8")
    restic_repo, borg_repo = root / "repos/restic", root / "repos/borg"
    restic_env = {**env, "RESTIC_PASSWORD_FILE": str(secrets / "restic-password")}
    for args in (["init"], ["backup", "--host", "fileserver", str(data)]):
        subprocess.run(["restic", "-r", str(restic_repo), *args], env=restic_env, check=True, capture_output=True,
                       stdin=subprocess.DEVNULL, timeout=120)
    borg_env = {**env, "BORG_PASSPHRASE": BORG_PASSPHRASE}
    subprocess.run(["borg", "init", "--encryption", "repokey", str(borg_repo)], env=borg_env, check=True,
                   capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
    subprocess.run(["borg", "create", f"{borg_repo}::nightly", str(data)], env=borg_env, check=True,
                   capture_output=True, stdin=subprocess.DEVNULL, timeout=120)
    return {"secrets": secrets, "restic": restic_repo, "borg": borg_repo}


def with_secrets(config: Path, made: dict[str, Path], api_url: str, failing_url_job: bool,
                 webhook: str | None = None) -> None:
    """The sample, plus candidate passwords looked up online (locally) and live repositories."""
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    evidence = config.parent / "canary-found.txt"
    evidence.write_text("# found on site\n" + "".join(
        f"{label}\t{pw}\n" if label else f"{pw}\n" for label, pw in CANDIDATES.items()), encoding="utf-8")
    checks = data["checks"]
    checks["password_policy"]["candidate_passwords_file"] = evidence.name
    checks["password_policy"]["breach_check"] = {"mode": "online", "api_url": api_url, "timeout_s": 5,
                                                 "backoff_s": 0.01}
    jobs = [
        {"name": "Canary restic", "type": "restic", "repository": str(made["restic"]),
         "password_file": str(made["secrets"] / "restic-password"), "verify": True, "rpo_hours": 26},
        {"name": "Canary restic by command", "type": "restic", "repository": str(made["restic"]),
         "password_command": f"cat {made['secrets'] / 'restic-password'}"},
        {"name": "Canary borg", "type": "borg", "repository": str(made["borg"]),
         "passphrase_file": str(made["secrets"] / "borg-passphrase")},
    ]
    if failing_url_job:  # nothing listens on port 9: this job ends as its own `error` finding
        jobs.append({"name": "Canary REST", "type": "restic", "password_file": str(made["secrets"] / "restic-password"),
                     "repository": f"rest:http://backup:{URL_SECRET}@127.0.0.1:9/", "timeout_s": 30})
        for n, (form, (tool, secret)) in enumerate(FORM_SECRETS.items(), start=1):
            key = "password_file" if tool == "restic" else "passphrase_file"
            jobs.append({"name": f"Canary form {n}", "type": tool, "repository": form.format(secret), "timeout_s": 30,
                         key: str(made["secrets"] / ("restic-password" if tool == "restic" else "borg-passphrase"))})
    if webhook:
        data["alerts"] = {"webhook": webhook, "on": ["new_high", "check_error"], "timeout_s": 5}
    checks["backups"] = [*checks.get("backups", []), *jobs]
    config.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


class WebhookSink:
    def __init__(self, url: str) -> None:
        self.url = url
        self.bodies: list[bytes] = []


@contextlib.contextmanager
def webhook_sink() -> Iterator[WebhookSink]:
    """A local webhook that keeps every body posted to it."""
    sink = WebhookSink("")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server API
            sink.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))  # the body: the path is the token
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.68", 0), Handler)
    sink.url = f"http://127.0.0.68:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield sink
    finally:
        server.shutdown()
        server.server_close()


def tree_state(root: Path) -> dict[Path, tuple[int, int]]:
    return {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    root = tmp_path_factory.mktemp("canary")
    home = root / "home"
    home.mkdir()
    env = tool_env(home)
    made = make_repositories(root, env)
    work = root / "work"
    shutil.copytree(SAMPLES, work / "sample_configs", ignore=shutil.ignore_patterns("reports"))
    db = root / "state/history.sqlite"
    env = {**env, "POSTURE_DB": str(db)}
    with contextlib.ExitStack() as stack, range_api(["500", "ok"]) as api:  # one fault on the way, retried
        api.add(CANDIDATES["front desk"], 1_234)
        hook = stack.enter_context(webhook_sink())
        for name, relative in CONFIGS.items():
            with_secrets(work / "sample_configs" / relative, made, api.url, failing_url_job=name == "ledger-accounting",
                         webhook=f"{hook.url}/services/T0/B0/{WEBHOOK_TOKEN}" if name == "ledger-accounting" else None)
        before = tree_state(root)
        output: list[str] = []
        codes: dict[str, int] = {}

        def run(label: str, *args: str) -> subprocess.CompletedProcess[str]:
            proc = subprocess.run([sys.executable, "-m", "posture", *args], capture_output=True, text=True, env=env,
                                  timeout=300, cwd=work)
            output.append(f"== {label}\n{proc.stdout}\n{proc.stderr}")
            codes[label] = proc.returncode
            return proc

        for name, relative in CONFIGS.items():
            config = str(work / "sample_configs" / relative)
            out = root / "out" / name
            run(f"{name} validate", "validate", config)
            run(f"{name} scan", "-v", "scan", config, "--out", str(out), "--format", "markdown,json,html")
            run(f"{name} staff", "scan", config, "--out", str(out), "--audience", "staff", "--only", "password_policy")
            run(f"{name} plan", "-v", "plan", str(out / "posture-results.json"), "--out", str(root / "replot" / name),
                "--format", "markdown,json,html")
            run(f"{name} history", "history", config)
        runs = [line.split()[0] for line in output[-1].splitlines()[2:] if re.match(r"^[0-9a-f]{12} ", line)]
        if len(runs) >= 2:
            run("diff", "diff", runs[0], runs[-1])
        requests = list(api.requests)
        alerts = list(hook.bodies)
    written = {p for p, state in tree_state(root).items() if before.get(p) != state}
    yield {"root": root, "db": db, "written": written, "output": "\n".join(output), "codes": codes,
           "requests": requests, "alerts": alerts}


def test_every_command_ran_and_wrote_its_files(everything: dict[str, Any]) -> None:
    codes = everything["codes"]
    assert all(code in (0, 1, 3) for code in codes.values()), codes
    assert codes["ledger-accounting scan"] in (1, 3)
    written = {p.name for p in everything["written"]}
    assert {"posture-plan.md", "posture-plan.html", "posture-results.json", "posture-plan-staff.md",
            "history.sqlite"} <= written
    # The REST job fails, as intended: its own error finding; the other jobs are still judged.
    assert "posture: backups: 1 item(s) could not be checked" in everything["output"]
    ledger = (everything["root"] / "out/ledger-accounting/posture-results.json").read_text()
    assert "backup:***@127.0.0.1:9" in ledger  # the URL's password, masked in restic's message
    assert all(re.fullmatch(r"/range/[0-9A-F]{5}", r["path"]) for r in everything["requests"])


def test_no_secret_in_any_file_written_or_any_output(everything: dict[str, Any]) -> None:
    blobs = {str(path): path.read_bytes() for path in everything["written"]}
    blobs["stdout and stderr of every command"] = everything["output"].encode()
    with sqlite3.connect(everything["db"]) as conn:  # the rows as SQLite returns them, not just the pages
        blobs["history rows"] = repr(conn.execute("SELECT * FROM runs").fetchall()
                                     + conn.execute("SELECT * FROM run_results").fetchall()).encode()
    blobs["webhook alerts"] = b"\n".join(everything["alerts"])
    assert everything["alerts"] and b"Canary form" in blobs["webhook alerts"]  # the alert names the failed jobs
    assert any(b"Canary borg" in blob for blob in blobs.values())  # the search sees what the runs wrote
    assert any(b"front desk" in blob for blob in blobs.values())
    for secret in SECRETS:
        for form in forms(secret):
            leaks = [where for where, blob in blobs.items() if form in blob]
            assert not leaks, f"{secret!r} (as {form[:24]!r}) found in {leaks}"


def test_reports_and_history_are_owner_only(everything: dict[str, Any]) -> None:
    root = everything["root"]
    posture_files = [p for p in everything["written"] if p.name.startswith("posture-") or "history.sqlite" in p.name]
    assert posture_files
    for path in posture_files:
        assert path.stat().st_mode & 0o077 == 0, f"{path.relative_to(root)} is {oct(path.stat().st_mode & 0o777)}"


def test_typed_secrets_stay_out_of_reports_logs_and_exceptions(tmp_path: Path, everything: dict[str, Any],
                                                               caplog: pytest.LogCaptureFixture) -> None:
    """What the TUI does with a password typed into its masked field: run, render, record, and fail loudly."""
    config_path = everything["root"] / "work/sample_configs/lone-star-dental/posture.yaml"
    registry = default_registry()
    config = load_config(config_path, registry)
    secrets = Secrets([("typed at the desk", TYPED), ("typed again", RESTIC_PASSWORD)])
    caught: list[str] = []
    with caplog.at_level(logging.DEBUG):
        runner = Runner(config, registry, secrets=secrets, only={"password_policy"})
        try:
            assessment = runner.run()
        except Exception:  # noqa: BLE001 - the point is to search whatever it says
            caught.append(traceback.format_exc())
            raise
        rendered = render_all(assessment, ["markdown", "html", "json"], "consultant")
        rendered.update(render_all(assessment, ["markdown", "html"], "staff"))
        History(tmp_path / "typed.sqlite").record(assessment)
    texts = [*rendered.values(), dumps(assessment), repr(secrets), repr(runner.__dict__), caplog.text, *caught,
             (tmp_path / "typed.sqlite").read_bytes().decode("latin-1")]
    assert "typed at the desk" in "".join(rendered.values())
    for secret in (TYPED, RESTIC_PASSWORD):
        for form in forms(secret):
            assert not [t for t in texts if form.decode("latin-1") in t], f"{secret!r} leaked as {form[:24]!r}"
