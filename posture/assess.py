"""One assessment from start to end: the pipeline `posture scan` and the TUI both drive.

    open_config → Assessment(...).prepare() → .events() (the Runner's stream; the last event carries the
    finished run) → .publish() (reports to report.out_dir, the history, the alert)

`finish` is the one place a run gets its id, its drift (against the last complete run of the same
config) and its plan. The front ends only show what happens; neither writes, records or alerts itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from posture.check import Secrets
from posture.config import Config
from posture.errors import PostureError, UsageError
from posture.models import Assessment as Results

if TYPE_CHECKING:
    # The runner, the planner and drift are imported when a run is made: opening a config (the TUI's first
    # screen, `posture validate`) needs none of them.
    from posture.registry import Registry
    from posture.runner import Event
    from posture.store import Store as History
    from posture.tracking import Tracking

log = logging.getLogger("posture.assess")
STAFF_HAS_NO_JSON = "the staff edition has no JSON (it would carry the evidence)"


def open_config(path: str | Path, registry: Registry) -> Config:
    """Read and validate a config; when it is wrong, ConfigError lists every located problem of every layer
    (the config's own and its evidence's)."""
    from posture.preflight import load_or_explain

    return load_or_explain(path, registry)


def new_run_id() -> str:
    import uuid

    return uuid.uuid4().hex[:12]


def finish(results: Results, previous: Results | None, tracking: Tracking | None = None,
           staff_owners: bool = False) -> Results:
    """Give a run its id, its drift against `previous` and its plan, judged against what people recorded
    (owners, status, accepted risks) when the history holds any."""
    from posture.drift import compute_drift
    from posture.planner import build_plan, plan_with_tracking

    results.run_id = new_run_id()
    results.drift = compute_drift(previous, results) if previous is not None else None
    if tracking is None:
        results.plan = build_plan(results)
    else:
        plan_with_tracking(results, tracking, results.finished.date(), staff_owners=staff_owners)
    return results


def load_tracking(history: History | None, config: Config) -> tuple[Tracking | None, str]:
    """The tracking state recorded for this config, or None and why not (one line)."""
    if history is None:
        return None, ""
    from posture.store.tracking import load_tracking as load

    try:
        return load(history, config.identity), ""
    except PostureError as exc:
        return None, f"warning: the tracking state could not be read, so the plan shows none: {exc}"


def last_run(history: History | None, config: Config) -> tuple[Results | None, str]:
    """The run to compare with, and one line saying what it is (or why there is none)."""
    if history is None:
        return None, "history is off"
    try:
        previous = history.latest(config.identity)
    except PostureError as exc:
        return None, f"could not read the history ({exc}); comparing with no previous run"
    if previous is None:
        return None, "no earlier run of this config"
    return previous, describe_run(previous)


def describe_run(run: Results) -> str:
    return (f"last run {run.finished:%Y-%m-%d %H:%M} UTC: {len(run.failing)} problem(s); "
            "new ones will be marked")


@dataclass
class Published:
    """What `publish` did: the report files written, and what did not work out (one line each)."""

    reports: list[Path] = field(default_factory=list)
    out_dir: Path | None = None
    recorded: bool = False
    warnings: list[str] = field(default_factory=list)
    alert_failed: bool = False


class AssessmentRun:
    """One run of a config's checks: prepare, run as events, finish, publish."""

    def __init__(
        self,
        config: Config,
        registry: Registry,
        *,
        history: History | None = None,
        only: set[str] | None = None,
        secrets: Secrets | None = None,
        now: datetime | None = None,
        previous: tuple[Results | None, str] | None = None,
    ) -> None:
        self.config = config
        self.history = history
        self.previous, self.history_note = previous if previous is not None else last_run(history, config)
        self.tracking, self.tracking_note = load_tracking(history, config)
        from posture.runner import Runner

        self.runner = Runner(config, registry, only=only, previous=self.previous, secrets=secrets, now=now)
        self.results: Results | None = None
        self.published: Published | None = None

    @property
    def check_ids(self) -> list[str]:
        return self.runner.check_ids

    def prepare(self) -> None:
        """Parse every check's evidence; ConfigError lists every bad input, and nothing has run."""
        self.runner.prepare()

    def events(self) -> Iterator[Event]:
        """The Runner's events; the final RunFinished carries the finished run (id, drift, plan)."""
        from posture.runner import CheckFinished, CheckProgress, RunFinished

        warming = False
        for event in self.runner.events():
            if not warming and isinstance(event, (CheckProgress, CheckFinished)):
                warming = True
                threading.Thread(target=_warm_up, args=(self.config.report.formats, self.runner.tool_started),
                                 name="posture-warm-up", daemon=True).start()
            if isinstance(event, RunFinished):
                event = RunFinished(finish(event.assessment, self.previous, self.tracking,
                                           self.config.report.staff_owners))
                self.results = event.assessment
            yield event

    def run(self) -> Results:
        for _ in self.events():
            pass
        assert self.results is not None
        return self.results

    def cancel(self, check_id: str | None = None) -> None:
        self.runner.cancel(check_id)

    def wait_stopped(self, timeout_s: float = 5.0) -> None:
        self.runner.wait_stopped(timeout_s)

    def publish(
        self,
        *,
        out_dir: Path | None = None,
        formats: Sequence[str] | None = None,
        audience: str | None = None,
        alerts: bool = True,
    ) -> Published:
        """Write the reports (all or none; OutputError when they cannot be), then record the run and alert.

        A history or alert failure is a warning: the reports are already written.
        """
        results = self._finished()
        report = self.config.report
        folder = out_dir or self.config.resolve(report.out_dir)
        published = Published(out_dir=folder)
        if self.tracking_note:
            published.warnings.append(self.tracking_note)
        published.reports = write_reports(results, folder, formats or report.formats, audience or report.audience,
                                          published.warnings)
        self.published = published
        if self.history is not None:
            try:
                self.history.record(results, client=self.config.client_id,
                                    schedule_days=self.config.scan_every_days)
                published.recorded = True
            except PostureError as exc:
                published.warnings.append(f"warning: the reports are written, but the run was not recorded: {exc}")
        if alerts:
            published.alert_failed = _alert(self.config, results)
        return published

    def _finished(self) -> Results:
        if self.results is None:
            raise UsageError("run the assessment first")
        return self.results


def write_reports(results: Results, out_dir: Path, formats: Iterable[str], audience: str,
                  notes: list[str] | None = None) -> list[Path]:
    """Every requested format through its registered writer, all files at once or none."""
    from posture.writers import write_reports as write_all

    chosen = list(dict.fromkeys(formats))
    if audience == "staff" and "json" in chosen and notes is not None:
        notes.append(f"note: {STAFF_HAS_NO_JSON}")
    written = write_all(results, out_dir, chosen, audience)
    for path in written:
        logging.getLogger("posture.reports").info("report written: %s", path)
    return written


WARM_UP_WAIT_S = 0.5


def _warm_up(formats: Iterable[str], tool_started: threading.Event) -> None:
    """Read the data and import the writers that the plan and the reports need, while the checks run: a
    scan waits on nmap or restic most of the time, so the run's tail after the last check gets shorter.

    It waits until a check's tool is running: started at a check's first progress report, it held the
    interpreter while the ports check was still working out nmap's arguments. A run whose checks start no
    tool warms up after a short wait all the same."""
    import importlib

    tool_started.wait(WARM_UP_WAIT_S)

    from posture.catalogue import load_catalogue
    from posture.notify_rules import rule_table
    from posture.writers import writer

    try:
        for module in ("posture.drift", "posture.planner"):  # what finish() imports
            importlib.import_module(module)
        load_catalogue()
        rule_table()
        for fmt in formats:
            writer(fmt)
    except Exception:  # noqa: BLE001 - only a head start: the same call, where it is needed, reports the problem
        log.debug("warm-up stopped early", exc_info=True)


def _alert(config: Config, results: Results) -> bool:
    """Send the configured alert; True when it failed. Never raises (the reports are already written)."""
    if config.alerts is None:
        return False
    from posture.alerts import send_alert

    try:
        return not send_alert(config.alerts, results)
    except Exception as exc:  # noqa: BLE001 - send_alert never raises by design; belt and braces
        logging.getLogger("posture.alerts").error("alert not sent: %s", type(exc).__name__)
        return True


def starter_text() -> str:
    from importlib import resources

    return resources.files("posture.data").joinpath("starter.yaml").read_text(encoding="utf-8")


def create_starter_config(path: Path) -> Path:
    """Write the commented starter config to `path`, never over an existing file (`posture init`, the TUI)."""
    if path.exists():
        raise UsageError(f"{path} already exists; not overwriting it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "x", encoding="utf-8") as handle:
            handle.write(starter_text())
    except OSError as exc:
        raise UsageError(f"cannot write {path}: {exc.strerror}") from None
    return path

