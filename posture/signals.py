"""No process and no temporary file outlives posture, however it is stopped.

Every tool posture starts (nmap, restic, borg, and through them a `password_command`) runs in its own
process group, registered here for as long as it runs; temporary files (nmap's XML) are registered too.
`install()` sets handlers for SIGINT, SIGTERM and SIGHUP that, on *every* signal, stop each registered
group (SIGTERM, a moment to clean up — restic removes its lock — then SIGKILL) and delete the temporary
files, right in the handler: a second Ctrl-C 20 ms after the first, landing in the middle of the orderly
shutdown, cannot leave nmap running. Only the first signal raises (`KeyboardInterrupt`, or `Terminated`
for SIGTERM/SIGHUP), so the caller's cleanup runs once and is never itself interrupted. The same stop
runs at interpreter exit.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType

GRACE_S = 2.0  # how long a tool gets after SIGTERM before SIGKILL

_lock = threading.Lock()
_groups: set[int] = set()
_temps: set[Path] = set()
_stopping = threading.Event()
_raised: list[int] = []


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: handled like Ctrl-C (the run is abandoned), exit status 128 + the signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def exit_status(exc: BaseException) -> int:
    return 128 + exc.signum if isinstance(exc, Terminated) else 130


def track_child(pgid: int) -> None:
    """Register a started tool's process group; if posture is already stopping, stop it at once."""
    with _lock:
        _groups.add(pgid)
    if _stopping.is_set():
        stop_children()


def untrack_child(pgid: int) -> None:
    with _lock:
        _groups.discard(pgid)


def track_temp(path: Path) -> None:
    with _lock:
        _temps.add(path)
    if _stopping.is_set():
        remove_temps()


def untrack_temp(path: Path) -> None:
    with _lock:
        _temps.discard(path)


def stop_children(grace_s: float = GRACE_S) -> None:
    """SIGTERM every registered group, wait up to `grace_s` for them to go, SIGKILL what is left."""
    with _lock:
        groups = set(_groups)
    alive = {g for g in groups if _signal_group(g, signal.SIGTERM)}
    deadline = time.monotonic() + grace_s
    while alive and time.monotonic() < deadline:
        time.sleep(0.02)
        alive = {g for g in alive if _group_running(g)}
    for group in alive:
        _signal_group(group, signal.SIGKILL)


def remove_temps() -> None:
    with _lock:
        temps = set(_temps)
    for path in temps:
        with contextlib.suppress(OSError):
            path.unlink()


def cleanup() -> None:
    stop_children()
    remove_temps()


def _signal_group(pgid: int, sig: int) -> bool:
    try:
        os.killpg(pgid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def _group_running(pgid: int) -> bool:
    """True while a member of the group is alive and not a zombie (whose reaping its reader thread does)."""
    try:
        os.killpg(pgid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:
        with open(f"/proc/{pgid}/stat", "rb") as stat:
            return stat.read().rsplit(b")", 1)[-1].split()[0] != b"Z"
    except OSError:
        return True  # no /proc (macOS): assume alive until the group is gone


def _handler(signum: int, frame: FrameType | None) -> None:
    _stopping.set()
    cleanup()
    if _raised:
        return  # the first signal's shutdown is under way: it must not be interrupted
    _raised.append(signum)
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise Terminated(signum)


def install(signals: tuple[int, ...] = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)) -> Callable[[], None]:
    """Set the handlers (main thread only); returns a function that puts the previous ones back."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    _raised.clear()
    _stopping.clear()
    previous = {}
    for sig in signals:
        with contextlib.suppress(ValueError, OSError):
            previous[sig] = signal.signal(sig, _handler)

    def restore() -> None:
        for sig, old in previous.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(sig, old)

    return restore


atexit.register(cleanup)
