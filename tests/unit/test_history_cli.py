"""Headless, scheduled use: `posture scan` from cron (no colour, no progress, data on stdout only),
the plan's "since the last run" summary across real runs, and `posture history`."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from posture.cli import main
from posture.progress import ProgressLine
from posture.runner import CheckFinished, RunStarted
from posture.testing import minimal_config, write_config
from tests.reports import sample

ANSI = "\x1b"


def _config(folder: Path, **contacts: str) -> Path:
    return write_config(folder, minimal_config(organization={"name": "Test Co", "contacts": contacts}))


def _posture(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).resolve().parents[2]
    return subprocess.run([sys.executable, "-m", "posture", *args], cwd=root, capture_output=True, text=True,
                          env={**os.environ, "TERM": "xterm-256color", **(env or {})}, timeout=120)


@pytest.mark.parametrize("quiet", [False, True])
def test_a_cron_run_prints_paths_on_stdout_and_no_colour_or_progress(tmp_path: Path, quiet: bool) -> None:
    config = _config(tmp_path)
    out = tmp_path / "out"
    done = _posture("scan", str(config), "--out", str(out), "--db", str(tmp_path / "h.sqlite"), "--fail-on", "none",
                    *(["-q"] if quiet else []), env={"NO_COLOR": "1"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [str(out / name) for name in
                                        ("posture-plan.md", "posture-results.json", "posture-plan.html")]
    for stream in (done.stdout, done.stderr):
        assert ANSI not in stream and "\r" not in stream
    assert "checks" not in done.stderr  # no progress line: stderr is not a terminal
    if quiet:  # only problems are worth a line in a cron mail
        assert all("could not be loaded" in line for line in done.stderr.splitlines())


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_is_drawn_only_on_a_terminal_and_never_in_colour(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    result = sample.assessment().checks[0]
    for stream, quiet, drawn in ((_Terminal(), False, True), (_Terminal(), True, False), (io.StringIO(), False, False)):
        line = ProgressLine.for_stream(stream, enabled=not quiet)
        line.update(RunStarted(("ports", "training")))
        line.update(CheckFinished(result))
        line.close()
        assert ("1/2 checks" in stream.getvalue()) is drawn
        assert ANSI not in stream.getvalue()


def test_the_second_plan_says_what_changed_and_history_lists_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path)  # no contacts named: four readiness findings
    db = tmp_path / "h.sqlite"
    out = tmp_path / "out"
    assert main(["scan", str(config), "--out", str(out), "--db", str(db), "-q", "--format", "markdown"]) == 1
    first_plan = (out / "posture-plan.md").read_text("utf-8")
    assert "Since the last run" not in first_plan
    # The owner names an IT provider and an attorney: two problems resolved, two unchanged.
    _config(tmp_path, it_provider="Bayou IT, +1 713 555 0142", attorney="Lee & Co")
    assert main(["scan", str(config), "--out", str(out), "--db", str(db), "-q", "--format", "markdown"]) == 0
    plan = (out / "posture-plan.md").read_text("utf-8")
    assert "| Since the last run (" in plan and "| 0 new · 2 resolved · 2 unchanged |" in plan
    resolved = plan.split("Resolved since then:")[1].split("##")[0]
    assert resolved.count("\n- ") == 2
    capsys.readouterr()
    assert main(["history", str(config), "--db", str(db)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["run", "finished", "(UTC)", "problems", "new", "resolved", "errors", "version",
                                "progress"]
    first, second = (line.split() for line in lines[1:])
    assert first[3:7] == ["4", "-", "-", "0"] and second[3:7] == ["2", "0", "2", "0"]
    # every run is planned with the tracking state: nothing done yet, nothing accepted
    assert first[8:] == ["0/1", "done"] and second[8:] == ["0/1", "done"]


def test_history_of_a_config_never_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["history", str(_config(tmp_path)), "--db", str(tmp_path / "h.sqlite")]) == 0
    captured = capsys.readouterr()
    assert captured.out == "" and "no recorded runs" in captured.err
