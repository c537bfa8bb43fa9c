"""Every real nmap and masscan XML sample (tests/data/real/nmap-xml, masscan-xml) through `posture validate`
and `posture scan`, asserting what each file says. PROVENANCE beside the samples says where each came from."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from posture.cli import main

DATA = Path(__file__).resolve().parents[2] / "data" / "real"


@dataclass(frozen=True)
class Sample:
    target: str  # the scope target that covers the file's addresses
    validate: int = 0  # exit code of `posture validate`
    message: str = ""  # for a refused file: what the one-line error says
    scan: tuple[int, ...] = (1,)  # accepted exit codes of `posture scan` (the readiness check has findings too)
    keys: tuple[str, ...] = ()  # finding keys that must be there
    absent: tuple[str, ...] = ()  # key prefixes that must not be
    passes: bool | None = False  # may the ports check produce a pass finding?
    version: str = ""  # the scanner version the import facts must name
    scanner: str = "nmap"
    statuses: dict[str, str] = field(default_factory=dict)  # key -> status


PORT = "37151"  # the port the session's http.server listened on for the generated samples
SAMPLES: dict[str, Sample] = {
    "nmap-xml/libnmap-nmap5.21-A-24.xml": Sample(
        "192.168.1.0/24", version="5.21", absent=("192.168.1.0/", "192.168.1.2/"), passes=None),
    "nmap-xml/libnmap-nmap6.40-A-24.xml": Sample(
        "192.168.1.0/24", version="6.40-2", absent=("192.168.1.0/", "192.168.1.6/"), passes=None),
    "nmap-xml/libnmap-nmap7.91-sP.xml": Sample(
        "172.28.1.3", scan=(1, 3), keys=("libnmap-nmap7.91-sP.xml/no-ports",), version="7.91",
        statuses={"libnmap-nmap7.91-sP.xml/no-ports": "error"}),
    "nmap-xml/libnmap-nmap5.51-single-host.xml": Sample(
        "10.1.1.1", scan=(0, 1, 3), version="5.51", passes=None),
    "nmap-xml/libnmap-nmap7.91-sV-all-ports.xml": Sample(
        "172.28.1.3", keys=("172.28.1.3/tcp/21", "172.28.1.3/tcp/445", "172.28.1.3/tcp/3306", "172.28.1.3/tcp/1433"),
        version="7.91"),
    "nmap-xml/libnmap-nmap5.51-xmas.xml": Sample(
        "127.0.0.1", scan=(1, 3), keys=("127.0.0.1/undetermined",), version="5.51",
        statuses={"127.0.0.1/undetermined": "error"}),
    "nmap-xml/libnmap-nmap5.51-cut-short.xml": Sample("127.0.0.1", validate=2, message="the scan never finished"),
    "nmap-xml/posture-nmap7.93-sV-http.xml": Sample("127.0.0.1", keys=(f"127.0.0.1/tcp/{PORT}",), version="7.93"),
    "nmap-xml/posture-nmap7.93-sV-http-utf16le.xml": Sample(
        "127.0.0.1", keys=(f"127.0.0.1/tcp/{PORT}",), version="7.93"),
    "nmap-xml/posture-nmap7.93-sV-http-old-doctype.xml": Sample(
        "127.0.0.1", keys=(f"127.0.0.1/tcp/{PORT}",), version="7.93"),
    "nmap-xml/posture-nmap7.93-sT-quick.xml": Sample("127.0.0.1", keys=(f"127.0.0.1/tcp/{PORT}",), version="7.93"),
    "nmap-xml/posture-nmap7.93-sn.xml": Sample(
        "127.0.0.1", scan=(1, 3), keys=("posture-nmap7.93-sn.xml/no-ports",), version="7.93"),
    "nmap-xml/posture-nmap7.93-ipv6.xml": Sample("::1", keys=(f"::1/tcp/{PORT}",), version="7.93"),
    "nmap-xml/posture-nmap7.93-killed.xml": Sample("127.0.0.1", validate=2, message="the scan never finished"),
    "masscan-xml/masscan-1.0-two-ports.xml": Sample(
        "127.0.0.1", keys=("127.0.0.1/tcp/514", "127.0.0.1/tcp/80"), version="1.0-BETA", scanner="masscan",
        absent=("127.0.0.1/host-down",)),
}


def test_every_sample_file_is_covered_and_has_provenance() -> None:
    on_disk = {f"{p.parent.name}/{p.name}" for folder in ("nmap-xml", "masscan-xml")
               for p in (DATA / folder).glob("*.xml")}
    assert on_disk == set(SAMPLES)
    for folder in ("nmap-xml", "masscan-xml"):
        provenance = (DATA / folder / "PROVENANCE").read_text()
        for name in (p.name for p in (DATA / folder).glob("*.xml")):
            assert name in provenance, name


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_sample(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sample = SAMPLES[name]
    config = tmp_path / "posture.yaml"
    config.write_text(yaml.safe_dump({
        "version": 1, "organization": {"name": "Samples"},
        "scope": {"authorization": "imported files only", "targets": [{"address": sample.target}]},
        "checks": {"ports": {"live_scan": False, "nmap_xml": [str(DATA / name)]}},
        "report": {"out_dir": str(tmp_path / "out"), "formats": ["json"]},
    }))
    code = main(["validate", str(config)])
    err = capsys.readouterr().err
    assert code == sample.validate, err
    if sample.validate:
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and sample.message in lines[0] and Path(name).name in lines[0], err
        assert "Traceback" not in err
        with capsys.disabled():
            print(f"\n  {name}: refused: {lines[0].split(': ', 1)[-1][:100]}", end="")
        return
    code = main(["scan", str(config), "--no-history", "--quiet"])
    capsys.readouterr()
    assert code in sample.scan, f"{name}: exit {code}"
    results = json.loads((tmp_path / "out" / "posture-results.json").read_text())
    ports = next(c for c in results["checks"] if c["id"] == "ports")
    assert ports["status"] == "ok", ports.get("error")
    [imported] = ports["facts"]["imports"]
    assert (imported["scanner"], imported["nmap_version"]) == (sample.scanner, sample.version)
    found = {f["key"]: f for f in results["findings"] if f["check"] == "ports"}
    for key in sample.keys:
        assert key in found, f"{name}: no {key} in {sorted(found)[:20]}"
    for prefix in sample.absent:
        assert not [k for k in found if k.startswith(prefix)], prefix
    for key, status in sample.statuses.items():
        assert found[key]["status"] == status
    if sample.passes is False:
        assert not [k for k, f in found.items() if f["status"] == "pass"], name
    if sample.scanner == "masscan":
        assert all("masscan" in line for f in found.values() for line in f["evidence"] if "tcp/" in line)
    with capsys.disabled():
        counts = {s: sum(f["status"] == s for f in found.values()) for s in ("fail", "error", "pass")}
        print(f"\n  {name}: exit {code}, {counts}", end="")
