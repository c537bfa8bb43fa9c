"""Judge what the scans saw: one finding per open port that matters, per host, and per refusal.

For each open port of an in-scope host:
- a risky service from the service-risk table → `exposed-entry-point`, severity by the target's
  exposure (internet > internal);
- a port not in the target's `expected_ports` → `exposed-entry-point` (low inside, medium outside);
- listing a port in `expected_ports` accepts it, except (a) a service the sources say must never face
  the internet (critical there: RDP, SMB, databases, Telnet...) on an internet target, and (b) in
  incident mode, remote access into a compromised asset, which becomes `attacker-persistence`
  (critical) whatever the config expects;
- an outdated version seen by version detection → `faulty-security`, in a finding of its own.
A host with only expected ports open and nothing to report gets a `pass`. Hosts that did not answer,
or that nmap gave up on, get an `error` finding: their ports are unknown, not safe.

Finding keys are stable across runs: `<address>/<proto>/<port>`, `.../version`, `<address>/host-down`,
`<address>/incomplete`, `<address>/refused`, `<hostname>/unresolved`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from checks.ports.nmapxml import HostObs, PortObs, ScanRun
from checks.ports.scope import IPAddress, Refusal, ResolvedScope, TargetSpec
from checks.ports.services import OutdatedRule, ServiceRule, ServiceTable
from posture.api import Config, Finding, PreviousRun, Severity, Status, load_catalogue

CHECK_ID = "ports"


@dataclass
class Sighting:
    port: PortObs
    run: ScanRun


@dataclass
class HostView:
    """Everything the live scan and the imports say about one in-scope address."""

    address: IPAddress
    spec: TargetSpec
    up: bool = False
    not_answering: list[str] = field(default_factory=list)  # sources where it was down
    timed_out: list[str] = field(default_factory=list)  # sources that gave up on it
    hostnames: set[str] = field(default_factory=set)
    open_ports: dict[tuple[str, int], list[Sighting]] = field(default_factory=dict)
    other_states: int = 0  # open|filtered and the like: not judged


def merge(scope: ResolvedScope, runs: Iterable[tuple[ScanRun, set[IPAddress]]]) -> tuple[list[HostView], list[Refusal]]:
    """Fold every run into one view per address. `runs` pairs each run with the addresses it was
    asked to scan (live: those absent from the XML did not answer; imports: empty)."""
    views: dict[IPAddress, HostView] = {}
    refused: dict[IPAddress, Refusal] = {}
    for run, requested in runs:
        seen: set[IPAddress] = set()
        for host in run.hosts:
            address = ipaddress.ip_address(host.address)
            seen.add(address)
            spec, why = scope.target_for(address)
            if spec is None:
                refused.setdefault(address, Refusal(str(address), f"{address}/refused",
                                                    f"{why} (found in {run.source})"))
                continue
            _add(views.setdefault(address, HostView(address, spec)), host, run)
        for address in requested - seen:
            spec = scope.addresses[address]
            views.setdefault(address, HostView(address, spec)).not_answering.append(_source(run))
    ordered = [views[a] for a in sorted(views, key=lambda a: (a.version, int(a)))]
    return ordered, list(refused.values())


def _add(view: HostView, host: HostObs, run: ScanRun) -> None:
    view.hostnames.update(host.hostnames)
    if host.state == "up":
        view.up = True
    else:
        view.not_answering.append(_source(run))
    if host.timed_out:
        view.timed_out.append(_source(run))
    for port in host.ports:
        if port.state == "open":
            view.open_ports.setdefault((port.proto, port.port), []).append(Sighting(port, run))
        elif "open" in port.state:
            view.other_states += 1


def _source(run: ScanRun) -> str:
    version = f", nmap {run.version}" if run.version else ""
    if run.source == "live scan":
        return f"live scan of {run.started_text}{version}"
    return f"{run.source} (scan of {run.started_text}{version})"


@dataclass
class Judge:
    config: Config
    table: ServiceTable
    previous: PreviousRun | None = None

    def host(self, view: HostView) -> list[Finding]:
        spec = view.spec
        address = str(view.address)
        asset = spec.label(address)
        if not view.up:
            return [self._error(f"{address}/host-down", asset, f"{asset} did not answer the scan",
                                "nmap got no reply to its discovery probes, so none of its ports could be checked. "
                                "If the machine is switched off or already disconnected (quarantined), that is "
                                "expected; otherwise check it is on the network, or set assume_up: true in "
                                "checks.ports if its firewall drops ping probes, and run the scan again.",
                                [f"no reply: {s}" for s in view.not_answering])]
        findings: list[Finding] = []
        if view.timed_out:
            findings.append(self._error(
                f"{address}/incomplete", asset, f"The scan of {asset} stopped before it finished",
                "nmap gave up on this host (host_timeout_s), so ports it did not reach are unknown. "
                "Raise host_timeout_s or scan it on its own.", [f"timed out: {s}" for s in view.timed_out]))
        for (proto, number), sightings in sorted(view.open_ports.items()):
            findings += self._port(view, asset, proto, number, sightings)
        if not findings:
            findings.append(self._pass(view, asset))
        return findings

    # -- one open port
    def _port(self, view: HostView, asset: str, proto: str, number: int, sightings: list[Sighting]) -> list[Finding]:
        target = view.spec.target
        port = _best(sightings)
        rule = self.table.match(port)
        internet = target.exposure == "internet"
        expected = number in target.expected_ports
        evidence = tuple(f"{_source(s.run)}: {proto}/{number} open"
                         + (f" ({s.port.reason})" if s.port.reason else "") + f", {s.port.describe}"
                         for s in sightings)
        key = f"{view.address}/{proto}/{number}"
        place = f"{asset}, {proto}/{number}"
        out: list[Finding] = []
        exposure_sentence = ("This target is marked exposure: internet, so anyone on the internet can try it."
                             if internet else "It is reachable on the internal network, by any infected "
                             "machine or intruder inside.")
        if rule is not None and rule.remote_access and self._compromised(view):
            out.append(self._fail(
                key, asset, Severity.CRITICAL, f"Remote access into compromised {asset}: {rule.label}, "
                f"{proto}/{number}",
                f"{rule.risk} This machine is listed as compromised, so {rule.label} is a way for the intruder "
                f"to keep control or come back" + (" (even though it is listed as expected)." if expected else ".")
                + f" nmap saw: {port.describe}.",
                ("attacker-persistence", "exposed-entry-point"),
                "Cut this path off now (disable the service or block it at the firewall), review who logged in "
                f"through it and when, and reset every account that can use it. Then: {rule.fix}",
                rule.references, evidence, ("review-remote-access", "close-exposed-services"), port))
        elif rule is not None and (severity := self._risk_severity(rule, internet, expected)) is not None:
            if not expected:
                severity = _worst(severity, self.table.unexpected_severity[target.exposure])
            note = (" It is listed in expected_ports, but the sources are clear that this service must not "
                    "face the internet." if expected else "")
            out.append(self._fail(
                key, asset, severity,
                f"{rule.label} {'reachable from the internet' if internet else 'open'} on {place}",
                f"{rule.risk} {exposure_sentence}{note} nmap saw: {port.describe}.", ("exposed-entry-point",), rule.fix,
                rule.references, evidence,
                ("close-exposed-services", "enable-mfa") if rule.remote_access else ("close-exposed-services",),
                port))
        elif not expected:
            out.append(self._fail(
                key, asset, self.table.unexpected_severity[target.exposure],
                f"Unexpected open port on {place} ({port.describe})",
                f"This port is not in the target's expected_ports. Every open port is a way in, and one that "
                f"nobody planned for is rarely patched or watched. {exposure_sentence}",
                ("exposed-entry-point",),
                f"If nothing needs {proto}/{number}, stop the service or block it with the host firewall "
                "(deny by default); if it is needed, add it to this target's expected_ports.",
                self.table.unexpected_references, evidence, ("close-exposed-services", "harden-firewall"), port))
        outdated = self.table.outdated_for(port)
        if outdated is not None:
            out.append(self._outdated(key, asset, place, outdated, port, evidence))
        return out

    def _risk_severity(self, rule: ServiceRule, internet: bool, expected: bool) -> Severity | None:
        severity = rule.severity["internet" if internet else "internal"]
        if severity is None:
            return None
        if expected and not (internet and severity is Severity.CRITICAL):
            return None  # accepted by the config
        return severity

    def _compromised(self, view: HostView) -> bool:
        incident = self.config.incident
        if incident is None:
            return False
        names = {str(view.address), view.spec.target.address, view.spec.target.name, *view.hostnames}
        if view.spec.hostname:
            names.add(view.spec.hostname)
        wanted = {a.strip().lower() for a in incident.compromised_assets}
        return bool(wanted & {n.lower() for n in names if n})

    def _outdated(self, key: str, asset: str, place: str, rule: OutdatedRule, port: PortObs,
                  evidence: tuple[str, ...]) -> Finding:
        software = " ".join(b for b in (port.product, port.version) if b)
        return self._fail(
            f"{key}/version", asset, rule.severity, f"Outdated {software} on {place}",
            f"{rule.why} nmap's version detection read this from the service itself.",
            ("faulty-security",), rule.fix, rule.references, evidence, ("patch-outdated-software",), port)

    # -- finding builders
    def _fail(self, key: str, asset: str, severity: Severity, title: str, detail: str, weaknesses: tuple[str, ...],
              remediation: str, refs: tuple[str, ...], evidence: tuple[str, ...], actions: tuple[str, ...],
              port: PortObs) -> Finding:
        finding = Finding(
            check=CHECK_ID, key=key, status=Status.FAIL, severity=severity, title=title, detail=detail,
            asset=asset, weaknesses=weaknesses, evidence=evidence, remediation=remediation,
            references=load_catalogue().refs(*refs), actions=actions,
        )
        return self._mark_new(finding)

    def _mark_new(self, finding: Finding) -> Finding:
        previous = self.previous
        if previous is None:
            return finding
        before = previous.findings.get(finding.id)
        if before is not None and before.status is Status.FAIL:
            return finding
        return replace(finding, detail=f"New since the previous run on {previous.finished.date().isoformat()}. "
                                       f"{finding.detail}")

    def _pass(self, view: HostView, asset: str) -> Finding:
        target = view.spec.target
        seen = sorted(view.open_ports)
        listed = ", ".join(f"{p}/{n}" for p, n in seen)
        missing = sorted(set(target.expected_ports) - {n for _, n in seen})
        detail = f"Open ports: {listed}; all of them are in expected_ports." if seen else \
            "None of the scanned ports is open."
        if missing:
            detail += f" Expected but not seen open: {', '.join(map(str, missing))}."
        title = f"Only the expected ports are open on {asset}" if seen else f"No open ports found on {asset}"
        return Finding(
            check=CHECK_ID, key=f"{view.address}/expected-only", status=Status.PASS, severity=Severity.INFO,
            title=title, detail=detail, asset=asset,
            weaknesses=("exposed-entry-point",), references=load_catalogue().refs(*self.table.unexpected_references),
            evidence=tuple(f"{p}/{n} open, {_best(view.open_ports[(p, n)]).describe}" for p, n in seen),
        )

    def _error(self, key: str, asset: str, title: str, detail: str, evidence: list[str]) -> Finding:
        return Finding(
            check=CHECK_ID, key=key, status=Status.ERROR, severity=Severity.INFO, title=title, detail=detail,
            asset=asset, weaknesses=("exposed-entry-point",), evidence=tuple(evidence),
        )

    def refusal(self, refusal: Refusal) -> Finding:
        if refusal.key.endswith("/unresolved"):
            title = f"Could not scan {refusal.subject}: the name does not resolve"
            detail = f"{refusal.subject} is in scope.targets, but {refusal.reason}, so its ports are unknown."
        else:
            title = f"Refused to scan or judge {refusal.subject}"
            detail = f"{refusal.subject} was not scanned or judged because {refusal.reason}."
        asset = refusal.target.label(refusal.subject) if refusal.target else refusal.subject
        return self._error(refusal.key, asset, title, detail, [refusal.reason])


def _best(sightings: list[Sighting]) -> PortObs:
    """The most informative sighting: recognised by version detection, then with a version, live first."""
    def rank(s: Sighting) -> tuple[int, int, int]:
        return (s.port.method == "probed", bool(s.port.version or s.port.product), s.run.source == "live scan")
    return max(sightings, key=rank).port


def _worst(a: Severity, b: Severity) -> Severity:
    return a if a.rank <= b.rank else b
