"""Shared fixtures. Under CI=true an integration test that skips is a failure: nmap, restic and
borg are installed by the Makefile, so a skip there means a broken set-up, not a missing tool."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from posture.registry import Registry, default_registry

if TYPE_CHECKING:
    from tests.pgserver import PgServer

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    if IN_CI and report.skipped and item.get_closest_marker("integration") is not None:
        report.outcome = "failed"
        report.longrepr = f"integration test skipped under CI=true: {report.longrepr}"


def need_tools(*tools: str) -> None:
    """Skip when a tool is missing on a developer's machine; under CI=true that is a failure, not a skip."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        (pytest.fail if IN_CI else pytest.skip)(f"not installed: {', '.join(missing)} (make system-tools)")


@pytest.fixture(scope="session")
def registry() -> Registry:
    return default_registry()


@pytest.fixture(autouse=True)
def _isolated_history(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Never touch the user's real history database (or cache) from a test."""
    db = tmp_path_factory.mktemp("history") / "history.sqlite"
    monkeypatch.setenv("POSTURE_DB", str(db))
    monkeypatch.setenv("XDG_CACHE_HOME", str(db.parent / "cache"))  # nor the user's cache folder
    return db


@pytest.fixture(scope="session")
def postgres() -> Iterator[PgServer]:
    """One real PostgreSQL server for the session (initdb in a temp folder, 127.0.0.1), stopped at the end."""
    from tests.pgserver import SERVER_TOOLS, add_to_path, running_postgres

    add_to_path()
    need_tools(*SERVER_TOOLS)
    with running_postgres() as server:
        yield server
