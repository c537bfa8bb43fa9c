"""Paths in a config, and symlinks in an evidence folder, that lead somewhere they should not.

The policy (posture/config.py, `Config.resolve`, the one door every evidence path goes through):
- refused: anything that leads, as written, through "..", or through symlinks, to where a system keeps
  passwords or keys (/etc/shadow, ~/.ssh, /proc/*/environ, ...) or to a device, pipe or socket;
- read with a warning: a relative path whose file really lies outside the config's folder;
- read silently: a path inside the folder, and an absolute path (the config's author wrote it out).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

import pytest

from posture.cli import main
from posture.config import load_config
from posture.errors import InputError
from posture.registry import default_registry
from tests.hardening.support import assert_refused, copy_evidence, evidence_config, posture


def net_accounts(path: str) -> dict[str, Any]:
    return {"password_policy": {"sources": [{"type": "windows_net_accounts", "path": path}]}}


def validate(capsys: pytest.CaptureFixture[str], config: Path) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["validate", str(config)])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("written", [
    "/etc/shadow", "../../../../../../../../../../etc/shadow", "~/.ssh/id_rsa", "/root/.ssh/authorized_keys",
    "/proc/self/environ", "/dev/zero", "/etc/ssh/ssh_host_ed25519_key", "~/.aws/credentials",
])
def test_a_path_to_a_secret_or_a_device_is_refused_at_its_key(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                              written: str) -> None:
    config = evidence_config(tmp_path, **net_accounts(written))
    code, out, err = validate(capsys, config)
    assert code == 2 and out == ""
    first = err.splitlines()[0]
    assert first.startswith(f"posture: {config}:")
    assert "checks.password_policy.sources[0].path: refusing to use" in first


def test_a_symlink_in_the_evidence_folder_cannot_lead_to_a_secret(tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "hop").symlink_to("/etc/shadow")
    (evidence / "net-accounts.txt").symlink_to(evidence / "hop")  # two hops
    config = evidence_config(tmp_path, **net_accounts("evidence/net-accounts.txt"))
    code, _, err = validate(capsys, config)
    assert code == 2
    assert "it leads to /etc/shadow" in err and "sources[0].path" in err


def test_a_symlinked_password_file_cannot_lead_to_a_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "restic-password").symlink_to("/etc/gshadow")
    config = evidence_config(tmp_path, backups=[{"name": "Nightly", "type": "restic", "repository": "repo",
                                                 "password_file": "restic-password"}])
    code, _, err = validate(capsys, config)
    assert code == 2
    assert "checks.backups[0].password_file: refusing to use restic-password" in err


def test_an_evidence_folder_symlinked_into_ssh_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keys = tmp_path / "home/.ssh"
    keys.mkdir(parents=True)
    (keys / "known_hosts").write_text("host ssh-ed25519 AAAA\n", encoding="utf-8")
    (tmp_path / "evidence").symlink_to(keys)
    config = evidence_config(tmp_path, training={"roster": "evidence/known_hosts"})
    code, _, err = validate(capsys, config)
    assert code == 2 and "checks.training.roster: refusing to use evidence/known_hosts" in err


def test_a_named_pipe_is_refused_instead_of_hanging_the_run(tmp_path: Path) -> None:
    (tmp_path / "evidence").mkdir()
    os.mkfifo(tmp_path / "evidence/net-accounts.txt")
    config = evidence_config(tmp_path, **net_accounts("evidence/net-accounts.txt"))
    proc = posture("validate", str(config), timeout=60)
    assert_refused(proc, config, "is a pipe, socket or device")


@pytest.mark.parametrize("kind", ["pipe", "device", "folder"])
def test_a_config_that_is_not_a_plain_file_is_refused(tmp_path: Path, kind: str) -> None:
    config = {"pipe": tmp_path / "posture.yaml", "device": Path("/dev/zero"), "folder": tmp_path}[kind]
    if kind == "pipe":
        os.mkfifo(config)
    assert_refused(posture("validate", str(config), timeout=60), config, "not a regular file")


def test_a_relative_path_out_of_the_folder_is_read_with_one_warning(tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    copy_evidence("net-accounts.txt", tmp_path, "elsewhere/net-accounts.txt")
    config = load_config(evidence_config(tmp_path / "client", **net_accounts("../elsewhere/net-accounts.txt")),
                         default_registry())
    with caplog.at_level(logging.WARNING, logger="posture.config"):
        for _ in range(3):
            config.resolve("../elsewhere/net-accounts.txt")
    warnings = [r.getMessage() for r in caplog.records if r.name == "posture.config"]
    assert len(warnings) == 1
    assert "../elsewhere/net-accounts.txt is read from" in warnings[0] and "outside the config's folder" in warnings[0]


def test_a_symlink_out_of_the_folder_is_read_with_a_warning_on_stderr(tmp_path: Path) -> None:
    outside = copy_evidence("net-accounts.txt", tmp_path, "exports/net-accounts.txt")
    (tmp_path / "client/evidence").mkdir(parents=True)
    (tmp_path / "client/evidence/net-accounts.txt").symlink_to(outside)
    config = evidence_config(tmp_path / "client", **net_accounts("evidence/net-accounts.txt"))
    proc = posture("validate", str(config))
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if "WARNING" in line]
    assert len(warnings) == 1
    assert f"evidence/net-accounts.txt is read from {outside}" in warnings[0]


def test_paths_inside_the_folder_and_absolute_paths_are_read_silently(tmp_path: Path,
                                                                      caplog: pytest.LogCaptureFixture) -> None:
    inside = copy_evidence("net-accounts.txt", tmp_path / "client", "evidence/net-accounts.txt")
    outside = copy_evidence("staff.csv", tmp_path, "hr/staff.csv")
    config = load_config(evidence_config(tmp_path / "client", **net_accounts("evidence/net-accounts.txt")),
                         default_registry())
    with caplog.at_level(logging.WARNING):
        assert config.resolve("evidence/net-accounts.txt") == inside
        assert config.resolve(str(outside)) == outside
        assert config.resolve("reports") == tmp_path / "client/reports"  # not there yet: fine
        assert config.resolve("../reports") == tmp_path / "client/../reports"  # a folder to write to: fine
    assert caplog.records == []


def test_a_refusal_without_a_config_key_still_names_the_config(tmp_path: Path) -> None:
    config = load_config(evidence_config(tmp_path), default_registry())
    with pytest.raises(InputError) as caught:
        config.resolve("/etc/shadow")
    assert caught.value.path == str(config.path) and "refusing to use /etc/shadow" in str(caught.value)
