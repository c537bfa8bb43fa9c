"""Judge what the scans saw: one finding per open port that matters, per host, and per refusal.

For each open port of an in-scope host:
- a risky service from the service-risk table → `exposed-entry-point`, severity by the target's
  exposure (internet > internal);
- a port not in the target's `expected_ports` → `exposed-entry-point` (low inside, medium outside);
- listing a port in `expected_ports` accepts it, except (a) a service the sources say must never face
  the internet (critical there: RDP, SMB, databases, Telnet...) on an internet target, and (b) in
  incident mode, remote access into a compromised asset, which becomes `attacker-persistence`
  (critical) whatever the config expects;
- a service the safe nmap scripts show open to anyone (anonymous FTP, Redis without a password...)
  → high inside, critical on the internet; a weak setting they reveal (SSH password logins, SMB
  signing not required) → a finding of its own;
- a version rule that fires (see `versions`) → `faulty-security`, in a finding of its own, saying
  which rule fired and how sure posture is.
A host with only expected ports open and nothing to report gets a `pass`. An explicitly listed host
that did not answer, or that nmap gave up on, gets an `error` finding: its ports are unknown, not
safe. Addresses of a range target that do not answer are simply absent (a /24 sweep has many).
`open|filtered` ports are never "no open ports": a risky one is a low "possibly open" finding, and a
host with nothing else gets an `error` (nmap could not tell).

Finding keys are stable across runs: `<address>/<proto>/<port>`, `.../version`, `.../<setting>`,
`<address>/host-down`, `<address>/incomplete`, `<address>/undetermined`, `<address>/refused`,
`<hostname>/unresolved`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from checks.ports.addresses import normalise
from checks.ports.nmapxml import HostObs, PortObs, ScanRun
from checks.ports.scope import IPAddress, Refusal, ResolvedScope, TargetSpec
from checks.ports.services import ServiceRule, ServiceTable, Setting
from checks.ports.versions import VersionVerdict, identify, judge_version
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
    undetermined: dict[tuple[str, int], list[Sighting]] = field(default_factory=dict)  # open|filtered
    other_states: int = 0  # open|filtered ports nmap summarised (<extraports>): counted, not listed
    host_scripts: list[tuple[str, str]] = field(default_factory=list)

    @property
    def single_host(self) -> bool:
        """Listed on its own (an address or a hostname), not one address of a range."""
        return self.spec.network is None or self.spec.network.num_addresses == 1


def merge(scope: ResolvedScope, runs: Iterable[tuple[ScanRun, set[IPAddress]]]) -> tuple[list[HostView], list[Refusal]]:
    """Fold every run into one view per address. `runs` pairs each run with the addresses it was
    asked to scan (live: those absent from the XML did not answer; imports: empty)."""
    views: dict[IPAddress, HostView] = {}
    refused: dict[IPAddress, Refusal] = {}
    for run, requested in runs:
        if not run.scanned_ports:
            continue  # host discovery only (-sn): no port verdict from it (see discovery_only)
        seen: set[IPAddress] = set()
        for host in run.hosts:
            address = normalise(ipaddress.ip_address(host.address))
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
    view.host_scripts += host.scripts
    for port in host.ports:
        if port.state == "open":
            view.open_ports.setdefault((port.proto, port.port), []).append(Sighting(port, run))
        elif "open" in port.state:
            view.undetermined.setdefault((port.proto, port.port), []).append(Sighting(port, run))
    view.other_states += sum(count for state, count in host.extraports if "open" in state)


def _source(run: ScanRun) -> str:
    version = f", {run.tool} {run.version}" if run.version else (", masscan" if run.tool == "masscan" else "")
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
            if not view.single_host:
                return []  # one silent address of a range: absent, as in nmap's own report
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
        matched: list[ServiceRule] = []
        for (proto, number), sightings in sorted(view.open_ports.items()):
            findings += self._port(view, asset, proto, number, sightings, matched)
        findings += self._host_settings(view, asset, matched)
        for (proto, number), sightings in sorted(view.undetermined.items()):
            if (proto, number) not in view.open_ports:
                findings += self._possibly_open(view, asset, proto, number, sightings)
        if not findings:
            findings.append(self._undetermined(view, asset) if self._nothing_known(view) else self._pass(view, asset))
        return findings

    def _nothing_known(self, view: HostView) -> bool:
        """No port seen open, but some nmap could not tell apart from filtered."""
        return not view.open_ports and bool(view.undetermined or view.other_states)

    def _undetermined(self, view: HostView, asset: str) -> Finding:
        count = len(view.undetermined) + view.other_states
        return self._error(
            f"{view.address}/undetermined", asset, f"nmap could not tell whether any port of {asset} is open",
            f"No port answered as open, but {count} port(s) are open|filtered: nmap got no answer either way "
            "(typical of UDP, FIN/NULL/XMAS scans or a firewall that drops packets). That is not the same as "
            "closed. Scan it again with a TCP connect or SYN scan (the standard profile) to get a verdict.",
            [f"{p}/{n} {best_port(s).state}" for (p, n), s in sorted(view.undetermined.items())][:20])

    # -- one open port
    def _port(self, view: HostView, asset: str, proto: str, number: int, sightings: list[Sighting],
              matched: list[ServiceRule]) -> list[Finding]:
        target = view.spec.target
        port = best_port(sightings)
        rule = self.table.match(port)
        if rule is not None:
            matched.append(rule)
        scripts = tuple(sc for s in sightings for sc in s.port.scripts)
        software = identify(port)
        guess = software.guess if software else ""
        seen = port.describe + (f" (the version is nmap's guess: {guess})" if guess else "")
        anyone = rule.open_to_anyone.found(scripts) if rule and rule.open_to_anyone else None
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
                + f" nmap saw: {seen}.",
                ("attacker-persistence", "exposed-entry-point"),
                "Cut this path off now (disable the service or block it at the firewall), review who logged in "
                f"through it and when, and reset every account that can use it. Then: {rule.fix}",
                rule.references, evidence, ("review-remote-access", "close-exposed-services"), port))
        elif rule is not None and anyone is not None:
            assert rule.open_to_anyone is not None
            out.append(self._fail(
                key, asset, Severity.CRITICAL if internet else Severity.HIGH,
                f"{rule.label} open to anyone on {place}: it {rule.open_to_anyone.says}",
                f"{rule.risk} This one {rule.open_to_anyone.says}, so no password stands in the way. "
                f"{exposure_sentence} nmap saw: {seen}.", ("exposed-entry-point",),
                f"Require a login (or close it): {rule.fix}", rule.references,
                (*evidence, f"{_script_line(scripts, rule.open_to_anyone.scripts)}"),
                (*rule.actions, "lock-down-services"), port))
        elif rule is not None and (severity := self._risk_severity(rule, internet, expected)) is not None:
            if not expected:
                severity = _worst(severity, self.table.unexpected_severity[target.exposure])
            note = (" It is listed in expected_ports, but the sources are clear that this service must not "
                    "face the internet." if expected else "")
            out.append(self._fail(
                key, asset, severity,
                f"{rule.label} {'reachable from the internet' if internet else 'open'} on {place}",
                f"{rule.risk} {exposure_sentence}{note} nmap saw: {seen}.", ("exposed-entry-point",), rule.fix,
                rule.references, evidence, rule.actions, port))
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
        if rule is not None:
            out += self._settings(key, asset, place, rule, scripts, target.exposure, evidence, port)
        verdict = judge_version(software, self.table.versions, target.exposure) if software else None
        if verdict is not None:
            out.append(self._outdated(key, asset, place, verdict, port, evidence))
        return out

    def _settings(self, key: str, asset: str, place: str, rule: ServiceRule, scripts: tuple[tuple[str, str], ...],
                  exposure: str, evidence: tuple[str, ...], port: PortObs) -> list[Finding]:
        out = []
        for setting in self.table.settings:
            if setting.host_script or rule.id not in setting.services:
                continue
            severity = setting.severity[exposure]
            if severity is None or setting.check.found(scripts) is None:
                continue
            out.append(self._setting_finding(f"{key}/{setting.id}", asset, place, setting, severity,
                                             (*evidence, _script_line(scripts, setting.check.scripts)), port))
        return out

    def _host_settings(self, view: HostView, asset: str, matched: list[ServiceRule]) -> list[Finding]:
        out = []
        ids = {r.id for r in matched}
        for setting in self.table.settings:
            severity = setting.severity[view.spec.target.exposure]
            scripts = tuple(view.host_scripts)
            if not setting.host_script or not ids & setting.services or severity is None \
                    or setting.check.found(scripts) is None:
                continue
            port = next(best_port(s) for (p, n), s in sorted(view.open_ports.items())
                        if (r := self.table.match(best_port(s))) is not None and r.id in setting.services)
            out.append(self._setting_finding(f"{view.address}/{setting.id}", asset, asset, setting, severity,
                                             (_script_line(scripts, setting.check.scripts),), port))
        return out

    def _setting_finding(self, key: str, asset: str, place: str, setting: Setting, severity: Severity,
                         evidence: tuple[str, ...], port: PortObs) -> Finding:
        return self._fail(key, asset, severity, f"{setting.label} on {place}",
                          f"{setting.risk} nmap's safe script reported it (evidence below).",
                          ("exposed-entry-point",), setting.fix, setting.references, evidence, setting.actions, port)

    def _possibly_open(self, view: HostView, asset: str, proto: str, number: int,
                       sightings: list[Sighting]) -> list[Finding]:
        port = best_port(sightings)
        rule = self.table.match(port)
        if rule is None or rule.severity[view.spec.target.exposure] is None:
            return []  # listed in the inventory; only a risky service deserves a finding
        return [self._fail(
            f"{view.address}/{proto}/{number}", asset, Severity.LOW,
            f"Possibly open: {rule.label} on {asset}, {proto}/{number} ({port.state})",
            f"nmap could not tell whether {proto}/{number} is open or filtered (no answer either way, typical of "
            f"UDP). If it is open: {rule.risk}", ("exposed-entry-point",),
            f"Check on the machine whether the service runs; if it does: {rule.fix}", rule.references,
            tuple(f"{_source(s.run)}: {proto}/{number} {s.port.state}, {s.port.describe}" for s in sightings),
            rule.actions, port)]

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

    def _outdated(self, key: str, asset: str, place: str, verdict: VersionVerdict, port: PortObs,
                  evidence: tuple[str, ...]) -> Finding:
        rule = verdict.rule
        software = " ".join(b for b in (port.product, port.version) if b)
        if verdict.confident:
            title = f"Outdated {software} on {place}: {rule.advisory}"
        else:
            title = f"Verify the patch level of {software} on {place} ({rule.advisory})"
        return self._fail(
            f"{key}/version", asset, verdict.severity, title,
            f"{rule.why} Rule {rule.id} fired on {verdict.software.shown}; confidence "
            f"{'high' if verdict.confident else 'low'}: {verdict.basis}.",
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
            evidence=tuple(f"{p}/{n} open, {best_port(view.open_ports[(p, n)]).describe}" for p, n in seen),
        )

    def _error(self, key: str, asset: str, title: str, detail: str, evidence: list[str]) -> Finding:
        return Finding(
            check=CHECK_ID, key=key, status=Status.ERROR, severity=Severity.INFO, title=title, detail=detail,
            asset=asset, weaknesses=("exposed-entry-point",), evidence=tuple(evidence),
        )

    def discovery_only(self, run: ScanRun) -> Finding:
        """A host-discovery file (-sn): it says who is up, not which ports are open. No port verdict."""
        up = [h.address for h in run.hosts if h.state == "up"]
        return self._error(
            f"{run.source}/no-ports", "", f"{run.source} is a host-discovery scan: no port was scanned",
            f"{run.source} ({_source(run)}) lists which hosts answered but scanned no port (nmap -sn), so it cannot "
            "say whether any port is open. Import a port scan (nmap -sS or -sT, -oX) of these hosts instead.",
            [f"{len(up)} host(s) up: " + ", ".join(up[:20]) + (" ..." if len(up) > 20 else "")])

    def refusal(self, refusal: Refusal) -> Finding:
        if refusal.key.endswith("/unresolved"):
            title = f"Could not scan {refusal.subject}: the name does not resolve"
            detail = f"{refusal.subject} is in scope.targets, but {refusal.reason}, so its ports are unknown."
        else:
            title = f"Refused to scan or judge {refusal.subject}"
            detail = f"{refusal.subject} was not scanned or judged because {refusal.reason}."
        asset = refusal.target.label(refusal.subject) if refusal.target else refusal.subject
        return self._error(refusal.key, asset, title, detail, [refusal.reason])


def _script_line(scripts: tuple[tuple[str, str], ...], wanted: frozenset[str]) -> str:
    """The first lines of what the script said, as evidence (never whole dumps)."""
    for sid, output in scripts:
        if sid in wanted:
            lines = [line.strip() for line in output.strip().splitlines() if line.strip()][:4]
            return f"nmap {sid}: " + " / ".join(lines)[:300]
    return ""


def best_port(sightings: list[Sighting]) -> PortObs:
    """The most informative sighting: recognised by version detection, then with a version, live first."""
    def rank(s: Sighting) -> tuple[int, int, int]:
        return (s.port.method == "probed", bool(s.port.version or s.port.product), s.run.source == "live scan")
    return max(sightings, key=rank).port


def _worst(a: Severity, b: Severity) -> Severity:
    return a if a.rank <= b.rank else b
