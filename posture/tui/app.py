"""The Textual app and its one factory, used by `posture tui` and by the tests alike.

The app owns the session and the run worker; screens render the session and call back into the app
to act. The worker iterates the very Runner the headless CLI uses and posts its events as messages.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from textual import work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.notifications import SeverityLevel
from textual.screen import Screen
from textual.worker import get_current_worker

from posture.errors import ConfigError, PostureError
from posture.registry import Registry
from posture.startup import resume_collector
from posture.store import Store, open_store
from posture.tui.screens.overview import OverviewScreen
from posture.tui.screens.start import StartScreen
from posture.tui.session import Session

# The first screen (the start screen, or a config's overview) needs none of these: each is imported when
# first used, so `posture tui` paints sooner (bench: tui-first-screen).
if TYPE_CHECKING:
    from posture.assess import AssessmentRun
    from posture.models import Assessment
    from posture.tui.messages import RunDone, RunFailed, RunnerEvent
    from posture.tui.run_state import RunState
    from posture.tui.screens.findings import FindingsScreen
    from posture.tui.screens.plan import PlanScreen

log = logging.getLogger("posture.tui")
DARK, LIGHT = "textual-dark", "textual-light"


class PostureApp(App[int]):
    CSS_PATH = "posture.tcss"
    TITLE = "posture"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
        Binding("q", "quit", "Quit"),
        Binding("question_mark", "help", "Help", key_display="?"),
    ]

    def __init__(self, session: Session, config_path: Path | None, start_dir: Path) -> None:
        super().__init__()
        self.session = session
        self.config_path = config_path
        self.start_dir = start_dir
        self.run_state: RunState | None = None
        self.abandoned = False  # quit confirmed mid-run: the run is cancelled and never recorded

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Notifications quote paths, errors and links: plain text unless a caller asks for markup."""
        super().notify(message, title=title, severity=severity, timeout=timeout, markup=markup)

    def _fatal_error(self) -> None:
        """Textual's crash report, without local variables: a frame's locals may hold a typed password."""
        import rich
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None, suppress=[rich])
        self._exit_renderables.append(Segments(self.console.render(traceback, self.console.options)))
        self._close_messages_no_wait()

    # --- screens ----------------------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        """A config named on the command line opens straight into its overview: the one screen the first
        paint lays out (the start screen is built only when the user goes back to it)."""
        if self.config_path is None:
            return StartScreen(self.start_dir)
        try:
            config = self.session.load(self.config_path)
        except PostureError as exc:
            start = StartScreen(self.start_dir)
            start.show_problems(self.config_path, exc.lines())
            return start
        self.sub_title = config.organization.name
        return OverviewScreen(self.session, self.config_path)

    def on_mount(self) -> None:
        self.call_after_refresh(resume_collector)  # the first screen is up (posture.startup)
        self.theme = DARK
        for name, why in self.session.registry.broken.items():
            self.notify(f"The {name} check could not be loaded: {why}", severity="warning", timeout=8)

    def open_config(self, path: Path) -> bool:
        """Load a config and show its overview; on a problem, show the located lines on the start screen."""
        try:
            config = self.session.load(path)
        except PostureError as exc:
            self._to_start().show_problems(path, exc.lines())
            return False
        self.config_path = path
        self.sub_title = config.organization.name
        self._to_bottom()
        start = self.screen_stack[-1]
        if isinstance(start, StartScreen):
            start.clear_problems()
        self.push_screen(OverviewScreen(self.session, path))
        return True

    def _to_bottom(self) -> None:
        """Pop to the start screen, or to the first screen when none was built yet. (A first screen that is a
        config's overview stays under what is pushed later, never shown again: Textual cannot replace it.)"""
        while len(self.screen_stack) > 1 and not isinstance(self.screen_stack[-1], StartScreen):
            self.pop_screen()

    def _to_start(self) -> StartScreen:
        """Back to the start screen, built the first time it is needed."""
        self._to_bottom()
        top = self.screen_stack[-1]
        if isinstance(top, StartScreen):
            return top
        start = StartScreen(self.start_dir)
        self.push_screen(start)
        return start

    def _back_to(self, screen_type: type[Screen]) -> bool:
        """Pop screens until one of `screen_type` is on top; False when there is none in the stack."""
        if not any(isinstance(s, screen_type) for s in self.screen_stack):
            return False
        while not isinstance(self.screen_stack[-1], screen_type):
            self.pop_screen()
        return True

    def show_findings(self) -> None:
        from posture.tui.screens.findings import FindingsScreen

        assessment = self.session.assessment
        if assessment is None:
            self.notify("Run the assessment first (r on the overview).", severity="warning")
            return
        if not (self._back_to(FindingsScreen) and self._on_top(FindingsScreen, assessment)):
            self.push_screen(FindingsScreen(assessment))

    def show_plan(self) -> None:
        if self.session.assessment is None:
            self.notify("Run the assessment first (r on the overview).", severity="warning")
            return
        # Imported when first shown: Textual's Markdown widget (markdown-it and its URL tables) is a large
        # share of the start-up, and the first screen never needs it.
        from posture.tui.screens.plan import PlanScreen

        if not (self._back_to(PlanScreen) and self._on_top(PlanScreen, self.session.assessment)):
            self.push_screen(PlanScreen(self.session))

    def _on_top(self, screen_type: type[FindingsScreen] | type[PlanScreen], assessment: Assessment) -> bool:
        """Is the top screen of this type, and showing this very assessment (not an earlier run's)?"""
        top = self.screen_stack[-1]
        return isinstance(top, screen_type) and top.assessment is assessment

    def show_results(self, assessment: Assessment) -> None:
        """Show an assessment's findings as if it had just been run (used after a run, and by tests)."""
        self.session.assessment = assessment
        self.show_findings()

    # --- the run ----------------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.run_state is not None and self.run_state.running

    def start_run(self) -> None:
        from posture.tui.run_state import RunState
        from posture.tui.screens.run import RunScreen

        if self.running:
            self.notify("A run is already going.", severity="warning")
            return
        try:
            run = self.session.new_run()
        except PostureError as exc:
            self.notify(str(exc), severity="error")
            return
        self.run_state = RunState([(o.id, o.title) for o in self.session.outline()], set(self.session.selected))
        self.session.assessment = None
        self._back_to(OverviewScreen)
        self.push_screen(RunScreen(self.run_state))
        self._run(run)

    @work(thread=True, exclusive=True, group="run", exit_on_error=False, description="assessment run")
    def _run(self, run: AssessmentRun) -> None:
        from posture.runner import RunFinished
        from posture.tui.messages import RunDone, RunFailed, RunnerEvent

        worker = get_current_worker()
        try:
            run.prepare()
            for event in run.events():
                if worker.is_cancelled:
                    run.cancel()
                if isinstance(event, RunFinished):
                    if not (worker.is_cancelled or self.abandoned):
                        # The same publishing step as `posture scan`: reports, history, alert.
                        published = self.session.publish(run)
                        warnings = list(published.warnings) if published else []
                        if published is None:
                            warnings.append(f"the reports were not written: {self.session.publish_error}")
                        self.post_message(RunDone(event.assessment, warnings))
                else:
                    self.post_message(RunnerEvent(event))
        except ConfigError as exc:
            self.post_message(RunFailed(exc.lines()))
        except PostureError as exc:
            self.post_message(RunFailed(exc.lines()))
        except Exception as exc:  # a bug must reach the screen, not kill the UI thread silently
            log.debug("run failed", exc_info=True)
            self.post_message(RunFailed([f"internal error: {type(exc).__name__}: {exc}"]))

    def cancel(self, check_id: str | None = None) -> None:
        run = self.session.run
        if run is None or self.run_state is None or not self.run_state.running:
            return
        run.cancel(check_id)
        self._refresh_run(self.run_state.cancelling(check_id))

    def on_runner_event(self, message: RunnerEvent) -> None:
        if self.run_state is not None:
            changed = self.run_state.apply(message.event)
            self._refresh_run([changed] if changed else [])

    def on_run_done(self, message: RunDone) -> None:
        published = self.session.published
        if self.run_state is not None:
            self.run_state.finish(message.assessment, published.reports if published else [],
                                  self.session.publish_error)
        self.session.finished(message.assessment)
        for warning in message.warnings:
            self.notify(warning, severity="warning", timeout=10)
        self._refresh_run(None)
        for screen in self.screen_stack:
            if isinstance(screen, OverviewScreen):
                screen.show_history()

    def on_run_failed(self, message: RunFailed) -> None:
        if self.run_state is not None:
            self.run_state.fail(message.lines)
        self._refresh_run(None)

    def _refresh_run(self, check_ids: Iterable[str] | None) -> None:
        from posture.tui.screens.run import RunScreen

        for screen in self.screen_stack:
            if isinstance(screen, RunScreen):
                screen.refresh_lines(check_ids)

    # --- app-wide actions -------------------------------------------------------------------------

    async def action_quit(self) -> None:
        from posture.tui.screens.confirm import ConfirmQuitScreen

        unsaved = self.session.unsaved
        if not self.running and not unsaved:
            self.exit(0)
            return

        def answered(quit_now: bool | None) -> None:
            if quit_now:
                self.abandoned = self.running
                self.cancel()
                self.exit(0)

        if not isinstance(self.screen, ConfirmQuitScreen):
            self.push_screen(ConfirmQuitScreen(running=self.running, unsaved=unsaved), answered)

    def action_help(self) -> None:
        from posture.tui.screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        self.push_screen(HelpScreen.for_screen(self.screen))

    def action_toggle_dark(self) -> None:
        self.theme = LIGHT if self.theme == DARK else DARK

    def action_run(self) -> None:
        if self.session.config is None:
            self.notify("Open a config first.", severity="warning")
            return
        self.start_run()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        if self.session.config is not None and not self.running:
            yield SystemCommand("Run the assessment", "Run the selected checks now", self.action_run)
        if self.session.assessment is not None:
            yield SystemCommand("Findings", "The findings table", self.show_findings)
            yield SystemCommand("Plan", "The action plan, as the report writes it", self.show_plan)
        yield SystemCommand("Open another config", "Back to the start screen", self.open_another)
        yield SystemCommand("Light or dark", "Switch between the light and the dark theme", self.action_toggle_dark)
        yield SystemCommand("Help", "Keys and what each screen does", self.action_help)
        yield from super().get_system_commands(screen)

    def open_another(self) -> None:
        if self.running:
            self.notify("Finish or cancel the run first.", severity="warning")
            return
        self._to_start()


def make_app(
    config_path: Path | None,
    registry: Registry,
    *,
    db: str | Path | None = None,
    history: Store | None = None,
    now: datetime | None = None,
    start_dir: Path | None = None,
) -> PostureApp:
    """The app for `posture tui` and for the tests: the registry and the history are passed in."""
    session = Session(registry=registry, history=history or open_store(db), now=now)
    return PostureApp(session, config_path, start_dir or Path.cwd())


def run_tui(config_path: Path | None, db: str | Path | None = None) -> int:
    from posture.registry import default_registry

    app = make_app(config_path, default_registry(), db=db)
    code = app.run()
    run = app.session.run
    if app.abandoned and run is not None:  # quit mid-run: let the checks stop the tools they started
        run.wait_stopped()
    return int(code or 0)
