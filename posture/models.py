"""The values that flow from checks to the planner and the report writers.

Plain frozen dataclasses: checks build them, the planner reads them, `posture.results` turns them
into the `posture/results@1` JSON and back.
"""

from __future__ import annotations

import enum
import functools
import hashlib
import operator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from posture.tracking import TrackingView


class Severity(enum.StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"
    INFO = "info"

    @property
    def rank(self) -> int:
        """0 for critical … 4 for info: sorts most severe first."""
        return _SEVERITY_RANK[self.value]

    def at_least(self, other: Severity) -> bool:
        return self.rank <= other.rank


_SEVERITY_RANK = {s.value: n for n, s in enumerate(Severity)}


class Status(enum.StrEnum):
    FAIL = "fail"
    PASS = "pass"
    ERROR = "error"


class CheckStatus(enum.StrEnum):
    OK = "ok"
    ERROR = "error"
    SKIPPED = "skipped"


class Phase(enum.StrEnum):
    """The plan's phases, in the order the guides walk through them."""

    IDENTIFY = "identify"
    CONTAIN = "contain"
    CONSULT = "consult"
    EVALUATE = "evaluate"
    RESTORE = "restore"
    NOTIFY = "notify"
    PREVENT = "prevent"


class Mode(enum.StrEnum):
    READINESS = "readiness"
    INCIDENT = "incident"


@dataclass(frozen=True, slots=True)
class Reference:
    """A standard, law or guide a finding rests on."""

    title: str
    url: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing a check observed.

    `key` is stable across runs for the same observation (e.g. "127.0.0.21/tcp/23"); the public `id`
    is derived from check and key by hashing, so ids never reveal addresses or account names.
    `actions` names plan actions explicitly; when empty, a failing finding triggers the default
    actions of its weaknesses. `evidence` lines are shown only in the consultant edition.
    """

    check: str
    key: str
    status: Status
    severity: Severity
    title: str
    detail: str = ""
    asset: str = ""
    weaknesses: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()
    remediation: str = ""
    references: tuple[Reference, ...] = ()
    actions: tuple[str, ...] = ()
    # Derived once: reports ask for each id several times (a 50,000-finding plan: half a million times).
    _id: str = field(init=False, repr=False, compare=False, default="")

    def __post_init__(self) -> None:
        object.__setattr__(self, "_id", _finding_id(self.check, self.key))

    @property
    def id(self) -> str:
        return self._id


@functools.lru_cache(maxsize=1 << 17)
def _finding_id(check: str, key: str) -> str:
    # Reports and the planner ask for each id several times: a 50,000-finding plan hashed 250,000 times.
    digest = hashlib.sha1(f"{check}\0{key}".encode()).hexdigest()[:10]
    return f"{check}-{digest}"


@dataclass(frozen=True, slots=True)
class StaffSection:
    """What a check shows in the staff edition: a heading, sentences, and a table of counts.

    The staff edition renders these fields and nothing else of the check, so a check leaves out what is
    sensitive by construction (no addresses, ports, versions, account or people's names) instead of
    the report scrubbing finished text.
    """

    title: str
    paragraphs: tuple[str, ...] = ()
    items: tuple[str, ...] = ()  # a list of asks, one sentence each
    columns: tuple[str, ...] = ()  # the table's header; the first column labels the rows
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True, slots=True)
class CheckResult:
    check: str
    title: str
    status: CheckStatus
    findings: tuple[Finding, ...] = ()
    error: str = ""
    duration_s: float = 0.0
    # Check-specific figures the plan may quote (coverage, restore point, tool versions...). JSON-safe.
    facts: dict[str, Any] = field(default_factory=dict)
    staff: StaffSection | None = None


@dataclass(frozen=True, slots=True)
class GuideStep:
    guide: str  # guide id in posture/data/guides.yaml
    step: str  # step id within that guide
    guide_title: str
    step_title: str


@dataclass(frozen=True, slots=True)
class Action:
    id: str
    phase: Phase
    priority: int  # 1 (within 24 h) … 4 (within 90 days)
    title: str
    detail: str
    guide_steps: tuple[GuideStep, ...]
    weaknesses: tuple[str, ...]
    findings: tuple[str, ...]  # ids of the findings that triggered it
    due: date | None = None
    notes: tuple[str, ...] = ()  # facts from the findings worth reading next to the action


@dataclass(frozen=True, slots=True)
class Notification:
    """A duty to tell someone about the breach, with its deadline."""

    rule: str
    recipient: str
    jurisdiction: str
    deadline: datetime | None  # None: "without unreasonable delay"
    deadline_text: str
    condition: str
    source: str
    confirmed: bool = True
    ordering: str = ""  # "before notifying Affected Maryland residents"
    open_points: tuple[str, ...] = ()  # why the row is unconfirmed


@dataclass(frozen=True, slots=True)
class Plan:
    mode: Mode
    generated: date
    actions: tuple[Action, ...]
    notifications: tuple[Notification, ...] = ()
    notification_notes: tuple[str, ...] = ()  # lines under the table: data kinds no state law covers...


@dataclass(frozen=True, slots=True)
class Drift:
    """What changed since the previous run of the same config."""

    previous_run: str
    previous_finished: datetime
    new: tuple[str, ...]  # finding ids failing now and not before
    resolved: tuple[Finding, ...]  # findings failing before and not now
    unchanged: tuple[str, ...]


@dataclass(slots=True)
class Assessment:
    """Everything one run produced: the input to every report writer."""

    config_path: str
    config_id: str
    organization: dict[str, Any]
    mode: Mode
    incident: dict[str, Any] | None
    scope: dict[str, Any]
    started: datetime
    finished: datetime
    checks: list[CheckResult]
    plan: Plan | None = None
    drift: Drift | None = None
    tool_version: str = ""
    run_id: str = ""
    # Findings whose risk the owner accepted (until an expiry): shown apart, never counted as problems.
    accepted: frozenset[str] = frozenset()
    # Owners, status and accepted risks recorded for this config, judged against this run (posture.tracking).
    tracking: TrackingView | None = None
    _index: dict[str, Finding] = field(default_factory=dict, init=False, repr=False, compare=False)
    _index_of: tuple[CheckResult, ...] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def findings(self) -> list[Finding]:
        return [f for c in self.checks for f in c.findings]

    @property
    def failing(self) -> list[Finding]:
        """The problems: failing findings, less those whose risk is accepted."""
        return [f for f in self.findings if f.status is Status.FAIL and f.id not in self.accepted]

    @property
    def unchecked(self) -> list[Finding]:
        """Observations a check could not complete (a breach look-up that timed out): never a pass."""
        return [f for f in self.findings if f.status is Status.ERROR]

    @property
    def incomplete(self) -> bool:
        return bool(self.unchecked) or any(c.status is CheckStatus.ERROR for c in self.checks) or not self.assessed

    @property
    def assessed(self) -> bool:
        """Whether any check completed: a run where none did is never a clean bill of health."""
        return any(c.status is CheckStatus.OK for c in self.checks)

    def finding(self, finding_id: str) -> Finding | None:
        # Reports look up every finding of every action: an index, rebuilt only when `checks` changes,
        # keeps a 10,000-finding plan linear rather than quadratic (each `id` is a SHA-1).
        if self._index_of is None or len(self._index_of) != len(self.checks) or not all(
                map(operator.is_, self._index_of, self.checks)):
            self._index = {f.id: f for f in reversed(self.findings)}  # the first of equal ids wins, as before
            self._index_of = tuple(self.checks)
        return self._index.get(finding_id)
