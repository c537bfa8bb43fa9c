"""The shared history at provider scale, on a real PostgreSQL server this bench starts (durable settings,
127.0.0.1) against the SQLite default:

  fleet-scans-20   20 client configs scanned at once, each by its own `posture scan` process, into one
                   database: wall time until all 20 have exited, and that every run was recorded
  fleet-200x52     `posture fleet --out` over 200 clients x 52 weekly runs (10,400 runs, each with its full
                   results JSON), process start to exit

Run alone: .venv/bin/python -m bench.bench_fleet      (python -m bench runs both figures)
"""

from __future__ import annotations

import copy
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.bench_core import Figure, timed_child

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SITES = 20
CLIENTS, WEEKS = 200, 52
FLEET_GOAL_S = 3.0  # the whole command, start-up and imports included, over 10,400 runs, on a busy 2-core box
CONCURRENT_GOAL = 1.5  # PostgreSQL / SQLite wall time for 20 concurrent scans: sharing costs little


def _site_configs(folder: Path) -> list[Path]:
    from posture.testing import minimal_config, write_config

    configs = []
    for n in range(SITES):
        site = folder / f"site-{n:02d}"
        site.mkdir(parents=True)
        sections: dict[str, Any] = {"organization": {"name": f"Client {n:02d} LLC"}, "client": f"client-{n:02d}"}
        if n % 3 == 0:
            sections["incident"] = {"discovered": "2026-11-30", "kind": "ransomware"}
        configs.append(write_config(site, minimal_config(**sections)))
    return configs


def concurrent_scans(db: str, configs: list[Path]) -> float:
    """Wall seconds for SITES `posture scan` processes started at once; fails unless all were recorded."""
    from posture.store import open_store

    env = {**os.environ, "POSTURE_DB": db}
    started = time.perf_counter()
    procs = [subprocess.Popen([str(BIN / "posture"), "scan", str(c), "-q", "--out", str(c.parent / "out")],
                              env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) for c in configs]
    errors = [p.communicate()[1] for p in procs]
    elapsed = time.perf_counter() - started
    bad = [(p.returncode, e) for p, e in zip(procs, errors, strict=True) if p.returncode not in (0, 1) or e.strip()]
    if bad:
        raise RuntimeError(f"scan failed: {bad[0]}")
    recorded = len(open_store(db).runs())
    if recorded != len(configs):
        raise RuntimeError(f"{recorded} of {len(configs)} runs recorded")
    return elapsed


def _backends(tmp: Path) -> Iterator[tuple[str, Callable[[str], str]]]:
    """("sqlite", fresh-db maker) then ("postgresql", fresh-db maker) with a durable server running."""
    from tests.pgserver import running_postgres

    yield "sqlite", lambda name: str(tmp / f"{name}.sqlite")
    with running_postgres(durable=True) as server:
        yield "postgresql", lambda name: server.create_database(name)


def fleet_scans(rounds: int = 3) -> Figure:
    times: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
        configs = _site_configs(Path(tmp) / "sites")
        for backend, fresh in _backends(Path(tmp)):
            times[backend] = [concurrent_scans(fresh(f"scans_{uuid.uuid4().hex[:8]}"), configs)
                              for _ in range(rounds)]
    pg, lite = statistics.median(times["postgresql"]), statistics.median(times["sqlite"])
    return Figure(pg / lite, "x", CONCURRENT_GOAL, extra={"postgresql_s": pg, "sqlite_s": lite},
                  detail=f"PostgreSQL {pg:.2f} s (min-max {min(times['postgresql']):.2f}-{max(times['postgresql']):.2f}"
                         f") vs SQLite {lite:.2f} s ({min(times['sqlite']):.2f}-{max(times['sqlite']):.2f}) for "
                         f"{SITES} concurrent `posture scan` processes, all {SITES} runs recorded each time; "
                         f"median of {rounds}")


def _documents() -> Iterator[tuple[dict[str, Any], str, int]]:
    """CLIENTS x WEEKS results documents: four real variants of the sample run, dated weekly."""
    from posture.results import to_dict
    from tests.reports import sample

    variants = [to_dict(sample.assessment(*chosen, incident=False, backups_error=False)) for chosen in (
        (sample.TELNET, sample.RDP, sample.OLD_SSH), (sample.RDP, sample.OLD_SSH), (sample.OLD_SSH,),
        (sample.PASSED,))]
    start = datetime(2025, 12, 1, 9, 0, tzinfo=UTC)
    for client in range(CLIENTS):
        for week in range(WEEKS):
            document = copy.copy(variants[(client + week // 8) % len(variants)])
            finished = start + timedelta(weeks=week, minutes=client)
            document.update(run_id=f"c{client:03d}w{week:02d}{uuid.uuid4().hex[:5]}",
                            started=(finished - timedelta(minutes=3)).isoformat(), finished=finished.isoformat(),
                            config={"path": f"/srv/clients/{client:03d}/posture.yaml", "id": f"cfg{client:013d}"},
                            organization={"name": f"Client {client:03d}"})
            yield document, f"client-{client:03d}", 7


def fleet_rollup(rounds: int = 5) -> Figure:
    from posture.store import open_store

    times: dict[str, list[float]] = {}
    inside: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="bench-fleet-") as tmp:
        for backend, fresh in _backends(Path(tmp)):
            db = fresh(f"fleet_{uuid.uuid4().hex[:8]}")
            loaded = open_store(db).record_documents(_documents())
            assert loaded == CLIENTS * WEEKS
            command = [str(BIN / "posture"), "fleet", "--db", db, "--out", str(Path(tmp) / "out")]
            timed_child(command)  # warm: bytecode and page cache
            times[backend] = sorted(timed_child(command)[0] for _ in range(rounds))
            inside[backend] = statistics.median(_in_process(db) for _ in range(rounds))
            page = (Path(tmp) / "out" / "posture-fleet.html").read_text("utf-8")
            if page.count("<svg") != CLIENTS:
                raise RuntimeError("the fleet page does not chart every client")
    pg, lite = statistics.median(times["postgresql"]), statistics.median(times["sqlite"])
    return Figure(pg, "s", FLEET_GOAL_S,
                  detail=f"{CLIENTS} clients x {WEEKS} weekly runs; PostgreSQL {pg:.2f} s "
                         f"({times['postgresql'][0]:.2f}-{times['postgresql'][-1]:.2f}), SQLite {lite:.2f} s "
                         f"({times['sqlite'][0]:.2f}-{times['sqlite'][-1]:.2f}), ratio {pg / lite:.2f}; "
                         f"median of {rounds}, Markdown + HTML with {CLIENTS} charts; without process start-up "
                         f"and imports: PostgreSQL {inside['postgresql'] * 1000:.0f} ms, SQLite "
                         f"{inside['sqlite'] * 1000:.0f} ms",
                  extra={"sqlite_s": lite, "ratio": pg / lite, "in_process_s": inside})


def _in_process(db: str) -> float:
    """Open the store, roll up, render both pages: the work itself, without start-up and imports."""
    from posture.fleet import render_html, render_markdown, roll_up
    from posture.store import open_store

    started = time.perf_counter()
    fleet = roll_up(open_store(db))
    render_markdown(fleet)
    render_html(fleet)
    return time.perf_counter() - started


FIGURES = {"fleet-scans-20": fleet_scans, "fleet-200x52": fleet_rollup}


def main() -> None:
    for name, make in FIGURES.items():
        figure = make()
        print(f"{name}: {figure.value:.3f} {figure.unit} (goal {figure.goal}) {figure.detail}", flush=True)


if __name__ == "__main__":
    main()
