"""The TUI's two speed goals: the first interactive screen, and filtering a 10,000-finding table.

1. Time to first interactive screen (goal ≤ 0.8 s, issue 19): a fresh Python process that starts as the
   `posture` command does, imports the app, validates sample_configs/demo.yaml (importing what each check's
   options need) and renders the overview, headless. Measured from just before the process is spawned to
   the overview's first paint; median of 5. A bare Textual app of one Static, measured the same way, is
   printed beside it: Textual's own floor on the machine of the day.
2. Time per keystroke when filtering 10,000 findings (goal ≤ 100 ms): typing "remote desktop" into the
   search box and deleting it again, through Pilot, at 120×40. Each figure is one key press until the
   screen has repainted (Pilot's own round trip included, so an upper bound). The model's filter alone and,
   for comparison, one rebuild of Textual's DataTable with the same 10,000 rows are printed too.

Run: .venv/bin/python -m bench.bench_tui (its start-up children: bench/tui_child.py)
"""

from __future__ import annotations

import asyncio
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from posture.models import Assessment, CheckResult, CheckStatus, Finding, Mode, Severity, Status

ROOT = Path(__file__).resolve().parents[1]
FIRST_SCREEN_GOAL_S = 0.8
KEYSTROKE_GOAL_MS = 100.0
FINDINGS = 10_000
QUERY = "remote desktop"
STARTS = 5
NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)


def first_screen_s(config: Path, db: Path) -> list[float]:
    return _starts(["--first-screen", str(config), str(db)])


def bare_textual_s() -> list[float]:
    return _starts(["--bare-textual"])


def _starts(args: list[str]) -> list[float]:
    times = []
    for _ in range(STARTS):
        start = time.time()
        done = subprocess.run([sys.executable, "-m", "bench.tui_child", *args],
                              capture_output=True, text=True, cwd=ROOT, timeout=120, check=True)
        times.append(float(done.stdout.strip().splitlines()[-1]) - start)
    return times


def synthetic_assessment(count: int = FINDINGS, seed: int = 7) -> Assessment:
    """A large office's worth of findings: many hosts, a handful of checks, repeated service titles."""
    rng = random.Random(seed)
    services = ["Telnet", "Remote desktop", "Windows file sharing", "Web admin page", "FTP", "Database port",
                "Printer web page", "SNMP", "VNC", "Outdated SSH"]
    checks = ["ports", "password_policy", "backups", "training"]
    weaknesses = ["exposed-entry-point", "faulty-security", "weak-passwords", "employee-ignorance"]
    findings = []
    for n in range(count):
        host = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        service = rng.choice(services)
        findings.append(Finding(
            check=rng.choice(checks), key=f"{host}/{n}", status=Status.FAIL if n % 7 else Status.PASS,
            severity=rng.choice(list(Severity)), title=f"{service} open on {host}", asset=host,
            weaknesses=(rng.choice(weaknesses),),
        ))
    return Assessment(
        config_path="bench.yaml", config_id="bench", organization={"name": "Bench Co"}, mode=Mode.READINESS,
        incident=None, scope={}, started=NOW, finished=NOW,
        checks=[CheckResult("ports", "Open ports", CheckStatus.OK, tuple(findings))],
    )


def model_filter_ms(assessment: Assessment) -> list[float]:
    from posture.tui.findings_model import FindingsView, make_rows

    view = FindingsView(make_rows(assessment.findings))
    view.status = "all"
    view.visible()  # the sort, done once per sort key, not per keystroke
    out = []
    for i in range(1, len(QUERY) + 1):
        view.query = QUERY[:i]
        start = time.perf_counter()
        view.visible()
        out.append((time.perf_counter() - start) * 1000)
    return out


async def _keystrokes(assessment: Assessment) -> tuple[list[float], list[float]]:
    """Per key: (key posted → first screen update showing the refiltered table, Pilot's full round trip)."""
    from rich.console import RenderableType
    from textual.app import App
    from textual.screen import Screen

    from posture.tui.screens.findings import FindingsScreen
    from posture.tui.widgets.findings_table import FindingsTable

    shows = [0]
    paints: list[tuple[float, int]] = []

    class Bench(App[None]):
        CSS_PATH = str(ROOT / "posture" / "tui" / "posture.tcss")

        def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
            if renderable is not None:  # the frame a terminal would be sent
                paints.append((time.perf_counter(), shows[0]))
            super()._display(screen, renderable)

    app = Bench()
    painted, round_trips = [], []
    async with app.run_test(size=(120, 40)) as pilot:
        app.push_screen(FindingsScreen(assessment))
        await pilot.pause()
        table = app.screen.query_one(FindingsTable)
        show = table.show

        def counted_show(*args: Any, **kwargs: Any) -> None:
            shows[0] += 1
            show(*args, **kwargs)

        table.show = counted_show  # type: ignore[method-assign]
        await pilot.press("t")  # show everything: 10,000 rows
        assert len(table.rows) == len(assessment.findings)
        await pilot.press("slash")
        for key in [*QUERY.replace(" ", "_"), *["backspace"] * len(QUERY)]:
            key = "space" if key == "_" else key
            before = shows[0]
            start = time.perf_counter()
            await pilot.press(key)
            await pilot.pause()
            round_trips.append((time.perf_counter() - start) * 1000)
            first = next(t for t, n in paints if t > start and n > before)
            painted.append((first - start) * 1000)
        assert len(table.rows) == len(assessment.findings)
    return painted, round_trips


async def _datatable_rebuild_ms(assessment: Assessment) -> float:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    class Table(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable()

    rows = [(f.severity.value, f.status.value, f.check, f.asset, ", ".join(f.weaknesses), f.title)
            for f in assessment.findings]
    app = Table()
    async with app.run_test(size=(120, 40)) as pilot:
        table = app.query_one(DataTable)
        table.add_columns("Severity", "Status", "Check", "Asset", "Weakness", "Title")
        start = time.perf_counter()
        table.clear()
        table.add_rows(rows)
        await pilot.pause()
        return (time.perf_counter() - start) * 1000


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench-tui-") as tmp:
        starts = first_screen_s(ROOT / "sample_configs" / "demo.yaml", Path(tmp) / "history.sqlite")
    start = statistics.median(starts)
    print(f"first interactive screen (demo.yaml, all checks loaded): median {start:.2f} s of {STARTS} "
          f"(min {min(starts):.2f}, max {max(starts):.2f}); goal ≤ {FIRST_SCREEN_GOAL_S} s; "
          f"ratio {start / FIRST_SCREEN_GOAL_S:.2f}")

    assessment = synthetic_assessment()
    model = model_filter_ms(assessment)
    print(f"filter model alone, {FINDINGS:,} findings: median {statistics.median(model):.1f} ms, "
          f"max {max(model):.1f} ms per keystroke")
    keys, round_trips = asyncio.run(_keystrokes(assessment))
    median = statistics.median(keys)
    print(f"keystroke to repainted table, {FINDINGS:,} findings, {len(keys)} keys (typing {QUERY!r} and "
          f"deleting it): median {median:.1f} ms, p90 {statistics.quantiles(keys, n=10)[-1]:.1f} ms, "
          f"max {max(keys):.1f} ms; goal ≤ {KEYSTROKE_GOAL_MS:.0f} ms; ratio {median / KEYSTROKE_GOAL_MS:.2f}")
    small, small_trips = asyncio.run(_keystrokes(synthetic_assessment(10)))
    print(f"  Pilot's own round trip per key (press + pause): median {statistics.median(round_trips):.0f} ms with "
          f"{FINDINGS:,} findings, {statistics.median(small_trips):.0f} ms with 10; the same keystroke with 10 "
          f"findings repaints in {statistics.median(small):.1f} ms")
    rebuild = asyncio.run(_datatable_rebuild_ms(assessment))
    print(f"for comparison, one rebuild of Textual's DataTable with the same rows: {rebuild:.0f} ms "
          f"({rebuild / median:.0f}x a keystroke here)")


if __name__ == "__main__":
    main()
