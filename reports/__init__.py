"""Report writers, one module per format, and the one place that writes them to disk."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from posture.errors import UsageError
from posture.models import Assessment
from posture.redact import redact
from posture.safeio import publish_run

Renderer = Callable[[Assessment, str], str]
FORMATS = ("markdown", "json", "html")
# The JSON holds everything (evidence, addresses): it is never part of the staff edition.
CONSULTANT_ONLY = frozenset({"json"})


def _renderer(fmt: str) -> Renderer:
    if fmt == "markdown":
        from reports import markdown

        return markdown.render
    if fmt == "html":
        from reports import html

        return html.render
    if fmt == "json":
        from reports import json_report

        return json_report.render
    raise UsageError(f"unknown report format {fmt!r}; choose from {', '.join(FORMATS)}")


def file_name(fmt: str, audience: str) -> str:
    suffix = "-staff" if audience == "staff" else ""
    return {"markdown": f"posture-plan{suffix}.md", "html": f"posture-plan{suffix}.html",
            "json": "posture-results.json"}[fmt]


def render_all(assessment: Assessment, formats: Iterable[str], audience: str) -> dict[str, str]:
    """Render every requested format in memory first: a failure writes nothing."""
    out = {}
    for fmt in dict.fromkeys(formats):
        if audience == "staff" and fmt in CONSULTANT_ONLY:
            continue
        out[file_name(fmt, audience)] = _renderer(fmt)(assessment, audience)
    return out


def _streamer(fmt: str) -> Callable[[Assessment, str], Iterable[str]]:
    from reports import html, json_report, markdown

    return {"markdown": markdown.chunks, "html": html.chunks, "json": json_report.chunks}[fmt]


def write_reports(assessment: Assessment, out_dir: Path, formats: Iterable[str], audience: str) -> list[Path]:
    """Stream every requested format into a new run folder (a 50,000-finding page is never one string in
    memory), then publish the whole set at once (posture.safeio.publish_run): a failure writes nothing."""
    chosen = list(dict.fromkeys(formats))
    for fmt in chosen:
        _renderer(fmt)  # an unknown format: a clear error before anything is written
    # Results files written by older versions may still quote a repository's password: mask on the way out.
    streams = {file_name(fmt, audience): (redact(chunk) for chunk in _streamer(fmt)(assessment, audience))
               for fmt in chosen if not (audience == "staff" and fmt in CONSULTANT_ONLY)}
    return publish_run(out_dir, streams)
