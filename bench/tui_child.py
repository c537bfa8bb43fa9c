"""The TUI bench's child processes: a fresh interpreter that imports only what the figure measures.

    python -m bench.tui_child --first-screen CONFIG DB   the overview of CONFIG, as `posture tui` opens it
    python -m bench.tui_child --bare-textual             a Textual app of one Static: Textual's own floor

Each prints the wall time (time.time()) of its first paint once the app has gone idle. Its own module, so
neither child pays for the bench's other imports (the synthetic findings, statistics, random).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any


def _child_first_screen(config: str, db: str) -> None:
    """In the child: build the real app as `posture tui` does and stop at the overview's first paint; print the
    wall time."""
    from posture.startup import pause_collector, skip_pydantic_plugins

    pause_collector()  # as the `posture` command does first
    skip_pydantic_plugins()
    from posture.registry import default_registry
    from posture.tui.app import make_app
    from posture.tui.screens.overview import OverviewScreen

    async def ready(pilot: Any) -> None:
        while not isinstance(pilot.app.screen, OverviewScreen):
            await pilot.pause(0.005)
        await pilot.pause()
        print(f"{time.time():.6f}", flush=True)
        pilot.app.exit(0)

    app = make_app(Path(config), default_registry(), db=Path(db))
    app.run(headless=True, auto_pilot=ready, size=(120, 40))


def _child_bare_textual() -> None:
    """In the child: a Textual app of one Static, to its first paint: Textual's own floor on this machine."""
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("posture")

    async def ready(pilot: Any) -> None:
        await pilot.pause()
        print(f"{time.time():.6f}", flush=True)
        pilot.app.exit(0)

    Bare().run(headless=True, auto_pilot=ready, size=(120, 40))


def main() -> None:
    if sys.argv[1:2] == ["--first-screen"]:
        _child_first_screen(sys.argv[2], sys.argv[3])
    elif sys.argv[1:2] == ["--bare-textual"]:
        _child_bare_textual()
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
