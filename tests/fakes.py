"""Fake checks for testing the runner, planner and CLI without nmap or evidence files."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import ClassVar

from pydantic import BaseModel, ConfigDict

from checks.readiness import ReadinessCheck
from posture.catalogue import load_catalogue
from posture.check import Check, CheckContext, CheckMeta
from posture.errors import CheckFailed, InputError
from posture.models import Finding, Severity, Status
from posture.registry import Registry


class FakeOptions(BaseModel):
    model_config = ConfigDict(extra="forbid")
    severity: str = "high"
    count: int = 1


def _meta(check_id: str, weaknesses: tuple[str, ...] = ("exposed-entry-point",), timeout_s: float = 30) -> CheckMeta:
    return CheckMeta(id=check_id, title=f"Fake {check_id}", description="for tests", weaknesses=weaknesses,
                     timeout_s=timeout_s)


class FindsCheck(Check):
    meta = _meta("finds")
    Options = FakeOptions

    def run(self, ctx: CheckContext) -> Iterable[Finding]:
        ctx.progress(0.5, "half way")
        ctx.facts["count"] = ctx.options.count
        return [
            Finding(check="finds", key=f"port/{i}", status=Status.FAIL, severity=Severity(ctx.options.severity),
                    title=f"Risky service {i} open on 127.0.0.9", asset="127.0.0.9",
                    weaknesses=("exposed-entry-point",), evidence=(f"tcp/{2300 + i} open telnet",))
            for i in range(ctx.options.count)
        ]


class PassesCheck(Check):
    meta = _meta("passes", ("employee-ignorance",))

    def run(self, ctx: CheckContext) -> Iterable[Finding]:
        return [Finding(check="passes", key="ok", status=Status.PASS, severity=Severity.INFO, title="All trained",
                        weaknesses=("employee-ignorance",))]


class BrokenCheck(Check):
    meta = _meta("broken", ("faulty-security",))

    def run(self, ctx: CheckContext) -> Iterable[Finding]:
        raise CheckFailed("the scanner fell over")


class BuggyCheck(Check):
    meta = _meta("buggy", ("faulty-security",))

    def run(self, ctx: CheckContext) -> Iterable[Finding]:
        raise ZeroDivisionError("division by zero")


class HangsCheck(Check):
    meta = _meta("hangs", ("faulty-security",), timeout_s=0.5)

    def run(self, ctx: CheckContext) -> Iterable[Finding]:
        # Ignores cancellation on purpose: the runner must still end the run.
        threading.Event().wait(30)
        return []


class SleepsCheck(Check):
    """Runs until cancelled, polling the way a well-behaved check does."""

    meta = _meta("sleeps", ("faulty-security",))

    def run(self, ctx: CheckContext) -> Iterable[Finding]:
        while not ctx.cancel_event.wait(0.02):
            pass
        ctx.raise_if_cancelled()
        return []


class BadEvidenceCheck(Check):
    meta = _meta("badevidence", ("weak-passwords",))

    def prepare(self, ctx: CheckContext) -> None:
        raise InputError("expected a number", path="evidence/x.txt", line=3, key="MinimumPasswordLength")

    def run(self, ctx: CheckContext) -> Iterable[Finding]:
        return []


def barrier_checks(parties: int) -> list[type[Check]]:
    """Checks that only finish if all of them run at the same time."""
    barrier = threading.Barrier(parties, timeout=10)
    made: list[type[Check]] = []
    for n in range(parties):

        class Together(Check):
            meta: ClassVar[CheckMeta] = _meta(f"together{n}", ("faulty-security",))

            def run(self, ctx: CheckContext) -> Iterable[Finding]:
                barrier.wait()
                return []

        made.append(Together)
    return made


ALL = [FindsCheck, PassesCheck, BrokenCheck, BuggyCheck, HangsCheck, SleepsCheck, BadEvidenceCheck]


def fake_registry(*extra: type[Check]) -> Registry:
    registry = Registry()
    known = load_catalogue().weaknesses
    for check in [ReadinessCheck, *ALL, *extra]:
        registry.add(check, known)
    return registry
