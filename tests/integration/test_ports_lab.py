"""The ports check against a lab of real Debian daemons, scanned with the real nmap through `posture scan`.

The lab (tests/integration/ports_lab.py) runs inside a network namespace this test creates with
`unshare -n`: a fresh loopback and nothing else, so the daemons are unreachable from the machine's
real network and the scan cannot leave it. Both the quick and the standard profile are run; each
expected finding (service, severity, weakness) is asserted, and no current Debian package may be
called outdated. The test prints the daemons it scanned and how long the lab took.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import IN_CI, need_tools

pytestmark = pytest.mark.integration
ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
# address/proto/port -> (severity, weakness, a phrase of the title) in both profiles (internal target).
EXPECTED = {
    "tcp/21": ("high", "exposed-entry-point", "FTP file transfer open to anyone"),  # vsftpd, anonymous on
    "tcp/23": ("medium", "exposed-entry-point", "Telnet remote login open"),
    "tcp/139": ("medium", "exposed-entry-point", "Windows file sharing"),
    "tcp/445": ("medium", "exposed-entry-point", "Windows file sharing"),
    "smb-signing": ("medium", "exposed-entry-point", "SMB message signing is not required"),
    # nmap 7.93's rsync-list-modules cannot parse rsync >= 3.2.4's greeting (it lists digests), so
    # anonymous modules go unseen and the daemon keeps the row's own severity.
    "tcp/873": ("medium", "exposed-entry-point", "rsync file service open"),
    "tcp/1883": ("high", "exposed-entry-point", "MQTT message broker without TLS open to anyone"),
    "tcp/3306": ("medium", "exposed-entry-point", "MySQL/MariaDB database open"),
    "tcp/5432": ("medium", "exposed-entry-point", "PostgreSQL database open"),
    "tcp/6379": ("high", "exposed-entry-point", "Redis data store open to anyone"),
    "tcp/11211": ("high", "exposed-entry-point", "memcached cache open to anyone"),
    "udp/161": ("high", "exposed-entry-point", "SNMP device management open to anyone"),
}
EXPECTED_PORTS = [22, 80]  # sshd and lighttpd are the server's job: accepted, listed in the inventory


def config(profile: str, out: Path) -> dict[str, Any]:
    return {
        "version": 1,
        "organization": {"name": "Posture lab"},
        "scope": {"authorization": "The test's own network namespace",
                  "targets": [{"address": HOST, "name": "lab-server", "expected_ports": EXPECTED_PORTS}]},
        "checks": {"ports": {"profile": profile}},
        "report": {"out_dir": str(out), "formats": ["markdown", "json"]},
    }


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    need_tools("nmap", "unshare", "ip", "sshd", "vsftpd", "redis-server", "mariadbd", "smbd", "lighttpd",
               "memcached", "mosquitto", "snmpd", "rsync", "inetutils-inetd", "runuser")
    if os.geteuid() != 0:
        (pytest.fail if IN_CI else pytest.skip)("the lab needs root: unshare -n and daemons on privileged ports")
    if not sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb")):
        (pytest.fail if IN_CI else pytest.skip)("PostgreSQL is not installed (make system-tools)")
    base = tmp_path_factory.mktemp("ports-lab")
    work = base / "lab"
    work.mkdir()
    posture = str(Path(sys.executable).with_name("posture"))
    script = []
    for profile in ("quick", "standard"):
        path = base / f"{profile}.yaml"
        path.write_text(yaml.safe_dump(config(profile, base / profile)))
        script.append(f'"{posture}" scan "{path}" --no-history --quiet; echo $? > "{base}/{profile}.rc"')
    began = time.monotonic()
    done = subprocess.run(["unshare", "-n", sys.executable, "-m", "tests.integration.ports_lab", str(work), "--",
                           "sh", "-c", "\n".join(script)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    took = time.monotonic() - began
    log = (work / "daemons.log").read_text(errors="replace")[-3000:] if (work / "daemons.log").exists() else ""
    assert done.returncode == 0, f"lab failed: {done.stderr[-3000:]}\n{log}"
    results = {}
    for profile in ("quick", "standard"):
        rc = int((base / f"{profile}.rc").read_text())
        assert rc in (0, 1), f"posture scan ({profile}) exited {rc}: {done.stderr[-2000:]}"
        results[profile] = json.loads((base / profile / "posture-results.json").read_text())
        results[f"{profile}-plan"] = (base / profile / "posture-plan.md").read_text()
    results["lab"] = json.loads((work / "lab.json").read_text())
    results["seconds"] = took
    return results


def ports_findings(results: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["key"].removeprefix(f"{HOST}/"): f for f in results["findings"] if f["check"] == "ports"}


def test_the_lab_lists_each_daemon_it_scanned(lab: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    names = [d["name"] for d in lab["lab"]["daemons"]]
    assert names == ["openssh", "vsftpd", "redis", "mariadb", "postgresql", "samba", "telnetd", "lighttpd",
                     "memcached", "mosquitto", "snmpd", "rsync"]
    standard = ports_findings(lab["standard"])
    with capsys.disabled():
        print(f"\nports lab: {len(names)} daemons up in {lab['lab']['ready_s']} s, whole lab {lab['seconds']:.0f} s")
        for daemon in lab["lab"]["daemons"]:
            hits = [f"{k}: {f['severity']}" for k, f in standard.items()
                    if any(k.startswith(p) or k == "smb-signing" and daemon["name"] == "samba"
                           for p in daemon["ports"])]
            print(f"  {daemon['name']:<11} {daemon['package']} {daemon['version']:<28} "
                  f"{', '.join(daemon['ports'])}: {'; '.join(hits) or 'no finding (expected port)'}")


@pytest.mark.parametrize("profile", ["quick", "standard"])
def test_every_expected_finding_with_service_severity_and_weakness(lab: dict[str, Any], profile: str) -> None:
    found = ports_findings(lab[profile])
    check = next(c for c in lab[profile]["checks"] if c["id"] == "ports")
    assert check["status"] == "ok", check.get("error")
    for key, (severity, weakness, title) in EXPECTED.items():
        assert key in found, f"{profile}: no finding {key}; got {sorted(found)}"
        finding = found[key]
        assert finding["status"] == "fail" and finding["severity"] == severity, (profile, key, finding["severity"])
        assert weakness in finding["weaknesses"] and title in finding["title"], (profile, key, finding["title"])
    for key in ("tcp/22", "tcp/80"):  # expected ports of an internal server: accepted
        assert key not in found
    assert found["tcp/23"]["actions"] == ["close-exposed-services"]  # turn telnet off; MFA does not fix it


@pytest.mark.parametrize("profile", ["quick", "standard"])
def test_no_current_debian_package_is_called_outdated(lab: dict[str, Any], profile: str) -> None:
    found = ports_findings(lab[profile])
    assert [k for k in found if k.endswith("/version")] == []
    assert not any(f["status"] == "error" for f in found.values())


def test_standard_reads_versions_and_marks_nmaps_guesses(lab: dict[str, Any]) -> None:
    facts = next(c for c in lab["standard"]["checks"] if c["id"] == "ports")["facts"]
    [host] = facts["inventory"]
    rows = {r["port"]: r for r in host["ports"]}
    assert rows["tcp/22"]["expected"] and rows["tcp/22"]["software"].startswith("openssh 9.2p1 (debian package")
    assert rows["tcp/3306"]["software"].startswith("mariadb 10.11")  # not MySQL 5.5.5
    assert rows["tcp/445"]["guess"] and "guess" in rows["tcp/445"]["software"]  # nmap's Samba "4.6.2"
    scan = facts["scan"]
    assert scan["profile"] == "standard" and "UDP" in scan["udp"] and "redis-info" in scan["scripts"]
    assert any("TCP ports" in text for text in scan["tcp_ports"])
    plan = lab["standard-plan"]
    assert "## What was scanned" in plan and "lab-server" in plan and "nmap's guess" in plan


def test_quick_scans_the_table_ports_outside_the_top_100(lab: dict[str, Any]) -> None:
    facts = next(c for c in lab["quick"]["checks"] if c["id"] == "ports")["facts"]
    args = " ".join(facts["nmap_args"])
    for port in ("6379", "11211", "1883", "873"):
        assert port in args
    assert "-sV" not in args


def test_no_daemon_outlives_the_lab(lab: dict[str, Any]) -> None:
    listing = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert lab["lab"]["daemons"] and [line for line in listing.splitlines() if "/ports-lab" in line] == []
