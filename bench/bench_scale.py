"""The figures of issue 19, each with growth rows: plan rendering (1k/10k/50k findings), nmap XML import
(4k/16k/64k hosts), training rosters (50k/200k rows), `posture scan` of a /24 against bare nmap, and the
TUI's first screen. Each returns a `Figure` whose samples give the median and min-max.

Only 127.0.0.0/8 is touched: the /24 scan's 200 listeners are plain sockets this module opens on
127.0.77.1-50, and the XML imports are cloned from a real nmap scan of loopback fake services.
Run alone: .venv/bin/python -m bench.bench_scale [name ...]
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import selectors
import socket
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from bench.bench_core import BIN, ROOT, Figure, synthetic_assessment, timed_child

PLAN_GOAL_S_PER_10K = 1.0
PLAN_MEMORY_GOAL_MB = 300.0
XML_GOAL_S_64K = 10.0
XML_MEMORY_GOAL_MB = 400.0
ROSTER_GOAL_S_200K = 2.0
SCAN_RATIO_GOAL = 1.3
SCAN_NETWORK = "127.0.77.0/24"
SCAN_PORTS = (22, 80, 443, 8080)  # all in nmap's top 100 (the quick profile)
SCAN_HOSTS = 50  # x 4 ports = 200 listeners


def _spread(samples: list[float]) -> str:
    return f"min {min(samples):.3g}, max {max(samples):.3g}, {len(samples)} runs"


# --- plan rendering -------------------------------------------------------------------------------------------


def plan_write(findings: int, rounds: int = 3) -> Figure:
    """Consultant Markdown + HTML + JSON of an incident plan with `findings` findings, streamed to files
    (what `posture scan` does after the checks); build_plan is timed apart, in the detail."""
    from posture.mdtext import clear_cache
    from posture.planner import build_plan
    from reports import write_reports
    from reports.html import clear_cache as clear_html_cache

    assessment = synthetic_assessment(findings)
    started = time.perf_counter()
    assessment.plan = build_plan(assessment)
    plan_s = time.perf_counter() - started
    times: list[float] = []
    sizes: dict[str, int] = {}
    with tempfile.TemporaryDirectory(prefix="bench-plan-") as tmp:
        cpu = time.process_time()
        for _ in range(rounds):
            clear_cache()
            clear_html_cache()
            started = time.perf_counter()
            written = write_reports(assessment, Path(tmp), ["markdown", "html", "json"], "consultant")
            times.append(time.perf_counter() - started)
            sizes = {p.name: p.stat().st_size for p in written}
        cpu = (time.process_time() - cpu) / rounds
    goal = PLAN_GOAL_S_PER_10K * findings / 10_000
    shown = ", ".join(f"{name} {size / 1e6:.1f} MB" for name, size in sizes.items())
    return Figure(statistics.median(times), "s", goal, samples=times, memory_goal_mb=PLAN_MEMORY_GOAL_MB,
                  detail=f"{findings:,} findings -> {shown}; CPU {cpu:.2f} s a run; build_plan {plan_s:.2f} s "
                         f"apart; {_spread(times)}")


# --- nmap XML import ------------------------------------------------------------------------------------------


def xml_import(hosts: int, rounds: int = 3) -> Figure:
    """Parse + scope + judge of a `hosts`-host XML cloned from a real nmap scan (prepare + run)."""
    from bench.bench_ports import LAYOUT, make_config, run_check_timed, sample_xml, serving, write_big_xml

    with tempfile.TemporaryDirectory(prefix="bench-xml-") as tmp:
        folder = Path(tmp)
        with serving(LAYOUT):
            sample = sample_xml(folder)
        xml = write_big_xml(folder, sample, hosts)
        config = make_config(folder, [{"address": "127.0.0.0/16", "name": "office", "expected_ports": [22, 80]}],
                             {"live_scan": False, "nmap_xml": [xml.name]})
        cpu = time.process_time()
        times = [run_check_timed(config) for _ in range(rounds)]
        cpu = (time.process_time() - cpu) / rounds
        size = xml.stat().st_size / 1e6
    goal = XML_GOAL_S_64K * hosts / 65_536
    return Figure(statistics.median(times), "s", goal, samples=times, memory_goal_mb=XML_MEMORY_GOAL_MB,
                  detail=f"{hosts:,} hosts, {size:.0f} MB of XML, prepare + run, CPU {cpu:.2f} s a run; "
                         f"{_spread(times)}")


# --- training roster ------------------------------------------------------------------------------------------


def roster(rows: int, rounds: int = 3) -> Figure:
    import bench.bench_training as training
    from posture.catalogue import load_catalogue
    from posture.registry import Registry

    training.ROWS = rows
    registry = Registry()
    registry.add(training.TrainingCheck, load_catalogue().weaknesses)
    with tempfile.TemporaryDirectory(prefix="bench-roster-") as tmp:
        training.write_files(Path(tmp))
        runs = [training.judge_once(Path(tmp), registry) for _ in range(rounds)]
    times = [p + r for p, r, _, _, _ in runs]
    cpu = statistics.median(c for _, _, c, _, _ in runs)
    goal = ROSTER_GOAL_S_200K * rows / 200_000
    return Figure(statistics.median(times), "s", goal, samples=times,
                  detail=f"{rows:,} roster rows + {training.STAFF:,} staff, prepare + run, CPU {cpu:.2f} s, "
                         f"{runs[0][3]:,} findings; "
                         f"{_spread(times)}")


# --- posture scan of a /24 against bare nmap ------------------------------------------------------------------


@contextlib.contextmanager
def listeners() -> Iterator[int]:
    """200 listening sockets on 127.0.77.1-50 (4 ports each). The kernel completes the handshakes; a thread
    accepts each connection and closes it at once, so an exposure script learns "nothing to see" at once
    instead of waiting out its timeout on a silent socket (that wait would be most of the figure, for both)."""
    sockets = []
    stop = threading.Event()
    with selectors.DefaultSelector() as selector:
        try:
            for n in range(1, SCAN_HOSTS + 1):
                for port in SCAN_PORTS:
                    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    s.bind((f"127.0.77.{n}", port))
                    s.listen(64)
                    s.setblocking(False)
                    selector.register(s, selectors.EVENT_READ)
                    sockets.append(s)
            closer = threading.Thread(target=_close_each_connection, args=(selector, stop), daemon=True)
            closer.start()
            yield len(sockets)
        finally:
            stop.set()
            for s in sockets:
                s.close()


def _close_each_connection(selector: selectors.BaseSelector, stop: threading.Event) -> None:
    while not stop.is_set():
        for key, _ in selector.select(timeout=0.2):
            with contextlib.suppress(OSError):
                connection, _ = key.fileobj.accept()  # type: ignore[union-attr]
                connection.close()


def scan_vs_nmap(pairs: int = 5) -> Figure:
    """`posture scan --only ports` (quick profile) of 127.0.77.0/24, process start to exit, against bare nmap
    with the same arguments and the same address list; paired runs, alternating which goes first."""
    import yaml

    from checks.ports.profiles import nmap_passes, table_ports
    from checks.ports.scanner import find_nmap, running_as_root
    from posture.testing import minimal_config

    # Exactly what the check runs: nmap's top 100 plus the service table's ports, and its exposure scripts.
    [tcp] = nmap_passes("quick", ports=None, root=running_as_root(), table=table_ports())
    addresses = [str(a) for a in ipaddress.ip_network(SCAN_NETWORK).hosts()]
    with tempfile.TemporaryDirectory(prefix="bench-scan24-") as tmp, listeners() as count:
        folder = Path(tmp)
        config = folder / "posture.yaml"
        config.write_text(yaml.safe_dump(minimal_config(
            scope={"authorization": "bench: loopback only",
                   "targets": [{"address": SCAN_NETWORK, "name": "office", "expected_ports": [22]}]},
            checks={"ports": {"profile": "quick"}})), encoding="utf-8")
        # The warm run below fills the cache of nmap's lists, as a site's first scan does for the later ones.
        env = {**os.environ, "POSTURE_DB": str(folder / "history.sqlite"), "XDG_CACHE_HOME": str(folder / "cache")}
        ours_cmd = [str(BIN / "posture"), "scan", str(config), "--only", "ports", "--out", str(folder / "out"), "-q",
                    "--fail-on", "none"]
        bare_cmd = [find_nmap(), *tcp.args, "-oX", str(folder / "bare.xml"), "-iL", str(folder / "targets.txt")]
        (folder / "targets.txt").write_text("".join(f"{a}\n" for a in addresses), encoding="utf-8")
        timed_child(ours_cmd, env)  # warm: bytecode, nmap's data files, the lists cache
        ratios, ours, theirs, peaks = [], [], [], []
        for n in range(pairs):
            order = [(ours_cmd, env), (bare_cmd, None)] if n % 2 else [(bare_cmd, None), (ours_cmd, env)]
            got = {}
            for command, environment in order:
                wall, peak, _ = timed_child(command, environment)
                got[command[0]] = (wall, peak)
            (o, peak), (b, _) = got[ours_cmd[0]], got[bare_cmd[0]]
            ours.append(o)
            theirs.append(b)
            peaks.append(peak)
            ratios.append(o / b)
        findings = (folder / "out" / "posture-results.json").read_text(encoding="utf-8").count('"check": "ports"')
    return Figure(statistics.median(ratios), "x", SCAN_RATIO_GOAL, samples=ratios, peak_mb=max(peaks),
                  detail=f"posture {statistics.median(ours):.2f} s vs nmap {statistics.median(theirs):.2f} s, "
                         f"{count} listeners on {SCAN_NETWORK}, {findings} findings; {_spread(ratios)}")


# --- the TUI's first screen -----------------------------------------------------------------------------------


def tui_first_screen() -> Figure:
    from bench.bench_tui import FIRST_SCREEN_GOAL_S, bare_textual_s, first_screen_s

    with tempfile.TemporaryDirectory(prefix="bench-tui-") as tmp:
        times = first_screen_s(ROOT / "sample_configs/demo.yaml", Path(tmp) / "history.sqlite")
    bare = statistics.median(bare_textual_s())
    return Figure(statistics.median(times), "s", FIRST_SCREEN_GOAL_S, samples=times,
                  detail=f"process spawn to the overview's first paint, headless; {_spread(times)}; a bare "
                         f"Textual app (one Static) takes {bare:.2f} s to its first paint here: Textual's own floor")


FIGURES = {
    "plan-1k": lambda: plan_write(1_000, rounds=5),
    "plan-10k": lambda: plan_write(10_000),
    "plan-50k": lambda: plan_write(50_000),
    "xml-4k": lambda: xml_import(4_096),
    "xml-16k": lambda: xml_import(16_384),
    "xml-64k": lambda: xml_import(65_536),
    "roster-50k": lambda: roster(50_000),
    "roster-200k": lambda: roster(200_000),
    "scan-24": scan_vs_nmap,
    "tui-first-screen": tui_first_screen,
}


def main(names: list[str]) -> None:
    for name in names or list(FIGURES):
        figure = FIGURES[name]()
        print(f"{name}: {figure.value:.3f} {figure.unit} (goal {figure.goal}); {figure.detail}", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
