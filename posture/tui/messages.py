"""Messages the run worker posts from its thread to the app (messages up, attributes down)."""

from __future__ import annotations

from textual.message import Message

from posture.models import Assessment
from posture.runner import CheckProgress, Event


class RunnerEvent(Message):
    """One event from `Runner.events()`, carried to the UI thread."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event

    def can_replace(self, message: Message) -> bool:
        # A flood of progress from one check (nmap host by host) collapses to the latest.
        return (isinstance(self.event, CheckProgress) and isinstance(message, RunnerEvent)
                and isinstance(message.event, CheckProgress) and message.event.check == self.event.check)


class RunDone(Message):
    """The run finished (possibly with cancelled or failed checks) and was published: its reports written
    to report.out_dir, the run recorded, the alert sent. `warnings`: what did not work out, one line each."""

    def __init__(self, assessment: Assessment, warnings: list[str]) -> None:
        super().__init__()
        self.assessment = assessment
        self.warnings = warnings


class RunFailed(Message):
    """The run could not start: each line is a located config or evidence problem."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__()
        self.lines = lines
