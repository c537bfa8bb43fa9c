"""`posture diff OLD NEW`: results files or run ids, Markdown or posture/diff@1 JSON on stdout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from posture.cli import main
from posture.drift import compare
from posture.history import History
from posture.models import CheckResult, CheckStatus
from posture.results import dumps
from tests.reports import sample


@pytest.fixture
def results_files(tmp_path: Path) -> tuple[Path, Path]:
    first, second = sample.two_runs()
    paths = (tmp_path / "week1.json", tmp_path / "week2.json")
    for run, path in zip((first, second), paths, strict=True):
        path.write_text(dumps(run), encoding="utf-8")
    return paths


def test_markdown_between_two_results_files(
    results_files: tuple[Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = results_files
    assert main(["diff", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert out.startswith("# Changes: Corner Shop Outfitters\n")
    assert "1 new, 1 resolved, 3 unchanged." in out
    new_section = out.split("## New (1)")[1].split("## Resolved")[0]
    assert "| HIGH | Remote desktop (RDP) open on back-office-pc (127.0.0.42:3389) | back-office-pc (127.0.0.42) |" \
        in new_section
    assert "Outdated OpenSSH 7.2p2" in out.split("## Resolved (1)")[1].split("## Unchanged")[0]
    assert "## Unchanged (3)" in out and "Not re-checked" not in out


def test_json_by_run_id_prefix_from_the_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "h.sqlite"
    for run in sample.two_runs():
        History(db).record(run)
    assert main(["diff", "run0000000a", "run0000000b", "--db", str(db), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "posture/diff@1" and doc["same_config"] is True
    assert doc["summary"] == {"new": 1, "resolved": 1, "unchanged": 3, "not_rechecked": 0}
    assert [f["title"] for f in doc["new"]] == [sample.RDP.title]
    assert doc["new"][0] == {"id": sample.RDP.id, "check": "ports", "severity": "high", "title": sample.RDP.title,
                             "asset": sample.RDP.asset}
    assert (doc["before"]["run_id"], doc["after"]["run_id"]) == ("run0000000a", "run0000000b")


def test_a_file_and_a_run_id_can_be_mixed(tmp_path: Path, results_files: tuple[Path, Path],
                                          capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "h.sqlite"
    History(db).record(sample.two_runs()[1])
    assert main(["diff", str(results_files[0]), "run0000000b", "--db", str(db), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["summary"]["new"] == 1


def test_a_check_that_errored_is_not_called_resolved() -> None:
    first, _ = sample.two_runs()
    errored = sample.assessment(sample.TELNET, sample.ACCOUNT, sample.PERSON, incident=False)  # backups errored
    broken_ports = sample.assessment(sample.ACCOUNT, sample.PERSON, incident=False, backups_error=False)
    i = next(i for i, c in enumerate(broken_ports.checks) if c.check == "ports")
    broken_ports.checks[i] = CheckResult("ports", "Open ports", CheckStatus.ERROR, error="nmap is not installed")
    c = compare(first, broken_ports)
    assert {f.id for f in c.not_rechecked} == {sample.TELNET.id, sample.OLD_SSH.id}
    assert c.resolved == () and c.new == ()
    assert {f.id for f in compare(first, errored).resolved} == {sample.OLD_SSH.id}


def test_unknown_run_ids_and_missing_files_are_usage_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "h.sqlite"
    History(db).record(sample.assessment())
    assert main(["diff", "nosuchrun", "run0000000b", "--db", str(db)]) == 2
    assert "no such run" in capsys.readouterr().err
    assert main(["diff", str(tmp_path / "missing.json"), "run0000000b", "--db", str(db)]) == 2
    assert "missing.json" in capsys.readouterr().err


def test_runs_of_different_configs_are_compared_with_a_note(
    results_files: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = sample.assessment(incident=False)
    other.config_id = "another-config"
    path = tmp_path / "other.json"
    path.write_text(dumps(other), encoding="utf-8")
    assert main(["diff", str(results_files[0]), str(path)]) == 0
    assert "different configs" in capsys.readouterr().err
