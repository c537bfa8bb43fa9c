"""A crash must not print the frame locals Textual normally shows: one may hold a typed password."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from posture.tui.app import PostureApp
from tests.tui.conftest import drive

CANARY = "Crash-Canary-Pass-7781"


def test_a_crash_report_shows_the_traceback_without_local_variables(
    app_for: Callable[..., PostureApp], capfd: pytest.CaptureFixture[str]
) -> None:
    app = app_for()

    def explode() -> None:
        typed_password = CANARY  # noqa: F841 - a local a locals-showing traceback would print
        raise RuntimeError("boom")

    async def scenario(pilot: Any) -> None:
        app.call_later(explode)
        await pilot.pause()

    with pytest.raises(RuntimeError, match="boom"):
        drive(app, scenario)
    captured = capfd.readouterr()
    report = captured.out + captured.err
    assert "RuntimeError" in report and "boom" in report
    assert CANARY not in report
