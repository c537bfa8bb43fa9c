"""The ports check's overhead over bare nmap, and how fast it reads and judges a big nmap XML.

1. Loopback scope (fake services with real banners on 127.0.0.21-24, plus four quiet hosts): the
   whole check (prepare + run: scope, nmap, XML, judging) against bare `nmap` with exactly the same
   arguments, alternating in the same run; ratio of medians, goal <= 1.05. Both the quick profile
   (where nmap itself takes a fraction of a second, so fixed costs show) and standard (-sV). Loopback
   timings on a busy 2-core machine jitter by tens of ms, so the runs are paired and alternated and
   the check's own time outside nmap is printed too.
2. A 4,096-host nmap XML (hosts cloned from a real nmap scan of the fake services): prepare + run
   with `live_scan: false`, i.e. parse + scope + judge; goal <= 3 s.

Only 127.0.0.0/8 is touched. Run: .venv/bin/python -m bench.bench_ports
"""

from __future__ import annotations

import re
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import checks.ports.scanner as scanner_module  # the check reads run_pass from here when it scans
from checks.ports import PortsCheck
from checks.ports.profiles import nmap_passes, table_ports
from checks.ports.scanner import find_nmap, running_as_root
from posture.catalogue import load_catalogue
from posture.config import Config
from posture.registry import Registry
from posture.testing import config_from_dict, context_for, minimal_config
from tests.integration.test_ports_listeners import FTP, HTTP_LIGHTTPD, RDP, REDIS, SSH, TELNET, serving

RATIO_GOAL = 1.05
IMPORT_GOAL_S = 3.0
HOSTS = 4_096
LAYOUT = {"127.0.0.21": [FTP, SSH], "127.0.0.22": [TELNET], "127.0.0.23": [HTTP_LIGHTTPD], "127.0.0.24": [RDP, REDIS]}
QUIET = ["127.0.0.25", "127.0.0.26", "127.0.0.27", "127.0.0.28"]


def registry() -> Registry:
    reg = Registry()
    reg.add(PortsCheck, load_catalogue().weaknesses)
    return reg


def make_config(folder: Path, targets: list[dict[str, Any]], section: dict[str, Any]) -> Config:
    data = minimal_config(scope={"authorization": "bench: loopback only", "targets": targets},
                          checks={"ports": section})
    return config_from_dict(folder, data, registry())


def run_check_timed(config: Config) -> float:
    ctx = context_for(config, "ports")
    check = PortsCheck()
    started = time.perf_counter()
    check.prepare(ctx)
    list(check.run(ctx))
    return time.perf_counter() - started


def run_bare_timed(args: list[str], stdin: str) -> float:
    started = time.perf_counter()
    subprocess.run(args, input=stdin, text=True, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def overhead(profile: str, rounds: int, folder: Path) -> dict[str, Any]:
    """Paired runs, alternating which goes first; the ratio is the median of the per-pair ratios."""
    addresses = [*LAYOUT, *QUIET]
    config = make_config(folder, [{"address": a} for a in addresses], {"profile": profile})
    table = table_ports()  # exactly what the check runs
    [tcp] = nmap_passes(profile, ports=None, root=running_as_root(), table=table)
    stdin = "".join(f"{a}\n" for a in addresses)
    bare = [find_nmap(), *tcp.args, "-oX", str(folder / "bare.xml"), "-iL", "-"]
    inside_nmap: list[float] = []
    real_run_pass = scanner_module.run_pass

    def timed_run_pass(*args: Any, **kwargs: Any) -> Any:  # how long the check spends in nmap itself
        started = time.perf_counter()
        try:
            return real_run_pass(*args, **kwargs)
        finally:
            inside_nmap.append(time.perf_counter() - started)

    scanner_module.run_pass = timed_run_pass
    try:
        run_check_timed(config)  # warm caches (nmap's data files, the service table)
        ours, theirs = [], []
        for n in range(rounds):
            if n % 2:
                ours.append(run_check_timed(config))
                theirs.append(run_bare_timed(bare, stdin))
            else:
                theirs.append(run_bare_timed(bare, stdin))
                ours.append(run_check_timed(config))
    finally:
        scanner_module.run_pass = real_run_pass
    own = [total - nmap for total, nmap in zip(ours, inside_nmap[1:], strict=True)]
    ratios = [a / b for a, b in zip(ours, theirs, strict=True)]
    return {"check_s": statistics.median(ours), "nmap_s": statistics.median(theirs),
            "ratio": statistics.median(ratios), "own_ms": statistics.median(own) * 1000, "ratios": ratios}


def big_xml(folder: Path) -> Path:
    """A 4,096-host nmap XML made of real nmap <host> elements from a scan of the fake services."""
    return write_big_xml(folder, sample_xml(folder), HOSTS)


def sample_xml(folder: Path) -> Path:
    """A real nmap -sV scan of the fake services (they must be serving)."""
    sample = folder / "sample.xml"
    ports = ",".join(str(p) for p in (21, 22, 23, 80, 3389, 6379, 20021, 20022, 20023, 20080, 23389, 26379))
    subprocess.run([find_nmap(), "-sT", "-sV", "-n", "-T4", "-p", ports, "-oX", str(sample), *LAYOUT],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return sample


def write_big_xml(folder: Path, sample: Path, hosts: int) -> Path:
    """`hosts` clones of the sample's hosts on 127.0.0.0/16, written host by host (never one big string)."""
    text = sample.read_text()
    templates = re.findall(r"<host .*?</host>\n", text, re.S)
    head = text[:text.index("<host ")]
    tail = text[text.rindex("</host>\n") + len("</host>\n"):]
    tail = re.sub(r'up="\d+" down="\d+" total="\d+"', f'up="{hosts}" down="0" total="{hosts}"', tail)
    parts = [re.split(r'addr="127\.0\.0\.\d+" addrtype="ipv4"', t, maxsplit=1) for t in templates]
    out = folder / "big.xml"
    with out.open("w", encoding="utf-8") as handle:
        handle.write(head)
        for n in range(hosts):
            before, after = parts[n % len(parts)]
            handle.write(f'{before}addr="127.0.{n // 256 % 256}.{n % 256}" addrtype="ipv4"{after}')
        handle.write(tail)
    return out


def import_and_judge(folder: Path, rounds: int = 3) -> dict[str, float]:
    xml = big_xml(folder)
    config = make_config(folder, [{"address": "127.0.0.0/20", "name": "office", "expected_ports": [22, 80]}],
                         {"live_scan": False, "nmap_xml": [xml.name]})
    ctx = context_for(config, "ports")
    check = PortsCheck()
    check.prepare(ctx)
    findings = list(check.run(ctx))
    times = [run_check_timed(config) for _ in range(rounds)]
    return {"seconds": statistics.median(times), "megabytes": xml.stat().st_size / 1e6, "findings": len(findings)}


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="bench-ports-") as tmp, serving(LAYOUT):
        folder = Path(tmp)
        print("ports check vs bare nmap, same arguments, 8 loopback hosts (paired runs, median ratio)")
        for profile, rounds in (("quick", 61), ("standard", 5)):
            figures = overhead(profile, rounds, folder)
            verdict = "ok" if figures["ratio"] <= RATIO_GOAL else "OVER GOAL"
            print(f"  {profile:<9} check {figures['check_s']:.3f} s  nmap {figures['nmap_s']:.3f} s  "
                  f"ratio {figures['ratio']:.3f} (goal <= {RATIO_GOAL}) {verdict}; "
                  f"the check's own work outside nmap: {figures['own_ms']:.1f} ms")
        figures = import_and_judge(folder)
        verdict = "ok" if figures["seconds"] <= IMPORT_GOAL_S else "OVER GOAL"
        print(f"import + judge of a {HOSTS:,}-host nmap XML ({figures['megabytes']:.1f} MB, "
              f"{figures['findings']:,} findings): {figures['seconds']:.2f} s (goal <= {IMPORT_GOAL_S} s) {verdict}")


if __name__ == "__main__":
    main()
