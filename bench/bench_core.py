"""The core's figures: cold start, what a headless scan imports, plan rendering at scale, and a whole
assessment's wall time against its slowest check (the checks run concurrently, so the two should be close).

Each figure is a function returning a `Figure`; `python -m bench` runs each in its own process (to measure
its peak memory) and prints one table. Run alone: .venv/bin/python -m bench.bench_core
Only 127.0.0.0/8 is touched.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
COLD_START_GOAL_S = 0.3
ASSESSMENT_GOAL = 1.10
PLAN_FINDINGS = 10_000


@dataclass
class Figure:
    value: float
    unit: str
    goal: float | None = None  # the value must be at most this; None: no goal, just a figure
    detail: str = ""
    peak_mb: float | None = None  # when the measured process is not the figure's own (a child it timed)
    extra: dict[str, Any] = field(default_factory=dict)
    samples: list[float] = field(default_factory=list)  # every run: the table shows their min-max
    memory_goal_mb: float | None = None  # the peak memory must be at most this, too

    @property
    def ok(self) -> bool | None:
        return None if self.goal is None else self.value <= self.goal

    def to_json(self) -> str:
        return json.dumps({**asdict(self), "ok": self.ok})


def timed_child(args: list[str], env: dict[str, str] | None = None, stream: str = "stdout") -> tuple[float, float, str]:
    """(wall seconds, peak RSS in MB, what it printed on `stream`) of one child process, measured by the
    kernel (wait4, which also reaps it). The other stream is discarded."""
    started = time.perf_counter()
    pipes = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL, stream: subprocess.PIPE}
    proc = subprocess.Popen(args, env=env, text=True, **pipes)  # type: ignore[call-overload]
    handle = proc.stdout if stream == "stdout" else proc.stderr
    assert handle is not None
    text = handle.read()
    _, status, usage = os.wait4(proc.pid, 0)
    elapsed = time.perf_counter() - started
    proc.returncode = os.waitstatus_to_exitcode(status)
    handle.close()
    return elapsed, usage.ru_maxrss / 1024, text


# --- cold start and imports ----------------------------------------------------------------------------------------


def cold_start(*args: str, runs: int = 15) -> Figure:
    """Median wall time of the installed `posture` command printing its help, after one warm-up run."""
    command = [str(BIN / "posture"), *args, "--help"]
    timed_child(command)  # bytecode compiled and files in the page cache: "cold" is a fresh interpreter
    samples = [timed_child(command) for _ in range(runs)]
    times = sorted(s[0] for s in samples)
    return Figure(statistics.median(times), "s", COLD_START_GOAL_S, peak_mb=max(s[1] for s in samples), samples=times,
                  detail=f"median of {runs}; fastest {times[0]:.3f} s, slowest {times[-1]:.3f} s")


def cold_start_help() -> Figure:
    return cold_start()


def cold_start_scan_help() -> Figure:
    return cold_start("scan")


_IMPORT_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)$")


def scan_imports() -> Figure:
    """Every module a headless scan of the demo (readiness and offline checks) imports, from -X importtime."""
    with tempfile.TemporaryDirectory(prefix="bench-imports-") as tmp:
        env = {**os.environ, "POSTURE_DB": str(Path(tmp) / "history.sqlite")}
        _, peak, stderr = timed_child(
            [sys.executable, "-X", "importtime", "-m", "posture", "scan", str(ROOT / "sample_configs/demo.yaml"),
             "--only", "readiness,password_policy,backups,training", "--out", tmp, "-q"], env, stream="stderr")
    modules: dict[str, int] = {}
    for line in stderr.splitlines():
        match = _IMPORT_LINE.match(line)
        if match:
            modules[match[4]] = int(match[2])  # cumulative microseconds
    tops: dict[str, int] = {}
    for name, cumulative in modules.items():
        top = name.split(".")[0]
        if "." not in name or top not in tops:
            tops[top] = max(tops.get(top, 0), cumulative)
    heaviest = sorted(tops.items(), key=lambda kv: -kv[1])[:6]
    textual = any(name == "textual" or name.startswith("textual.") for name in modules)
    own = sorted(m for m in modules if m.split(".")[0] in ("posture", "checks", "reports"))
    detail = (f"{len(own)} of them posture's own; heaviest: "
              + ", ".join(f"{name} {us / 1000:.0f} ms" for name, us in heaviest)
              + f"; textual imported: {'YES' if textual else 'no'}")
    return Figure(len(modules), "modules", detail=detail, peak_mb=peak, extra={"own": own, "textual": textual})


# --- plan rendering -------------------------------------------------------------------------------------------------


def synthetic_assessment(findings: int = PLAN_FINDINGS, seed: int = 3) -> Any:
    """An incident-mode assessment with `findings` findings spread over the four checks, every weakness."""
    from posture.catalogue import load_catalogue
    from posture.models import Assessment, CheckResult, CheckStatus, Finding, Mode, Severity, Status

    rng = random.Random(seed)
    weaknesses = sorted(load_catalogue().weaknesses)
    checks = ["ports", "password_policy", "backups", "training"]
    made: dict[str, list[Finding]] = {c: [] for c in checks}
    for n in range(findings):
        check = checks[n % len(checks)]
        host = f"127.0.{n // 250 % 256}.{n % 250 + 1}"
        status = Status.PASS if n % 7 == 0 else Status.FAIL
        made[check].append(Finding(
            check=check, key=f"{host}/item/{n}", status=status,
            severity=Severity.INFO if status is Status.PASS else rng.choice(list(Severity)[:4]),
            title=f"Finding {n}: service on {host} port {1000 + n % 5000} <needs review>",
            detail="Why it matters, in two sentences. " * 2, asset=f"host-{n} ({host})",
            weaknesses=(weaknesses[n % len(weaknesses)],),
            evidence=(f"{1000 + n % 5000}/tcp open example 1.{n % 10}", f"banner: *x* _y_ `z` {n}"),
            remediation="What to set instead.",
        ))
    finished = datetime(2026, 11, 22, 9, tzinfo=UTC)
    results = [CheckResult(c, c.replace("_", " ").title(), CheckStatus.OK, tuple(f), duration_s=1.0)
               for c, f in made.items()]
    return Assessment(
        config_path="bench.yaml", config_id="bench", organization={"name": "Bench Co", "residents": {"TX": 900}},
        mode=Mode.INCIDENT, incident={"discovered": "2026-11-20", "kind": "ransomware", "personal_data_exposed": "yes"},
        scope={"authorization": "bench", "targets": []}, started=finished - timedelta(seconds=30), finished=finished,
        checks=results, tool_version="bench", run_id="bench",
    )


def plan_render(audience: str = "consultant", rounds: int = 3) -> Figure:
    """build_plan, then every format of one edition for 10,000 findings; the median of `rounds`."""
    from posture.planner import build_plan
    from reports import render_all

    formats = ["markdown", "html", "json"] if audience == "consultant" else ["markdown", "html"]
    assessment = synthetic_assessment()
    times = []
    sizes: dict[str, int] = {}
    for _ in range(rounds):
        started = time.perf_counter()
        assessment.plan = build_plan(assessment)
        planned = time.perf_counter()
        rendered = render_all(assessment, formats, audience)
        times.append((time.perf_counter() - started, planned - started))
        sizes = {name: len(text.encode()) for name, text in rendered.items()}
    total, plan_s = sorted(times)[len(times) // 2]
    shown = [f"{name} {size / 1e6:.1f} MB" if size >= 100_000 else f"{name} {size / 1e3:.0f} KB"
             for name, size in sizes.items()]
    detail = (f"{len(assessment.findings):,} findings, {len(assessment.plan.actions)} actions; build_plan "
              f"{plan_s:.2f} s; " + ", ".join(shown))
    return Figure(total, "s", detail=detail + (f"; median of {rounds}" if rounds > 1 else ""),
                  samples=[t for t, _ in times])


def plan_render_staff() -> Figure:
    return plan_render("staff", rounds=1)


# --- the whole assessment -------------------------------------------------------------------------------------------


@contextlib.contextmanager
def loopback_client() -> Iterator[Path]:
    """A copy of the Lone Star Dental sample whose targets are fake services on 127.0.0.21-24."""
    from tests.integration.test_ports_listeners import FTP, HTTP_LIGHTTPD, RDP, REDIS, SSH, TELNET, serving

    layout = {"127.0.0.21": [FTP, SSH], "127.0.0.22": [TELNET], "127.0.0.23": [HTTP_LIGHTTPD],
              "127.0.0.24": [RDP, REDIS]}
    with tempfile.TemporaryDirectory(prefix="bench-assessment-") as tmp, serving(layout):
        import shutil

        folder = Path(tmp) / "lone-star-dental"
        shutil.copytree(ROOT / "sample_configs/lone-star-dental", folder, ignore=shutil.ignore_patterns("reports"))
        config = folder / "posture.yaml"
        text = config.read_text(encoding="utf-8")
        text = text.replace("    - {address: 127.0.0.24, name: website, exposure: internet, expected_ports: [80, 443]}",
                            "    - {address: 127.0.0.23, name: website, exposure: internal, expected_ports: [80]}\n"
                            "    - {address: 127.0.0.24, name: server, exposure: internal, expected_ports: []}")
        config.write_text(text, encoding="utf-8")
        yield config


def assessment_ratio(rounds: int = 5) -> Figure:
    """`posture scan` of a loopback client (all four checks, nmap's standard profile) against its slowest check.

    Wall time is the whole command, from process start to exit (config, evidence, concurrent checks, plan,
    three reports, history); the slowest check's time is its own duration from the results JSON.
    """
    with loopback_client() as config, tempfile.TemporaryDirectory(prefix="bench-out-") as out:
        env = {**os.environ, "POSTURE_DB": str(Path(out) / "history.sqlite")}
        command = [str(BIN / "posture"), "scan", str(config), "--out", out, "-q", "--fail-on", "none"]
        runs = []
        for _ in range(rounds):
            wall, peak, _ = timed_child(command, env)
            results = json.loads((Path(out) / "posture-results.json").read_text(encoding="utf-8"))
            durations = {c["id"]: c["duration_s"] for c in results["checks"] if c["status"] != "skipped"}
            errors = [c["id"] for c in results["checks"] if c["status"] == "error"]
            runs.append((wall / max(durations.values()), wall, durations, peak, errors))
    ratio, wall, durations, _, errors = sorted(runs, key=lambda r: r[0])[len(runs) // 2]
    slowest = max(durations, key=lambda c: durations[c])
    detail = (f"wall {wall:.2f} s, slowest check {slowest} {durations[slowest]:.2f} s, all checks together "
              f"{sum(durations.values()):.2f} s; median of {rounds}" + (f"; ERRORS in {errors}" if errors else ""))
    return Figure(ratio, "x", ASSESSMENT_GOAL, detail=detail, peak_mb=max(r[3] for r in runs),
                  samples=[r[0] for r in runs])


FIGURES = {
    "cold-start-help": cold_start_help,
    "cold-start-scan-help": cold_start_scan_help,
    "scan-imports": scan_imports,
    "plan-render": plan_render,
    "plan-render-staff": plan_render_staff,
    "assessment": assessment_ratio,
}


def main() -> None:
    for name, make in FIGURES.items():
        figure = make()
        goal = f" (goal <= {figure.goal:g})" if figure.goal is not None else ""
        print(f"{name}: {figure.value:.3f} {figure.unit}{goal}; {figure.detail}")


if __name__ == "__main__":
    main()
