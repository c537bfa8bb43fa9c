"""The service-risk table (services.yaml beside this module): which open ports are risky, and how much.

A port is matched by what version detection recognised first (product, then service name), and by
its well-known port number only when nmap merely guessed the name from its port table: an HTTP
server that happens to listen on 23 is not Telnet. That way the table works both with `-sV`
(services on unusual ports are still recognised) and without it (quick profile, port numbers).
The table also says which ports every profile scans, which safe nmap scripts run, the weak
settings those scripts reveal, and the version rules (judged in `versions` and `judge`).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING, Any

from checks.ports.versions import version_key
from posture.api import Severity, load_catalogue, load_data_yaml

if TYPE_CHECKING:  # the XML readers are imported once nmap has started, not before (bench: scan-24)
    from checks.ports.observations import PortObs

EXPOSURES = ("internet", "internal")
_UNIDENTIFIED = frozenset({"", "unknown", "tcpwrapped"})
DEFAULT_ACTIONS = ("close-exposed-services",)
_REMEMBERED = 65_536  # distinct port looks whose service is remembered (then forgotten, to stay bounded)


@dataclass(frozen=True)
class ScriptMatch:
    """What a safe nmap script's output must show for a rule to apply."""

    scripts: frozenset[str]
    pattern: re.Pattern[str]
    says: str = ""

    def found(self, scripts: tuple[tuple[str, str], ...]) -> str | None:
        """The matching script's output, or None."""
        return next((out for sid, out in scripts if sid in self.scripts and self.pattern.search(out)), None)


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
    actions: tuple[str, ...] = DEFAULT_ACTIONS
    open_to_anyone: ScriptMatch | None = None
    tls_offered: ScriptMatch | None = None


@dataclass(frozen=True)
class Setting:
    """A weak setting a safe script reveals on a service: a finding of its own."""

    id: str
    services: frozenset[str]  # ServiceRule ids it applies to
    check: ScriptMatch
    host_script: bool
    label: str
    severity: dict[str, Severity | None]
    risk: str
    fix: str
    actions: tuple[str, ...]
    references: tuple[str, ...]
    source: str


@dataclass(frozen=True)
class VersionRule:
    id: str
    products: frozenset[str]
    since: str | None
    below: str | None
    versions: frozenset[str]
    severity: dict[str, Severity]
    advisory: str
    why: str
    fix: str
    references: tuple[str, ...]
    source: str
    fixed: dict[str, dict[str, str]]  # distro -> upstream version -> first fixed package revision
    patches_hidden: bool = False
    end_of_life: bool = False  # the version dates the OS: a distribution tag does not lower the verdict


@dataclass(frozen=True)
class ServiceTable:
    rules: tuple[ServiceRule, ...]
    versions: tuple[VersionRule, ...]
    settings: tuple[Setting, ...]
    unexpected_severity: dict[str, Severity]
    unexpected_references: tuple[str, ...]
    _matched: dict[tuple[Any, ...], ServiceRule | None] = field(default_factory=dict, compare=False, repr=False)

    def match(self, port: PortObs) -> ServiceRule | None:
        """The risky service this open port is, or None. Remembered by what the port looks like: a big
        import repeats the same few services on thousands of hosts."""
        key = (port.proto, port.port, port.service, port.product, port.extrainfo, port.tunnel, port.method,
               port.scripts)
        matched = self._matched
        if key in matched:
            return matched[key]
        if len(matched) > _REMEMBERED:
            matched.clear()
        found = matched[key] = self._match(port)
        return found

    def _match(self, port: PortObs) -> ServiceRule | None:
        for rule in self._candidates(port):
            if rule.plaintext and port.tunnel == "ssl":
                continue  # the risk is clear text, and this one speaks TLS
            if rule.tls_offered is not None and rule.tls_offered.found(port.scripts) is not None:
                continue  # it offers STARTTLS
            return rule
        return None

    def _candidates(self, port: PortObs) -> list[ServiceRule]:
        found: list[ServiceRule] = []
        # A script may name the service itself (mqtt-subscribe: "mosquitto version 2.0.11").
        text = f"{port.product} {port.extrainfo}".strip() or (port.service if port.method == "probed" else "")
        if text:
            found += [r for r in self.rules if any(p.search(text) for p in r.products)]
        found += [r for r in self.rules if port.service in r.names]
        guessed = port.method != "probed" or port.service in _UNIDENTIFIED
        found += [r for r in self.rules if (port.proto, port.port) in r.ports
                  and (guessed or port.service in r.port_names)]
        return list(dict.fromkeys(found))

    @property
    def scan_ports(self) -> tuple[frozenset[int], frozenset[int]]:
        """Every TCP and UDP port of the table: the quick and standard profiles always scan them."""
        ports = {p for r in self.rules for p in r.ports}
        return (frozenset(n for proto, n in ports if proto == "tcp"),
                frozenset(n for proto, n in ports if proto == "udp"))

    @property
    def scripts(self) -> tuple[str, ...]:
        """The safe, read-only nmap scripts whose answers change a verdict, in table order."""
        names: list[str] = []
        for rule in self.rules:
            for check in (rule.open_to_anyone, rule.tls_offered):
                if check is not None:
                    names += sorted(check.scripts)
        for setting in self.settings:
            names += sorted(setting.check.scripts)
        return tuple(dict.fromkeys(names))


def read_services_data() -> Any:
    """The raw rows of services.yaml, which lives beside this module."""
    return load_data_yaml(resources.files("checks.ports").joinpath("services.yaml").read_text(encoding="utf-8"))


@functools.cache
def load_services() -> ServiceTable:
    """The table from services.yaml, checked: a bad row fails loudly, not silently."""
    return build_table(read_services_data())


def build_table(data: Any) -> ServiceTable:
    catalogue = load_catalogue()
    rules = [_rule(row, catalogue) for row in data["services"]]
    if len({r.id for r in rules}) != len(rules):
        raise ValueError("services.yaml: two rows share an id")
    settings = [_setting(row, catalogue) for row in data.get("settings") or ()]
    versions = [_version_rule(row, catalogue) for row in data["versions"]]
    unexpected = data["unexpected"]
    refs = tuple(unexpected["references"])
    _known(refs, catalogue.references, "unexpected")
    return ServiceTable(
        rules=tuple(rules), versions=tuple(versions), settings=tuple(settings),
        unexpected_severity={e: Severity(unexpected["severity"][e]) for e in EXPOSURES},
        unexpected_references=refs,
    )


def _rule(row: dict[str, Any], catalogue: Any) -> ServiceRule:
    refs = tuple(row["references"])
    _known(refs, catalogue.references, row["id"])
    actions = tuple(row.get("actions") or DEFAULT_ACTIONS)
    _known(actions, catalogue.actions, row["id"])
    return ServiceRule(
        id=row["id"], label=row["label"], names=frozenset(row.get("names") or ()),
        ports=frozenset(_port(p) for p in row.get("ports") or ()),
        port_names=frozenset(row.get("port_names") or ()),
        products=tuple(re.compile(p, re.IGNORECASE) for p in row.get("products") or ()),
        plaintext=bool(row["plaintext"]), remote_access=bool(row["remote_access"]),
        severity=_severities(row["severity"]), risk=" ".join(row["risk"].split()), fix=row["fix"],
        references=refs, source=row["source"], actions=actions,
        open_to_anyone=_script_match(row.get("open_to_anyone")), tls_offered=_script_match(row.get("tls_offered")),
    )


def _setting(row: dict[str, Any], catalogue: Any) -> Setting:
    refs = tuple(row["references"])
    _known(refs, catalogue.references, row["id"])
    _known(tuple(row["actions"]), catalogue.actions, row["id"])
    return Setting(
        id=row["id"], services=frozenset(row["services"]),
        check=ScriptMatch(frozenset(row["script"].split("|")), re.compile(row["match"])),
        host_script=bool(row.get("host_script")), label=row["label"], severity=_severities(row["severity"]),
        risk=" ".join(row["risk"].split()), fix=row["fix"], actions=tuple(row["actions"]), references=refs,
        source=row["source"],
    )


def _version_rule(row: dict[str, Any], catalogue: Any) -> VersionRule:
    refs = tuple(row["references"])
    _known(refs, catalogue.references, row["id"])
    for key in ("since", "below"):
        if key in row and version_key(str(row[key])) is None:
            raise ValueError(f"services.yaml: {row['id']}: cannot read version {row[key]!r}")
    return VersionRule(
        id=row["id"], products=frozenset(row["products"]),
        since=str(row["since"]) if "since" in row else None, below=str(row["below"]) if "below" in row else None,
        versions=frozenset(str(v) for v in row.get("versions") or ()),
        severity={e: Severity(row["severity"][e]) for e in EXPOSURES}, advisory=row["advisory"],
        why=" ".join(row["why"].split()), fix=row["fix"], references=refs, source=row["source"],
        fixed={d: {str(k): str(v) for k, v in t.items()} for d, t in (row.get("fixed") or {}).items()},
        patches_hidden=bool(row.get("patches_hidden")), end_of_life=bool(row.get("end_of_life")),
    )


def _severities(raw: dict[str, str | None]) -> dict[str, Severity | None]:
    out: dict[str, Severity | None] = {}
    for exposure in EXPOSURES:
        value = raw[exposure]
        out[exposure] = None if value is None else Severity(value)
    return out


def _script_match(raw: dict[str, str] | None) -> ScriptMatch | None:
    if raw is None:
        return None
    return ScriptMatch(frozenset(raw["script"].split("|")), re.compile(raw["match"]), raw.get("says", ""))


def _port(text: str) -> tuple[str, int]:
    proto, _, number = text.partition("/")
    if proto not in ("tcp", "udp", "sctp") or not number.isdigit() or not 0 < int(number) < 65536:
        raise ValueError(f"services.yaml: {text!r} is not proto/port")
    return proto, int(number)


def _known(refs: tuple[str, ...], known: Any, row: str) -> None:
    missing = [r for r in refs if r not in known]
    if missing:
        raise ValueError(f"services.yaml: {row} cites unknown references or actions {missing}")
