"""The ports check against the real nmap and fake services with real banners on 127.0.0.21-26.

Only loopback addresses the tests listen on are scanned, with explicit `ports:` so each scan
takes seconds. The main scan uses the standard profile (version detection), as a consultant would.
"""

from __future__ import annotations

import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from checks.ports import PortsCheck
from posture.assess import AssessmentRun
from posture.check import CheckContext
from posture.errors import Cancelled, CheckFailed
from posture.models import CheckStatus, Finding, Severity, Status
from posture.registry import default_registry
from posture.testing import config_from_dict, context_for, minimal_config, run_check
from tests.conftest import need_tools
from tests.integration.test_ports_listeners import (
    FTP,
    HTTP_LIGHTTPD,
    RDP,
    REDIS,
    SNMP_PUBLIC_RESPONSE,
    SSH,
    TELNET,
    FakeUdpServer,
    Listening,
    is_root,
    serving,
)

pytestmark = pytest.mark.integration

LAYOUT = {"127.0.0.21": [FTP, SSH], "127.0.0.22": [TELNET], "127.0.0.23": [HTTP_LIGHTTPD], "127.0.0.24": [RDP, REDIS]}
INCIDENT = {"discovered": "2026-11-20", "kind": "ransomware", "compromised_assets": ["reception-pc"]}


@pytest.fixture(scope="module")
def placed() -> Iterator[dict[str, dict[str, Listening]]]:
    need_tools("nmap")
    with serving(LAYOUT) as where:
        yield {address: {s.service.name: s for s in services} for address, services in where.items()}


def port_of(placed: dict[str, dict[str, Listening]], address: str, service: str) -> int:
    return placed[address][service].port


def all_ports(placed: dict[str, dict[str, Listening]]) -> list[int]:
    return sorted({s.port for services in placed.values() for s in services.values()})


def scope_for(placed: dict[str, dict[str, Listening]]) -> dict[str, Any]:
    return {"authorization": "Engagement letter signed by the owner, 2026-11-19", "targets": [
        {"address": "127.0.0.21", "name": "ftp-server", "expected_ports": [port_of(placed, "127.0.0.21", "ssh")]},
        {"address": "127.0.0.22", "name": "router", "exposure": "internet"},
        {"address": "127.0.0.23", "name": "website", "expected_ports": [port_of(placed, "127.0.0.23", "http")]},
        {"address": "127.0.0.24", "name": "reception-pc"},
        {"address": "127.0.0.26", "name": "spare-pc"},
    ]}


def check_context(folder: Path, placed: dict[str, dict[str, Listening]], **ports: Any) -> CheckContext:
    section = {"profile": "standard", "ports": all_ports(placed), **ports}
    data = minimal_config(scope=scope_for(placed), incident=INCIDENT, checks={"ports": section})
    return context_for(config_from_dict(folder, data), "ports")


@pytest.fixture(scope="module")
def standard_scan(placed: dict[str, dict[str, Listening]],
                  tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Finding], CheckContext]:
    ctx = check_context(tmp_path_factory.mktemp("standard"), placed)
    return {f.key: f for f in run_check(PortsCheck, ctx)}, ctx


def test_risky_banners_give_the_right_findings(standard_scan: tuple[dict[str, Finding], CheckContext],
                                               placed: dict[str, dict[str, Listening]]) -> None:
    found, _ = standard_scan

    def key(address: str, service: str, suffix: str = "") -> str:
        return f"{address}/tcp/{port_of(placed, address, service)}{suffix}"

    expected = {
        key("127.0.0.21", "ftp"): (Severity.MEDIUM, ("exposed-entry-point",)),
        key("127.0.0.21", "ftp", "/version"): (Severity.CRITICAL, ("faulty-security",)),  # vsftpd 2.3.4
        key("127.0.0.21", "ssh", "/version"): (Severity.HIGH, ("faulty-security",)),  # OpenSSH 7.4
        key("127.0.0.22", "telnet"): (Severity.CRITICAL, ("exposed-entry-point",)),  # Telnet on the internet
        key("127.0.0.23", "http", "/version"): (Severity.MEDIUM, ("faulty-security",)),  # lighttpd 1.4.28
        key("127.0.0.24", "ms-wbt-server"): (Severity.CRITICAL, ("attacker-persistence", "exposed-entry-point")),
        key("127.0.0.24", "redis"): (Severity.MEDIUM, ("exposed-entry-point",)),
    }
    failing = {k: (f.severity, f.weaknesses) for k, f in found.items() if f.status is Status.FAIL}
    assert failing == expected
    assert "vsftpd 2.3.4" in found[key("127.0.0.21", "ftp", "/version")].title
    assert found[key("127.0.0.24", "ms-wbt-server")].actions == ("review-remote-access", "close-exposed-services")


def test_expected_ports_get_no_finding_and_a_quiet_host_passes(standard_scan: tuple[dict[str, Finding], CheckContext],
                                                               placed: dict[str, dict[str, Listening]]) -> None:
    found, _ = standard_scan
    assert f"127.0.0.21/tcp/{port_of(placed, '127.0.0.21', 'ssh')}" not in found  # expected: only its version
    assert f"127.0.0.23/tcp/{port_of(placed, '127.0.0.23', 'http')}" not in found
    spare = found["127.0.0.26/expected-only"]
    assert spare.status is Status.PASS and spare.title == "No open ports found on spare-pc (127.0.0.26)"
    assert not any(f.status is Status.PASS for k, f in found.items() if not k.startswith("127.0.0.26"))


def test_the_scan_records_its_arguments_version_and_authorization(
        standard_scan: tuple[dict[str, Finding], CheckContext]) -> None:
    _, ctx = standard_scan
    facts = ctx.facts
    assert facts["authorization"] == "Engagement letter signed by the owner, 2026-11-19"
    assert facts["nmap_version"] and facts["nmap_version"][0].isdigit()
    assert "-sV" in facts["nmap_args"][0] and "--top-ports" not in facts["nmap_args"][0]
    assert facts["scanned"] == ["127.0.0.21", "127.0.0.22", "127.0.0.23", "127.0.0.24", "127.0.0.26"]
    assert facts["hosts_up"] == 5 and facts["hosts_down"] == []


def test_a_connect_scan_without_root_finds_the_same_ports(placed: dict[str, dict[str, Listening]], tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("checks.ports.scanner.running_as_root", lambda: False)  # read when the scan starts
    ctx = check_context(tmp_path, placed, profile="quick")
    found = {f.key: f for f in run_check(PortsCheck, ctx)}
    assert ctx.facts["nmap_args"][0].startswith("nmap -sT ")
    telnet = f"127.0.0.22/tcp/{port_of(placed, '127.0.0.22', 'telnet')}"
    assert found[telnet].status is Status.FAIL and found[telnet].weaknesses == ("exposed-entry-point",)
    open_ports = {k for k in found if k.count("/") == 2}
    assert len(open_ports) == 4  # the six listeners but the two expected ones (no version checks without -sV)


@pytest.fixture(scope="module")
def imported_xml(placed: dict[str, dict[str, Listening]], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scan "taken elsewhere": bare nmap, run here, writing XML as a consultant's laptop would."""
    folder = tmp_path_factory.mktemp("imported")
    greeting = [port_of(placed, "127.0.0.21", "ftp"), port_of(placed, "127.0.0.21", "ssh"),
                port_of(placed, "127.0.0.22", "telnet")]
    out = folder / "elsewhere.xml"
    subprocess.run(["nmap", "-sT", "-sV", "-n", "-p", ",".join(map(str, greeting)), "-oX", str(out),
                    "127.0.0.21", "127.0.0.22"], check=True, capture_output=True, timeout=120)
    return out


def test_imported_real_nmap_xml_is_judged_and_out_of_scope_hosts_refused(
        imported_xml: Path, placed: dict[str, dict[str, Listening]], tmp_path: Path) -> None:
    shutil.copy(imported_xml, tmp_path / "elsewhere.xml")
    scope = {"authorization": "ok", "targets": [{"address": "127.0.0.21", "name": "ftp-server"}]}
    data = minimal_config(scope=scope, checks={"ports": {"live_scan": False, "nmap_xml": ["elsewhere.xml"]}})
    ctx = context_for(config_from_dict(tmp_path, data), "ports")
    found = {f.key: f for f in run_check(PortsCheck, ctx)}
    refused = found["127.0.0.22/refused"]
    assert refused.status is Status.ERROR and "not in scope.targets" in refused.detail
    assert not any(k.startswith("127.0.0.22/tcp") for k in found)
    ftp = port_of(placed, "127.0.0.21", "ftp")
    assert found[f"127.0.0.21/tcp/{ftp}/version"].severity is Severity.CRITICAL
    assert found[f"127.0.0.21/tcp/{ftp}"].evidence[0].startswith("elsewhere.xml (scan of ")
    assert ctx.facts["refused"] == ["127.0.0.22: it is not in scope.targets (found in elsewhere.xml)"]


def test_our_reader_agrees_with_python_nmap_on_real_output(imported_xml: Path) -> None:
    import nmap

    from checks.ports.nmapxml import read_nmap_xml

    ours = read_nmap_xml(imported_xml)
    theirs = nmap.PortScanner.__new__(nmap.PortScanner).analyse_nmap_xml_scan(imported_xml.read_text())["scan"]
    assert {h.address for h in ours.hosts} == set(theirs)
    for host in ours.hosts:
        for p in host.ports:
            other = theirs[host.address][p.proto][p.port]
            assert (p.state, p.service, p.product, p.version) == (other["state"], other["name"], other["product"],
                                                                  other["version"])


def test_a_live_scan_refuses_excluded_and_out_of_scope_targets(placed: dict[str, dict[str, Listening]],
                                                               tmp_path: Path) -> None:
    scope = {"authorization": "ok", "exclude": ["127.0.0.22"],
             "targets": [{"address": "127.0.0.20/30", "name": "office"}]}  # .21 and .22; .22 excluded
    data = minimal_config(scope=scope, checks={"ports": {"profile": "quick", "ports": all_ports(placed)}})
    ctx = context_for(config_from_dict(tmp_path, data), "ports")
    found = {f.key: f for f in run_check(PortsCheck, ctx)}
    assert ctx.facts["scanned"] == ["127.0.0.21"] and ctx.facts["excluded"] == 1
    assert all(k.startswith("127.0.0.21/") for k in found)


def test_runner_end_to_end_records_authorization_and_plans_containment(
        placed: dict[str, dict[str, Listening]], tmp_path: Path) -> None:
    data = minimal_config(scope=scope_for(placed), incident=INCIDENT,
                          checks={"ports": {"profile": "quick", "ports": all_ports(placed)}})
    assessment = AssessmentRun(config_from_dict(tmp_path, data), default_registry(), only={"ports"}).run()
    [result] = [c for c in assessment.checks if c.check == "ports"]
    assert result.status is CheckStatus.OK and result.facts["authorization"].startswith("Engagement letter")
    assert assessment.scope["authorization"].startswith("Engagement letter")
    assert assessment.plan is not None
    actions = {a.id for a in assessment.plan.actions}
    assert {"close-exposed-services", "review-remote-access"} <= actions


def test_real_nmap_past_its_time_limit_is_an_error(placed: dict[str, dict[str, Listening]], tmp_path: Path) -> None:
    # version detection waits 6 s for the silent RDP listener's greeting: a 1 s budget cannot finish
    ctx = check_context(tmp_path, placed, ports=[port_of(placed, "127.0.0.24", "ms-wbt-server")], timeout_s=1)
    with pytest.raises(CheckFailed, match="did not finish within 1 s"):
        run_check(PortsCheck, ctx)


def test_cancelling_a_real_scan(placed: dict[str, dict[str, Listening]], tmp_path: Path) -> None:
    ctx = check_context(tmp_path, placed, ports=[port_of(placed, "127.0.0.24", "ms-wbt-server")])
    threading.Timer(0.5, ctx.cancel_event.set).start()
    with pytest.raises(Cancelled):
        run_check(PortsCheck, ctx)


def test_a_host_nmap_gave_up_on_is_incomplete_not_passed(placed: dict[str, dict[str, Listening]],
                                                         tmp_path: Path) -> None:
    ctx = check_context(tmp_path, placed, ports=[port_of(placed, "127.0.0.24", "ms-wbt-server")], host_timeout_s=1)
    found = {f.key: f for f in run_check(PortsCheck, ctx) if f.asset.startswith("reception-pc")}
    assert set(found) == {"127.0.0.24/incomplete"}
    assert found["127.0.0.24/incomplete"].status is Status.ERROR


def test_thorough_adds_a_udp_pass_as_root(tmp_path: Path) -> None:
    # SNMP's real port needs root to bind; without root the UDP pass is skipped and says so.
    server = FakeUdpServer("127.0.0.25", 161, SNMP_PUBLIC_RESPONSE) if is_root() else None
    try:
        data = minimal_config(scope={"authorization": "ok", "targets": [{"address": "127.0.0.25", "name": "printer"}]},
                              checks={"ports": {"profile": "thorough", "ports": [161]}})
        ctx = context_for(config_from_dict(tmp_path, data), "ports")
        found = {f.key: f for f in run_check(PortsCheck, ctx)}
    finally:
        if server:
            server.stop()
    if not is_root():
        assert ctx.facts["udp"] == "not scanned: UDP needs root (raw sockets)"
        return
    assert ctx.facts["udp"] == "the top 50 of 1 UDP ports" and "-sU" in ctx.facts["nmap_args"][1]
    snmp = found["127.0.0.25/udp/161"]
    assert snmp.status is Status.FAIL and snmp.severity is Severity.LOW
    assert snmp.title == "SNMP device management open on printer (127.0.0.25), udp/161"
    assert "snmp (SNMPv1 server, public)" in snmp.evidence[0]
