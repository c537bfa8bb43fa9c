"""The service-risk table: well-formed, sourced, and matching services the way nmap reports them."""

from __future__ import annotations

import copy

import pytest

from checks.ports.nmapxml import PortObs
from checks.ports.services import build_table, load_services, parse_version, read_services_data
from posture.models import Severity


def port(number: int, service: str = "", *, proto: str = "tcp", method: str = "table", product: str = "",
         version: str = "", tunnel: str = "", extrainfo: str = "") -> PortObs:
    return PortObs(proto, number, "open", "syn-ack", service, product, version, extrainfo, tunnel, method)


def rule_id(p: PortObs) -> str | None:
    rule = load_services().match(p)
    return rule.id if rule else None


def test_every_row_is_sourced_and_cites_known_references() -> None:
    table = load_services()
    for rule in table.rules:
        assert rule.source.startswith("FACTS.md"), rule.id
        assert rule.references and rule.risk and rule.fix, rule.id
        assert rule.severity["internet"] is not None, rule.id
    for outdated in table.outdated:
        assert outdated.source.startswith("FACTS.md") and outdated.references, outdated.id


def test_the_services_the_issue_names_are_all_in_the_table() -> None:
    ids = {r.id for r in load_services().rules}
    assert ids >= {"telnet", "ftp", "rdp", "smb", "netbios-udp", "vnc", "snmp", "mysql", "mssql", "postgresql",
                   "mongodb", "redis", "elasticsearch", "memcached", "http-admin"}


def test_internet_exposure_is_never_rated_below_internal() -> None:
    for rule in load_services().rules:
        internal = rule.severity["internal"]
        internet = rule.severity["internet"]
        assert internet is not None
        assert internal is None or internet.at_least(internal), rule.id


@pytest.mark.parametrize(("observed", "expected"), [
    (port(23, "telnet"), "telnet"),
    (port(3389, "ms-wbt-server", method="probed", product="Microsoft Terminal Services"), "rdp"),
    (port(445, "microsoft-ds"), "smb"),
    (port(139, "netbios-ssn"), "smb"),
    (port(137, "netbios-ns", proto="udp"), "netbios-udp"),
    (port(161, "snmp", proto="udp"), "snmp"),
    (port(5900, "vnc"), "vnc"),
    (port(1433, "ms-sql-s"), "mssql"),
    (port(27017, "mongod"), "mongodb"),
    (port(11211, "memcache", proto="udp"), "memcached"),
    (port(5432, "postgresql"), "postgresql"),
    (port(3306, "mysql"), "mysql"),
    (port(22, "ssh"), "ssh"),
])
def test_matches_by_service_name(observed: PortObs, expected: str) -> None:
    assert rule_id(observed) == expected


def test_a_recognised_service_on_an_unusual_port_is_matched_by_name() -> None:
    assert rule_id(port(2323, "telnet", method="probed", product="Linux telnetd")) == "telnet"
    assert rule_id(port(20021, "ftp", method="probed", product="vsftpd", version="2.3.4")) == "ftp"


def test_the_port_number_counts_only_when_nmap_just_guessed_the_name() -> None:
    assert rule_id(port(3389, "ms-wbt-server")) == "rdp"  # quick profile: name from the port table
    assert rule_id(port(3389, "tcpwrapped", method="probed")) == "rdp"
    assert rule_id(port(3389, "unknown", method="probed")) == "rdp"
    assert rule_id(port(23, "http", method="probed", product="nginx")) is None  # a web server on 23 is not Telnet


def test_products_identify_services_whatever_the_port_and_name() -> None:
    assert rule_id(port(9200, "http", method="probed", product="Elasticsearch REST API", version="7.10.2")) == \
        "elasticsearch"
    assert rule_id(port(10000, "http", method="probed", product="MiniServ", version="1.890",
                        extrainfo="Webmin httpd")) == "http-admin"
    assert rule_id(port(8080, "http", method="probed", product="Apache Tomcat")) == "http-admin"
    assert rule_id(port(8080, "http-proxy")) == "http-admin"
    assert rule_id(port(80, "http", method="probed", product="nginx")) is None


def test_plain_text_rows_do_not_apply_through_tls() -> None:
    assert rule_id(port(8080, "http", method="probed", product="Apache Tomcat", tunnel="ssl")) is None
    assert rule_id(port(990, "ftp", method="probed", tunnel="ssl")) is None
    assert rule_id(port(3389, "ms-wbt-server", tunnel="ssl")) == "rdp"  # RDP's risk is not clear text


@pytest.mark.parametrize(("product", "version", "expected"), [
    ("vsftpd", "2.3.4", "vsftpd-backdoor"),
    ("vsftpd", "3.0.5", None),
    ("OpenSSH", "7.4p1 Debian 10+deb9u7", "openssh-7"),
    ("OpenSSH", "6.6.1p1 Ubuntu 2ubuntu2.13", "openssh-7"),
    ("OpenSSH", "8.0", None),
    ("OpenSSH", "9.6p1 Ubuntu 3ubuntu13.5", None),
    ("lighttpd", "1.4.28", "lighttpd-old"),
    ("lighttpd", "1.4.76", None),
    ("Apache httpd", "2.2.15", "apache-2.2"),
    ("Apache httpd", "2.4.58", None),
    ("Microsoft IIS httpd", "7.5", "iis-old"),
    ("Microsoft IIS httpd", "10.0", None),
    ("Samba smbd", "3.X - 4.X", None),  # too vague to call outdated
    ("Samba smbd", "3.6.25", "samba-3"),
    ("MySQL", "5.7.33-0ubuntu0.18.04.1", "mysql-5"),
    ("MySQL", "8.0.36", None),
    ("Exim smtpd", "4.91", "exim-old"),
    ("nginx", "1.2.1", None),  # not in the table
    ("OpenSSH", "", None),
])
def test_outdated_versions(product: str, version: str, expected: str | None) -> None:
    found = load_services().outdated_for(port(22, "x", method="probed", product=product, version=version))
    assert (found.id if found else None) == expected


def test_outdated_severity_is_critical_for_a_backdoor_and_high_otherwise() -> None:
    severities = {o.id: o.severity for o in load_services().outdated}
    assert severities.pop("vsftpd-backdoor") is Severity.CRITICAL
    assert set(severities.values()) == {Severity.HIGH}


@pytest.mark.parametrize(("text", "parsed"), [
    ("7.4p1 Debian", ((7, 4), "p1")),
    ("1.3.3c", ((1, 3, 3), "c")),
    ("2.4.58", ((2, 4, 58), "")),
    ("10.0", ((10, 0), "")),
    ("3.X - 4.X", None),
    ("", None),
    ("beta", None),
])
def test_version_parsing(text: str, parsed: object) -> None:
    assert parse_version(text) == parsed


def test_a_broken_table_fails_loudly() -> None:
    data = read_services_data()
    bad_ref = copy.deepcopy(data)
    bad_ref["services"][0]["references"] = ["no-such-reference"]
    with pytest.raises(ValueError, match="unknown references"):
        build_table(bad_ref)
    bad_port = copy.deepcopy(data)
    bad_port["services"][0]["ports"] = ["tcp/99999"]
    with pytest.raises(ValueError, match="not proto/port"):
        build_table(bad_port)
    duplicate = copy.deepcopy(data)
    duplicate["services"].append(duplicate["services"][0])
    with pytest.raises(ValueError, match="share an id"):
        build_table(duplicate)
