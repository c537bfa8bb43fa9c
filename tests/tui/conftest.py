"""Fixtures for driving the TUI with Pilot (pytest-asyncio is not a dependency: each test runs its own loop)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from posture.history import History
from posture.registry import Registry
from posture.tui.app import PostureApp, make_app
from tests.tui.fakes import FROZEN_NOW, GateCheck, fake_registry

Scenario = Callable[[Any], Awaitable[None]]


@pytest.fixture
def fakes() -> Registry:
    return fake_registry()


@pytest.fixture
def history(tmp_path: Path) -> History:
    return History(tmp_path / "history.sqlite")


@pytest.fixture
def gate() -> Iterator[Any]:
    """The slow fake check's gate: closed during the test, opened afterwards so no thread lingers."""
    GateCheck.gate.clear()
    yield GateCheck.gate
    GateCheck.gate.set()


@pytest.fixture
def app_for(fakes: Registry, history: History, tmp_path: Path) -> Callable[..., PostureApp]:
    def build(config: Path | None = None, start_dir: Path | None = None) -> PostureApp:
        return make_app(config, fakes, history=history, now=FROZEN_NOW, start_dir=start_dir or tmp_path)

    return build


def drive(app: PostureApp, scenario: Scenario, size: tuple[int, int] = (100, 30)) -> None:
    """Run `scenario(pilot)` against the app in a headless terminal of `size`."""

    async def main() -> None:
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            await scenario(pilot)

    asyncio.run(main())


async def wait_until(pilot: Any, condition: Callable[[], bool], what: str, bound_s: float = 20.0) -> None:
    """Poll until `condition()` holds; the bound is generous and only there to fail instead of hanging."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + bound_s
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await pilot.pause(0.02)


async def run_to_end(pilot: Any) -> None:
    app = pilot.app
    await wait_until(pilot, lambda: app.run_state is not None and not app.run_state.running, "the run to end")
    await pilot.pause()


async def shown(pilot: Any) -> str:
    """The screen's text once pending layout and repaints have happened."""
    from tests.tui.fakes import screen_text

    await pilot.pause()
    return screen_text(pilot.app)
