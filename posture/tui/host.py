"""What the screens ask of the app, as a protocol: screens depend on this, never on posture.tui.app,
so the app can import every screen without an import cycle."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol


class Host(Protocol):
    start_dir: Path

    @property
    def running(self) -> bool: ...

    def open_config(self, path: Path) -> bool: ...

    def open_another(self) -> None: ...

    def start_run(self) -> None: ...

    def cancel(self, check_id: str | None = None) -> None: ...

    def show_findings(self) -> None: ...

    def show_plan(self) -> None: ...
