"""`posture fleet`: every client of a history, worst first, with age against its schedule, counts by
severity, new problems and a chart of problems over time; escaped like every report."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from posture.cli import main
from posture.fleet import render_html, render_markdown, roll_up
from posture.store import open_store
from tests.reports import sample

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
HOSTILE = "<img src=x onerror=alert(1)>|*evil*"


def _record(db: Path, client: str, days_ago: list[int], *findings: sample.Finding, schedule: int = 7,
            org: str = "") -> None:
    store = open_store(db)
    previous = None
    for n, days in enumerate(days_ago):
        run = sample.assessment(*findings, incident=False, previous=previous, backups_error=False,
                                run_id=f"{abs(hash(client)) % 10**6:06d}{n:04d}",
                                finished=NOW - timedelta(days=days))
        run.organization = {**run.organization, "name": org or client}
        run.config_id = f"config-{client}"  # each client's own config, as on a real site
        store.record(run, client=client, schedule_days=schedule)
        previous = run


@pytest.fixture
def history(tmp_path: Path) -> Path:
    db = tmp_path / "h.sqlite"
    _record(db, "calm-bakery", [9, 2], sample.PASSED)  # nothing failing, scanned on time
    _record(db, "late-garage", [40, 33, 30], sample.OLD_SSH, schedule=14)  # one high, overdue
    _record(db, "burning-dental", [8, 1], sample.TELNET, sample.RDP, sample.OLD_SSH)  # a critical
    _record(db, HOSTILE, [3], sample.OLD_SSH, org="Hostile Org")  # one high, on time
    return db


def test_worst_first_with_age_schedule_and_counts(history: Path) -> None:
    fleet = roll_up(open_store(history), NOW)
    assert [c.client for c in fleet.clients] == ["burning-dental", "late-garage", HOSTILE, "calm-bakery"]
    burning, late, hostile, calm = fleet.clients
    assert (burning.last.critical, burning.last.high, burning.last.new, burning.runs) == (1, 2, 0, 2)
    assert late.overdue and late.schedule_days == 14 and round(late.age_days) == 30
    assert not calm.overdue and calm.last.failing == 0 and hostile.last.new is None
    assert [n for _, n in late.series] == [1, 1, 1] and fleet.tracking  # migration 3 brings the tracking tables


def test_markdown_and_html(history: Path) -> None:
    fleet = roll_up(open_store(history), NOW)
    markdown = render_markdown(fleet)
    assert markdown.startswith("# Fleet: 4 client(s)\n")
    rows = [line for line in markdown.splitlines() if line.startswith("| 1 ") or line.startswith("| 2 ")]
    assert rows[0].split(" | ")[1:10] == ["burning-dental", "2026-11-30 12:00", "1 d", "7 d", "1", "2", "0", "0",
                                          "0"]
    assert "30 d OVERDUE" in rows[1] and "| 14 d |" in rows[1]
    assert "first run" in markdown and "no action tracking" not in markdown
    assert "| Actions | Accepted risks ending ≤ 30 d |" in markdown
    assert not re.search(r"(?<!\\)<img", markdown) and r"\<img" in markdown and r"\|\*evil\*" in markdown
    page = render_html(fleet)
    assert page.count("<svg") == 4 and page.count("<polyline") == 4 and page.count("OVERDUE") == 1
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    # Self-contained: nothing to fetch, no script.
    assert "<script" not in page and not re.search(r"\s(src|href)=\"", page) and "default-src 'none'" in page
    assert "late-garage: problems over 3 run(s) from 2026-10-22 to 2026-11-01, now 1" in page


def test_only_complete_runs_count_and_partial_only_clients_are_marked(tmp_path: Path) -> None:
    db = tmp_path / "h.sqlite"
    _record(db, "acme", [5], sample.TELNET, sample.OLD_SSH)
    store = open_store(db)
    full = store.get(store.runs()[0].id)
    partial = replace(full, run_id="partial00001", finished=NOW - timedelta(hours=3),
                      checks=[replace(c, status=sample.CheckStatus.SKIPPED, findings=()) for c in full.checks])
    store.record(partial, client="acme")
    store.record(replace(partial, run_id="partial00002"), client="only-partial")
    fleet = roll_up(store, NOW)
    acme = next(c for c in fleet.clients if c.client == "acme")
    assert acme.last.id != "partial00001" and acme.last.critical == 1 and acme.runs == 2
    only = next(c for c in fleet.clients if c.client == "only-partial")
    assert only.partial_only and "(partial)" in render_markdown(fleet)


def test_the_command_prints_markdown_or_writes_both_files(
        history: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fleet", "--db", str(history)]) == 0
    assert capsys.readouterr().out.startswith("# Fleet: 4 client(s)")
    out = tmp_path / "fleet"
    assert main(["fleet", "--db", str(history), "--out", str(out)]) == 0
    assert capsys.readouterr().out.splitlines() == [str(out / "posture-fleet.md"), str(out / "posture-fleet.html")]
    assert (out / "posture-fleet.html").read_text("utf-8").startswith("<!DOCTYPE html>")


def test_an_empty_history_says_nothing_is_known(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fleet", "--db", str(tmp_path / "empty.sqlite")]) == 0
    captured = capsys.readouterr()
    assert "nothing has been checked" in captured.out and "no recorded runs" in captured.err
    assert "no problems" not in captured.out.lower()


def test_the_readme_config_and_commands_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    """The README's shared-history section, as written: its config block loads, its commands run in order."""
    import shlex

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text("utf-8")
    section = readme.split("## Many clients")[1].split("\n## ")[0]
    config = section.split("```yaml\n")[1].split("```")[0]
    commands = section.split("```sh\n")[1].split("```")[0]
    (tmp_path / "posture.yaml").write_text(config, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for line in commands.splitlines():
        args = shlex.split(line, comments=True)
        assert args[0] == "posture"
        assert main(args[1:]) in (0, 1), line
    out = capsys.readouterr().out
    assert "lone-star-dental" in out and (tmp_path / "fleet" / "posture-fleet.html").is_file()


def test_accepted_risks_about_to_expire_are_counted_per_client(history: Path) -> None:
    from datetime import timedelta

    from posture.store.tracking import accept_risk
    from posture.tracking import AcceptedRisk

    store = open_store(history)
    config_id = next(r.config_id for r in store.runs() if r.client == "burning-dental")
    today = NOW.date()
    for finding, days in (("ports-0000000001", 10), ("ports-0000000002", 29), ("ports-0000000003", 90)):
        accept_risk(store, config_id, AcceptedRisk(finding=finding, reason="replaced in Q1", accepted_by="Ana",
                                                   until=today + timedelta(days=days), accepted_on=today), NOW)
    fleet = roll_up(store, NOW)
    counts = {c.client: c.expiring for c in fleet.clients}
    assert counts["burning-dental"] == 2 and counts["calm-bakery"] == 0  # the 90-day one is not "about to"
