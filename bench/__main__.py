"""`make bench`: every figure, each in its own process, in one table.

    .venv/bin/python -m bench                 all figures
    .venv/bin/python -m bench ports-quick ... only these
    .venv/bin/python -m bench --figure NAME --json   (internal) measure one figure, print it as JSON

Each figure runs in a fresh child process, so its peak memory (the kernel's ru_maxrss for that child, from
wait4) is its own and no figure warms another's caches. A figure that times a command of its own (cold
start, the whole assessment) reports that command's peak instead. The figures for the checks reuse the
functions of their own bench scripts (bench_ports, bench_training, bench_passwords, bench_backups).
Only 127.0.0.0/8 is touched.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.bench_config_size import config_size_ratio
from bench.bench_core import FIGURES as CORE_FIGURES
from bench.bench_core import ROOT, Figure
from bench.bench_scale import FIGURES as SCALE

PORTS_ROUNDS = {"quick": 11, "standard": 5}


def ports_vs_nmap(profile: str) -> Figure:
    from bench.bench_ports import LAYOUT, RATIO_GOAL, overhead, serving

    rounds = PORTS_ROUNDS[profile]
    with tempfile.TemporaryDirectory(prefix="bench-ports-") as tmp, serving(LAYOUT):
        f = overhead(profile, rounds, Path(tmp))
    return Figure(f["ratio"], "x", RATIO_GOAL, samples=f["ratios"],
                  detail=f"check {f['check_s']:.3f} s, bare nmap {f['nmap_s']:.3f} s, same arguments, "
                         f"8 loopback hosts; median of {rounds} paired runs; the check's own work "
                         f"{f['own_ms']:.0f} ms")


def breach_offline() -> Figure:
    from bench.bench_passwords import HashFile, make_candidates, write_hash_file

    candidates = make_candidates()
    with tempfile.TemporaryDirectory(prefix="bench-breach-") as tmp:
        path = Path(tmp) / "pwned-passwords-sha1-ordered-by-hash.txt"
        lines = write_hash_file(path, candidates)
        times = []
        for _ in range(3):
            hash_file = HashFile(path)
            started = time.perf_counter()
            results = hash_file.lookup_all([c.sha1 for c in candidates])
            times.append(time.perf_counter() - started)
        size_mb = path.stat().st_size / 1e6
    seconds = statistics.median(times)
    found = sum(r.status == "found" for r in results.values())
    per = hash_file.stats.probes / max(hash_file.stats.lookups, 1)
    return Figure(seconds, "s", samples=times, detail=f"{len(candidates):,} look-ups ({len(results):,} distinct) in a "
                                       f"{lines:,}-line, {size_mb:.0f} MB hash file: {len(results) / seconds:,.0f}/s, "
                                       f"{per:.1f} lines read each, {found:,} found; median of 3")


def backups_snapshots() -> Figure:
    from bench.bench_backups import BUDGET_S, HOSTS, SNAPSHOTS, BackupsCheck, judge_once, snapshots_json
    from posture.catalogue import load_catalogue
    from posture.registry import Registry

    registry = Registry()
    registry.add(BackupsCheck, load_catalogue().weaknesses)
    with tempfile.TemporaryDirectory(prefix="bench-backups-") as tmp:
        (Path(tmp) / "snaps.json").write_text(snapshots_json(), encoding="utf-8")
        runs = [judge_once(Path(tmp), registry) for _ in range(5)]
    totals = [p + r for p, r, _, _ in runs]
    return Figure(statistics.median(totals), "s", BUDGET_S, samples=totals,
                  detail=f"{SNAPSHOTS:,} restic snapshots over {HOSTS} hosts, prepare + run; median of {len(runs)}")


def _fleet(name: str) -> Figure:
    from bench.bench_fleet import FIGURES as FLEET_FIGURES

    return FLEET_FIGURES[name]()


FIGURES: dict[str, tuple[str, Callable[[], Figure]]] = {
    # issue 19's table, with growth rows
    "plan-1k": ("plan of 1,000 findings, consultant md+html+json", SCALE["plan-1k"]),
    "plan-10k": ("plan of 10,000 findings, consultant md+html+json", SCALE["plan-10k"]),
    "plan-50k": ("plan of 50,000 findings, consultant md+html+json", SCALE["plan-50k"]),
    "scan-24": ("`posture scan` quick /24, 200 listeners / bare nmap", SCALE["scan-24"]),
    "assessment": ("whole assessment / slowest check", CORE_FIGURES["assessment"]),
    "xml-4k": ("nmap XML import + judge, 4,096 hosts", SCALE["xml-4k"]),
    "xml-16k": ("nmap XML import + judge, 16,384 hosts", SCALE["xml-16k"]),
    "xml-64k": ("nmap XML import + judge, 65,536 hosts", SCALE["xml-64k"]),
    "tui-first-screen": ("TUI first interactive screen", SCALE["tui-first-screen"]),
    "roster-50k": ("training roster, 50,000 rows", SCALE["roster-50k"]),
    "roster-200k": ("training roster, 200,000 rows", SCALE["roster-200k"]),
    # the others
    "ports-quick": ("ports check / bare nmap (quick)", lambda: ports_vs_nmap("quick")),
    "ports-standard": ("ports check / bare nmap (standard, -sV)", lambda: ports_vs_nmap("standard")),
    "cold-start-help": ("`posture --help` cold start", CORE_FIGURES["cold-start-help"]),
    "cold-start-scan-help": ("`posture scan --help` cold start", CORE_FIGURES["cold-start-scan-help"]),
    "scan-imports": ("modules a headless scan imports", CORE_FIGURES["scan-imports"]),
    "breach-offline-10k": ("10,000 offline breach look-ups", breach_offline),
    "plan-render-staff": ("plan of 10,000 findings (staff, in memory)", CORE_FIGURES["plan-render-staff"]),
    "backups-10k": ("restic snapshots, 10,000", backups_snapshots),
    "fleet-scans-20": ("20 concurrent scans into one PostgreSQL / SQLite", lambda: _fleet("fleet-scans-20")),
    "fleet-200x52": ("`posture fleet`, 200 clients x 52 runs (PostgreSQL)", lambda: _fleet("fleet-200x52")),
    "config-1m-items": ("config of 1,000,000 list items (linear?)", config_size_ratio),
}


def measure(name: str) -> dict[str, object]:
    """Run one figure in a child process; its JSON line plus the child's peak memory."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bench", "--figure", name, "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1])
    stdout, stderr = _communicate(proc)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    elapsed = time.perf_counter() - started
    lines = [line for line in stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        reason = (stderr.strip().splitlines() or [f"exit {proc.returncode}"])[-1]
        return {"failed": f"exit {proc.returncode}: {reason[:150]}", "elapsed": elapsed}
    result: dict[str, object] = json.loads(lines[-1])
    if result.get("peak_mb") is None:
        result["peak_mb"] = usage.ru_maxrss / 1024
    result["elapsed"] = elapsed
    return result


def _communicate(proc: subprocess.Popen[str]) -> tuple[str, str]:
    """Read both pipes to the end without reaping the child (wait4 does that, and returns its usage)."""
    import threading

    assert proc.stdout is not None and proc.stderr is not None
    err: list[str] = []
    reader = threading.Thread(target=lambda: err.append(proc.stderr.read() if proc.stderr else ""))
    reader.start()
    out = proc.stdout.read()
    reader.join()
    proc.stdout.close()
    proc.stderr.close()
    return out, err[0] if err else ""


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        pages = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        pages = 0
    nmap = subprocess.run(["nmap", "--version"], capture_output=True, text=True, check=False).stdout.split("\n")[0]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{cpu}, {os.cpu_count()} cores, {pages / 2**30:.0f} GiB RAM; {platform.system()} {platform.release()}; "
            f"Python {platform.python_version()} ({interpreter()}); {nmap or 'nmap not found'}; load average {load}")


def interpreter() -> str:
    """Which build of Python runs the figures: its path, and whether the interpreter is linked to a shared
    libpython (this machine's pyenv build, about a third slower on posture's pure-Python work than the
    distribution's static one, which `make` now picks: scripts/pick-python)."""
    path = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    try:
        maps = Path("/proc/self/maps").read_text()
    except OSError:
        return path
    return f"{path}, libpython {'shared' if re.search(r'/libpython3[^/]*[.]so', maps) else 'static'}"


REFERENCE_ROUNDS = 9


def reference_job_ms() -> float:
    """CPU milliseconds of a fixed pure-Python job (tuples, dicts and strings, the stuff of the checks and the
    reports), best of nine: this machine's speed at the moment. A shared machine's speed swings by the hour
    (the same code's roster figure took 1.7 s and 2.3 s twenty minutes apart), so the table says how fast
    the machine was while it was measured; a figure that grows with it is the machine, one that grows
    alone is the code."""
    best = float("inf")
    for _ in range(REFERENCE_ROUNDS):
        started = time.process_time()
        counts: dict[tuple[str, int], int] = {}
        for i in range(200_000):
            key = (f"host{i % 997}", i % 13)
            counts[key] = counts.get(key, 0) + 1
        "".join(sorted(f"{host}:{port}" for host, port in counts))
        best = min(best, time.process_time() - started)
    return best * 1000


def _shown(value: float, unit: str) -> str:
    if unit == "modules":
        return f"{value:,.0f}"
    if unit == "x":
        return f"{value:.2f}x"
    return f"{value:.2f} s" if value >= 1 else f"{value * 1000:.0f} ms"


def table(results: dict[str, dict[str, object]]) -> list[str]:
    """One row per figure: the median, the min-max of its runs, the goal and the median's ratio to it,
    the peak memory (and its goal), and whether both are met."""
    rows = [("figure", "median", "min-max", "goal", "ratio", "ok", "peak MB", "detail")]
    for name, result in results.items():
        title = FIGURES[name][0]
        if "failed" in result:
            rows.append((title, "-", "-", "-", "-", "FAILED", "-", str(result["failed"])))
            continue
        value, unit, goal = result["value"], str(result["unit"]), result["goal"]
        assert isinstance(value, (int, float)) and (goal is None or isinstance(goal, (int, float)))
        samples = [float(x) for x in result.get("samples") or [] if isinstance(x, (int, float))]  # type: ignore[attr-defined]
        spread = f"{_shown(min(samples), unit)}-{_shown(max(samples), unit)}" if len(samples) > 1 else "-"
        peak = result.get("peak_mb")
        memory_goal = result.get("memory_goal_mb")
        ok = result["ok"]
        if isinstance(memory_goal, (int, float)) and isinstance(peak, float) and peak > memory_goal:
            ok = False
        verdict = "-" if ok is None else "ok" if ok else "OVER"
        peak_text = f"{peak:.0f}" if isinstance(peak, float) else "-"
        if isinstance(memory_goal, (int, float)):
            peak_text += f" (<= {memory_goal:.0f})"
        rows.append((title, _shown(value, unit), spread, "-" if goal is None else f"<= {_shown(goal, unit)}",
                     "-" if not goal else f"{value / goal:.2f}", verdict, peak_text, str(result.get("detail", ""))))
    widths = [max(len(row[i]) for row in rows) for i in range(7)]
    out = []
    for n, row in enumerate(rows):
        cells = [row[0].ljust(widths[0]), *(row[i].rjust(widths[i]) for i in (1, 2, 3, 4)),
                 row[5].ljust(widths[5]), row[6].rjust(widths[6]), row[7]]
        out.append("  ".join(cells).rstrip())
        if n == 0:
            out.append("  ".join("-" * w for w in widths) + "  ------")
    return out


def markdown_table(results: dict[str, dict[str, object]]) -> list[str]:
    """The same table as Markdown, for the README's performance section (`--markdown`)."""
    lines = table(results)
    header, body = lines[0], lines[2:]
    del header
    out = ["| figure | median | min-max | goal | ratio | ok | peak MB |", "|---|---|---|---|---|---|---|"]
    for name, line in zip(results, body, strict=True):
        result = results[name]
        cells = [c for c in re.split(r"\s{2,}", line)][:7]
        out.append("| " + " | ".join(cells) + " |" if "failed" not in result else f"| {FIGURES[name][0]} | FAILED |")
    return out


def compile_sources() -> None:
    """Write the project's bytecode before timing anything: an installed posture has it (pip compiles what it
    installs), but an editable checkout under PYTHONDONTWRITEBYTECODE=1 would recompile every module in every
    timed process (~0.45 s of a TUI start), which is not what a user's machine does."""
    for package in ("posture", "checks", "reports", "bench"):
        compileall.compile_dir(str(ROOT / package), quiet=1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description="posture's benchmarks, as one table")
    parser.add_argument("names", nargs="*", metavar="FIGURE",
                        help=f"figures to run (default: all): {', '.join(FIGURES)}")
    parser.add_argument("--figure", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--markdown", action="store_true", help="also print the table as Markdown (for the README)")
    args = parser.parse_args(argv)
    if args.figure:
        figure = FIGURES[args.figure][1]()
        print(figure.to_json(), flush=True)
        return 0
    unknown = [n for n in args.names if n not in FIGURES]
    if unknown:
        parser.error(f"unknown figure(s): {', '.join(unknown)}; choose from {', '.join(FIGURES)}")
    names = args.names or list(FIGURES)
    compile_sources()
    print(f"machine: {machine()}", flush=True)
    reference_before = reference_job_ms()
    results = {}
    started = time.perf_counter()
    for name in names:
        print(f"  measuring {name} ...", file=sys.stderr, flush=True)
        results[name] = measure(name)
    print("\n".join(table(results)))
    if args.markdown:
        print("\n".join(["", *markdown_table(results)]))
    print(f"load average at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())} (this machine's own processes)")
    print(f"machine speed: the reference job took {reference_before:.0f} ms of CPU before the figures and "
          f"{reference_job_ms():.0f} ms after (55-65 ms on a fast hour under Debian's Python, ~95 ms under pyenv's; "
          "wall and CPU times alike stretch with it: bench/README.md)")
    print(f"({len(results)} figures in {time.perf_counter() - started:.0f} s; peak MB: the figure's own process, "
          "including making its test data, or the command it timed)")
    return 1 if any("failed" in r for r in results.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
