"""What changed between two runs of the same config."""

from __future__ import annotations

from posture.models import Assessment, Drift, Status


def compute_drift(previous: Assessment, current: Assessment) -> Drift:
    before = {f.id: f for f in previous.findings if f.status is Status.FAIL}
    now = {f.id for f in current.findings if f.status is Status.FAIL}
    # A check that errored now says nothing about its findings: don't call them resolved.
    errored = {c.check for c in current.checks if c.status != "ok"}
    return Drift(
        previous_run=previous.run_id,
        previous_finished=previous.finished,
        new=tuple(sorted(now - set(before))),
        resolved=tuple(f for fid, f in before.items() if fid not in now and f.check not in errored),
        unchanged=tuple(sorted(now & set(before))),
    )
