"""The findings table: its model (sort, filters, search), its column layout, and its keys on screen."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from posture.models import Finding, Severity, Status
from posture.tui.findings_model import SORT_KEYS, FindingsView, make_rows
from posture.tui.widgets.findings_table import cell_text, fit, layout
from tests.tui.conftest import drive, run_to_end, shown
from tests.tui.fakes import write_fake_config


def finding(title: str, severity: Severity = Severity.HIGH, status: Status = Status.FAIL, check: str = "ports",
            asset: str = "", weaknesses: tuple[str, ...] = ("exposed-entry-point",)) -> Finding:
    return Finding(check=check, key=title, status=status, severity=severity, title=title, asset=asset,
                   weaknesses=weaknesses)


FINDINGS = [
    finding("Telnet open", Severity.CRITICAL, asset="10.0.0.5"),
    finding("Remote desktop open", Severity.HIGH, asset="10.0.0.9"),
    finding("Old firmware", Severity.MEDIUM, check="router", weaknesses=("faulty-security",)),
    finding("Training overdue", Severity.LOW, check="training", asset="Front desk",
            weaknesses=("employee-ignorance",)),
    finding("Firewall on", Severity.INFO, Status.PASS, check="router"),
    finding("Backup tool missing", Severity.HIGH, Status.ERROR, check="backups", weaknesses=("unreviewed-backups",)),
]


def titles(view: FindingsView) -> list[str]:
    return [r.finding.title for r in view.visible()]


def test_default_view_is_problems_most_severe_first() -> None:
    view = FindingsView(make_rows(FINDINGS))
    assert titles(view) == ["Telnet open", "Remote desktop open", "Old firmware", "Training overdue"]
    assert view.describe(4) == "4 of 6 · showing problems · sorted by severity"


def test_status_filter_cycles_through_everything_passed_and_errors() -> None:
    view = FindingsView(make_rows(FINDINGS))
    view.cycle_status()
    assert len(titles(view)) == 6
    view.cycle_status()
    assert titles(view) == ["Firewall on"]
    view.cycle_status()
    assert titles(view) == ["Backup tool missing"]
    view.cycle_status()
    assert view.status == "fail"


def test_severity_floor_rises_then_wraps() -> None:
    view = FindingsView(make_rows(FINDINGS))
    seen = []
    for _ in range(5):
        view.cycle_severity()
        seen.append(len(titles(view)))
    assert seen == [4, 3, 2, 1, 4]  # low and worse, medium…, high…, critical only, then all again
    view.severity_floor = Severity.HIGH
    assert view.describe(2).endswith("high and worse · sorted by severity")


def test_search_matches_every_word_in_title_asset_check_or_weakness() -> None:
    view = FindingsView(make_rows(FINDINGS))
    view.query = "OPEN 10.0.0.9"
    assert titles(view) == ["Remote desktop open"]
    view.query = "employee-ignorance"
    assert titles(view) == ["Training overdue"]
    view.query = "router"
    assert titles(view) == ["Old firmware"]
    view.query = "nothing like this"
    assert titles(view) == []


@pytest.mark.parametrize("key", SORT_KEYS)
def test_every_sort_key_orders_and_reverses(key: str) -> None:
    view = FindingsView(make_rows(FINDINGS))
    view.status = "all"
    view.sort_by(key, reverse=False)
    forward = titles(view)
    view.sort_by(key)  # the same key again reverses it
    assert view.reverse and titles(view) == list(reversed(forward))


def test_sort_by_asset_and_cycle() -> None:
    view = FindingsView(make_rows(FINDINGS))
    view.sort_by("asset")
    assert [r.finding.asset for r in view.visible()] == ["", "10.0.0.5", "10.0.0.9", "Front desk"]
    view.cycle_sort()
    assert view.sort_key == "weakness" and not view.reverse
    with pytest.raises(ValueError):
        view.sort_by("colour")


def test_new_marks_and_new_only() -> None:
    new_id = FINDINGS[2].id
    view = FindingsView(make_rows(FINDINGS, [new_id]))
    assert [r.new for r in view.visible()] == [False, False, True, False]
    view.new_only = True
    assert titles(view) == ["Old firmware"]


@pytest.mark.parametrize("width", [40, 60, 80, 100, 120, 200])
def test_layout_fills_the_width_and_keeps_the_title(width: int) -> None:
    columns = layout(width)
    assert sum(c.width for c in columns) + len(columns) - 1 == width  # one space between columns
    assert [c.key for c in columns][:2] == ["new", "severity"] and columns[-1].key == "title"


def test_layout_drops_columns_in_order_as_the_terminal_narrows() -> None:
    assert [c.key for c in layout(160)] == ["new", "severity", "status", "check", "asset", "weakness", "title"]
    assert [c.key for c in layout(80, with_new=False)] == ["severity", "check", "asset", "title"]
    assert "new" not in [c.key for c in layout(200, with_new=False)]


def test_cells_are_cut_with_an_ellipsis_to_exact_width() -> None:
    assert fit("Remote desktop open", 8) == "Remote …"
    assert fit("ok", 5) == "ok   "
    assert cell_len(fit("Überprüfung 端末", 7)) == 7
    row = make_rows([FINDINGS[0]], [FINDINGS[0].id])[0]
    assert [cell_text(row, k) for k in ("new", "severity", "status", "weakness")] == [
        "new", "critical", "fail", "exposed-entry-point"]


def test_table_keys_on_screen(app_for: Any, tmp_path: Path) -> None:
    config = write_fake_config(tmp_path, fake_ports={"hosts": ["127.0.0.1", "127.0.0.2"], "ports": [23, 445, 8080]})
    app = app_for(config)

    async def scenario(pilot: Any) -> None:
        await pilot.press("r")
        await run_to_end(pilot)
        await pilot.press("enter")
        text = await shown(pilot)
        assert "sorted by severity" in text and "Severity ▲" in text
        table = app.screen.query_one("FindingsTable")
        await pilot.press("v", "v", "v")  # high and worse
        assert {r.finding.severity for r in table.rows} <= {Severity.CRITICAL, Severity.HIGH}
        assert "high and worse" in await shown(pilot)
        await pilot.press("v", "v", "t")  # all severities, then everything including passes
        assert any(r.finding.status is Status.PASS for r in table.rows)
        await pilot.press("s", "s")  # severity → check → asset
        assert "sorted by asset" in await shown(pilot)
        assert "Asset ▲" in await shown(pilot)
        await pilot.press("r")
        assert "Asset ▼" in await shown(pilot)
        assets = [r.finding.asset for r in table.rows]
        assert assets == sorted(assets, key=str.lower, reverse=True)
        await pilot.press("end")
        assert table.cursor == len(table.rows) - 1
        await pilot.press("home", "down")
        assert table.cursor == 1
        await pilot.press("escape")
        assert type(app.screen).__name__ == "RunScreen"

    drive(app, scenario, size=(120, 40))


def test_mouse_sorts_by_header_and_opens_a_row(app_for: Any, tmp_path: Path) -> None:
    app = app_for(write_fake_config(tmp_path, fake_ports={"hosts": ["127.0.0.2", "127.0.0.1"], "ports": [23]}))

    async def scenario(pilot: Any) -> None:
        await pilot.press("r")
        await run_to_end(pilot)
        await pilot.press("enter")
        table = app.screen.query_one("FindingsTable")
        title_x = sum(c.width + 1 for c in layout(table.scrollable_content_region.width, False)[:-1])
        await pilot.click("FindingsTable", offset=(title_x + 2, 0))
        assert app.screen.view.sort_key == "title"
        await pilot.click("FindingsTable", offset=(title_x + 2, 0))
        assert app.screen.view.reverse
        await pilot.click("FindingsTable", offset=(3, 2))
        assert table.cursor == 1
        await pilot.click("FindingsTable", offset=(3, 2), times=2)
        assert type(app.screen).__name__ == "FindingDetailScreen"

    drive(app, scenario, size=(120, 40))


def test_hostile_text_is_shown_not_interpreted(app_for: Any, tmp_path: Path) -> None:
    """A hostname with markup and an escape sequence (from a hostile scan) shows as typed, never styles or
    moves the terminal; searching for it does not break the screen."""
    assert fit("a\x1b[2Jb", 12) == "a\\x1b[2Jb   "
    app = app_for(write_fake_config(tmp_path, fake_ports={"hosts": ["[red]evil\x1b[2J"], "ports": [23]}))

    async def scenario(pilot: Any) -> None:
        await pilot.press("r")
        await run_to_end(pilot)
        await pilot.press("enter", "slash", *"[red", "enter")
        text = await shown(pilot)
        assert "matching '[red'" in text
        assert "Telnet open on [red]evil\\x1b[2J" in text
        assert "\x1b" not in text

    drive(app, scenario, size=(120, 40))
