"""All reports of one run replace the previous run's together or not at all.

Each run is written into its own folder under `out/.posture-runs/` and published by switching one symlink;
`out/posture-plan.md` and the others are links through it. Interrupted at any step (Ctrl-C between two
writes or renames, a failing write), the previous set stays whole and nothing staged is left; a folder
planted where a report goes is exit 4 with nothing replaced; an unwritable history is exit 4 (the README).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from posture import safeio
from posture.cli import main
from posture.errors import OutputError
from posture.safeio import RUNS_FOLDER, publish_run
from posture.testing import minimal_config
from tests.hardening.support import write_yaml

REPORTS = ("posture-plan.md", "posture-plan.html", "posture-results.json")
INCIDENT = {"discovered": "2026-11-20", "kind": "ransomware", "compromised_assets": ["127.0.0.21"]}


def reports(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in REPORTS if (out / name).is_file()}


def leftovers(out: Path) -> list[str]:
    runs = out / RUNS_FOLDER
    names = [p.name for p in runs.iterdir()] if runs.exists() else []
    return [n for n in names if n.endswith((".partial", ".new", ".tmp"))] + \
        [p.name for p in out.iterdir() if p.name.endswith(".tmp")]


def first_set(out: Path) -> dict[str, bytes]:
    publish_run(out, {name: f"previous {name}\n" for name in REPORTS})
    return reports(out)


@pytest.mark.parametrize("step", ["_write_file", "os.link", "os.rename", "_switch"])
@pytest.mark.parametrize("nth", [1, 2, 3])
def test_ctrl_c_at_any_step_leaves_the_previous_set_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                          step: str, nth: int) -> None:
    out = tmp_path / "out"
    before = first_set(out)
    publish_run(out, {"posture-plan-staff.md": "staff\n"})  # so the next run carries a file over (os.link)
    before["posture-plan-staff.md"] = b"staff\n"
    calls = {"n": 0}
    target: Any = os if step.startswith("os.") else safeio
    name = step.removeprefix("os.")
    real = getattr(target, name)

    def interrupted(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == nth:
            raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, interrupted)
    new = {name: f"new {name}\n" for name in REPORTS}
    try:
        publish_run(out, new)
        interrupted_it = False
    except KeyboardInterrupt:
        interrupted_it = True
    monkeypatch.undo()
    after = reports(out) | {"posture-plan-staff.md": (out / "posture-plan-staff.md").read_bytes()}
    if interrupted_it:
        assert after == before
    else:  # the step was not reached that often: the new set is complete
        assert {n: after[n] for n in REPORTS} == {n: t.encode() for n, t in new.items()}
    assert leftovers(out) == []


def test_a_failing_write_replaces_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    before = first_set(out)
    real = safeio._write_file
    calls = {"n": 0}

    def full_disk(path: Path, text: str, mode: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device", str(path))
        real(path, text, mode)

    monkeypatch.setattr(safeio, "_write_file", full_disk)
    with pytest.raises(OutputError, match="No space left on device"):
        publish_run(out, {name: "new\n" for name in REPORTS})
    assert reports(out) == before and leftovers(out) == []


def test_reports_from_an_older_version_become_the_first_run_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name in REPORTS:
        (out / name).write_text(f"old plain {name}\n", encoding="utf-8")
    publish_run(out, {"posture-plan.md": "new plan\n"})
    assert (out / "posture-plan.md").read_text(encoding="utf-8") == "new plan\n"
    for name in REPORTS:
        assert (out / name).is_symlink() and os.readlink(out / name) == f"{RUNS_FOLDER}/current/{name}"
    assert (out / "posture-plan.html").read_text(encoding="utf-8") == "old plain posture-plan.html\n"
    assert (out / "posture-plan.md").stat().st_mode & 0o077 == 0


def test_old_run_folders_are_pruned(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out"
    for n in range(6):
        publish_run(out, {"posture-plan.md": f"run {n}\n"})
        for folder in (out / RUNS_FOLDER).glob("run-*"):  # age them: pruning spares folders a few minutes old
            os.utime(folder, (1_000_000 + n, 1_000_000 + n))
    kept = [p for p in (out / RUNS_FOLDER).iterdir() if p.name.startswith("run-")]
    assert len(kept) <= 3
    assert (out / "posture-plan.md").read_text(encoding="utf-8") == "run 5\n"


def scan(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(["scan", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_a_folder_planted_where_a_report_goes_is_exit_4_with_nothing_replaced(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_yaml(tmp_path / "posture.yaml", minimal_config(incident=INCIDENT))
    out = tmp_path / "out"
    assert scan(capsys, str(config), "--out", str(out), "-q", "--no-history")[0] == 1
    before = reports(out)
    (out / "posture-plan.html").unlink()
    (out / "posture-plan.html").mkdir()
    (out / "posture-plan.html" / "keep.txt").write_text("mine\n", encoding="utf-8")
    before.pop("posture-plan.html")
    code, stdout, stderr = scan(capsys, str(config), "--out", str(out), "-q", "--no-history")
    assert code == 4, stderr
    assert stdout == ""
    assert stderr.strip().splitlines()[-1].startswith(f"posture: could not write reports to {out}: ")
    assert "posture-plan.html is a folder" in stderr and "Traceback" not in stderr
    assert reports(out) == before and leftovers(out) == []
    assert (out / "posture-plan.html" / "keep.txt").read_text(encoding="utf-8") == "mine\n"


def test_an_unwritable_history_is_exit_4_after_the_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write_yaml(tmp_path / "posture.yaml", minimal_config(incident=INCIDENT))
    db = tmp_path / "history-is-a-folder"
    db.mkdir()
    code, stdout, stderr = scan(capsys, str(config), "--out", str(tmp_path / "out"), "-q", "--db", str(db))
    assert code == 4, stderr
    assert sorted(Path(p).name for p in stdout.split()) == sorted(REPORTS)
    assert "the reports are written, but the run was not recorded" in stderr and "Traceback" not in stderr
