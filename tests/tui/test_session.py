"""The TUI's Textual-free parts: the session, the run model, the lines and details they render to."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from posture.errors import PostureError, UsageError
from posture.history import History
from posture.models import CheckResult, CheckStatus, Finding, Severity, Status
from posture.registry import Registry
from posture.runner import CheckFinished, CheckProgress, CheckStarted, RunStarted
from posture.tui.messages import RunnerEvent
from posture.tui.run_state import RunState
from posture.tui.session import Session, create_starter_config, find_configs
from posture.tui.widgets.check_lines import bar, check_line, elapsed_text
from posture.tui.widgets.finding_detail import detail_text, guide_steps
from tests.tui.fakes import FROZEN_NOW, frozen_assessment, write_fake_config


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_find_configs_here_and_in_sample_configs(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("x")
    (tmp_path / "notes.txt").write_text("x")
    (tmp_path / "sample_configs" / "shop").mkdir(parents=True)
    (tmp_path / "sample_configs" / "demo.yaml").write_text("x")
    (tmp_path / "sample_configs" / "shop" / "posture.yml").write_text("x")
    found = [p.relative_to(tmp_path).as_posix() for p in find_configs(tmp_path)]
    assert found == ["a.yaml", "sample_configs/demo.yaml", "sample_configs/shop/posture.yml"]


def test_starter_config_is_written_once(tmp_path: Path) -> None:
    path = create_starter_config(tmp_path / "new" / "posture.yaml")
    assert "organization:" in path.read_text(encoding="utf-8")
    with pytest.raises(UsageError, match="already exists; not overwriting it"):
        create_starter_config(path)


def test_session_runs_only_the_selected_checks(fakes: Registry, tmp_path: Path, history: History) -> None:
    session = Session(fakes, history, now=FROZEN_NOW)
    session.load(write_fake_config(tmp_path, fake_ports={}, fake_broken={}))
    assert session.history_note == "no earlier run of this config"
    assert [o.id for o in session.outline()] == ["fake_ports", "fake_broken", "readiness"]
    session.selected = set()
    with pytest.raises(UsageError, match="no check is selected"):
        session.new_run()
    session.selected = {"readiness"}
    assert session.new_run().check_ids == ["readiness"]
    with pytest.raises(UsageError, match="run the assessment first"):
        session.plan_markdown("staff")


def test_session_survives_an_unreadable_history(fakes: Registry, tmp_path: Path) -> None:
    bad = tmp_path / "history.sqlite"
    bad.write_bytes(b"this is not a database" * 100)
    session = Session(fakes, History(bad, timeout_s=1), now=FROZEN_NOW)
    session.load(write_fake_config(tmp_path))
    assert session.previous is None and session.history_note.startswith("could not read the history")
    run = session.new_run()
    run.run()
    published = session.publish(run)
    assert published is not None and published.reports  # the reports are written all the same
    assert not published.recorded and any(w.startswith("warning: the reports are written, but the run was not "
                                                        "recorded") for w in published.warnings)
    session.finished(run.results)  # type: ignore[arg-type]
    assert session.unsaved == "the last run was not recorded in the history"


def test_passwords_need_a_value_and_are_forgotten_on_request(fakes: Registry, tmp_path: Path) -> None:
    session = Session(fakes, None)
    session.load(write_fake_config(tmp_path, password_policy={}))
    assert session.wants_passwords and session.history_note == "history is off"
    with pytest.raises(PostureError):
        session.add_candidate_password("admin", "")
    session.add_candidate_password("  ", "hunter2")
    assert session.secrets.candidate_passwords == [("candidate 1", "hunter2")]
    session.forget_passwords()
    assert session.secrets.candidate_passwords == []


def test_run_state_folds_the_runner_events() -> None:
    clock = Clock()
    state = RunState([("ports", "Open ports"), ("backups", "Backups"), ("training", "Training")],
                     {"ports", "backups"}, clock=clock)
    assert state.lines["training"].state == "skipped"
    state.apply(RunStarted(("ports", "backups")))
    assert state.apply(CheckStarted("ports")) == "ports"
    clock.now = 103.0
    state.apply(CheckProgress("ports", 0.5, "10.0.0.5: scanning (host 1 of 2)"))
    line = state.lines["ports"]
    assert (line.state, line.fraction, line.elapsed(clock.now)) == ("running", 0.5, 3.0)
    assert state.cancelling("ports") == ["ports"] and line.message == "cancelling…"
    state.apply(CheckProgress("ports", 0.9, "late progress"))  # ignored once cancelling
    assert line.message == "cancelling…"
    failing = Finding("ports", "k", Status.FAIL, Severity.HIGH, "t")
    state.apply(CheckFinished(CheckResult("ports", "Open ports", CheckStatus.OK, (failing,), duration_s=4.0)))
    state.apply(CheckFinished(CheckResult("backups", "Backups", CheckStatus.ERROR, error="restic is not installed")))
    assert (line.state, line.problems, line.elapsed(999.0)) == ("done", 1, 4.0)
    assert state.lines["backups"].error == "restic is not installed"
    assert state.running and state.summary() == "Running: 2 of 2 checks finished."
    state.fail(["posture.yaml:3:1: bad"])
    assert not state.running and "could not start" in state.summary()


def test_check_lines_read_plainly() -> None:
    clock = Clock()
    state = RunState([("ports", "Open ports and services on the network"), ("b", "Backups")], {"ports"},
                     clock=clock)
    state.apply(CheckStarted("ports"))
    clock.now = 172.0
    state.apply(CheckProgress("ports", 0.3, "10.0.0.5: scanning"))
    text = check_line(state.lines["ports"], clock.now).plain
    assert text.startswith("▶ Open ports and services on th…") and "███░░░░░░░  30%" in text
    assert text.endswith("1m12s\n  10.0.0.5: scanning")
    assert check_line(state.lines["b"], clock.now).plain.endswith("\n  not selected for this run")
    assert bar(None, "running") == "░" * 10 + "     " and elapsed_text(None) == "" and elapsed_text(2.25) == " 2.2 s"


def test_progress_floods_collapse_per_check() -> None:
    first = RunnerEvent(CheckProgress("ports", 0.1, "a"))
    assert first.can_replace(RunnerEvent(CheckProgress("ports", 0.2, "b")))
    assert not first.can_replace(RunnerEvent(CheckProgress("backups", 0.2, "b")))
    assert not first.can_replace(RunnerEvent(CheckStarted("ports")))
    assert not RunnerEvent(CheckStarted("ports")).can_replace(first)


def test_detail_text_explains_a_finding(fakes: Registry, tmp_path: Path) -> None:
    assessment = frozen_assessment(write_fake_config(tmp_path, fake_ports={"ports": [3389]}), fakes)
    rdp = next(f for f in assessment.findings if f.title.startswith("Remote desktop"))
    text = detail_text(rdp, assessment, new=True).plain
    for expected in ("HIGH · fail · check fake_ports · asset 127.0.0.1 · NEW since the last run",
                     "Weakness\nExposed point of entry", "What to do\nClose port 3389",
                     "In the plan\nP", "Evidence\n3389/tcp open [remote desktop]",
                     "References\nCIS Controls v8, safeguard 4.4: firewall on servers <https://"):
        assert expected in text
    assert guide_steps(rdp) == ["“Focus on Identifying the Problem” in IT Security Breach at Your Small Business: "
                                "What Do You Do Now?", "“Contain the Attack” in IT Security Breach at Your Small "
                                "Business: What Do You Do Now?"]


def test_headless_commands_never_import_textual(tmp_path: Path) -> None:
    code = ("import sys\nfrom posture.cli import main\nmain(['checks'])\n"
            "import posture.runner, posture.planner, posture.history, reports.markdown\n"
            "assert 'textual' not in sys.modules, sorted(m for m in sys.modules if m.startswith('textual'))\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                          cwd=Path(__file__).resolve().parents[2])
    assert done.returncode == 0, done.stderr
