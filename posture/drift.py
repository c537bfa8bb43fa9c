"""What changed between two runs of the same config.

One comparison serves the plan's "since the last run" summary (`compute_drift`, stored with the run),
`posture diff` and the alerts. Findings are matched by id, which is stable across runs for the same
observation (a hash of check and key).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from posture.check import UNASSESSED
from posture.models import Assessment, CheckStatus, Drift, Finding


@dataclass(frozen=True)
class Comparison:
    """Failing findings sorted into four groups, most severe first in each."""

    new: tuple[Finding, ...]  # failing now, not failing before
    resolved: tuple[Finding, ...]  # failing before; the check ran now and no longer reports them
    unchanged: tuple[Finding, ...]  # failing in both runs (the current run's version)
    not_rechecked: tuple[Finding, ...]  # failing before; not looked at now (see `_looked_at`), so unknown


def compare(previous: Assessment, current: Assessment) -> Comparison:
    before = {f.id: f for f in previous.failing}
    now = {f.id: f for f in current.failing}
    looked_at = _looked_at(current)
    gone = [f for fid, f in before.items() if fid not in now]
    return Comparison(
        new=_ordered(f for fid, f in now.items() if fid not in before),
        resolved=_ordered(f for f in gone if looked_at(f)),
        unchanged=_ordered(f for fid, f in now.items() if fid in before),
        not_rechecked=_ordered(f for f in gone if not looked_at(f)),
    )


def _looked_at(current: Assessment) -> Callable[[Finding], bool]:
    """Whether this run could have seen the finding again. A check that errored or was skipped says nothing
    about its findings; nor does a part it could not judge (a backup job whose repository was unreachable)
    or an input not supplied this time (candidate passwords typed on the last run, none on this one): the
    check lists those parts' key prefixes under its UNASSESSED fact."""
    ran = {c.check for c in current.checks if c.status is CheckStatus.OK}
    unassessed = {c.check: tuple(str(p) for p in c.facts.get(UNASSESSED) or ()) for c in current.checks}

    def looked_at(finding: Finding) -> bool:
        return finding.check in ran and not finding.key.startswith(unassessed.get(finding.check, ()))

    return looked_at


def compute_drift(previous: Assessment, current: Assessment) -> Drift:
    c = compare(previous, current)
    return Drift(
        previous_run=previous.run_id,
        previous_finished=previous.finished,
        new=tuple(f.id for f in c.new),
        resolved=c.resolved,
        unchanged=tuple(f.id for f in c.unchanged),
    )


def new_failing(current: Assessment) -> list[Finding]:
    """The failing findings that are new in this run.

    With no previous run to compare with (the first run, or `--no-history`), every failing finding
    counts as new: nobody has been told about it yet.
    """
    if current.drift is None:
        return current.failing
    new = set(current.drift.new)
    return [f for f in current.failing if f.id in new]


def _ordered(findings: Iterable[Finding]) -> tuple[Finding, ...]:
    return tuple(sorted(findings, key=lambda f: (f.severity.rank, f.check, f.title, f.id)))
