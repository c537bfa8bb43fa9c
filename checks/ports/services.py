"""The service-risk table (services.yaml beside this module): which open ports are risky, and how much.

A port is matched by what version detection recognised first (product, then service name), and by
its well-known port number only when nmap merely guessed the name from its port table: an HTTP
server that happens to listen on 23 is not Telnet. That way the table works both with `-sV`
(services on unusual ports are still recognised) and without it (quick profile, port numbers).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from checks.ports.nmapxml import PortObs
from posture.api import Severity, load_catalogue

EXPOSURES = ("internet", "internal")
_UNIDENTIFIED = frozenset({"", "unknown", "tcpwrapped"})
_VERSION = re.compile(r"(\d+(?:\.\d+)*)([a-z][a-z0-9]*)?(?=$|[\s\-+~_,(])", re.IGNORECASE)


@dataclass(frozen=True, eq=False)  # rows are unique by identity; compared by `id` where it matters
class ServiceRule:
    id: str
    label: str
    names: frozenset[str]
    ports: frozenset[tuple[str, int]]
    port_names: frozenset[str]
    products: tuple[re.Pattern[str], ...]
    plaintext: bool
    remote_access: bool
    severity: dict[str, Severity | None]
    risk: str
    fix: str
    references: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class OutdatedRule:
    id: str
    product: re.Pattern[str]
    below: tuple[int, ...] | None
    versions: frozenset[str]
    severity: Severity
    why: str
    fix: str
    references: tuple[str, ...]
    source: str

    def matches(self, port: PortObs) -> bool:
        if not port.product or not port.version or not self.product.fullmatch(port.product.strip()):
            return False
        parsed = parse_version(port.version)
        if parsed is None:
            return False  # "3.X - 4.X" and the like: too vague to call outdated
        numbers, suffix = parsed
        if self.versions and ".".join(map(str, numbers)) + suffix in self.versions:
            return True
        return self.below is not None and _padded(numbers, self.below) < _padded(self.below, numbers)


@dataclass(frozen=True)
class ServiceTable:
    rules: tuple[ServiceRule, ...]
    outdated: tuple[OutdatedRule, ...]
    unexpected_severity: dict[str, Severity]
    unexpected_references: tuple[str, ...]

    def match(self, port: PortObs) -> ServiceRule | None:
        """The risky service this open port is, or None."""
        for rule in self._candidates(port):
            if rule.plaintext and port.tunnel == "ssl":
                continue  # the risk is clear text, and this one speaks TLS
            return rule
        return None

    def _candidates(self, port: PortObs) -> list[ServiceRule]:
        found: list[ServiceRule] = []
        text = f"{port.product} {port.extrainfo}".strip()
        if text:
            found += [r for r in self.rules if any(p.search(text) for p in r.products)]
        found += [r for r in self.rules if port.service in r.names]
        guessed = port.method != "probed" or port.service in _UNIDENTIFIED
        found += [r for r in self.rules if (port.proto, port.port) in r.ports
                  and (guessed or port.service in r.port_names)]
        return list(dict.fromkeys(found))

    def outdated_for(self, port: PortObs) -> OutdatedRule | None:
        return next((rule for rule in self.outdated if rule.matches(port)), None)


def parse_version(text: str) -> tuple[tuple[int, ...], str] | None:
    """'7.4p1 Debian 10' -> ((7, 4), 'p1'); None when the text does not start with a version."""
    found = _VERSION.match(text.strip())
    if not found:
        return None
    try:
        numbers = tuple(int(n) for n in found.group(1).split("."))
    except ValueError:
        return None
    return numbers, (found.group(2) or "").lower()


def _padded(numbers: tuple[int, ...], other: tuple[int, ...]) -> tuple[int, ...]:
    return numbers + (0,) * max(0, len(other) - len(numbers))


def read_services_data() -> Any:
    """The raw rows of services.yaml, which lives beside this module."""
    return yaml.safe_load(resources.files("checks.ports").joinpath("services.yaml").read_text(encoding="utf-8"))


@functools.cache
def load_services() -> ServiceTable:
    """The table from services.yaml, checked: a bad row fails loudly, not silently."""
    return build_table(read_services_data())


def build_table(data: Any) -> ServiceTable:
    known_refs = load_catalogue().references
    rules = []
    for row in data["services"]:
        refs = tuple(row["references"])
        _known(refs, known_refs, row["id"])
        severity = {e: (None if row["severity"][e] is None else Severity(row["severity"][e])) for e in EXPOSURES}
        rules.append(ServiceRule(
            id=row["id"], label=row["label"], names=frozenset(row.get("names") or ()),
            ports=frozenset(_port(p) for p in row.get("ports") or ()),
            port_names=frozenset(row.get("port_names") or ()),
            products=tuple(re.compile(p, re.IGNORECASE) for p in row.get("products") or ()),
            plaintext=bool(row["plaintext"]), remote_access=bool(row["remote_access"]), severity=severity,
            risk=" ".join(row["risk"].split()), fix=row["fix"], references=refs, source=row["source"],
        ))
    if len({r.id for r in rules}) != len(rules):
        raise ValueError("services.yaml: two rows share an id")
    outdated = []
    for row in data["outdated"]:
        refs = tuple(row["references"])
        _known(refs, known_refs, row["id"])
        below = parse_version(str(row["below"])) if "below" in row else None
        if "below" in row and below is None:
            raise ValueError(f"services.yaml: {row['id']}: cannot read version {row['below']!r}")
        outdated.append(OutdatedRule(
            id=row["id"], product=re.compile(row["product"], re.IGNORECASE),
            below=below[0] if below else None, versions=frozenset(str(v) for v in row.get("versions") or ()),
            severity=Severity(row["severity"]), why=" ".join(row["why"].split()), fix=row["fix"],
            references=refs, source=row["source"],
        ))
    unexpected = data["unexpected"]
    refs = tuple(unexpected["references"])
    _known(refs, known_refs, "unexpected")
    return ServiceTable(
        rules=tuple(rules), outdated=tuple(outdated),
        unexpected_severity={e: Severity(unexpected["severity"][e]) for e in EXPOSURES},
        unexpected_references=refs,
    )


def _port(text: str) -> tuple[str, int]:
    proto, _, number = text.partition("/")
    if proto not in ("tcp", "udp", "sctp") or not number.isdigit() or not 0 < int(number) < 65536:
        raise ValueError(f"services.yaml: {text!r} is not proto/port")
    return proto, int(number)


def _known(refs: tuple[str, ...], known: Any, row: str) -> None:
    missing = [r for r in refs if r not in known]
    if missing:
        raise ValueError(f"services.yaml: {row} cites unknown references {missing}")
