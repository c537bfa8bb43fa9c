"""Global command-line options and what goes to stderr.

`-v` shows posture's own steps (config loaded, each check's start, end and duration, the nmap command
line, the reports written) and nothing of the libraries underneath: their loggers (markdown-it,
urllib3...) stay at WARNING whatever the verbosity, so `-v` never floods a cron mail with DEBUG lines.
Global options work before or after the command (`posture -v scan x.yaml`, `posture scan x.yaml -v`).
"""

from __future__ import annotations

import argparse
import logging
import sys

# The loggers that are posture's own: the core, the built-in checks and the report writers.
OWN_LOGGERS = ("posture", "checks", "reports")
HANDLER_NAME = "posture-stderr"


def add_global_options(parser: argparse.ArgumentParser, commands: argparse._SubParsersAction) -> None:
    """`-v` on the program and on every command; given on a command, it is the same option."""
    parser.add_argument("-v", "--verbose", action="store_true", help="show posture's own steps on stderr")
    for command in commands.choices.values():
        # SUPPRESS: a command that was not given -v keeps what was given before the command.
        command.add_argument("-v", "--verbose", action="store_true", default=argparse.SUPPRESS,
                             help="show posture's own steps on stderr")


def configure_logging(*, verbose: bool, quiet: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_Format())
    handler.set_name(HANDLER_NAME)
    root = logging.getLogger()
    # Replace only our own handler (main() may run twice in one process); others (pytest's) stay.
    root.handlers[:] = [h for h in root.handlers if h.get_name() != HANDLER_NAME] + [handler]
    root.setLevel(logging.ERROR if quiet else logging.WARNING)  # third-party libraries: never below WARNING
    own = logging.DEBUG if verbose else logging.ERROR if quiet else logging.WARNING
    for name in OWN_LOGGERS:
        logging.getLogger(name).setLevel(own)


class _Format(logging.Formatter):
    """`posture: message` for steps; `posture: WARNING: message` for problems (as before)."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:
            message += "\n" + self.formatException(record.exc_info)
        if record.levelno >= logging.WARNING:
            return f"posture: {record.levelname}: {message}"
        return f"posture: {message}"
