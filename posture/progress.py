"""The headless progress line: drawn on a terminal, silent in cron (not a TTY) or with --quiet."""

from __future__ import annotations

import os
import shutil
from typing import TextIO

from posture.runner import CheckFinished, CheckProgress, CheckStarted, Event, RunStarted


class ProgressLine:
    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream
        self.total = 0
        self.done = 0
        self.current: dict[str, str] = {}

    @classmethod
    def for_stream(cls, stream: TextIO, enabled: bool = True) -> ProgressLine:
        live = enabled and stream.isatty() and os.environ.get("TERM") != "dumb"
        return cls(stream if live else None)

    def update(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.total = len(event.checks)
        elif isinstance(event, CheckStarted):
            self.current[event.check] = "started"
        elif isinstance(event, CheckProgress):
            self.current[event.check] = event.message
        elif isinstance(event, CheckFinished):
            self.done += 1
            self.current.pop(event.result.check, None)
        self._draw()

    def _draw(self) -> None:
        if self.stream is None or not self.total:
            return
        width = shutil.get_terminal_size((80, 24)).columns
        filled = int(20 * self.done / self.total)
        bar = "#" * filled + "-" * (20 - filled)
        doing = "; ".join(f"{k}: {v}" for k, v in self.current.items())
        line = f"[{bar}] {self.done}/{self.total} checks  {doing}"
        self.stream.write("\r" + line[: width - 1].ljust(width - 1))
        self.stream.flush()

    def close(self) -> None:
        if self.stream is not None and self.total:
            self.stream.write("\r" + " " * (shutil.get_terminal_size((80, 24)).columns - 1) + "\r")
            self.stream.flush()
