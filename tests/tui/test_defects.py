"""The TUI defects seen in a real terminal (issue 17), each pinned by a test that drives the keys."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.widgets import SelectionList

from posture.tui.screens.confirm import ConfirmQuitScreen
from posture.tui.screens.export import ExportScreen
from posture.tui.screens.help import HelpScreen
from posture.tui.screens.overview import OverviewScreen
from posture.tui.screens.plan import PlanScreen
from posture.tui.screens.start import StartScreen
from tests.tui.conftest import drive, run_to_end, shown, wait_until
from tests.tui.fakes import write_fake_config


def test_help_lists_the_screens_own_keys_not_textuals(app_for: Any, tmp_path: Path) -> None:
    app = app_for(write_fake_config(tmp_path))

    async def scenario(pilot: Any) -> None:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        assert [text for _, text in app.screen.keys] == ["Run", "Reload config", "Other config", "Back",
                                                          "Forget passwords"]
        text = await shown(pilot)
        for generic in ("Toggle", "Select all", "Deselect", "Scroll", "palette", "Focus"):
            assert generic not in text.split("Everywhere")[0], generic

    drive(app, scenario, size=(100, 40))


def test_the_staff_export_never_offers_the_json(app_for: Any, tmp_path: Path) -> None:
    app = app_for(write_fake_config(tmp_path))

    async def scenario(pilot: Any) -> None:
        await pilot.press("r")
        await run_to_end(pilot)
        await pilot.press("p")
        await wait_until(pilot, lambda: isinstance(app.screen, PlanScreen), "the plan")
        await pilot.press("a", "e")
        assert isinstance(app.screen, ExportScreen)
        formats = app.screen.query_one("#export-formats", SelectionList)
        offered = [formats.get_option_at_index(i).value for i in range(formats.option_count)]
        assert offered == ["markdown", "html"] and sorted(formats.selected) == ["html", "markdown"]
        await pilot.press("escape", "a", "e")  # the consultant edition offers and ticks all three
        formats = app.screen.query_one("#export-formats", SelectionList)
        assert sorted(formats.selected) == ["html", "json", "markdown"]

    drive(app, scenario, size=(100, 30))


def test_the_overview_history_line_follows_the_run(app_for: Any, tmp_path: Path) -> None:
    app = app_for(write_fake_config(tmp_path))

    async def scenario(pilot: Any) -> None:
        assert "no earlier run of this config" in await shown(pilot)
        await pilot.press("r")
        await run_to_end(pilot)
        await pilot.press("escape")
        assert isinstance(app.screen, OverviewScreen)
        text = await shown(pilot)
        assert "no earlier run of this config" not in text
        assert "last run 2026-" in text and "problem(s); new ones will be marked" in text

    drive(app, scenario, size=(120, 30))


def test_quitting_after_a_run_whose_reports_were_not_written_asks_first(app_for: Any, tmp_path: Path) -> None:
    (tmp_path / "out").write_text("a file where the reports folder should be", encoding="utf-8")
    app = app_for(write_fake_config(tmp_path))

    async def scenario(pilot: Any) -> None:
        await pilot.press("r")
        await run_to_end(pilot)
        text = await shown(pilot)
        assert "The reports were NOT written: could not write reports to" in text
        await pilot.press("q")
        assert isinstance(app.screen, ConfirmQuitScreen)
        text = await shown(pilot)
        assert "The last run is not saved" in text and "The reports of the last run could not be written" in text
        await pilot.press("n")
        assert not isinstance(app.screen, ConfirmQuitScreen)
        # Exporting to the report folder once it is usable clears the warning; q then quits at once.
        (tmp_path / "out").unlink()
        app.session.export(tmp_path / "out", ["markdown"], "consultant")
        assert app.session.unsaved == ""
        await pilot.press("q")

    drive(app, scenario, size=(120, 30))
    assert app.return_code == 0


def test_quitting_after_a_published_run_does_not_ask(app_for: Any, tmp_path: Path) -> None:
    app = app_for(write_fake_config(tmp_path))

    async def scenario(pilot: Any) -> None:
        await pilot.press("r")
        await run_to_end(pilot)
        assert "Reports written to" in await shown(pilot)
        await pilot.press("q")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmQuitScreen)

    drive(app, scenario)
    assert app.return_code == 0 and (tmp_path / "out" / "posture-plan.md").is_file()


def test_o_opens_a_config_in_another_folder(app_for: Any, tmp_path: Path) -> None:
    here, elsewhere = tmp_path / "here", tmp_path / "clients" / "bakery"
    here.mkdir()
    elsewhere.mkdir(parents=True)
    first = write_fake_config(here)
    other = write_fake_config(elsewhere, name="client.yaml")
    before = other.read_text(encoding="utf-8")
    app = app_for(first, start_dir=here)

    async def scenario(pilot: Any) -> None:
        await pilot.press("o")
        assert isinstance(app.screen, StartScreen)
        await pilot.press("n", *str(other), "enter")
        await wait_until(pilot, lambda: isinstance(app.screen, OverviewScreen), "the other config's overview")
        assert app.config_path == other and "already exists" not in await shown(pilot)

    drive(app, scenario, size=(120, 30))
    assert other.read_text(encoding="utf-8") == before
