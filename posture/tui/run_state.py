"""The run screen's model: what each check is doing, folded from the Runner's events (no Textual)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from posture.models import Assessment, CheckStatus, Status
from posture.runner import CheckFinished, CheckProgress, CheckStarted, Event, RunStarted

WAITING, RUNNING, CANCELLING, DONE, FAILED, SKIPPED = "waiting", "running", "cancelling", "done", "error", "skipped"


@dataclass
class CheckLine:
    id: str
    title: str
    state: str = WAITING
    fraction: float | None = None
    message: str = ""
    started: float | None = None
    duration_s: float | None = None
    problems: int = 0
    error: str = ""

    def elapsed(self, now: float) -> float | None:
        if self.duration_s is not None:
            return self.duration_s
        return None if self.started is None else now - self.started


class RunState:
    """One line per check, in the order the overview listed them."""

    def __init__(self, checks: Iterable[tuple[str, str]], selected: set[str],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.lines = {cid: CheckLine(cid, title, WAITING if cid in selected else SKIPPED) for cid, title in checks}
        for line in self.lines.values():
            if line.state == SKIPPED:
                line.message = "not selected for this run"
        self.clock = clock
        self.started = clock()
        self.finished: float | None = None
        self.assessment: Assessment | None = None
        self.reports: list[Path] = []  # written to report.out_dir when the run finished
        self.report_error = ""  # why they could not be
        self.failure: list[str] = []  # located config/evidence problems that stopped the run

    @property
    def running(self) -> bool:
        return self.finished is None and not self.failure

    def apply(self, event: Event) -> str | None:
        """Fold one runner event in; return the id of the check whose line changed, if any."""
        if isinstance(event, RunStarted):
            return None
        if isinstance(event, CheckStarted):
            line = self.lines[event.check]
            line.state, line.started, line.message = RUNNING, self.clock(), "started"
            return line.id
        if isinstance(event, CheckProgress):
            line = self.lines[event.check]
            if line.state == RUNNING:
                line.fraction, line.message = event.fraction, event.message
            return line.id
        if isinstance(event, CheckFinished):
            result = event.result
            line = self.lines[result.check]
            line.duration_s = result.duration_s
            if result.status is CheckStatus.OK:
                line.state, line.fraction = DONE, 1.0
                line.problems = sum(1 for f in result.findings if f.status is Status.FAIL)
                line.message = f"{line.problems} problem(s) found" if line.problems else "no problems found"
            elif result.status is CheckStatus.SKIPPED:
                line.state, line.message = SKIPPED, result.error
            else:
                line.state, line.error, line.message = FAILED, result.error, ""
            return line.id
        return None  # RunFinished: the app calls finish() once the reports are written

    def finish(self, assessment: Assessment, reports: Iterable[Path] = (), report_error: str = "") -> None:
        self.assessment = assessment
        self.reports = list(reports)
        self.report_error = report_error
        self.finished = self.clock()

    def fail(self, lines: list[str]) -> None:
        self.failure = list(lines)
        for line in self.lines.values():
            if line.state == WAITING:
                line.state, line.message = SKIPPED, "not run: fix the problems below first"

    def cancelling(self, check_id: str | None) -> list[str]:
        """Mark checks as being cancelled; return the ids whose line changed."""
        changed = []
        for line in self.lines.values():
            if (check_id is None or line.id == check_id) and line.state in (WAITING, RUNNING):
                line.state, line.message = CANCELLING, "cancelling…"
                changed.append(line.id)
        return changed

    def summary(self) -> str:
        if self.failure:
            return "The run could not start: the config or its evidence files have problems (listed below)."
        if self.assessment is None:
            done = sum(1 for x in self.lines.values() if x.state in (DONE, FAILED))
            todo = sum(1 for x in self.lines.values() if x.state != SKIPPED)
            return f"Running: {done} of {todo} checks finished."
        failing = self.assessment.failing
        errors = [x for x in self.lines.values() if x.state == FAILED]
        took = (self.finished or self.started) - self.started
        text = f"Finished in {took:.1f} s: {len(failing)} problem(s)"
        if self.assessment.drift is not None:
            text += f", {len(self.assessment.drift.new)} new since the last run"
        if errors:
            text += f"; {len(errors)} check(s) could not complete (see their reasons)"
        return text + "."

    def saved(self) -> str:
        """Where the reports went (or why not), for the finish screen."""
        if self.assessment is None:
            return ""
        if self.report_error:
            return f"The reports were NOT written: {self.report_error}. Export them from the plan (p, then e)."
        if not self.reports:
            return ""
        folder = self.reports[0].parent
        return f"Reports written to {folder}\n  {', '.join(p.name for p in self.reports)}"
