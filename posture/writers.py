"""Report writers are plugins: a `Writer` registered in the `posture.reports` entry-point group.

The core never imports a writer module by name (an import-linter contract keeps `posture` free of
`reports`): the built-in Markdown, HTML and JSON writers register exactly as a new format would, with
one line in `[project.entry-points."posture.reports"]`. A writer is imported only when it is used.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol, runtime_checkable

from posture.entrypoints import installed, load
from posture.errors import UsageError
from posture.models import Assessment
from posture.redact import redact
from posture.safeio import Content, publish_run

ENTRY_POINT_GROUP = "posture.reports"


@runtime_checkable
class Writer(Protocol):
    """One report format. `render` returns the whole file (text, or bytes for a binary format such as PDF);
    `stream` the same text in pieces, for large plans. Neither writes anything itself."""

    format: str  # the name in `report.formats` and `--format`, equal to the entry-point name
    consultant_only: bool  # True: never part of the staff edition (it would carry the evidence)

    def file_name(self, audience: str) -> str: ...

    def render(self, assessment: Assessment, audience: str) -> str | bytes: ...

    def stream(self, assessment: Assessment, audience: str) -> Iterable[str] | bytes: ...


def formats() -> tuple[str, ...]:
    """The installed formats, from entry-point metadata alone (no writer module is imported)."""
    return tuple(sorted({ep.name for ep in installed(ENTRY_POINT_GROUP)}))


@functools.cache
def writer(fmt: str) -> Writer:
    found = [ep for ep in installed(ENTRY_POINT_GROUP) if ep.name == fmt]
    if not found:
        raise UsageError(f"unknown report format {fmt!r}; choose from {', '.join(formats())}")
    loaded = load(found[0])
    instance = loaded() if isinstance(loaded, type) else loaded
    if not isinstance(instance, Writer) or instance.format != fmt:
        raise UsageError(f"the {fmt!r} report writer ({found[0].value}) is not a posture Writer for {fmt!r}")
    return instance


def choose(requested: Iterable[str]) -> list[str]:
    """Requested formats, each checked against the installed ones (UsageError naming the bad ones)."""
    chosen = [f.strip() for f in requested if f.strip()]
    known = formats()
    bad = [f for f in chosen if f not in known]
    if bad or not chosen:
        raise UsageError(f"unknown format {', '.join(bad) or '(empty)'}; choose from {', '.join(known)}")
    return list(dict.fromkeys(chosen))


def render_all(assessment: Assessment, requested: Iterable[str], audience: str) -> dict[str, str | bytes]:
    """Render every requested format in memory first: a failure writes nothing. File name → content."""
    out = {}
    for fmt in dict.fromkeys(requested):
        w = writer(fmt)
        if audience == "staff" and w.consultant_only:
            continue
        out[w.file_name(audience)] = w.render(assessment, audience)
    return out


def write_reports(assessment: Assessment, out_dir: Path, requested: Iterable[str], audience: str) -> list[Path]:
    """Stream every requested format into a new run folder (a 50,000-finding page is never one string in
    memory), then publish the whole set at once (posture.safeio.publish_run): a failure writes nothing."""
    chosen = [writer(fmt) for fmt in dict.fromkeys(requested)]  # an unknown format fails before any write
    files: dict[str, Content] = {}
    for w in chosen:
        if audience == "staff" and w.consultant_only:
            continue
        content = w.stream(assessment, audience)
        # Results written by older versions may still quote a repository's password: mask on the way out.
        files[w.file_name(audience)] = content if isinstance(content, bytes) else (redact(c) for c in content)
    return publish_run(out_dir, files)


def render(fmt: str, assessment: Assessment, audience: str) -> str:
    """One format as text (the TUI's plan screen shows the Markdown writer's output)."""
    text = writer(fmt).render(assessment, audience)
    return text.decode("utf-8") if isinstance(text, bytes) else text
