"""Faults around the core: the disk fills while the reports are written, the history database is locked
or corrupted, the user presses Ctrl-C mid-run. Each ends with a clear message; the previous reports and
the history are left as they were; nothing half-written is left behind."""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from posture.cli import main
from posture.history import History
from posture.safeio import RUNS_FOLDER, write_all_atomically
from posture.testing import minimal_config
from tests.hardening.support import plugin_site, posture, write_yaml

REPORTS = ("posture-plan.md", "posture-plan.html", "posture-results.json")
INCIDENT = {"discovered": "2026-11-20", "kind": "ransomware", "compromised_assets": ["127.0.0.21"]}


def readiness_config(folder: Path, **sections: object) -> Path:
    """A config whose only check is `readiness` (no tools, no evidence): fast, and always has findings."""
    return write_yaml(folder / "posture.yaml", minimal_config(incident=INCIDENT, **sections))


def snapshot(folder: Path) -> dict[str, bytes]:
    """The reports as a reader sees them (through the run folder's links), and any stray file beside them;
    a staged run folder left in `.posture-runs` shows up as its own entry."""
    if not folder.exists():
        return {}
    shown = {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.name != RUNS_FOLDER}
    runs = folder / RUNS_FOLDER
    if runs.exists():
        shown |= {f"{RUNS_FOLDER}/{p.name}": b"" for p in runs.iterdir() if p.name.endswith((".partial", ".new"))}
    return shown


def run_count(db: Path) -> int:
    with contextlib.closing(sqlite3.connect(db)) as conn:
        return int(conn.execute("SELECT count(*) FROM runs").fetchone()[0])


def scan(capsys: pytest.CaptureFixture[str], config: Path, out: Path, *extra: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["scan", str(config), "--out", str(out), "-q", *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# --- the disk fills up -------------------------------------------------------------------------------------------


@contextlib.contextmanager
def tiny_disk(where: Path, size: str = "256k") -> Iterator[Path]:
    """A real, small tmpfs (needs root and a mount-capable sandbox; the test skips without one)."""
    where.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(where)],
                             capture_output=True, text=True)
    if mounted.returncode != 0:
        # Not a CI gap: the disk-full tests below need no mount and always run.
        pytest.skip(f"cannot mount a small tmpfs here (not a CI gap): {mounted.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def fill(disk: Path, leave: int) -> None:
    """Fill `disk` to the brim, then free `leave` bytes."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        with contextlib.suppress(OSError):
            while True:
                os.write(fd, b"\0" * 4096)
    finally:
        os.close(fd)
    size = (disk / "filler").stat().st_size
    os.truncate(disk / "filler", max(0, size - leave))


def test_a_full_disk_keeps_the_previous_reports_and_history(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            _isolated_history: Path) -> None:
    config = readiness_config(tmp_path)
    with tiny_disk(tmp_path / "disk") as disk:
        out = disk / "reports"
        assert scan(capsys, config, out)[0] == 1
        before, runs = snapshot(out), run_count(_isolated_history)
        assert set(before) == set(REPORTS)
        fill(disk, leave=4096)
        code, stdout, stderr = scan(capsys, config, out)
        assert code == 4
        assert stdout == ""
        assert f"posture: could not write reports to {out}" in stderr and "No space left on device" in stderr
        assert snapshot(out) == before  # the old reports, byte for byte, and no temporary files
        assert run_count(_isolated_history) == runs  # a run whose reports were lost is not recorded


def test_a_file_size_limit_mid_write_fails_cleanly_in_a_real_process(tmp_path: Path, _isolated_history: Path) -> None:
    """The same fault without root: RLIMIT_FSIZE makes the kernel refuse to grow any file past 2 KB."""
    config = readiness_config(tmp_path)
    out = tmp_path / "reports"
    assert posture("scan", str(config), "--out", str(out), "-q").returncode == 1
    before, runs = snapshot(out), run_count(_isolated_history)

    # Set the limit in the child itself, then exec posture (a preexec_fn is unsafe in a threaded test run).
    limited = ("import os, resource, sys; resource.setrlimit(resource.RLIMIT_FSIZE, (2048, 2048)); "
               "os.execv(sys.executable, [sys.executable, '-m', 'posture', *sys.argv[1:]])")
    proc = subprocess.run([sys.executable, "-c", limited, "scan", str(config), "--out", str(out), "-q"],
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    assert proc.returncode == 4, proc.stderr
    # The history may warn first (SQLite cannot grow its shared-memory file either): a warning, not a failure.
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith(f"posture: could not write reports to {out}") and last.endswith(": File too large")
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    assert snapshot(out) == before
    assert run_count(_isolated_history) == runs


@pytest.mark.parametrize("failing", ["write", "fsync", "chmod"])
def test_any_failing_step_of_the_write_leaves_no_new_file_and_no_temporary(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch,
                                                                          failing: str) -> None:
    out = tmp_path / "reports"
    out.mkdir()
    for name in REPORTS:
        (out / name).write_text(f"previous {name}\n", encoding="utf-8")
    before = snapshot(out)
    calls = {"n": 0}

    def fail_on_the_second(*args: object, **kwargs: object) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    if failing == "write":
        real_fdopen = os.fdopen

        class Failing:
            """The file object write_all_atomically writes through, failing the second report's write."""

            def __init__(self, *args: Any, **kwargs: Any) -> None:
                self.handle = real_fdopen(*args, **kwargs)

            def write(self, text: str) -> int:
                fail_on_the_second()
                return self.handle.write(text)

            def __getattr__(self, name: str) -> Any:
                return getattr(self.handle, name)

            def __enter__(self) -> Failing:
                return self

            def __exit__(self, *exc: object) -> None:
                self.handle.close()

        monkeypatch.setattr(os, "fdopen", Failing)
    else:
        real = getattr(os, failing)

        def patched(*args: object, **kwargs: object) -> object:
            fail_on_the_second()
            return real(*args, **kwargs)

        monkeypatch.setattr(os, failing, patched)
    from posture.errors import OutputError

    with pytest.raises(OutputError, match="No space left on device"):
        write_all_atomically({out / name: "new\n" * 1000 for name in REPORTS})
    monkeypatch.undo()
    assert snapshot(out) == before


# --- the history database is locked or damaged -------------------------------------------------------------------


@pytest.fixture
def quick_history(monkeypatch: pytest.MonkeyPatch) -> None:
    """The scan's history waits 0.2 s for a lock instead of 30 s (only the wait changes)."""
    original = History.__init__

    def short_wait(self: History, path: Path | None = None, timeout_s: float = 30.0) -> None:
        original(self, path, timeout_s=0.2)

    monkeypatch.setattr(History, "__init__", short_wait)


def recorded_db(capsys: pytest.CaptureFixture[str], config: Path, out: Path, db: Path) -> int:
    assert scan(capsys, config, out)[0] == 1
    return run_count(db)


@pytest.mark.parametrize("lock", ["a writer", "an exclusive holder"])
def test_a_locked_history_is_a_warning_and_the_reports_are_written(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], _isolated_history: Path, quick_history: None,
        lock: str) -> None:
    config = readiness_config(tmp_path)
    runs = recorded_db(capsys, config, tmp_path / "first", _isolated_history)
    holder = sqlite3.connect(_isolated_history, isolation_level=None)
    try:
        if lock == "an exclusive holder":
            holder.execute("PRAGMA locking_mode=EXCLUSIVE")
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("DELETE FROM runs WHERE 0")
        code, stdout, stderr = scan(capsys, config, tmp_path / "second")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 4  # the history could not be written: 4, as the README's table says (the reports were)
    assert sorted(Path(p).name for p in stdout.split()) == sorted(REPORTS)
    assert snapshot(tmp_path / "second").keys() == set(REPORTS)
    assert "posture: warning: the reports are written, but the run was not recorded" in stderr
    assert "database is locked" in stderr
    if lock == "an exclusive holder":
        assert "comparing with no previous run" in stderr
    assert run_count(_isolated_history) == runs  # intact, and usable again
    with contextlib.closing(sqlite3.connect(_isolated_history)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


@pytest.mark.parametrize("damage", ["garbage", "damaged pages"])
def test_a_corrupted_history_is_a_warning_and_is_never_overwritten(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], _isolated_history: Path, damage: str) -> None:
    config = readiness_config(tmp_path)
    db = _isolated_history
    if damage == "garbage":
        db.write_bytes(os.urandom(64 * 1024))
    else:
        for n in range(3):
            recorded_db(capsys, config, tmp_path / f"run{n}", db)
        with contextlib.closing(sqlite3.connect(db)) as conn:
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        raw = bytearray(db.read_bytes())
        raw[200:len(raw) - 100] = os.urandom(len(raw) - 300)  # keep the header, wreck the pages
        db.write_bytes(bytes(raw))
    damaged = db.read_bytes()
    code, stdout, stderr = scan(capsys, config, tmp_path / "after")
    assert code == 4  # the README's table: the history could not be written (the reports were)
    assert snapshot(tmp_path / "after").keys() == set(REPORTS)
    assert "posture: warning:" in stderr and "comparing with no previous run" in stderr
    assert "the run was not recorded" in stderr
    assert db.read_bytes() == damaged  # left for the user to inspect or restore, never replaced
    capsys.readouterr()
    assert main(["history", str(config)]) == 4
    assert capsys.readouterr().err.startswith(f"posture: history database {db}: ")


def test_an_unreadable_stored_run_is_skipped_with_a_warning(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                            _isolated_history: Path) -> None:
    config = readiness_config(tmp_path)
    recorded_db(capsys, config, tmp_path / "first", _isolated_history)
    with contextlib.closing(sqlite3.connect(_isolated_history)) as conn, conn:
        conn.execute("UPDATE run_results SET results = '{\"schema\": \"posture/results@1\", \"findings\": 7}'")
    code, _, stderr = scan(capsys, config, tmp_path / "second")
    assert code == 1
    assert "holds an unreadable run" in stderr and "comparing with no previous run" in stderr
    assert run_count(_isolated_history) == 2  # this run was still recorded


# --- Ctrl-C ------------------------------------------------------------------------------------------------------

HANGING_CHECKS = """
    import os
    from pathlib import Path

    from posture.check import Check, CheckMeta


    def _meta(check_id):
        return CheckMeta(id=check_id, title=f"Test {check_id}", description="hangs until cancelled",
                         weaknesses=("faulty-security",))


    class SleepyTool(Check):
        '''Waits on a child process, as the nmap, restic and borg checks do.'''

        meta = _meta("sleepytool")

        def run(self, ctx):
            marker = Path(os.environ["HANG_MARKER_DIR"])
            ctx.run_command(["sh", "-c", f"echo $$ > {marker}/child.pid; exec sleep 300"], timeout_s=600)
            return []


    class Spins(Check):
        '''Pure Python, polling for cancellation.'''

        meta = _meta("spins")

        def run(self, ctx):
            (Path(os.environ["HANG_MARKER_DIR"]) / "spins.started").touch()
            while not ctx.cancel_event.wait(0.05):
                pass
            return []
"""


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def wait_for(condition: object, limit_s: float = 60) -> bool:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def test_ctrl_c_mid_run_stops_everything_and_writes_nothing(tmp_path: Path, _isolated_history: Path) -> None:
    env = plugin_site(tmp_path, "hanging_checks", HANGING_CHECKS, {"sleepytool": "SleepyTool", "spins": "Spins"})
    env["HANG_MARKER_DIR"] = str(tmp_path)
    config = write_yaml(tmp_path / "posture.yaml", minimal_config(checks={"sleepytool": {}, "spins": {}}))
    out = tmp_path / "reports"
    out.mkdir()
    for name in REPORTS:
        (out / name).write_text(f"the previous {name}\n", encoding="utf-8")
    before = snapshot(out)
    child = subprocess.Popen([sys.executable, "-m", "posture", "scan", str(config), "--out", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env={**os.environ, **env})
    try:
        started = wait_for(lambda: (tmp_path / "child.pid").exists() and (tmp_path / "spins.started").exists())
        assert started, child.stderr.read() if child.poll() is not None and child.stderr else "checks never started"
        sleeper = int((tmp_path / "child.pid").read_text())
        child.send_signal(signal.SIGINT)
        stdout, stderr = child.communicate(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "posture: interrupted; nothing was written"
    assert "Traceback" not in stderr and stdout == ""
    assert snapshot(out) == before
    assert not _isolated_history.exists() or run_count(_isolated_history) == 0
    assert wait_for(lambda: not alive(sleeper), 10), f"the check's child process {sleeper} outlived posture"
