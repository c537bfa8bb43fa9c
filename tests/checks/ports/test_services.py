"""The service-risk table: well-formed, sourced, and matching services the way nmap reports them."""

from __future__ import annotations

import copy

import pytest

from checks.ports.nmapxml import PortObs
from checks.ports.services import build_table, load_services, read_services_data


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
    for setting in table.settings:
        assert setting.source.startswith("FACTS.md") and setting.references, setting.id
    for version_rule in table.versions:
        assert version_rule.source.startswith("service-versions.md") and version_rule.references, version_rule.id
        assert version_rule.advisory and version_rule.why, version_rule.id


def test_the_services_the_issue_names_are_all_in_the_table() -> None:
    ids = {r.id for r in load_services().rules}
    assert ids >= {"telnet", "ftp", "rdp", "smb", "netbios-udp", "vnc", "snmp", "mysql", "mssql", "postgresql",
                   "mongodb", "redis", "elasticsearch", "memcached", "http-admin", "docker-api", "etcd", "kubelet",
                   "couchdb", "rabbitmq", "printer", "ssdp", "rsync", "nfs", "mqtt", "winrm", "msrpc", "open-proxy",
                   "pop3-imap-plain", "smtp-plain", "ldap"}


def test_every_port_the_issue_names_is_scanned_by_every_profile() -> None:
    tcp, udp = load_services().scan_ports
    assert tcp >= {6379, 27017, 11211, 2375, 2376, 2379, 10250, 9200, 9300, 5984, 15672, 9100, 631, 873, 2049,
                   1883, 5985, 5986, 135, *range(5900, 5911)}
    assert udp >= {161, 1900, 137, 123, 11211}


def test_the_scripts_are_the_safe_read_only_set_the_readme_lists() -> None:
    assert set(load_services().scripts) == {
        "ftp-anon", "vnc-info", "snmp-sysdescr", "memcached-info", "redis-info", "rsync-list-modules",
        "mqtt-subscribe", "ldap-search", "pop3-capabilities", "imap-capabilities", "smtp-commands",
        "ssh-auth-methods", "smb2-security-mode", "smb-security-mode"}


def test_starttls_lifts_the_clear_text_mail_rule() -> None:
    plain = port(110, "pop3", method="probed", product="Dovecot pop3d")
    assert rule_id(plain) == "pop3-imap-plain"
    with_tls = PortObs("tcp", 110, "open", "syn-ack", "pop3", "Dovecot pop3d", method="probed",
                       scripts=(("pop3-capabilities", "CAPA TOP STLS SASL UIDL"),))
    assert rule_id(with_tls) is None


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
