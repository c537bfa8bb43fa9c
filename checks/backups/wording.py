"""How times, ages and sizes read in findings, and the one way a backups finding is built."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from checks.backups.evidence import JobEvidence
from posture.api import Finding, Severity, Status, load_catalogue

CHECK_ID = "backups"


def when(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def age(span: timedelta) -> str:
    """A span in the unit a reader expects: minutes, hours up to two days, then days."""
    seconds = span.total_seconds()
    if seconds < 3600:
        return f"{max(0, round(seconds / 60))} minutes"
    if seconds < 48 * 3600:
        return f"{seconds / 3600:.0f} hours"
    days = seconds / 86400
    return f"{days:.0f} days" if days >= 10 else f"{days:.1f}".removesuffix(".0") + " days"


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


def size(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if value < 1024 or unit == "TB":
            return f"{value:.0f} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{n} bytes"  # unreachable


def source_lines(ev: JobEvidence) -> list[str]:
    lines = [f"Source: {ev.source}"]
    if ev.location:
        lines.append(f"Location: {ev.location}")
    return lines


def finding(
    ev: JobEvidence,
    aspect: str,
    *,
    ok: bool,
    severity: Severity,
    title: str,
    detail: str = "",
    weaknesses: Iterable[str] = (),
    evidence: Iterable[str] = (),
    remediation: str = "",
    refs: Iterable[str] = (),
    actions: Iterable[str] = (),
) -> Finding:
    """A finding about one job. `key` is job name + aspect, stable across runs."""
    if ev.declared:
        title += " (declared, not verified)"
        detail = (detail + " " if detail else "") + "This rests on the owner's description, not on output " \
                                                     "from the backup tool."
    return Finding(
        check=CHECK_ID,
        key=f"{ev.name}/{aspect}",
        status=Status.PASS if ok else Status.FAIL,
        severity=Severity.INFO if ok else severity,
        title=title,
        detail=detail,
        asset=ev.name,
        weaknesses=tuple(weaknesses),
        evidence=tuple(source_lines(ev)) + tuple(evidence),
        remediation="" if ok else remediation,
        references=load_catalogue().refs(*refs),
        actions=tuple(actions),
    )
