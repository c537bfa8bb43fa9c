"""How far an action got: the four states people record (`posture track`, the TUI, a ticked plan file).

Its own module so the `posture` command's parser (whose --status choices these are) needs nothing else of
posture.tracking.
"""

from __future__ import annotations

import enum


class ActionStatus(enum.StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    WONT_DO = "wont_do"


STATUS_WORDS = {ActionStatus.OPEN: "open", ActionStatus.IN_PROGRESS: "in progress", ActionStatus.DONE: "done",
                ActionStatus.WONT_DO: "won't do"}
