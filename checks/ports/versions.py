"""What software a port runs, read from nmap's version detection, and how sure we can be.

nmap's product/version fields need a product-specific reading before any version rule applies:
- MariaDB answers with MySQL's compatibility prefix: nmap says product `MySQL`, version
  `5.5.5-10.11.6-MariaDB-0+deb12u1`. That is MariaDB 10.11.6 (Debian package 0+deb12u1), not MySQL 5.
- Percona Server also calls itself MySQL; its version text names Percona.
- OpenSSH's portable releases end in `pN` (9.8p1); distribution builds add a package tag
  (`9.2p1 Debian 2+deb12u3`, `8.9p1 Ubuntu 3ubuntu0.10`), and RHEL/Fedora builds drop the `pN`.
- Distributions backport fixes without changing the upstream number, so a tagged version is judged
  against that distribution's fixed-package table when there is one (`fixed:` in services.yaml);
  otherwise its verdict is only "verify the patch level".
- nmap sometimes guesses: ranges (`3.X - 4.X`), `or later`, a name taken from the port table, or a
  literal its probe file hard-codes whatever the real version (Samba `4.6.2` for any Samba 4 that
  answers SMB2). Those are shown as guesses and never judged.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from posture.api import Severity

if TYPE_CHECKING:
    from checks.ports.observations import PortObs
    from checks.ports.services import VersionRule

_NUMBER = re.compile(r"(\d+(?:\.\d+)*)([a-z][a-z0-9]*)?(?=$|[\s\-+~_,(])", re.IGNORECASE)
_MARIADB = re.compile(r"(?:5\.5\.5-)?(\d+\.\d+\.\d+)-MariaDB(?:-(\S+))?", re.IGNORECASE)
_DISTRO_WORDS = (
    ("ubuntu", re.compile(r"ubuntu", re.IGNORECASE)),
    ("debian", re.compile(r"debian|deb\d+u|raspbian", re.IGNORECASE)),
    ("rhel", re.compile(r"red ?hat|rhel|centos|rocky|alma|\.el\d", re.IGNORECASE)),
    ("suse", re.compile(r"suse", re.IGNORECASE)),
    ("freebsd", re.compile(r"freebsd", re.IGNORECASE)),
)
_GUESS = re.compile(r"\bX\b|\d\.X|\s-\s|or later|or earlier", re.IGNORECASE)
# Versions nmap's probe file writes as a constant: the real server may be any release.
HARD_CODED = {("samba smbd", "4.6.2"): "nmap's probe prints 4.6.2 for any Samba 4 that answers SMB2"}


@dataclass(frozen=True)
class Software:
    """One product and version as posture understands it."""

    product: str  # canonical lower-case name: openssh, mariadb, mysql, percona, or nmap's product
    version: str  # the upstream version text ("9.2p1", "10.11.6"), "" when unknown
    distro: str = ""  # debian, ubuntu, rhel, suse, freebsd, "" for an upstream build
    package: str = ""  # the distribution's package revision when the banner shows it ("2+deb12u3")
    guess: str = ""  # why the version is only nmap's guess, "" when it was read from the service

    @property
    def key(self) -> tuple[tuple[int, ...], str, int] | None:
        return version_key(self.version)

    @property
    def shown(self) -> str:
        text = f"{self.product} {self.version}".strip()
        if self.distro:
            text += f" ({self.distro}" + (f" package {self.package})" if self.package else " build)")
        return text + (f" [nmap's guess: {self.guess}]" if self.guess else "")


def identify(port: PortObs) -> Software | None:
    """The software on this port, or None when nmap named no product."""
    product = port.product.strip()
    version = port.version.strip()
    if not product:
        return None
    lowered = product.lower()
    guess = _guess(port, lowered, version)
    mariadb = _MARIADB.fullmatch(version)
    if "mariadb" in lowered or mariadb:
        if mariadb:
            return Software("mariadb", mariadb.group(1), *_package_distro(mariadb.group(2) or ""), guess=guess)
        return Software("mariadb", _leading(version), guess=guess)
    if lowered == "mysql":
        name = "percona" if "percona" in f"{version} {port.extrainfo}".lower() else "mysql"
        upstream, _, package = version.partition("-")
        return Software(name, upstream, *_package_distro(package), guess=guess)
    if lowered == "openssh":
        upstream, _, rest = version.partition(" ")
        distro = _distro(f"{rest} {port.extrainfo}")
        package = rest.split()[-1] if distro in ("debian", "ubuntu") and rest.split() else ""
        if not distro and upstream and "p" not in upstream:
            distro = "rhel"  # RHEL and Fedora print OpenSSH_8.7 without the portable pN suffix
        return Software("openssh", upstream, distro, package, guess)
    distro = _distro(f"{version} {port.extrainfo}")
    return Software(lowered, _leading(version), distro, "", guess)


def version_key(text: str) -> tuple[tuple[int, ...], str, int] | None:
    """'9.8p1' -> ((9, 8), 'p', 1); '1.3.6b' -> ((1, 3, 6), 'b', 0); None for no leading version."""
    found = _NUMBER.match(text.strip())
    if not found:
        return None
    numbers = tuple(int(n) for n in found.group(1).split("."))
    suffix = (found.group(2) or "").lower()
    letters = suffix.rstrip("0123456789")
    digits = suffix[len(letters):]
    return numbers, letters, int(digits) if digits else 0


def compare(a: tuple[tuple[int, ...], str, int], b: tuple[tuple[int, ...], str, int]) -> int:
    """-1, 0 or 1; missing trailing numbers count as 0 (9.8 == 9.8.0)."""
    width = max(len(a[0]), len(b[0]))
    left = (a[0] + (0,) * (width - len(a[0])), a[1], a[2])
    right = (b[0] + (0,) * (width - len(b[0])), b[1], b[2])
    return (left > right) - (left < right)


def debian_compare(a: str, b: str) -> int:
    """dpkg's ordering of package revisions ('2+deb12u3' < '2+deb12u10'; '~' sorts first)."""
    def order(char: str) -> int:
        if char == "~":
            return -1
        if char.isalpha():
            return ord(char)
        return ord(char) + 256 if char else 0

    i = j = 0
    while i < len(a) or j < len(b):
        while (i < len(a) and not a[i].isdigit()) or (j < len(b) and not b[j].isdigit()):
            ca = a[i] if i < len(a) and not a[i].isdigit() else ""
            cb = b[j] if j < len(b) and not b[j].isdigit() else ""
            if order(ca) != order(cb):
                return -1 if order(ca) < order(cb) else 1
            i += bool(ca)
            j += bool(cb)
        na = nb = ""
        while i < len(a) and a[i].isdigit():
            na += a[i]
            i += 1
        while j < len(b) and b[j].isdigit():
            nb += b[j]
            j += 1
        if int(na or 0) != int(nb or 0):
            return -1 if int(na or 0) < int(nb or 0) else 1
    return 0


def _guess(port: PortObs, product: str, version: str) -> str:
    if port.method and port.method != "probed":
        return "the service name comes from the port number"
    if _GUESS.search(version):
        return f"nmap gives a range ({version})"
    return HARD_CODED.get((product, version), "")


def _distro(text: str) -> str:
    return next((name for name, pattern in _DISTRO_WORDS if pattern.search(text)), "")


def _package_distro(package: str) -> tuple[str, str]:
    distro = _distro(package)
    return (distro, package) if distro else ("", "")


def _leading(version: str) -> str:
    found = _NUMBER.match(version)
    return found.group(0) if found else ""


@dataclass(frozen=True)
class VersionVerdict:
    """A version rule that fired, how severe, and how sure posture is."""

    rule: VersionRule
    software: Software
    severity: Severity
    confident: bool  # False: "verify the patch level" (a distribution may have backported the fix)
    basis: str  # why posture is (or is not) sure, one sentence


def judge_version(software: Software, rules: tuple[VersionRule, ...], exposure: str) -> VersionVerdict | None:
    """The first rule this software falls under, judged with the distribution's fixes in mind."""
    if software.guess or software.key is None:
        return None  # a guessed version is shown, never judged
    for rule in rules:
        if software.product not in rule.products or not _in_range(software, rule):
            continue
        severity = rule.severity[exposure]
        fixed = rule.fixed.get(software.distro, {}).get(software.version)
        if software.distro and fixed and software.package:
            if debian_compare(_revision(software.package), fixed) >= 0:
                return None  # the distribution's package carries the fix
            return VersionVerdict(rule, software, severity, True,
                                  f"the {software.distro} package revision {software.package} is older than "
                                  f"{fixed}, the first that fixes {rule.advisory}")
        if software.distro and rule.end_of_life:
            return VersionVerdict(rule, software, severity, True,
                                  f"a {software.distro} build of version {software.version} ships only with releases "
                                  "past their standard support; only paid extended support still patches it")
        if software.distro or rule.patches_hidden:
            why = (f"the banner carries a {software.distro} package tag" if software.distro else
                   "this server's banner never shows the distribution's patches")
            return VersionVerdict(rule, software, _lowered(severity), False,
                                  f"{why}, and distributions backport fixes without changing the version, so "
                                  "only the installed package's patch level can tell: verify it")
        return VersionVerdict(rule, software, severity, True,
                              f"the service reports upstream version {software.version} with no distribution "
                              "tag, which is in the affected range")
    return None


def _in_range(software: Software, rule: VersionRule) -> bool:
    key = software.key
    assert key is not None
    if software.version in rule.versions:
        return True
    if rule.below is None:
        return False
    below = version_key(rule.below)
    since = version_key(rule.since) if rule.since else None
    assert below is not None
    return compare(key, below) < 0 and (since is None or compare(key, since) >= 0)


def _revision(package: str) -> str:
    """'1:9.2p1-2+deb12u3' or '2+deb12u3' -> '2+deb12u3'; 'openssh-8.7p1-38.el9' -> '38.el9'."""
    return package.rsplit("-", 1)[-1]


def _lowered(severity: Severity) -> Severity:
    """'Verify the patch level' is never more than medium."""
    if severity is Severity.CRITICAL:
        return Severity.MEDIUM
    return Severity.LOW if severity in (Severity.HIGH, Severity.MEDIUM) else severity
