"""The errors posture raises, and the exit codes they map to.

    PostureError
    ├── UsageError        a command line that makes no sense                    → exit 2
    ├── InputError        a config or evidence file that cannot be used        → exit 2
    │   └── ConfigError   ... the config itself (many may be reported at once)
    ├── OutputError       a report or the history database could not be written → exit 4
    └── CheckFailed       a check could not complete: its result becomes `error`, the run goes on
        ├── ToolMissing   an external tool (nmap, restic, borg) is not installed
        └── Cancelled     the user or a timeout stopped the check

Messages never carry secrets: callers pass labels, never password values.
"""

from __future__ import annotations

import contextlib
import enum
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

# Control characters (C0, DEL, C1) and Unicode line breaks: a key or value quoted from a hostile file
# must not split the one-line error, nor move the cursor or recolour the terminal it is printed on.
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def printable(text: str) -> str:
    """`text` on one line, its control characters shown as escapes (\\r, \\x1b)."""
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text)


class ExitCode(enum.IntEnum):
    OK = 0
    FINDINGS = 1  # something at or above --fail-on
    USAGE = 2  # bad command line, config or evidence; nothing written
    INCOMPLETE = 3  # a check could not complete and nothing reached the threshold
    OUTPUT = 4  # reports could not be written
    INTERRUPTED = 130


class PostureError(Exception):
    exit_code = ExitCode.USAGE

    def lines(self) -> list[str]:
        """One line per problem, ready for stderr."""
        return [str(self)]


class UsageError(PostureError):
    pass


class InputError(PostureError):
    """A file we read is wrong at a known place: FILE:LINE:COL: key: message."""

    def __init__(
        self,
        message: str,
        *,
        path: str | Path | None = None,
        line: int | None = None,
        column: int | None = None,
        key: str | None = None,
    ) -> None:
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line
        self.column = column
        self.key = key
        super().__init__(self._format())

    def _format(self) -> str:
        where = ""
        if self.path:
            where = self.path
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        key = f"{self.key}: " if self.key else ""
        return printable(f"{where}{key}{self.message}")


class ConfigError(InputError):
    """One or more problems in a config file; `problems` holds each as its own InputError."""

    def __init__(self, problems: Sequence[InputError]) -> None:
        self.problems = list(problems)
        first = self.problems[0]
        super().__init__(first.message, path=first.path, line=first.line, column=first.column, key=first.key)

    def lines(self) -> list[str]:
        return [str(p) for p in self.problems]


class Problems:
    """The problems of every part (each job, each evidence source) gathered, so one `validate` or `prepare`
    names them all at once instead of stopping at the first part that is wrong."""

    def __init__(self) -> None:
        self.found: list[InputError] = []

    @contextlib.contextmanager
    def gathered(self) -> Iterator[None]:
        """Run one part; a ConfigError's problems or an InputError are kept, and the next part goes on."""
        try:
            yield
        except ConfigError as exc:
            self.found += exc.problems
        except InputError as exc:
            self.found.append(exc)

    def raise_any(self) -> None:
        if self.found:
            raise ConfigError(self.found)


class OutputError(PostureError):
    exit_code = ExitCode.OUTPUT


class CheckFailed(PostureError):
    """Raised inside a check: the check's result becomes `error` with this reason."""

    exit_code = ExitCode.INCOMPLETE


class ToolMissing(CheckFailed):
    def __init__(self, tool: str, install_hint: str) -> None:
        self.tool = tool
        super().__init__(f"{tool} is not installed or not on PATH; install it with: {install_hint}")


class Cancelled(CheckFailed):
    def __init__(self, reason: str = "cancelled") -> None:
        super().__init__(reason)
