"""The whole consultant flow, driven by keys: start → overview → run → findings → detail → plan → export."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

from posture.history import History
from posture.testing import write_config
from posture.tui.screens.export import ExportScreen
from posture.tui.screens.findings import FindingDetailScreen, FindingsScreen
from posture.tui.screens.overview import OverviewScreen
from posture.tui.screens.plan import PlanScreen
from posture.tui.screens.run import RunScreen
from posture.tui.screens.start import StartScreen
from posture.tui.widgets.findings_table import FindingsTable
from reports.markdown import render
from tests.tui.conftest import drive, run_to_end, shown, wait_until
from tests.tui.fakes import screen_text, write_fake_config

FOUR_PORTS = {"hosts": ["127.0.0.1", "127.0.0.2"], "ports": [23, 3389, 445, 8080]}


def test_start_to_export_by_keys(app_for: Any, tmp_path: Path, history: History) -> None:
    write_fake_config(tmp_path, incident=True, fake_ports=FOUR_PORTS, fake_broken={})
    app = app_for(None)

    async def scenario(pilot: Any) -> None:
        assert isinstance(app.screen, StartScreen)
        assert "posture.yaml" in await shown(pilot)
        await pilot.press("enter")
        assert isinstance(app.screen, OverviewScreen)
        text = await shown(pilot)
        assert "Post-incident: ransomware discovered 2026-11-20 (3 days ago)" in text
        assert "Authorised by Owner, in writing" in text
        assert "probes 127.0.0.1, 127.0.0.2" in text  # the highlighted check's evidence

        await pilot.press("r")
        await run_to_end(pilot)
        assert isinstance(app.screen, RunScreen)
        text = await shown(pilot)
        assert "8 problem(s) found" in text
        assert "faketool is not installed or not on PATH" in text  # the error, inline with its reason
        # The run published its reports to report.out_dir, exactly as `posture scan` writes them.
        out = tmp_path / "out"
        published = ["posture-plan.html", "posture-plan.md", "posture-results.json"]
        assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == published
        assert "Reports written to" in text and "posture-plan.md, posture-results.json, posture-plan.html" in text
        assert (out / "posture-plan.md").read_text(encoding="utf-8") == render(app.session.assessment, "consultant")

        await pilot.press("enter")
        assert isinstance(app.screen, FindingsScreen)
        await pilot.press("slash", *"telnet")
        table = app.screen.query_one(FindingsTable)
        assert [r.finding.title for r in table.rows] == ["Telnet open on 127.0.0.1", "Telnet open on 127.0.0.2"]
        total = len(app.session.assessment.findings)
        assert f"2 of {total} · showing problems · matching 'telnet'" in await shown(pilot)

        await pilot.press("enter", "down", "enter")  # leave the search box, second row, open it
        assert isinstance(app.screen, FindingDetailScreen)
        text = await shown(pilot)
        for expected in ("Telnet open on 127.0.0.2", "Why it matters", "What to do", "Guide step",
                         "“Contain the Attack”", "23/tcp open [telnet]", "CIS Controls v8, safeguard 4.4"):
            assert expected in text
        await pilot.press("escape", "p")
        assert isinstance(app.screen, PlanScreen)
        plan = app.screen
        assessment = app.session.assessment
        # The very text the report writes, handed to the Markdown widget.
        await wait_until(pilot, lambda: plan.text == render(assessment, "consultant"), "the consultant edition")
        assert "Post-incident action plan: Harbor Bakery" in await shown(pilot)
        await pilot.press("a")
        await wait_until(pilot, lambda: plan.text == render(assessment, "staff"), "the staff edition")
        assert "Staff edition" in await shown(pilot)

        await pilot.press("e")
        assert isinstance(app.screen, ExportScreen)
        await pilot.press("enter")
        assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == sorted(
            ["posture-plan-staff.html", "posture-plan-staff.md", *published])
        assert (out / "posture-plan-staff.md").read_text(encoding="utf-8") == render(assessment, "staff")
        text = await shown(pilot)
        assert "Written to" in text and "    posture-plan-staff.md" in text and "    posture-plan-staff.html" in text
        await pilot.press("escape")
        assert isinstance(app.screen, PlanScreen)
        assert f"Exported to {out}" in await shown(pilot)

    drive(app, scenario, size=(120, 40))
    assessment = app.session.assessment
    config = app.session.config
    assert assessment is not None and config is not None
    latest = history.latest(config.identity)  # recorded for the next comparison
    assert latest is not None and latest.run_id == assessment.run_id


def test_config_given_on_the_command_line_opens_the_overview(app_for: Any, tmp_path: Path) -> None:
    config = write_fake_config(tmp_path)
    app = app_for(config)

    async def scenario(pilot: Any) -> None:
        assert isinstance(app.screen, OverviewScreen)
        assert "Readiness review: no incident declared" in await shown(pilot)
        await pilot.press("escape")  # back to the list of configs: no dead end
        assert isinstance(app.screen, StartScreen)

    drive(app, scenario, size=(80, 24))


def test_config_problems_are_shown_as_located_lines(app_for: Any, tmp_path: Path) -> None:
    config = write_config(tmp_path, {"version": 1, "organization": {"name": "Typo Co", "nmae": "x"},
                                     "checks": {"fake_prots": {}}})
    app = app_for(config)

    async def scenario(pilot: Any) -> None:
        assert isinstance(app.screen, StartScreen)
        text = await shown(pilot)
        assert "posture.yaml cannot be used yet:" in text
        assert f"{config}:4:3: organization.nmae: unknown key" in text
        assert "no check named 'fake_prots' is installed (did you mean 'fake_ports'?)" in text

    drive(app, scenario, size=(220, 30))


def test_bad_evidence_stops_the_run_with_its_location(app_for: Any, tmp_path: Path) -> None:
    (tmp_path / "scan.txt").write_text("open\nclosed\n", encoding="utf-8")
    config = write_fake_config(tmp_path, fake_ports={"evidence": "scan.txt"})
    app = app_for(config)

    async def scenario(pilot: Any) -> None:
        await pilot.press("r")
        await wait_until(pilot, lambda: bool(app.run_state and app.run_state.failure), "the run to fail")
        await pilot.pause()
        text = await shown(pilot)
        assert f"{tmp_path / 'scan.txt'}:2:1: expected 'open', found 'closed'" in text
        assert "Fix these in your editor" in text
        (tmp_path / "scan.txt").write_text("open\n", encoding="utf-8")
        await pilot.press("escape", "R", "r")  # back, reload, run again
        await run_to_end(pilot)
        assert app.session.assessment is not None

    drive(app, scenario, size=(120, 30))


def test_start_screen_writes_the_starter_and_never_overwrites(app_for: Any, tmp_path: Path) -> None:
    app = app_for(None)
    starter = resources.files("posture.data").joinpath("starter.yaml").read_text(encoding="utf-8")

    async def scenario(pilot: Any) -> None:
        assert "No config files here yet" in await shown(pilot)
        await pilot.press(*"acme", "enter")
        created = tmp_path / "acme.yaml"
        assert created.read_text(encoding="utf-8") == starter
        # The starter validates as written: it opens straight onto the overview.
        await wait_until(pilot, lambda: "Example Business" in screen_text(app), "the overview")
        created.write_text("# mine\n", encoding="utf-8")
        await pilot.press("o", "n", *"acme.yaml", "enter")  # back to the start screen, the same name again
        assert created.read_text(encoding="utf-8") == "# mine\n"  # an existing file is opened, never overwritten
        await wait_until(pilot, lambda: "cannot be used yet" in screen_text(app), "the problem box")
        assert "the config must be a mapping" in await shown(pilot)

    drive(app, scenario, size=(200, 30))
    (tmp_path / "acme.yaml").write_text("# mine\n", encoding="utf-8")
    again = app_for(None)

    async def never_overwrites(pilot: Any) -> None:
        await pilot.press("n", *"acme.yaml", "enter")
        assert (tmp_path / "acme.yaml").read_text(encoding="utf-8") == "# mine\n"  # opened, never overwritten
        await wait_until(pilot, lambda: "cannot be used yet" in screen_text(again), "the problem box")
        assert "the config must be a mapping" in await shown(pilot)

    drive(again, never_overwrites, size=(200, 30))


def test_help_and_command_palette(app_for: Any, tmp_path: Path) -> None:
    app = app_for(write_fake_config(tmp_path))

    async def scenario(pilot: Any) -> None:
        await pilot.press("question_mark")
        text = await shown(pilot)
        assert "Keys here" in text and "Run" in text and "Reload config" in text and "ctrl+p" in text
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)
        await pilot.press("ctrl+p", *"run the", "enter")
        await run_to_end(pilot)
        await pilot.press("ctrl+p", *"plan", "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, PlanScreen), "the plan screen")

    drive(app, scenario, size=(100, 30))


def test_a_config_named_at_start_is_the_first_and_only_screen(app_for: Any, tmp_path: Path) -> None:
    # Issue 19: the first paint lays out the overview alone; the start screen is built when asked for, and
    # the overview can still be reloaded and left.
    app = app_for(write_fake_config(tmp_path))

    async def scenario(pilot: Any) -> None:
        assert [type(s) for s in app.screen_stack] == [OverviewScreen]
        assert "Harbor Bakery" in await shown(pilot)
        await pilot.press("R")
        await wait_until(pilot, lambda: isinstance(app.screen, OverviewScreen) and app.screen.is_mounted,
                         "the reloaded overview")
        await pilot.press("o")
        assert isinstance(app.screen, StartScreen)

    drive(app, scenario)


def test_the_collector_paused_at_start_is_back_on_once_the_first_screen_is_up(app_for: Any, tmp_path: Path) -> None:
    import gc

    from posture.startup import pause_collector, resume_collector

    pause_collector()  # as the `posture` command does before anything else
    try:
        app = app_for(write_fake_config(tmp_path))

        async def scenario(pilot: Any) -> None:
            await wait_until(pilot, gc.isenabled, "the collector back on")
            assert gc.get_freeze_count() > 0  # start-up's objects, never walked again

        drive(app, scenario)
    finally:
        resume_collector()
        gc.unfreeze()
