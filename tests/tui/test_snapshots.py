"""Snapshots of the main screens at 80×24 and 120×40 (regenerate with `pytest --snapshot-update`).

The assessment is a real run of the fake checks with its clock pinned, so nothing on screen depends on
today's date or on how long a check took.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from posture.registry import Registry
from posture.tui.app import PostureApp
from tests.tui.fakes import frozen_assessment, write_fake_config

SIZES = [(80, 24), (120, 40)]
PORTS = {"hosts": ["127.0.0.1", "127.0.0.2"], "ports": [23, 3389, 445, 8080]}


@pytest.fixture
def demo(tmp_path: Path, fakes: Registry, app_for: Callable[..., PostureApp]) -> tuple[PostureApp, Any]:
    config = write_fake_config(tmp_path, incident=True, fake_ports=PORTS, fake_broken={})
    return app_for(config), frozen_assessment(config, fakes)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_overview(snap_compare: Any, demo: tuple[PostureApp, Any], size: tuple[int, int]) -> None:
    app, _ = demo
    assert snap_compare(app, terminal_size=size)


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_findings(snap_compare: Any, demo: tuple[PostureApp, Any], size: tuple[int, int]) -> None:
    app, assessment = demo

    async def open_findings(pilot: Any) -> None:
        app.show_results(assessment)
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=open_findings, press=["down", "down"])


@pytest.mark.parametrize("size", SIZES, ids=["80x24", "120x40"])
def test_plan(snap_compare: Any, demo: tuple[PostureApp, Any], size: tuple[int, int]) -> None:
    app, assessment = demo

    async def open_plan(pilot: Any) -> None:
        app.show_results(assessment)
        await pilot.pause()
        app.show_plan()
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=open_plan)


def test_findings_light_theme(snap_compare: Any, demo: tuple[PostureApp, Any]) -> None:
    app, assessment = demo

    async def open_findings(pilot: Any) -> None:
        app.action_toggle_dark()
        app.show_results(assessment)
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=open_findings, press=["v", "v"])
