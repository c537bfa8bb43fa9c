"""The run screen: live progress, cancelling, quitting mid-scan, toggled checks, passwords and drift."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from posture.history import History
from posture.models import CheckStatus
from posture.tui.screens.confirm import ConfirmQuitScreen
from posture.tui.screens.findings import FindingsScreen
from posture.tui.screens.run import RunScreen
from posture.tui.widgets.findings_table import FindingsTable
from tests.tui.conftest import drive, run_to_end, shown, wait_until
from tests.tui.fakes import write_fake_config


def _check_thread_alive() -> bool:
    return any(t.name == "check-fake_gate" for t in threading.enumerate())


def test_cancel_one_check_while_the_others_finish(app_for: Any, tmp_path: Path, gate: threading.Event) -> None:
    app = app_for(write_fake_config(tmp_path, fake_ports={}, fake_gate={}))

    async def scenario(pilot: Any) -> None:
        await pilot.press("r")
        state = app.run_state
        await wait_until(pilot, lambda: state.lines["fake_ports"].state == "done", "the fast check")
        assert state.lines["fake_gate"].state == "running"
        text = await shown(pilot)
        assert "waiting for the gate" in text and "Cancel check" in text  # live, and the UI answers keys
        await pilot.press("down")  # the slow check's line
        await pilot.press("c")
        await run_to_end(pilot)
        assert "cancelled before it finished" in await shown(pilot)
        results = {c.check: c for c in app.session.assessment.checks}
        assert results["fake_gate"].status is CheckStatus.ERROR
        assert results["fake_ports"].status is CheckStatus.OK
        assert "Cancel check" not in await shown(pilot)  # nothing left to cancel
        await pilot.press("f")
        assert isinstance(app.screen, FindingsScreen)

    drive(app, scenario, size=(100, 30))


def test_quit_during_a_scan_asks_first(app_for: Any, tmp_path: Path, gate: threading.Event,
                                      history: History) -> None:
    app = app_for(write_fake_config(tmp_path, fake_gate={}))

    async def scenario(pilot: Any) -> None:
        await pilot.press("r")
        await wait_until(pilot, lambda: app.run_state.lines["fake_gate"].state == "running", "the scan")
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmQuitScreen)
        assert "A scan is still running." in await shown(pilot)
        await pilot.press("n")
        assert isinstance(app.screen, RunScreen) and app.running
        await pilot.press("escape")  # cannot leave the run screen mid-run either
        assert isinstance(app.screen, RunScreen)
        await pilot.press("ctrl+q", "y")

    drive(app, scenario)
    assert app.return_code == 0
    assert app.abandoned and app.session.assessment is None
    assert history.runs() == []  # abandoned, so never recorded
    for _ in range(500):  # the cancel reached the check: its thread ends without the gate opening
        if not _check_thread_alive():
            break
        threading.Event().wait(0.01)
    assert not _check_thread_alive()
    assert not gate.is_set()


def test_quit_without_a_scan_does_not_ask(app_for: Any, tmp_path: Path) -> None:
    app = app_for(write_fake_config(tmp_path))

    async def scenario(pilot: Any) -> None:
        await pilot.press("q")

    drive(app, scenario)
    assert app.return_code == 0


def test_a_check_toggled_off_is_skipped(app_for: Any, tmp_path: Path) -> None:
    app = app_for(write_fake_config(tmp_path, fake_ports={}, fake_broken={}))

    async def scenario(pilot: Any) -> None:
        await pilot.press("down", "space")  # the second check: fake_broken
        assert app.session.selected == {"fake_ports", "readiness"}
        await pilot.press("r")
        await run_to_end(pilot)
        assert "not selected for this run" in await shown(pilot)

    drive(app, scenario)
    results = {c.check: c.status for c in app.session.assessment.checks}
    assert results == {"fake_ports": CheckStatus.OK, "readiness": CheckStatus.OK, "fake_broken": CheckStatus.SKIPPED}


def test_candidate_passwords_are_masked_and_never_leave_memory(app_for: Any, tmp_path: Path,
                                                               history: History) -> None:
    app = app_for(write_fake_config(tmp_path, password_policy={}))
    secrets = ("Bakery2026!", "Summer#24")

    async def scenario(pilot: Any) -> None:
        await pilot.press("tab", *"front desk", "enter", *secrets[0])
        assert secrets[0] not in await shown(pilot)  # masked while typed
        await pilot.press("enter")
        assert app.focused.id == "checks"  # back on the list: the next r runs, it is not typed into a label
        await pilot.press("tab", "tab", *secrets[1], "enter")  # no label: numbered
        text = await shown(pilot)
        assert "2 held in memory: front desk, candidate 2" in text
        assert all(s not in text for s in secrets)
        assert app.screen.query_one("#password-value").value == ""  # cleared once handed over
        label = app.screen.query_one("#password-label")
        await pilot.press("r")
        assert label.value == ""  # r ran the checks, it typed nothing
        await run_to_end(pilot)
        await pilot.press("enter")
        assert "2 candidate password(s) checked" in await shown(pilot)
        await pilot.press("p")
        await wait_until(pilot, lambda: bool(app.screen.text), "the plan")
        text = await shown(pilot)
        assert all(s not in text for s in secrets)
        await pilot.press("e", "enter")

    drive(app, scenario)
    assert app.session.secrets.candidate_passwords == [("front desk", secrets[0]), ("candidate 2", secrets[1])]
    written = [*(p for p in (tmp_path / "out").iterdir() if not p.name.startswith(".")), history.path]
    assert len(written) == 4
    for path in written:
        data = path.read_bytes()
        assert all(s.encode() not in data for s in secrets), path
    assert "Bakery" not in repr(app.session.secrets)


def test_findings_new_since_the_last_run_are_marked(app_for: Any, tmp_path: Path) -> None:
    config = write_fake_config(tmp_path, fake_ports={"ports": [23]})

    async def first(pilot: Any) -> None:
        await pilot.press("r")
        await run_to_end(pilot)

    drive(app_for(config), first)
    write_fake_config(tmp_path, fake_ports={"ports": [23, 3389]})  # same file: same config identity
    app = app_for(config)

    async def second(pilot: Any) -> None:
        assert "new ones will be marked" in await shown(pilot)
        await pilot.press("r")
        await run_to_end(pilot)
        assert "1 new since the last run" in await shown(pilot)
        await pilot.press("enter")
        table = app.screen.query_one(FindingsTable)
        marked = {r.finding.title for r in table.rows if r.new}
        assert marked == {"Remote desktop open on 127.0.0.1"}
        assert "new high" in await shown(pilot)
        await pilot.press("n")
        assert [r.finding.title for r in table.rows] == ["Remote desktop open on 127.0.0.1"]

    drive(app, second, size=(120, 30))


def test_cancel_all_ends_the_run_with_the_reason(app_for: Any, tmp_path: Path, gate: threading.Event) -> None:
    app = app_for(write_fake_config(tmp_path, fake_gate={}))

    async def scenario(pilot: Any) -> None:
        await pilot.press("r")
        await wait_until(pilot, lambda: app.run_state.lines["fake_gate"].state == "running", "the scan")
        await pilot.press("C")
        await run_to_end(pilot)
        assert "the slow scan was stopped" in await shown(pilot) or "cancelled before it finished" in await shown(
            pilot)

    drive(app, scenario)
    results = {c.check: c for c in app.session.assessment.checks}
    assert results["fake_gate"].status is CheckStatus.ERROR
    assert results["fake_gate"].error == "cancelled before it finished"
