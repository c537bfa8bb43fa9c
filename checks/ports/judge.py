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

from dataclasses import dataclass, field, replace
from typing import Any

from checks.ports.nmapxml import PortObs, ScanRun
from checks.ports.scope import Refusal
from checks.ports.services import ServiceRule, ServiceTable, Setting
from checks.ports.versions import Software, VersionVerdict, identify, judge_version
from checks.ports.views import HostView, Sighting, best_port, source_label
from posture.api import Config, Finding, PreviousRun, Reference, Severity, Status, Target, load_catalogue

CHECK_ID = "ports"
EXPOSURES = ("internet", "internal")


@dataclass(frozen=True, slots=True)
class Observed:
    """What one open port's sightings say whatever host they are on, worked out once per distinct
    observation: a 65,536-host import repeats a few, and the service table is matched once for each."""

    sightings: tuple[tuple[PortObs, ScanRun], ...]  # held, so the ids that key the memo stay theirs
    port: PortObs  # the most informative sighting
    rule: ServiceRule | None
    scripts: tuple[tuple[str, str], ...]
    software: Software | None
    seen: str  # what nmap saw, for the finding's text
    anyone: str | None  # what the open-to-anyone script said, if it did
    evidence: tuple[str, ...]
    settings: tuple[tuple[Setting, str], ...]  # weak settings its scripts show, with the script's line
    verdicts: dict[str, VersionVerdict | None]  # by exposure


@dataclass
class Judge:
    config: Config
    table: ServiceTable
    previous: PreviousRun | None = None
    _observed: dict[object, Observed] = field(default_factory=dict, repr=False)
    _refs: dict[tuple[str, ...], tuple[Reference, ...]] = field(default_factory=dict, repr=False)
    _verdicts: dict[int, tuple[VersionVerdict, str, str]] = field(default_factory=dict, repr=False)
    _plans: dict[tuple[Any, ...], list[tuple[Finding, bool]]] = field(default_factory=dict, repr=False)
    _planning: bool = field(default=False, repr=False)

    def host(self, view: HostView) -> list[Finding]:
        spec = view.spec
        address = view.shown
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
            f"{view.shown}/undetermined", asset, f"nmap could not tell whether any port of {asset} is open",
            f"No port answered as open, but {count} port(s) are open|filtered: nmap got no answer either way "
            "(typical of UDP, FIN/NULL/XMAS scans or a firewall that drops packets). That is not the same as "
            "closed. Scan it again with a TCP connect or SYN scan (the standard profile) to get a verdict.",
            [f"{p}/{n} {best_port(s).state}" for (p, n), s in sorted(view.undetermined.items())][:20])

    # -- one open port
    def observe(self, sightings: list[Sighting]) -> Observed:
        """The host-independent reading of one open port's sightings, from the memo when seen before."""
        if len(sightings) == 1:
            only = sightings[0]
            key: object = (id(only.port), id(only.run))
        else:
            key = tuple((id(s.port), id(s.run)) for s in sightings)
        found = self._observed.get(key)
        if found is None:
            found = self._observed[key] = self._observe(sightings)
        return found

    def _observe(self, sightings: list[Sighting]) -> Observed:
        port = best_port(sightings)
        rule = self.table.match(port)
        scripts = tuple(sc for s in sightings for sc in s.port.scripts)
        software = identify(port)
        guess = software.guess if software else ""
        seen = port.describe + (f" (the version is nmap's guess: {guess})" if guess else "")
        anyone = rule.open_to_anyone.found(scripts) if rule and rule.open_to_anyone else None
        evidence = tuple(f"{source_label(s.run)}: {s.port.proto}/{s.port.port} open"
                         + (f" ({s.port.reason})" if s.port.reason else "") + f", {s.port.describe}"
                         for s in sightings)
        settings = tuple((setting, _script_line(scripts, setting.check.scripts)) for setting in self.table.settings
                         if rule is not None and not setting.host_script and rule.id in setting.services
                         and setting.check.found(scripts) is not None)
        verdicts = {e: judge_version(software, self.table.versions, e) if software else None for e in EXPOSURES}
        return Observed(tuple((s.port, s.run) for s in sightings), port, rule, scripts, software, seen, anyone,
                        evidence, settings, verdicts)

    def _port(self, view: HostView, asset: str, proto: str, number: int, sightings: list[Sighting],
              matched: list[ServiceRule]) -> list[Finding]:
        seen_here = self.observe(sightings)
        rule = seen_here.rule
        if rule is not None:
            matched.append(rule)
        target = view.spec.target
        expected = number in target.expected_ports
        compromised = rule is not None and rule.remote_access and self._compromised(view)
        how = (id(seen_here), target.exposure, expected, compromised)
        plan = self._plans.get(how)
        if plan is None:  # the same observation judged the same way on thousands of hosts: planned once
            plan = self._plans[how] = self._plan(seen_here, target, expected, compromised, proto, number)
        key = f"{view.shown}/{proto}/{number}"
        place = f"{asset}, {proto}/{number}"
        out = []
        for finding, everywhere in plan:
            if everywhere:  # the host shows in more than the key, asset and title: rare, done field by field
                finding = _filled(finding, key, asset, place)
            else:
                finding = Finding(check=CHECK_ID, key=key + finding.key[_KEY_LENGTH:], status=finding.status,
                                  severity=finding.severity,
                                  title=finding.title.replace(_ASSET, asset).replace(_PLACE, place),
                                  detail=finding.detail, asset=asset, weaknesses=finding.weaknesses,
                                  evidence=finding.evidence, remediation=finding.remediation,
                                  references=finding.references, actions=finding.actions)
            out.append(self._mark_new(finding))
        return out

    def _plan(self, seen_here: Observed, target: Target, expected: bool, compromised: bool, proto: str,
              number: int) -> list[tuple[Finding, bool]]:
        """The findings of one open port with stand-ins for the host: (finding, the host shows outside
        the key, asset and title)."""
        self._planning = True
        try:
            findings = self._judge_port(seen_here, target, expected, compromised, proto, number, _KEY, _ASSET, _PLACE)
        finally:
            self._planning = False
        return [(f, any(_ASSET in text or _PLACE in text for text in (f.detail, f.remediation, *f.evidence)))
                for f in findings]

    def _judge_port(self, seen_here: Observed, target: Target, expected: bool, compromised: bool, proto: str,
                    number: int, key: str, asset: str, place: str) -> list[Finding]:
        port, rule, scripts, seen = seen_here.port, seen_here.rule, seen_here.scripts, seen_here.seen
        anyone = seen_here.anyone
        internet = target.exposure == "internet"
        evidence = seen_here.evidence
        out: list[Finding] = []
        exposure_sentence = ("This target is marked exposure: internet, so anyone on the internet can try it."
                             if internet else "It is reachable on the internal network, by any infected "
                             "machine or intruder inside.")
        if rule is not None and compromised:
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
        for setting, line in seen_here.settings:
            severity = setting.severity[target.exposure]
            if severity is not None:
                out.append(self._setting_finding(f"{key}/{setting.id}", asset, place, setting, severity,
                                                 (*evidence, line), port))
        verdict = seen_here.verdicts[target.exposure]
        if verdict is not None:
            out.append(self._outdated(key, asset, place, verdict, port, evidence))
        return out

    def _host_settings(self, view: HostView, asset: str, matched: list[ServiceRule]) -> list[Finding]:
        if not view.host_scripts or not matched:
            return []  # no host script said anything, or no service it could be about
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
            out.append(self._setting_finding(f"{view.shown}/{setting.id}", asset, asset, setting, severity,
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
            f"{view.shown}/{proto}/{number}", asset, Severity.LOW,
            f"Possibly open: {rule.label} on {asset}, {proto}/{number} ({port.state})",
            f"nmap could not tell whether {proto}/{number} is open or filtered (no answer either way, typical of "
            f"UDP). If it is open: {rule.risk}", ("exposed-entry-point",),
            f"Check on the machine whether the service runs; if it does: {rule.fix}", rule.references,
            tuple(f"{source_label(s.run)}: {proto}/{number} {s.port.state}, {s.port.describe}" for s in sightings),
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
        names = {view.shown, view.spec.target.address, view.spec.target.name, *view.hostnames}
        if view.spec.hostname:
            names.add(view.spec.hostname)
        wanted = {a.strip().lower() for a in incident.compromised_assets}
        return bool(wanted & {n.lower() for n in names if n})

    def _outdated(self, key: str, asset: str, place: str, verdict: VersionVerdict, port: PortObs,
                  evidence: tuple[str, ...]) -> Finding:
        rule = verdict.rule
        said = self._verdicts.get(id(verdict))
        if said is None:  # the same few verdicts on thousands of hosts: their text is written once
            said = self._verdicts[id(verdict)] = (
                verdict, " ".join(b for b in (port.product, port.version) if b),
                f"{rule.why} Rule {rule.id} fired on {verdict.software.shown}; confidence "
                f"{'high' if verdict.confident else 'low'}: {verdict.basis}.")
        _, software, detail = said
        if verdict.confident:
            title = f"Outdated {software} on {place}: {rule.advisory}"
        else:
            title = f"Verify the patch level of {software} on {place} ({rule.advisory})"
        return self._fail(f"{key}/version", asset, verdict.severity, title, detail, ("faulty-security",), rule.fix,
                          rule.references, evidence, ("patch-outdated-software",), port)

    # -- finding builders
    def _fail(self, key: str, asset: str, severity: Severity, title: str, detail: str, weaknesses: tuple[str, ...],
              remediation: str, refs: tuple[str, ...], evidence: tuple[str, ...], actions: tuple[str, ...],
              port: PortObs) -> Finding:
        finding = Finding(
            check=CHECK_ID, key=key, status=Status.FAIL, severity=severity, title=title, detail=detail,
            asset=asset, weaknesses=weaknesses, evidence=evidence, remediation=remediation,
            references=self._references(refs), actions=actions,
        )
        return self._mark_new(finding)

    def _references(self, refs: tuple[str, ...]) -> tuple[Reference, ...]:
        found = self._refs.get(refs)
        if found is None:
            found = self._refs[refs] = load_catalogue().refs(*refs)
        return found

    def _mark_new(self, finding: Finding) -> Finding:
        previous = self.previous
        if previous is None or self._planning:
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
            check=CHECK_ID, key=f"{view.shown}/expected-only", status=Status.PASS, severity=Severity.INFO,
            title=title, detail=detail, asset=asset,
            weaknesses=("exposed-entry-point",), references=self._references(self.table.unexpected_references),
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
            f"{run.source} ({source_label(run)}) lists which hosts answered but scanned no port (nmap -sn), so it "
            "cannot say whether any port is open. Import a port scan (nmap -sS or -sT, -oX) of these hosts instead.",
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


# Stand-ins for the host in a planned finding (no address, name or port can contain a NUL)
_KEY, _ASSET, _PLACE = "\x00key", "\x00asset", "\x00place"
_KEY_LENGTH = len(_KEY)


def _filled(finding: Finding, key: str, asset: str, place: str) -> Finding:
    def fill(text: str) -> str:
        return text.replace(_ASSET, asset).replace(_PLACE, place)
    return replace(finding, key=key + finding.key[_KEY_LENGTH:], title=fill(finding.title), asset=asset,
                   detail=fill(finding.detail), remediation=fill(finding.remediation),
                   evidence=tuple(fill(e) for e in finding.evidence))


def _script_line(scripts: tuple[tuple[str, str], ...], wanted: frozenset[str]) -> str:
    """The first lines of what the script said, as evidence (never whole dumps)."""
    for sid, output in scripts:
        if sid in wanted:
            lines = [line.strip() for line in output.strip().splitlines() if line.strip()][:4]
            return f"nmap {sid}: " + " / ".join(lines)[:300]
    return ""


def _worst(a: Severity, b: Severity) -> Severity:
    return a if a.rank <= b.rank else b
