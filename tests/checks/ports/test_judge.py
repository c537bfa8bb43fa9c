"""Judging open ports: severities by exposure, expected ports, incidents, hosts down, drift, refusals.

These run the whole check on imported nmap XML (`live_scan: false`), so no packet is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from checks.ports import PortsCheck
from posture.check import PreviousRun
from posture.models import Finding, Severity, Status
from posture.testing import config_from_dict, context_for, minimal_config, run_check


@dataclass(frozen=True)
class P:
    """An open port as an nmap XML line."""

    port: int
    service: str
    product: str = ""
    version: str = ""
    proto: str = "tcp"
    method: str = "probed"
    tunnel: str = ""
    state: str = "open"

    def xml(self) -> str:
        attrs = f'name="{self.service}"' + (f' product="{self.product}"' if self.product else "") + \
            (f' version="{self.version}"' if self.version else "") + (f' tunnel="{self.tunnel}"' if self.tunnel else "")
        return (f'<port protocol="{self.proto}" portid="{self.port}"><state state="{self.state}" reason="syn-ack" '
                f'reason_ttl="64"/><service {attrs} method="{self.method}" conf="10"/></port>\n')


def nmap_xml(hosts: dict[str, list[P] | str], *, start: int = 1795035912) -> str:
    """nmap -oX output for `hosts` (address -> open ports, or "down" / "timedout")."""
    body = ""
    for address, ports in hosts.items():
        if ports == "down":
            body += f'<host><status state="down" reason="no-response" reason_ttl="0"/>' \
                    f'<address addr="{address}" addrtype="ipv4"/></host>\n'
            continue
        timed_out = ' timedout="true"' if ports == "timedout" else ""
        rows = "" if isinstance(ports, str) else "".join(p.xml() for p in ports)
        body += (f'<host starttime="{start}" endtime="{start + 9}"{timed_out}><status state="up" reason="echo-reply" '
                 f'reason_ttl="64"/>\n<address addr="{address}" addrtype="ipv4"/>\n<hostnames>\n</hostnames>\n'
                 f'<ports>{rows}</ports>\n</host>\n')
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE nmaprun>\n<nmaprun scanner="nmap" '
            f'args="nmap -sS -sV -oX scan.xml 127.0.0.0/24" start="{start}" version="7.93" xmloutputversion="1.05">\n'
            f'{body}<runstats><finished time="{start + 40}" elapsed="40" exit="success"/>'
            f'<hosts up="{len(hosts)}" down="0" total="{len(hosts)}"/></runstats>\n</nmaprun>\n')


def judge(tmp_path: Path, targets: list[dict[str, Any]], hosts: dict[str, list[P] | str], *,
          incident: dict[str, Any] | None = None, previous: PreviousRun | None = None,
          extra_files: dict[str, str] | None = None) -> dict[str, Finding]:
    files = {"scan.xml": nmap_xml(hosts), **(extra_files or {})}
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    sections: dict[str, Any] = {
        "scope": {"authorization": "Engagement letter, 2026-11-19", "targets": targets},
        "checks": {"ports": {"live_scan": False, "nmap_xml": list(files)}},
    }
    if incident:
        sections["incident"] = incident
    config = config_from_dict(tmp_path, minimal_config(**sections))
    ctx = context_for(config, "ports", previous=previous)
    findings = run_check(PortsCheck, ctx)
    keys = [f.key for f in findings]
    assert len(keys) == len(set(keys)), "finding keys must be unique"
    return {f.key: f for f in findings}


INTERNAL = {"address": "127.0.0.21", "name": "reception-pc"}
INTERNET = {"address": "127.0.0.24", "name": "website", "exposure": "internet", "expected_ports": [80, 443]}


def test_risky_services_are_exposed_entry_points_rated_by_exposure(tmp_path: Path) -> None:
    found = judge(tmp_path, [INTERNAL, INTERNET], {
        "127.0.0.21": [P(3389, "ms-wbt-server"), P(23, "telnet"), P(21, "ftp")],
        "127.0.0.24": [P(3389, "ms-wbt-server"), P(21, "ftp"), P(6379, "redis")],
    })
    expected = {
        "127.0.0.21/tcp/3389": Severity.MEDIUM, "127.0.0.21/tcp/23": Severity.MEDIUM,
        "127.0.0.21/tcp/21": Severity.MEDIUM,
        "127.0.0.24/tcp/3389": Severity.CRITICAL, "127.0.0.24/tcp/21": Severity.HIGH,
        "127.0.0.24/tcp/6379": Severity.CRITICAL,
    }
    assert {k: f.severity for k, f in found.items()} == expected
    for finding in found.values():
        assert finding.status is Status.FAIL and finding.weaknesses == ("exposed-entry-point",)
        assert finding.references and finding.remediation and finding.evidence
    rdp = found["127.0.0.24/tcp/3389"]
    assert rdp.title == "Remote Desktop (RDP) reachable from the internet on website (127.0.0.24), tcp/3389"
    assert rdp.asset == "website (127.0.0.24)"
    assert "VPN" in rdp.remediation and rdp.actions == ("close-exposed-services", "enable-mfa")
    assert any("FBI" in r.title for r in rdp.references)
    assert rdp.evidence == ("scan.xml (scan of 2026-11-18 21:05 UTC, nmap 7.93): tcp/3389 open (syn-ack), "
                            "ms-wbt-server",)


def test_expected_ports_pass_and_unexpected_ones_are_findings(tmp_path: Path) -> None:
    found = judge(tmp_path, [{"address": "127.0.0.22", "name": "file-server", "expected_ports": [22, 445]},
                             {"address": "127.0.0.23", "name": "nas", "expected_ports": [443]},
                             {"address": "127.0.0.25", "name": "pos"}], {
        "127.0.0.22": [P(22, "ssh", "OpenSSH", "9.8p1"), P(445, "microsoft-ds")],
        "127.0.0.23": [P(443, "https", tunnel="ssl"), P(8443, "https-alt")],
        "127.0.0.25": [],
    })
    passed = found["127.0.0.22/expected-only"]
    assert passed.status is Status.PASS and passed.severity is Severity.INFO
    assert passed.title == "Only the expected ports are open on file-server (127.0.0.22)"
    assert not any(k.startswith("127.0.0.22/tcp") for k in found)  # SMB and SSH were expected: no finding
    odd = found["127.0.0.23/tcp/8443"]
    assert odd.severity is Severity.LOW and odd.weaknesses == ("exposed-entry-point",)
    assert odd.title == "Unexpected open port on nas (127.0.0.23), tcp/8443 (https-alt)"
    assert odd.actions == ("close-exposed-services", "harden-firewall")
    assert "127.0.0.23/expected-only" not in found
    assert found["127.0.0.25/expected-only"].title == "No open ports found on pos (127.0.0.25)"


def test_expected_does_not_excuse_what_must_never_face_the_internet(tmp_path: Path) -> None:
    gateway = {"address": "127.0.0.32", "name": "gateway", "exposure": "internet", "expected_ports": [443, 3389, 22]}
    found = judge(tmp_path, [gateway], {"127.0.0.32": [P(443, "http", tunnel="ssl"), P(3389, "ms-wbt-server"),
                                                       P(22, "ssh", "OpenSSH", "9.9p1")]})
    rdp = found["127.0.0.32/tcp/3389"]
    assert rdp.severity is Severity.CRITICAL and "listed in expected_ports" in rdp.detail
    assert set(found) == {"127.0.0.32/tcp/3389"}  # SSH (medium outside) and HTTPS are accepted as expected


def test_unexpected_internet_port_is_medium(tmp_path: Path) -> None:
    found = judge(tmp_path, [INTERNET], {"127.0.0.24": [P(80, "http"), P(8443, "https-alt", tunnel="ssl")]})
    assert found["127.0.0.24/tcp/8443"].severity is Severity.MEDIUM


def test_outdated_versions_are_faulty_security_even_on_expected_ports(tmp_path: Path) -> None:
    found = judge(tmp_path, [{"address": "127.0.0.21", "name": "ftp", "expected_ports": [21, 22, 80]}], {
        "127.0.0.21": [P(21, "ftp", "vsftpd", "2.3.4"), P(22, "ssh", "OpenSSH", "7.4p1 Debian 10+deb9u7"),
                       P(80, "http", "lighttpd", "1.4.28")],
    })
    assert found["127.0.0.21/tcp/21/version"].severity is Severity.CRITICAL
    ssh = found["127.0.0.21/tcp/22/version"]  # Debian 9's OpenSSH: the tag dates the OS, past its support
    assert ssh.severity is Severity.HIGH and ssh.title.startswith("Outdated OpenSSH 7.4p1")
    assert "Rule openssh-unsupported" in ssh.detail and "confidence high" in ssh.detail
    assert found["127.0.0.21/tcp/80/version"].severity is Severity.MEDIUM
    for key in ("127.0.0.21/tcp/21/version", "127.0.0.21/tcp/22/version", "127.0.0.21/tcp/80/version"):
        assert found[key].weaknesses == ("faulty-security",) and found[key].actions == ("patch-outdated-software",)
    assert found["127.0.0.21/tcp/21/version"].title == \
        "Outdated vsftpd 2.3.4 on ftp (127.0.0.21), tcp/21: CVE-2011-2523"
    assert "confidence high" in found["127.0.0.21/tcp/21/version"].detail
    assert "127.0.0.21/tcp/21" not in found  # FTP itself was expected on this internal host
    assert "127.0.0.21/expected-only" not in found


def test_remote_access_into_a_compromised_asset_is_attacker_persistence(tmp_path: Path) -> None:
    incident = {"discovered": "2026-11-20", "kind": "ransomware", "compromised_assets": ["reception-pc"]}
    found = judge(tmp_path, [{**INTERNAL, "expected_ports": [3389]}, {"address": "127.0.0.22", "name": "other"}], {
        "127.0.0.21": [P(3389, "ms-wbt-server"), P(5900, "vnc"), P(445, "microsoft-ds")],
        "127.0.0.22": [P(3389, "ms-wbt-server")],
    }, incident=incident)
    for key in ("127.0.0.21/tcp/3389", "127.0.0.21/tcp/5900"):
        finding = found[key]
        assert finding.severity is Severity.CRITICAL
        assert finding.weaknesses == ("attacker-persistence", "exposed-entry-point")
        assert finding.actions == ("review-remote-access", "close-exposed-services")
        assert finding.title.startswith("Remote access into compromised reception-pc (127.0.0.21)")
    assert found["127.0.0.21/tcp/445"].weaknesses == ("exposed-entry-point",)  # file sharing is not remote access
    assert found["127.0.0.22/tcp/3389"].severity is Severity.MEDIUM  # not compromised


def test_hosts_that_do_not_answer_or_time_out_are_errors_not_passes(tmp_path: Path) -> None:
    found = judge(tmp_path, [{"address": "127.0.0.16/29", "name": "office"}, {"address": "127.0.0.30"}], {
        "127.0.0.17": "down", "127.0.0.18": "timedout", "127.0.0.19": [P(23, "telnet")], "127.0.0.30": "down",
    })
    assert not any(k.startswith("127.0.0.17/") for k in found)  # one silent address of a range: absent
    down = found["127.0.0.30/host-down"]  # an explicitly listed host that did not answer
    assert down.status is Status.ERROR and "did not answer" in down.title
    assert found["127.0.0.18/incomplete"].status is Status.ERROR
    assert "127.0.0.18/expected-only" not in found
    assert found["127.0.0.19/tcp/23"].status is Status.FAIL
    assert not any(f.status is Status.PASS for f in found.values())


def test_hosts_outside_the_scope_are_refused_and_not_judged(tmp_path: Path) -> None:
    found = judge(tmp_path, [INTERNAL], {"127.0.0.21": [], "127.0.0.99": [P(23, "telnet")], "8.8.8.8": [P(53, "x")]})
    refused = found["127.0.0.99/refused"]
    assert refused.status is Status.ERROR and "not in scope.targets" in refused.detail and "scan.xml" in refused.detail
    assert found["8.8.8.8/refused"].status is Status.ERROR
    assert not any(k.startswith("127.0.0.99/tcp") for k in found)
    assert found["127.0.0.21/expected-only"].status is Status.PASS


def test_two_sources_for_one_host_are_merged_with_both_as_evidence(tmp_path: Path) -> None:
    later = nmap_xml({"127.0.0.24": [P(3389, "ms-wbt-server", "Microsoft Terminal Services"), P(80, "http")]},
                     start=1795122312)
    found = judge(tmp_path, [INTERNET], {"127.0.0.24": [P(3389, "ms-wbt-server", method="table")]},
                  extra_files={"later.xml": later})
    rdp = found["127.0.0.24/tcp/3389"]
    assert len(rdp.evidence) == 2 and rdp.evidence[1].startswith("later.xml (scan of 2026-11-19")


def test_findings_new_since_the_previous_run_say_so(tmp_path: Path) -> None:
    first = judge(tmp_path, [INTERNAL], {"127.0.0.21": [P(3389, "ms-wbt-server")]})
    previous = PreviousRun("run-1", datetime(2026, 11, 1, 9, 0, tzinfo=UTC), {f.id: f for f in first.values()})
    second = judge(tmp_path, [INTERNAL], {"127.0.0.21": [P(3389, "ms-wbt-server"), P(23, "telnet")]},
                   previous=previous)
    assert second["127.0.0.21/tcp/23"].detail.startswith("New since the previous run on 2026-11-01.")
    assert not second["127.0.0.21/tcp/3389"].detail.startswith("New since")
    assert second["127.0.0.21/tcp/3389"].id == first["127.0.0.21/tcp/3389"].id


def test_open_filtered_is_never_no_open_ports(tmp_path: Path) -> None:
    found = judge(tmp_path, [INTERNAL], {"127.0.0.21": [P(161, "snmp", proto="udp", method="table",
                                                          state="open|filtered")]})
    assert set(found) == {"127.0.0.21/udp/161"}
    maybe = found["127.0.0.21/udp/161"]
    assert maybe.severity is Severity.LOW and maybe.title.startswith("Possibly open: SNMP")
    unknown = judge(tmp_path, [INTERNAL], {"127.0.0.21": [P(5353, "zeroconf", proto="udp", method="table",
                                                            state="open|filtered")]})
    assert unknown["127.0.0.21/undetermined"].status is Status.ERROR  # no verdict, never a pass


@pytest.mark.parametrize("exposure", ["internal", "internet"])
def test_every_failing_finding_is_complete(tmp_path: Path, exposure: str) -> None:
    found = judge(tmp_path, [{"address": "127.0.0.21", "exposure": exposure}], {"127.0.0.21": [
        P(21, "ftp", "vsftpd", "2.3.4"), P(23, "telnet"), P(445, "microsoft-ds"), P(5432, "postgresql"),
        P(9200, "http", "Elasticsearch REST API"), P(11211, "memcache"), P(10000, "http", "MiniServ"),
        P(161, "snmp", proto="udp"), P(31337, "unknown")]})
    for finding in found.values():
        assert finding.status is Status.FAIL
        assert finding.weaknesses and finding.title and finding.detail and finding.remediation, finding.key
        assert finding.references and finding.asset and finding.evidence and finding.actions, finding.key


def test_nmaps_guesses_are_called_guesses(tmp_path: Path) -> None:
    found = judge(tmp_path, [INTERNAL], {"127.0.0.21": [P(445, "netbios-ssn", "Samba smbd", "4.6.2")]})
    assert "the version is nmap's guess" in found["127.0.0.21/tcp/445"].detail
    assert "127.0.0.21/tcp/445/version" not in found


def test_nothing_judged_is_an_error_that_says_why(tmp_path: Path) -> None:
    from posture.errors import CheckFailed

    with pytest.raises(CheckFailed, match="no address of the targets answered"):
        judge(tmp_path, [{"address": "127.0.0.16/29"}], {"127.0.0.17": "down", "127.0.0.18": "down"})
    with pytest.raises(CheckFailed, match="list no host at all"):
        judge(tmp_path, [{"address": "127.0.0.16/29"}], {})


def test_telnet_on_a_printer_asks_to_turn_telnet_off_not_for_mfa(tmp_path: Path) -> None:
    found = judge(tmp_path, [{"address": "127.0.0.21", "name": "printer", "expected_ports": [9100]}],
                  {"127.0.0.21": [P(23, "telnet"), P(9100, "jetdirect")]})
    telnet = found["127.0.0.21/tcp/23"]
    assert telnet.actions == ("close-exposed-services",) and "Turn Telnet off" in telnet.remediation
    assert "127.0.0.21/tcp/9100" not in found  # raw printing is expected on an internal printer


def test_a_service_open_to_anyone_is_high_inside_and_critical_outside(tmp_path: Path) -> None:
    anon = P(21, "ftp", "vsftpd", "3.0.3")
    xml = nmap_xml({"127.0.0.21": [anon], "127.0.0.24": [anon]}).replace(
        'method="probed" conf="10"/></port>',
        'method="probed" conf="10"/><script id="ftp-anon" output="Anonymous FTP login allowed (FTP code 230)"/></port>')
    (tmp_path / "anon.xml").write_text(xml)
    config = config_from_dict(tmp_path, minimal_config(
        scope={"authorization": "ok", "targets": [INTERNAL, INTERNET]},
        checks={"ports": {"live_scan": False, "nmap_xml": ["anon.xml"]}}))
    found = {f.key: f for f in run_check(PortsCheck, context_for(config, "ports"))}
    assert found["127.0.0.21/tcp/21"].severity is Severity.HIGH
    assert found["127.0.0.24/tcp/21"].severity is Severity.CRITICAL
    assert "open to anyone" in found["127.0.0.21/tcp/21"].title
    assert "lock-down-services" in found["127.0.0.21/tcp/21"].actions
    assert any("ftp-anon" in line for line in found["127.0.0.21/tcp/21"].evidence)
