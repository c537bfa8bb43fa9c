"""How one check's line reads on the run screen: state, progress bar, elapsed time, message or error."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from textual.content import Content

from posture.tui.plain import plain
from posture.tui.run_state import CANCELLING, DONE, FAILED, RUNNING, SKIPPED, WAITING, CheckLine

ICONS = {WAITING: ("·", "$text-muted"), RUNNING: ("▶", "$text-accent"), CANCELLING: ("■", "$text-warning"),
         DONE: ("✓", "$text-success"), FAILED: ("✗", "$text-error"), SKIPPED: ("-", "$text-muted")}
TITLE_WIDTH = 30
BAR_WIDTH = 10


def bar(fraction: float | None, state: str) -> str:
    if state == DONE:
        fraction = 1.0
    if fraction is None:
        return ("░" * BAR_WIDTH) + "     "
    filled = round(max(0.0, min(1.0, fraction)) * BAR_WIDTH)
    return "█" * filled + "░" * (BAR_WIDTH - filled) + f" {fraction:4.0%}"


def elapsed_text(seconds: float | None) -> str:
    if seconds is None:
        return ""
    if seconds < 60:
        return f"{seconds:4.1f} s"
    return f"{int(seconds // 60)}m{int(seconds % 60):02d}s"


def check_line(line: CheckLine, now: float) -> Content:
    """Two lines: the check and its progress, then what it is doing (or why it failed)."""
    icon, icon_style = ICONS[line.state]
    title = line.title if cell_len(line.title) <= TITLE_WIDTH else set_cell_size(line.title, TITLE_WIDTH - 1) + "…"
    parts: list[str | tuple[str, str]] = [(f"{icon} ", icon_style), (set_cell_size(title, TITLE_WIDTH), "bold"), " "]
    if line.state in (RUNNING, CANCELLING, DONE):
        parts.append((bar(line.fraction, line.state), "$text-accent" if line.state == RUNNING else ""))
    elif line.state == FAILED:
        parts.append((f"{'error':<{BAR_WIDTH + 5}}", "bold $text-error"))
    else:
        parts.append((f"{line.state:<{BAR_WIDTH + 5}}", "$text-muted"))
    parts.append(f"  {elapsed_text(line.elapsed(now)):>7}")
    if line.state == FAILED:
        parts.append((f"\n  {line.error or 'failed'}", "$text-error"))
    else:
        parts.append((f"\n  {line.message}", "$text-muted" if line.state in (WAITING, SKIPPED) else ""))
    return plain(*parts)
