"""The built-in report writers: one module per format, each registered in the `posture.reports`
entry-point group (pyproject.toml) exactly as a third-party format would be.

A new format is one module holding a `Writer` (see `posture.writers`) and one entry-point line.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from posture.models import Assessment
from posture.writers import formats
from posture.writers import render_all as _render_all
from posture.writers import write_reports as _write_reports

Renderer = Callable[[Assessment, str], str]
Streamer = Callable[[Assessment, str], Iterable[str]]


@dataclass(frozen=True)
class RendererWriter:
    """A `posture.writers.Writer` made of a format name, its file names and a render function."""

    format: str
    consultant_file: str
    staff_file: str
    renderer: Renderer
    consultant_only: bool = False
    # Pieces of the same file in order, for large plans: written as they come, never one string in memory.
    streamer: Streamer | None = None

    def file_name(self, audience: str) -> str:
        return self.staff_file if audience == "staff" else self.consultant_file

    def render(self, assessment: Assessment, audience: str) -> str:
        return self.renderer(assessment, audience)

    def stream(self, assessment: Assessment, audience: str) -> Iterable[str]:
        if self.streamer is None:
            return [self.renderer(assessment, audience)]
        return self.streamer(assessment, audience)


def render_all(assessment: Assessment, requested: Iterable[str], audience: str) -> dict[str, str | bytes]:
    return _render_all(assessment, requested, audience)


def write_reports(assessment: Assessment, out_dir: Path, requested: Iterable[str], audience: str) -> list[Path]:
    return _write_reports(assessment, out_dir, requested, audience)


__all__ = ["RendererWriter", "formats", "render_all", "write_reports"]
