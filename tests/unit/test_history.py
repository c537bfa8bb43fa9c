"""The run history: every run kept by config identity, readable by id prefix, safe under concurrency."""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from posture.errors import InputError, OutputError
from posture.history import History, default_db_path
from posture.results import to_dict
from tests.reports import sample


def test_record_then_read_back(tmp_path: Path) -> None:
    history = History(tmp_path / "h.sqlite")
    first, second = sample.two_runs()
    for run in (first, second):
        history.record(run)
    assert history.latest(first.config_id) is not None
    assert to_dict(history.latest(first.config_id)) == to_dict(second)  # type: ignore[arg-type]
    assert to_dict(history.get("run0000000a")) == to_dict(first)
    runs = history.runs(first.config_id)
    assert [r.id for r in runs] == ["run0000000a", "run0000000b"]
    assert (runs[0].new, runs[0].resolved) == (None, None)  # nothing to compare the first run with
    assert (runs[1].new, runs[1].resolved, runs[1].failing) == (1, 1, 4)
    assert runs[1].tool_version == "0.1.0"
    assert history.runs("another-config") == [] and history.latest("another-config") is None


def test_run_ids_by_prefix(tmp_path: Path) -> None:
    history = History(tmp_path / "h.sqlite")
    for run in sample.two_runs():
        history.record(run)
    assert history.get("run0000000b").run_id == "run0000000b"
    with pytest.raises(InputError, match="ambiguous"):
        history.get("run0")
    for missing in ("nope", "run_", "%", ""):  # LIKE wildcards are not wildcards here
        with pytest.raises(InputError, match="no such run"):
            history.get(missing)


def test_a_run_without_an_id_gets_one(tmp_path: Path) -> None:
    a = sample.assessment(run_id="")
    run_id = History(tmp_path / "h.sqlite").record(a)
    assert len(run_id) == 12 and a.run_id == run_id


def test_the_database_is_owner_only_and_in_wal_mode(tmp_path: Path) -> None:
    path = tmp_path / "deeper" / "h.sqlite"
    History(path).record(sample.assessment())
    if os.name == "posix":
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_default_path_follows_posture_db_then_the_user_data_dir(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("POSTURE_DB", "/somewhere/else.sqlite")
    assert default_db_path() == Path("/somewhere/else.sqlite")
    monkeypatch.delenv("POSTURE_DB")
    assert default_db_path().name == "history.sqlite" and "posture" in str(default_db_path())


def test_runs_opening_a_new_history_at_the_same_moment_all_get_in(tmp_path: Path) -> None:
    """Cron runs that start together on a fresh history: SQLite refuses one of two simultaneous switches to
    WAL at once, without waiting; each run must wait its turn instead of failing with "database is locked"."""
    writers = 6
    for attempt in range(25):
        db = tmp_path / f"h{attempt}.sqlite"
        start = threading.Barrier(writers)
        failures: list[str] = []

        def open_at_once(db: Path = db, start: threading.Barrier = start, failures: list[str] = failures) -> None:
            start.wait()
            try:
                History(db).runs()
            except OutputError as exc:
                failures.append(str(exc))

        threads = [threading.Thread(target=open_at_once) for _ in range(writers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert failures == []
        with sqlite3.connect(db) as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


WRITER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from posture.history import History
    from tests.reports import sample

    history = History(Path(sys.argv[1]))
    print("ready", flush=True)
    sys.stdin.readline()  # both processes start writing at once
    for i in range(int(sys.argv[3])):
        run = sample.assessment(run_id=f"{sys.argv[2]}{i:04d}")
        history.record(run)
        history.latest(run.config_id)  # readers interleave with the other process's writes
    print("done")
""")


def test_two_processes_recording_at_once_corrupt_nothing(tmp_path: Path) -> None:
    """Two overlapping cron runs: every run of both is kept and the database stays sound."""
    db = tmp_path / "h.sqlite"
    root = Path(__file__).resolve().parents[2]
    per_process = 100
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(db), name, str(per_process)], cwd=root,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for name in ("a", "b")]
    try:
        for proc in procs:
            assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        outcomes = [proc.communicate(timeout=120) for proc in procs]
    finally:  # a failed assertion must not leave a writer running into the next test
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    for proc, (out, err) in zip(procs, outcomes, strict=True):
        assert proc.returncode == 0, err
        assert out.strip() == "done"
    history = History(db)
    runs = history.runs()
    assert len(runs) == 2 * per_process
    for run in runs:
        assert history.get(run.id).run_id == run.id
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_no_home_folder_for_the_history_is_a_one_line_error(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """A service account without a home (no HOME, no passwd entry): say what to set, no traceback."""
    from posture.cli import main

    for name in ("POSTURE_DB", "HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(os.path, "expanduser", lambda path: path)
    config = Path(__file__).resolve().parents[2] / "sample_configs" / "demo.yaml"
    code = main(["scan", str(config), "--only", "training", "--out", str(tmp_path / "out"), "-q"])
    err = capsys.readouterr().err
    assert code == 2
    assert "no home folder to keep the history in" in err and "POSTURE_DB" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()
