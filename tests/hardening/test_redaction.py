"""The redaction against every credential-bearing repository form restic and borg accept: a generated corpus
(hypothesis) of user names (plain and e-mail), passwords holding `/ @ : %` and spaces, hosts and backends,
as written and percent-encoded; the real tools' own error messages about such repositories; and the
candidate-file lines whose label could be a password.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from checks.backups.offsite import mask_password
from checks.backups.tools import tool_message
from checks.password_policy.candidates import parse_candidates
from posture import redact
from tests.conftest import need_tools

USERS = st.one_of(
    st.from_regex(r"[a-z][a-z0-9_.\-]{0,12}", fullmatch=True),
    st.from_regex(r"[a-z][a-z0-9.]{0,8}@[a-z]{2,8}\.(com|org|de)", fullmatch=True),  # e-mail user names
)
# Passwords as people type them into a repository string: anything printable, including / @ : % and spaces.
PASSWORD_MIDDLE = st.text(alphabet=st.sampled_from(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/@:% !#$&()*+,;=?[]~-_.^{}|"),
    min_size=1, max_size=16)
HOSTS = st.sampled_from(["127.0.0.1", "backup.example.com", "nas", "[::1]", "s3.amazonaws.com", "10.0.0.5"])


def canary(middle: str) -> str:
    return f"CnRy{middle}Xq"  # starts and ends with letters no form masks around


def forms(user: str, password: str, host: str) -> Iterator[str]:
    """Every way restic and borg take a repository with a credential in it."""
    for secret in (password, quote(password, safe="")):
        yield f"rest:http://{user}:{secret}@{host}:8000/"
        yield f"rest:https://{user}:{secret}@{host}/repo/"
        yield f"s3:http://{user}:{secret}@{host}:9000/bucket"
        yield f"sftp://{user}:{secret}@{host}:2222//srv/restic"
        yield f"ssh://{user}:{secret}@{host}:22/./borg"  # borg
        yield f"swift:http://{user}:{secret}@{host}/v1"
    yield f"sftp:{user}:{password}@{host}:/srv/restic"  # restic's sftp short form
    if " " not in password:
        yield f"{user}:{password}@{host}:/srv/borg"  # borg's scp style
    yield f"rclone::sftp,host={host},user={user},pass={quote(password, safe='')}:repo"
    yield f"azure:container:/path?sig={quote(password, safe='')}"


def leaked(text: str, password: str) -> list[str]:
    encodings = {password, quote(password, safe=""), quote(password), password.strip()}
    return [e for e in encodings if len(e) >= 6 and e in text]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(user=USERS, middle=PASSWORD_MIDDLE, host=HOSTS)
def test_no_form_shows_its_password(user: str, middle: str, host: str) -> None:
    password = canary(middle)
    for location in forms(user, password, host):
        for shown in (redact.redact_forms(location), mask_password(location),
                      redact.redact_forms(f'Fatal: unable to open repository at {location}: dial tcp: refused'),
                      redact.redact_forms(f'Get "{location}config": EOF\nIs there a repository at {location}?')):
            assert not leaked(shown, password), (location, shown)
            assert "CnRy" not in shown and "Xq@" not in shown, (location, shown)


@settings(max_examples=100, deadline=None)
@given(user=USERS, middle=PASSWORD_MIDDLE, host=HOSTS)
def test_a_remembered_secret_is_masked_whatever_surrounds_it(user: str, middle: str, host: str) -> None:
    password = canary(middle)
    try:
        redact.remember_locations({"checks": {"backups": [{"repository": f"rest:http://{user}:{password}@{host}/"}]}})
        for text in (f"the password is {password}.", f"{quote(password, safe='')}", f"x{password}y"):
            assert not leaked(redact.redact(text), password), text
    finally:
        redact.forget_all()


def test_ordinary_text_is_left_alone() -> None:
    for text in ("rest:https://backup.example.com:8000/", "sftp:backup@nas:/srv/restic", "user@host:/srv/borg",
                 "Contact: it@corp.com: call at 12:30", "s3:s3.amazonaws.com/bucket", "/srv/restic", "b2:bucket:path",
                 "Remote desktop (RDP) open on back-office-pc (127.0.0.42:3389)", "https://example.com/a?page=2"):
        assert redact.redact(text) == text


def test_the_redaction_changes_nothing_in_the_sample_reports() -> None:
    """No false positives on real output: every sample's plan (all formats) passes through unchanged."""
    from posture.config import load_config
    from posture.registry import default_registry
    from posture.runner import Runner
    from reports import render_all
    from tests.hardening.support import SAMPLES

    registry = default_registry()
    config = load_config(SAMPLES / "lone-star-dental/posture.yaml", registry)
    runner = Runner(config, registry, only={"password_policy", "training", "readiness"})
    assessment = runner.run()
    for name, text in render_all(assessment, ["markdown", "html", "json"], "consultant").items():
        assert redact.redact(text) == text, name


# --- the real tools' messages ----------------------------------------------------------------------------------

RESTIC_FORMS = [
    "sftp:backup:{pw}@127.0.0.1:/srv/repo",
    "sftp://backup:{pw}@127.0.0.1:9//srv/repo",
    "rest:http://backup:{pw}@127.0.0.1:9/",
    "rest:http://me@corp.com:{pw}@127.0.0.1:9/",
    "s3:http://AKIDEXAMPLE:{pw}@127.0.0.1:9/bucket",
    "rclone::sftp,host=127.0.0.1,user=u,pass={pw}:repo",
]
BORG_FORMS = ["backup:{pw}@127.0.0.1:/srv/repo", "me@corp.com:{pw}@127.0.0.1:repo",
              "ssh://backup:{pw}@127.0.0.1:9/./repo"]
PASSWORDS = ["Cnry-Plain-77x", "Cnry/With/Slash", "Cnry With Space", "Cnry@At@Sign", "Cnry%2FEncoded"]


def run_tool(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "HOME": str(tmp_path), "XDG_CACHE_HOME": str(tmp_path / ".cache"), **env}
    return subprocess.run(args, env=full, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60,
                          check=False)


@pytest.mark.integration
@pytest.mark.parametrize("password", PASSWORDS)
def test_restics_own_messages_about_a_repository_are_masked(tmp_path: Path, password: str) -> None:
    need_tools("restic")
    restic = shutil.which("restic")
    assert restic is not None
    quoted = 0
    for form in RESTIC_FORMS:
        location = form.format(pw=password)
        # -o sftp.command=false: no ssh is started; the message restic prints is the real one.
        proc = run_tool([restic, "snapshots", "--no-lock", "-o", "sftp.command=false"],
                        {"RESTIC_REPOSITORY": location, "RESTIC_PASSWORD": "x"}, tmp_path)
        assert proc.returncode != 0
        quoted += password in proc.stderr or quote(password, safe="") in proc.stderr
        message = tool_message(proc, [])
        assert not leaked(message, password), (location, proc.stderr, message)
        assert not leaked(redact.redact(proc.stderr), password), (location, proc.stderr)
    assert quoted  # restic does quote such repositories: the test sees what it is about


@pytest.mark.integration
@pytest.mark.parametrize("password", PASSWORDS)
def test_borgs_own_messages_about_a_repository_are_masked(tmp_path: Path, password: str) -> None:
    need_tools("borg")
    borg = shutil.which("borg")
    assert borg is not None
    for form in BORG_FORMS:
        location = form.format(pw=password)
        proc = run_tool([borg, "list", "--json"], {"BORG_REPO": location, "BORG_RSH": "false",
                                                    "BORG_PASSPHRASE": "x", "BORG_BASE_DIR": str(tmp_path)}, tmp_path)
        assert proc.returncode != 0
        assert not leaked(tool_message(proc, []), password), (location, proc.stderr)
        assert not leaked(redact.redact(proc.stderr), password), (location, proc.stderr)


# --- candidate files: a label that could be a password is never shown --------------------------------------------

@pytest.mark.parametrize(("line", "label"), [
    ("front desk\tCnry-Front-1!", "front desk"),
    ("Summer2024!\tfront desk", "line 1"),  # reversed: password<TAB>label
    ("Tr0ub4dor\t&3", "line 1"),  # a tab inside a one-per-line password
    ("P@ss\tword99", "line 1"),
    ("hunter\tcorrect horse battery", "line 1"),  # a passphrase after a one-word "label": reversed
    ("j.smith2@corp.com\tCnry-x-123", "j.smith2@corp.com"),
    ("DOMAIN\\jsmith\tCnry-x-123", "DOMAIN\\jsmith"),
])
def test_a_label_that_could_be_a_password_is_shown_as_its_line(line: str, label: str) -> None:
    [candidate] = parse_candidates(line.encode() + b"\n", "found.txt")
    assert candidate.label == label
    if label == "line 1":
        assert line.split("\t")[0] not in str(candidate) and line.split("\t")[0] not in candidate.label
