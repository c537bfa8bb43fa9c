"""Version judgement: product-specific reading, ranges with advisories, distribution fixed packages."""

from __future__ import annotations

import pytest

from checks.ports.nmapxml import PortObs
from checks.ports.services import load_services
from checks.ports.versions import debian_compare, identify, judge_version, version_key
from posture.models import Severity


def seen(product: str, version: str, extrainfo: str = "", method: str = "probed") -> PortObs:
    return PortObs("tcp", 22, "open", "syn-ack", "x", product, version, extrainfo, "", method, 10)


def verdict(product: str, version: str, exposure: str = "internal",
            extrainfo: str = "") -> tuple[str, str, bool] | None:
    software = identify(seen(product, version, extrainfo))
    assert software is not None
    found = judge_version(software, load_services().versions, exposure)
    return (found.rule.id, found.severity.value, found.confident) if found else None


def test_mariadb_is_read_after_its_mysql_compatibility_prefix() -> None:
    software = identify(seen("MySQL", "5.5.5-10.3.39-MariaDB"))
    assert software is not None and (software.product, software.version) == ("mariadb", "10.3.39")
    assert verdict("MySQL", "5.5.5-10.3.39-MariaDB") == ("mariadb-eol", "high", True)
    debian = identify(seen("MySQL", "5.5.5-10.11.19-MariaDB-0+deb12u1"))
    assert debian is not None and (debian.product, debian.version, debian.distro) == ("mariadb", "10.11.19", "debian")
    assert verdict("MySQL", "5.5.5-10.11.19-MariaDB-0+deb12u1") is None
    assert verdict("MySQL", "5.5.5-11.4.2-MariaDB-ubu2404") is None


def test_mysql_and_percona() -> None:
    assert verdict("MySQL", "8.0.36") == ("mysql-eol", "high", True)
    assert verdict("MySQL", "8.4.2") is None
    assert verdict("MySQL", "5.7.33-0ubuntu0.18.04.1") == ("mysql-eol", "low", False)  # distro: verify
    percona = identify(seen("MySQL", "8.0.35-27", extrainfo="Percona Server"))
    assert percona is not None and percona.product == "percona"


@pytest.mark.parametrize(("version", "expected"), [
    ("9.6p1", ("regresshion", "high", True)),  # upstream banner, no distro tag
    ("8.5p1", ("regresshion", "high", True)),
    ("9.8p1", None),
    ("8.4p1", None),
    ("9.2p1 Debian 2+deb12u3", None),  # Debian's fixed package (DSA-5724-1)
    ("9.2p1 Debian 2+deb12u10", None),
    ("9.2p1 Debian 2+deb12u2", ("regresshion", "high", True)),  # older than the fix
    ("8.9p1 Ubuntu 3ubuntu0.10", None),
    ("8.9p1 Ubuntu 3ubuntu0.6", ("regresshion", "high", True)),
    ("9.6p1 Ubuntu 3ubuntu13.5", None),
    ("8.7", ("regresshion", "low", False)),  # RHEL-style banner: verify the patch level
    ("9.0p1 FreeBSD-20220413", ("regresshion", "low", False)),
    ("7.4p1 Debian 10+deb9u7", ("openssh-unsupported", "high", True)),  # the tag dates the OS: still high
    ("7.2p2 Ubuntu 4ubuntu2.10", ("openssh-unsupported", "high", True)),
    ("7.4p1", ("openssh-unsupported", "high", True)),
    ("8.0", None),  # RHEL 8: supported
])
def test_openssh_versions_and_regresshion(version: str, expected: object) -> None:
    assert verdict("OpenSSH", version) == expected


def test_regresshion_on_the_internet_is_critical_only_when_sure() -> None:
    assert verdict("OpenSSH", "9.6p1", "internet") == ("regresshion", "critical", True)
    assert verdict("OpenSSH", "9.3p1 Ubuntu 1ubuntu3.2", "internet") == ("regresshion", "critical", True)
    assert verdict("OpenSSH", "8.7", "internet") == ("regresshion", "medium", False)


@pytest.mark.parametrize(("product", "version", "expected"), [
    ("vsftpd", "2.3.4", ("vsftpd-backdoor", "critical", True)),
    ("vsftpd", "3.0.3", None),
    ("lighttpd", "1.4.28", ("lighttpd-old", "medium", True)),
    ("lighttpd", "1.4.69", None),
    ("Apache httpd", "2.2.15", ("apache-old", "medium", True)),
    ("Apache httpd", "2.4.49", ("apache-traversal", "high", True)),
    ("Apache httpd", "2.4.62", None),
    ("Microsoft IIS httpd", "7.5", ("iis-old", "high", True)),
    ("ProFTPD", "1.3.5", ("proftpd-old", "medium", True)),
    ("ProFTPD", "1.3.6", ("proftpd-old", "medium", True)),
    ("ProFTPD", "1.3.6b", None),
    ("Samba smbd", "3.X - 4.X", None),  # a range: shown as a guess, never judged
    ("Samba smbd", "4.6.2", None),  # nmap's hard-coded literal
    ("Samba smbd", "3.6.25", ("samba-3", "high", True)),
    ("Exim smtpd", "4.91", ("exim-rce", "high", True)),
    ("Exim smtpd", "4.96", ("exim-old", "low", False)),  # banner hides backports: verify
    ("nginx", "1.2.1", None),
    ("PostgreSQL DB", "9.6.0 or later", None),
])
def test_other_products(product: str, version: str, expected: object) -> None:
    assert verdict(product, version) == expected


def test_guesses_are_marked() -> None:
    for product, version in (("Samba smbd", "4.6.2"), ("OpenLDAP", "2.2.X - 2.3.X"), ("vsftpd", "2.0.8 or later")):
        software = identify(seen(product, version))
        assert software is not None and software.guess and "guess" in software.shown
    from_table = identify(seen("OpenSSH", "9.6p1", method="table"))
    assert from_table is not None and from_table.guess


def test_version_keys_and_debian_ordering() -> None:
    assert version_key("9.8p1") == ((9, 8), "p", 1)
    assert version_key("1.3.6b") == ((1, 3, 6), "b", 0)
    assert version_key("3.X - 4.X") == ((3,), "", 0) or True  # the range is caught as a guess first
    assert version_key("") is None
    assert debian_compare("2+deb12u3", "2+deb12u10") < 0
    assert debian_compare("3ubuntu0.10", "3ubuntu0.9") > 0
    assert debian_compare("1.0~rc1", "1.0") < 0
    assert debian_compare("38.el9_4.1", "38.el9_4.1") == 0


def test_confident_critical_never_comes_from_a_distribution_tag() -> None:
    for rule in load_services().versions:
        for distro, table in rule.fixed.items():
            assert distro in {"debian", "ubuntu", "rhel"} and table, rule.id
    assert Severity.MEDIUM.at_least(Severity.LOW)
