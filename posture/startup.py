"""Start-up without the cyclic garbage collector.

Python's collector runs every 700 new objects. While a command imports its modules, builds pydantic's
validators and Textual's first screen, it finds next to nothing to free but walks every young object each
time: about 180 collections and 0.12 s of the TUI's first paint, 25 ms before a scan starts nmap (bench:
tui-first-screen, scan-24). The `posture` command pauses it while starting (for a scan: until the config is
read and the checks are about to read their evidence; for the TUI: until its first screen is up); then what
start-up built (modules, classes, validators: alive for the whole process) is frozen, so no later collection
walks it again, and the collector runs as usual. Only a pause that `pause_collector` made is undone: a test
that calls posture.cli.main() keeps its own collector as it is.

The command also tells pydantic to look for no plugins of its own (pydantic's observability hooks, which
posture does not use): finding out reads every installed package's metadata once more, ~10 ms before a
scan's nmap or the TUI's first screen. PYDANTIC_DISABLE_PLUGINS set in the environment is left as it is.
"""

from __future__ import annotations

import gc
import os

_paused = False


def skip_pydantic_plugins() -> None:
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")


def pause_collector() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume_collector() -> None:
    """Freeze what start-up built and turn the collector back on; does nothing unless start-up paused it."""
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
