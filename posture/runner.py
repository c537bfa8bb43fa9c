"""Run the enabled checks concurrently and report what happens as a stream of events.

Both front ends drive this: the headless CLI draws a progress bar from the events, the TUI posts
them as messages from a worker thread. A failing, hung or cancelled check becomes an `error`
result; the runner itself never raises for a check.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from posture import __version__
from posture.check import Check, CheckContext, PreviousRun, Secrets
from posture.config import Config
from posture.errors import Cancelled, CheckFailed, ConfigError, InputError
from posture.models import Assessment, CheckResult, CheckStatus, Finding, Mode
from posture.redact import redact_tree

log = logging.getLogger("posture.runner")


@dataclass(frozen=True)
class RunStarted:
    checks: tuple[str, ...]


@dataclass(frozen=True)
class CheckStarted:
    check: str


@dataclass(frozen=True)
class CheckProgress:
    check: str
    fraction: float | None
    message: str


@dataclass(frozen=True)
class CheckFinished:
    result: CheckResult


@dataclass(frozen=True)
class RunFinished:
    assessment: Assessment


Event = RunStarted | CheckStarted | CheckProgress | CheckFinished | RunFinished


@dataclass
class _Job:
    check_id: str
    check: Check[Any]
    ctx: CheckContext[Any]
    timeout_s: float
    started: float = 0.0
    done: bool = False
    prepare_error: str = ""
    thread: threading.Thread | None = None


class Runner:
    """One run of the checks a config enables (optionally only some of them)."""

    def __init__(
        self,
        config: Config,
        registry: Any,
        *,
        only: set[str] | None = None,
        previous: Assessment | None = None,
        secrets: Secrets | None = None,
        now: datetime | None = None,
    ) -> None:
        self.config = config
        self.previous = previous
        self.now = now or datetime.now(UTC)
        self.skipped = [c for c in config.enabled_checks if only is not None and c not in only]
        prev_run = _previous_run(previous)
        self.tool_started = threading.Event()  # one for the run: any check's tool counts
        self._jobs: dict[str, _Job] = {}
        for check_id in config.enabled_checks:
            if check_id in self.skipped:
                continue
            check_cls: type[Check[Any]] = registry.require(check_id)
            ctx: CheckContext[Any] = CheckContext(
                config=config, options=config.options(check_id), now=self.now,
                previous=prev_run, secrets=secrets or Secrets(), check_id=check_id,
                tool_started=self.tool_started,
            )
            self._jobs[check_id] = _Job(check_id, check_cls(), ctx, check_cls.meta.timeout_s)
        self._titles = {c: registry.require(c).meta.title for c in config.enabled_checks}
        self._cancel_all = threading.Event()
        self._prepared = False

    @property
    def check_ids(self) -> list[str]:
        return list(self._jobs)

    def prepare(self) -> None:
        """Parse every check's evidence; raise ConfigError listing every bad input at once."""
        problems: list[InputError] = []
        for job in self._jobs.values():
            try:
                job.check.prepare(job.ctx)
            except ConfigError as exc:
                problems += [self.config.locate_evidence(job.check_id, p) for p in exc.problems]
            except InputError as exc:
                problems.append(self.config.locate_evidence(job.check_id, exc))
            except CheckFailed as exc:
                job.prepare_error = str(exc)
            except Exception as exc:  # a bug in a check must not stop the others
                job.prepare_error = f"internal error while reading evidence: {type(exc).__name__}: {exc}"
                log.debug("prepare failed for %s\n%s", job.check_id, traceback.format_exc())
        self._prepared = True
        if problems:
            problems.sort(key=lambda p: (p.path or "", p.line or 0, p.column or 0))
            raise ConfigError(problems)

    def cancel(self, check_id: str | None = None) -> None:
        """Cancel one check, or the whole run."""
        if check_id is None:
            self._cancel_all.set()
            for job in self._jobs.values():
                job.ctx.cancel_event.set()
        elif check_id in self._jobs:
            self._jobs[check_id].ctx.cancel_event.set()

    def wait_stopped(self, timeout_s: float = 5.0) -> None:
        """After `cancel()`, before the process exits: give each check a moment to stop the tools it started.

        `ctx.run_command` kills its child's process group once it sees the cancel; if the process exited
        first, nmap or restic would run on, orphaned. A check that ignores cancellation is not waited for
        beyond `timeout_s` (its thread is a daemon).
        """
        deadline = time.monotonic() + timeout_s
        for job in self._jobs.values():
            if job.thread is not None:
                job.thread.join(max(0.0, deadline - time.monotonic()))

    def run(self) -> Assessment:
        """Run to the end, ignoring progress: the raw results (posture.assess.finish gives them a plan)."""
        for event in self.events():
            if isinstance(event, RunFinished):
                return event.assessment
        raise AssertionError("the run ended without a RunFinished event")

    def events(self) -> Iterator[Event]:
        if not self._prepared:
            self.prepare()
        started = datetime.now(UTC)
        events: queue.Queue[Event | tuple[str, list[Finding] | BaseException]] = queue.Queue()
        yield RunStarted(tuple(self._jobs))
        results: dict[str, CheckResult] = {}
        for job in self._jobs.values():
            if job.prepare_error:
                results[job.check_id] = self._error(job, job.prepare_error, 0.0)
                _log_result(results[job.check_id])
                yield CheckFinished(results[job.check_id])
                continue
            job.started = time.monotonic()
            log.info("check %s: started", job.check_id)
            job.ctx.progress = _progress_to(events, job.check_id)
            yield CheckStarted(job.check_id)
            job.thread = threading.Thread(target=_work, args=(job, events), name=f"check-{job.check_id}", daemon=True)
            job.thread.start()
        while len(results) < len(self._jobs):
            try:
                item = events.get(timeout=0.1)
            except queue.Empty:
                item = None
            if isinstance(item, tuple):
                check_id, outcome = item
                job = self._jobs[check_id]
                if not job.done:
                    job.done = True
                    results[check_id] = self._finish(job, outcome)
                    _log_result(results[check_id])
                    yield CheckFinished(results[check_id])
            elif item is not None:
                if not (isinstance(item, CheckProgress) and self._jobs[item.check].done):
                    yield item
            for job in self._jobs.values():
                if job.done or not job.started:
                    continue
                if time.monotonic() - job.started > job.timeout_s:
                    job.done = True
                    job.ctx.cancel_event.set()
                    results[job.check_id] = self._error(
                        job, f"did not finish within {job.timeout_s:g} s and was stopped",
                        time.monotonic() - job.started)
                    _log_result(results[job.check_id])
                    yield CheckFinished(results[job.check_id])
        ordered = [results[c] for c in self._jobs] + [
            CheckResult(c, self._titles[c], CheckStatus.SKIPPED, error="not selected for this run")
            for c in self.skipped
        ]
        assessment = self._assessment(ordered, started)
        yield RunFinished(assessment)

    def _finish(self, job: _Job, outcome: list[Finding] | BaseException) -> CheckResult:
        duration = time.monotonic() - job.started
        if isinstance(outcome, BaseException):
            if isinstance(outcome, Cancelled) or job.ctx.cancel_event.is_set():
                reason = "cancelled before it finished"
            elif isinstance(outcome, (CheckFailed, InputError)):
                reason = str(outcome)
            else:
                reason = f"internal error: {type(outcome).__name__}: {outcome}"
            return self._error(job, reason, duration)
        if job.ctx.cancel_event.is_set():
            return self._error(job, "cancelled before it finished", duration)
        # Everything reports, history and alerts show comes from here: one redaction covers them all.
        return redact_tree(CheckResult(
            job.check_id, job.check.meta.title, CheckStatus.OK, tuple(outcome),
            duration_s=round(duration, 3), facts=dict(job.ctx.facts), staff=job.ctx.staff,
        ))

    def _error(self, job: _Job, reason: str, duration: float) -> CheckResult:
        return redact_tree(CheckResult(
            job.check_id, job.check.meta.title, CheckStatus.ERROR, error=reason,
            duration_s=round(duration, 3), facts=dict(job.ctx.facts),
        ))

    def _assessment(self, results: list[CheckResult], started: datetime) -> Assessment:
        config = self.config
        org = config.organization
        assessment = Assessment(
            config_path=str(config.path),
            config_id=config.identity,
            organization={
                "name": org.name, "industry": org.industry, "customer_data": list(org.customer_data),
                "sector": list(org.sector),
                "residents": dict(org.residents),
                "contacts": {k: bool(v) for k, v in org.contacts.model_dump().items()},
            },
            mode=Mode.INCIDENT if config.incident else Mode.READINESS,
            incident=config.incident.model_dump(mode="json") if config.incident else None,
            scope={
                "authorization": config.scope.authorization,
                "targets": [t.model_dump(mode="json") for t in config.scope.targets],
                "exclude": list(config.scope.exclude),
            },
            started=started,
            finished=datetime.now(UTC),
            checks=results,
            tool_version=__version__,
        )
        return assessment  # posture.assess.finish adds the run id, the drift and the plan


def _log_result(result: CheckResult) -> None:
    if result.status is CheckStatus.OK:
        failing = sum(1 for f in result.findings if f.status.value == "fail")
        log.info("check %s: finished in %.2f s: %d finding(s), %d failing", result.check, result.duration_s,
                 len(result.findings), failing)
    else:
        log.info("check %s: %s after %.2f s: %s", result.check, result.status.value, result.duration_s, result.error)


def _work(job: _Job, events: queue.Queue[Any]) -> None:
    try:
        findings = list(job.check.run(job.ctx))
        for finding in findings:
            if not isinstance(finding, Finding):
                raise TypeError(f"check returned {type(finding).__name__}, not a Finding")
        events.put((job.check_id, findings))
    except BaseException as exc:  # noqa: BLE001 - every failure becomes the check's error result
        log.debug("check %s failed\n%s", job.check_id, traceback.format_exc())
        events.put((job.check_id, exc))


def _progress_to(events: queue.Queue[Any], check_id: str) -> Any:
    def progress(fraction: float | None, message: str) -> None:
        events.put(CheckProgress(check_id, fraction, message))

    return progress


def _previous_run(previous: Assessment | None) -> PreviousRun | None:
    if previous is None:
        return None
    return PreviousRun(previous.run_id, previous.finished, {f.id: f for f in previous.findings})
