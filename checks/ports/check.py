"""The `ports` check: find the ways in, exactly, safely and fast.

prepare: parse the scope (refusing public addresses without permission) and the imported nmap XML.
run:     resolve hostnames and apply exclusions, scan what is left with the real nmap (unless
         `live_scan: false`), merge the imports, and judge every host against the service-risk table
         and its expected ports.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING

from checks.ports.options import PortsOptions
from posture.api import Cancelled, Check, CheckContext, CheckFailed, CheckMeta, Config, Finding, Status

# Validating a config (and the TUI's overview) needs only the options: the scanner, the XML readers, the
# risk table and the judge are imported when the check is prepared or run.
if TYPE_CHECKING:
    from checks.ports.nmapxml import ScanRun
    from checks.ports.scanner import PassResult
    from checks.ports.scope import IPAddress, ResolvedScope, Scope

_LISTED_ADDRESSES = 256  # facts list the scanned addresses up to this many, else count them


class PortsCheck(Check[PortsOptions]):
    meta = CheckMeta(
        id="ports",
        title="Open ports and exposed services",
        description="Scans the scope with nmap (or reads nmap XML) and judges every open port: risky "
                    "services, outdated versions, ports nobody expected, remote access into compromised machines.",
        weaknesses=("exposed-entry-point", "faulty-security", "attacker-persistence"),
        needs=frozenset({"nmap", "network"}),
        timeout_s=86_400 + 600,  # the scan enforces options.timeout_s itself; this is only a safety net
    )
    Options = PortsOptions

    def __init__(self) -> None:
        self._scope: Scope | None = None
        self._imports: list[ScanRun] = []

    def describe_evidence(self, options: PortsOptions, config: Config) -> list[str]:
        assert isinstance(options, PortsOptions)
        lines = []
        if options.live_scan:
            targets = ", ".join(t.label for t in config.scope.targets) or "no targets"
            ports = f", ports {options.ports}" if options.ports else ""
            lines.append(f"nmap {options.profile} scan{ports} of {targets}")
        lines += [f"nmap XML: {path}" for path in options.nmap_xml]
        return lines

    def prepare(self, ctx: CheckContext[PortsOptions]) -> None:
        from checks.ports.scope import Scope

        options = ctx.options
        if not ctx.config.scope.targets:
            raise ctx.config.locate(("scope", "targets"), "the ports check needs at least one target to scan or judge")
        self._scope = Scope.from_config(ctx.config)
        self._imports = []
        if options.nmap_xml:
            from checks.ports.nmapxml import read_nmap_xml  # a live scan reads its XML after nmap has run
        for index, relative in enumerate(options.nmap_xml):
            path = ctx.resolve(relative)
            if not path.is_file():
                raise ctx.config.locate(("checks", "ports", "nmap_xml", index), f"no such file: {path}")
            self._imports.append(read_nmap_xml(path, display=str(path)))

    def run(self, ctx: CheckContext[PortsOptions]) -> Iterable[Finding]:
        options = ctx.options
        if self._scope is None:
            self.prepare(ctx)
        assert self._scope is not None
        facts = ctx.facts
        facts["authorization"] = ctx.config.scope.authorization
        facts["profile"] = options.profile
        # Only files to judge: a /16 target is not expanded into 65,534 addresses nobody scans.
        resolved = self._scope.resolve(expand=options.live_scan or not self._imports)
        runs: list[tuple[ScanRun, set[IPAddress]]] = []
        if options.live_scan and resolved.addresses:
            for result in self._live(ctx, options, resolved):
                runs.append((result.run, set(result.requested)))
        elif not options.live_scan:
            facts["live_scan"] = "off (live_scan: false): only the imported files were judged"
        ctx.raise_if_cancelled()
        runs += [(run, set()) for run in self._imports]
        facts["imports"] = [{"file": r.source, "scanner": r.tool, "nmap_version": r.version, "args": r.args,
                             "started": r.started.isoformat() if r.started else None, "hosts": len(r.hosts),
                             "ports_scanned": r.scanned_ports}
                            for r in self._imports]
        from checks.ports.inventory import inventory, scanned_summary
        from checks.ports.judge import Judge
        from checks.ports.services import load_services
        from checks.ports.views import merge

        views, refused = merge(resolved, runs)
        table = load_services()
        judge = Judge(ctx.config, table, ctx.previous)
        findings = [judge.refusal(r) for r in resolved.refusals + refused]
        findings += [judge.discovery_only(run) for run in self._imports if not run.scanned_ports]
        for view in views:
            findings += judge.host(view)
        facts["refused"] = [f"{r.subject}: {r.reason}" for r in resolved.refusals + refused]
        facts["excluded"] = len(resolved.excluded)
        facts["hosts_up"] = sum(v.up for v in views)
        facts["hosts_down"] = [str(v.address) for v in views if not v.up and v.single_host]
        facts["range_addresses_silent"] = sum(not v.up and not v.single_host for v in views)
        facts["open_ports"] = sum(len(v.open_ports) for v in views)
        facts["failing"] = sum(f.status is Status.FAIL for f in findings)
        facts["scan"] = scanned_summary(options, facts, self._imports)
        facts["inventory"] = inventory(views, table)
        if not findings:
            raise CheckFailed(self._nothing_judged(resolved, runs))
        ctx.progress(1.0, f"{len(views)} hosts judged, {facts['open_ports']} open ports")
        return findings

    @staticmethod
    def _nothing_judged(resolved: ResolvedScope, runs: list[tuple[ScanRun, set[IPAddress]]]) -> str:
        """Why there is nothing to report, in the words that fit (never 'no problems')."""
        if not runs:
            if resolved.excluded and not resolved.addresses:
                return "nothing was scanned or imported: every target was excluded by scope.exclude"
            return "nothing was scanned or imported"
        if not any(run.hosts for run, _ in runs):
            return "the scans and imported files list no host at all, so no port was judged"
        return ("no address of the targets answered (every host in the scans and files is down or an address of "
                "a range that did not reply), so no port was judged")

    def _live(self, ctx: CheckContext, options: PortsOptions, resolved: ResolvedScope) -> list[PassResult]:
        from checks.ports.profiles import DEFAULT_TIMEOUT_S, nmap_passes, table_ports
        from checks.ports.scanner import find_nmap, run_pass, running_as_root

        nmap = find_nmap()
        root = running_as_root()
        table = table_ports()  # the table itself is loaded while nmap runs (_load_judging)
        families: dict[int, list[IPAddress]] = {}
        for address in resolved.addresses:
            families.setdefault(address.version, []).append(address)
        plans = [(addresses, nmap_passes(options.profile, ports=options.ports, root=root, ipv6=family == 6,
                                         assume_up=options.assume_up, host_timeout_s=options.host_timeout_s,
                                         table=table, nmap=nmap))
                 for family, addresses in sorted(families.items())]
        total = sum(len(addresses) * len(passes) for addresses, passes in plans)
        budget = options.timeout_s or DEFAULT_TIMEOUT_S[options.profile]
        deadline = time.monotonic() + budget
        results: list[PassResult] = []
        done = 0
        for addresses, passes in plans:
            for nmap_pass in passes:
                ctx.raise_if_cancelled()
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise CheckFailed(f"the scan did not finish within {budget:g} s (timeout_s)")
                try:
                    results.append(run_pass(ctx, nmap, nmap_pass, addresses, timeout_s=remaining,
                                            progress_total=total, progress_done=done,
                                            while_waiting=_load_judging))
                except Cancelled:
                    raise
                except CheckFailed:
                    if time.monotonic() >= deadline:
                        raise CheckFailed(f"nmap did not finish within {budget:g} s (timeout_s for the "
                                          f"{options.profile} profile) and was stopped") from None
                    raise
                done += len(addresses)
        addresses_all = [str(a) for a in resolved.addresses]
        ctx.facts.update({
            "nmap_version": results[0].run.version if results else "",
            "nmap_args": [" ".join(("nmap", *r.nmap_pass.args, "-oX", "<xml>", "-iL", "-")) for r in results],
            "scan_type": "SYN (-sS, as root)" if root else "TCP connect (-sT, not root)",
            "udp": "; ".join(r.nmap_pass.ports_text for r in results if r.nmap_pass.uses_udp) or
                   "not scanned: UDP needs root (raw sockets)",
            "ports_scanned": [r.nmap_pass.ports_text for r in results],
            "scripts": list(table.scripts) if any("--script" in r.nmap_pass.args for r in results) else [],
            "addresses_scanned": len(addresses_all),
            "scanned": addresses_all if len(addresses_all) <= _LISTED_ADDRESSES else "too many to list",
            "nmap_warnings": [w for r in results for w in r.warnings][:20],
        })
        return results


def _load_judging() -> None:
    """Import what judging the scan needs while nmap runs (on the other core), not after it."""
    import checks.ports.inventory
    import checks.ports.judge
    import checks.ports.nmapxml
    import checks.ports.views  # noqa: F401
    from checks.ports.services import load_services

    with contextlib.suppress(Exception):  # only a head start: judging loads it again and reports the problem
        load_services()
