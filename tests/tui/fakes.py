"""Fake checks and configs for the TUI tests: instant, deterministic, and controllable from the test.

The real `readiness` check runs next to them, so the plan has real actions and guide steps.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from checks.readiness import ReadinessCheck
from posture.catalogue import load_catalogue
from posture.check import Check, CheckContext, CheckMeta
from posture.config import load_config
from posture.errors import Cancelled, CheckFailed, InputError
from posture.models import Assessment, Finding, Severity, Status
from posture.planner import build_plan
from posture.registry import Registry
from posture.runner import Runner
from posture.testing import write_config

FROZEN_NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
PORT_RISKS = [(23, "Telnet", Severity.CRITICAL), (3389, "Remote desktop", Severity.HIGH),
              (445, "Windows file sharing", Severity.MEDIUM), (8080, "Web admin page", Severity.LOW)]


class PortsOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    hosts: list[str] = ["127.0.0.1"]
    ports: list[int] = [23, 3389]
    evidence: str | None = None  # a file whose lines must each be "open"


class FakePortsCheck(Check):
    """Reports one finding per (host, port), with progress host by host like the real ports check."""

    meta = CheckMeta(id="fake_ports", title="Open ports (fake)", description="Pretends to scan the targets.",
                     weaknesses=("exposed-entry-point",), timeout_s=30)
    Options = PortsOptions

    def describe_evidence(self, options: Any, config: Any) -> list[str]:
        return [f"probes {', '.join(options.hosts)}"]

    def prepare(self, ctx: CheckContext) -> None:
        if ctx.options.evidence is None:
            return
        path = ctx.resolve(ctx.options.evidence)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip() != "open":
                raise InputError(f"expected 'open', found {line.strip()!r}", path=path, line=number, column=1)

    def run(self, ctx: CheckContext) -> Iterable[Finding]:
        refs = load_catalogue().refs
        risks = {port: (name, sev) for port, name, sev in PORT_RISKS}
        hosts = ctx.options.hosts
        findings = []
        for i, host in enumerate(hosts):
            ctx.raise_if_cancelled()
            ctx.progress(i / len(hosts), f"{host}: scanning (host {i + 1} of {len(hosts)})")
            for port in ctx.options.ports:
                name, severity = risks.get(port, (f"Port {port}", Severity.LOW))
                findings.append(Finding(
                    check=self.meta.id, key=f"{host}/tcp/{port}", status=Status.FAIL, severity=severity,
                    title=f"{name} open on {host}", asset=host, weaknesses=("exposed-entry-point",),
                    detail=f"{name} answers on port {port}: anyone who reaches it can try to log in.",
                    remediation=f"Close port {port} or limit it to the office network.",
                    evidence=(f"{port}/tcp open [{name.lower()}]",), references=refs("cis-4.4"),
                ))
        ctx.progress(1.0, "done")
        findings.append(Finding(check=self.meta.id, key="firewall", status=Status.PASS, severity=Severity.INFO,
                                title="Firewall answers", asset=hosts[0] if hosts else "",
                                weaknesses=("exposed-entry-point",)))
        return findings


class GateCheck(Check):
    """Runs until the test opens `gate` or the run cancels it: lets a test see a scan in progress."""

    meta = CheckMeta(id="fake_gate", title="Slow scan (fake)", description="Waits for the test.",
                     weaknesses=("faulty-security",), timeout_s=60)
    gate = threading.Event()

    def run(self, ctx: CheckContext) -> Iterable[Finding]:
        ctx.progress(None, "waiting for the gate")
        while not self.gate.is_set():
            if ctx.cancel_event.wait(0.01):
                raise Cancelled("the slow scan was stopped")
        return [Finding(check=self.meta.id, key="gate", status=Status.FAIL, severity=Severity.LOW,
                        title="Gate passed", weaknesses=("faulty-security",))]


class BrokenCheck(Check):
    meta = CheckMeta(id="fake_broken", title="Backup tool (fake)", description="Always fails.",
                     weaknesses=("unreviewed-backups",), timeout_s=10)

    def run(self, ctx: CheckContext) -> Iterable[Finding]:
        raise CheckFailed("faketool is not installed or not on PATH")


class FakePasswordCheck(Check):
    """Stands in for `password_policy`: says how many candidates it received, never what they are."""

    meta = CheckMeta(id="password_policy", title="Password policy (fake)", description="Counts candidates.",
                     weaknesses=("weak-passwords",), timeout_s=10)

    def run(self, ctx: CheckContext) -> Iterable[Finding]:
        candidates = ctx.secrets.candidate_passwords
        ctx.facts["candidates"] = len(candidates)
        labels = ", ".join(label for label, _ in candidates)
        return [Finding(check=self.meta.id, key="candidates", status=Status.FAIL, severity=Severity.HIGH,
                        title=f"{len(candidates)} candidate password(s) checked", asset=labels,
                        weaknesses=("weak-passwords",), detail="Weak candidates were found.")]


FAKES: tuple[type[Check], ...] = (FakePortsCheck, GateCheck, BrokenCheck, FakePasswordCheck)


def fake_registry() -> Registry:
    known = load_catalogue().weaknesses
    registry = Registry()
    registry.add(ReadinessCheck, known)
    for fake in FAKES:
        registry.add(fake, known)
    return registry


def config_data(name: str = "Harbor Bakery", *, incident: bool = False, **checks: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "version": 1,
        "organization": {"name": name, "industry": "retail", "customer_data": ["payment_cards"],
                         "contacts": {"it_provider": "Dock IT, 555 0100"}},
        "scope": {"authorization": "Owner, in writing", "targets": [{"address": "127.0.0.1", "name": "till"}]},
        "checks": checks or {"fake_ports": {"hosts": ["127.0.0.1", "127.0.0.2"]}},
        "report": {"out_dir": "out"},
    }
    if incident:
        data["incident"] = {"discovered": "2026-11-20", "kind": "ransomware", "compromised_assets": ["till"],
                            "personal_data_exposed": "unknown"}
        data["organization"]["residents"] = {"TX": 300}
    return data


def write_fake_config(folder: Path, name: str = "posture.yaml", **kwargs: Any) -> Path:
    return write_config(folder, config_data(**kwargs), name=name)


def frozen_assessment(config_path: Path, registry: Registry) -> Assessment:
    """A real run of the fake checks with its clock pinned, for snapshots that must not change daily."""
    config = load_config(config_path, registry)
    assessment = Runner(config, registry, now=FROZEN_NOW).run()
    assessment.started = assessment.finished = FROZEN_NOW
    assessment.checks = [_no_duration(c) for c in assessment.checks]
    assessment.plan = build_plan(assessment)
    return assessment


def _no_duration(result: Any) -> Any:
    from dataclasses import replace

    return replace(result, duration_s=0.0)


def screen_text(app: Any) -> str:
    """The characters on the app's screen right now, as a user would read them (for assertions)."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True,
                      legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()
