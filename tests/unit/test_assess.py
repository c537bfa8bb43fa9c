"""The one pipeline: a run is finished in one place (id, drift, plan) and published (reports, history, alert);
the history alone re-renders a run (`posture plan RUN_ID`) and compares two (`posture diff RUN RUN`)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from posture.assess import AssessmentRun, open_config
from posture.history import History
from posture.testing import minimal_config, write_config
from tests.fakes import fake_registry


def posture(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "posture", *args], capture_output=True, text=True, cwd=cwd,
                          timeout=120)


def test_publish_writes_records_and_keeps_one_run_id(tmp_path: Path) -> None:
    registry = fake_registry()
    config = open_config(write_config(tmp_path, minimal_config(checks={"finds": {"count": 2}},
                                                                report={"out_dir": "out"})), registry)
    history = History(tmp_path / "h.sqlite")
    run = AssessmentRun(config, registry, history=history)
    run.prepare()
    results = run.run()
    published = run.publish()
    assert published.recorded and published.out_dir == tmp_path / "out"
    assert sorted(p.name for p in published.reports) == ["posture-plan.html", "posture-plan.md",
                                                         "posture-results.json"]
    written = json.loads((tmp_path / "out/posture-results.json").read_text(encoding="utf-8"))
    assert written["run_id"] == results.run_id == history.runs(config.identity)[0].id
    again = AssessmentRun(config, registry, history=history)
    assert again.previous is not None and again.previous.run_id == results.run_id
    assert again.run().drift is not None


def test_plan_and_diff_work_from_the_database_alone(tmp_path: Path) -> None:
    config = write_config(tmp_path, minimal_config(report={"out_dir": "out"}))
    db = tmp_path / "h.sqlite"
    for _ in range(2):
        assert posture("scan", str(config), "--db", str(db), "-q", "--fail-on", "none", cwd=tmp_path).returncode == 0
    first, second = (r.id for r in History(db).runs())
    (tmp_path / "out").rename(tmp_path / "gone")  # no results file left: the database must do
    replot = posture("plan", second, "--db", str(db), "--out", "again", cwd=tmp_path)
    assert replot.returncode == 0, replot.stderr
    assert replot.stdout.split() == ["again/posture-plan.md", "again/posture-plan.html"]
    assert (tmp_path / "again/posture-plan.md").read_text() == (tmp_path / "gone/posture-plan.md").read_text()
    diff = posture("diff", first[:6], second[:6], "--db", str(db), "--format", "json", cwd=tmp_path)
    assert diff.returncode == 0 and json.loads(diff.stdout)["after"]["run_id"] == second
    missing = posture("plan", "ffffffffffff", "--db", str(db), cwd=tmp_path)
    assert missing.returncode == 2 and "no such run" in missing.stderr and "Traceback" not in missing.stderr


def test_init_and_the_tui_write_the_same_starter(tmp_path: Path) -> None:
    from posture.assess import create_starter_config, starter_text

    assert posture("init", "a.yaml", cwd=tmp_path).returncode == 0
    assert create_starter_config(tmp_path / "b.yaml").read_text() == (tmp_path / "a.yaml").read_text() == starter_text()
    again = posture("init", "a.yaml", cwd=tmp_path)
    assert again.returncode == 2 and "already exists; not overwriting it" in again.stderr
