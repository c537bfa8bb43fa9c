"""The fuzz tally, printed at the end of the session: inputs tried per parser, and how each ended."""

from __future__ import annotations

import pytest

from tests.hardening.fuzzing import LONG, TALLIES


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if not TALLIES:
        return
    mode = "long run" if LONG else "short run; POSTURE_FUZZ_LONG=1 for 10,000 per parser"
    terminalreporter.write_sep("=", f"fuzzing ({mode})")
    terminalreporter.write_line(f"{'parser':<34} {'inputs':>8} {'accepted':>9} {'refused':>8} {'unexpected':>11}")
    for name, t in sorted(TALLIES.items()):
        terminalreporter.write_line(f"{name:<34} {t.inputs:>8,} {t.accepted:>9,} {t.refused:>8,} {t.unexpected:>11,}")
    total = sum(t.inputs for t in TALLIES.values())
    unexpected = sum(t.unexpected for t in TALLIES.values())
    terminalreporter.write_line(f"{'total':<34} {total:>8,} {'':>9} {'':>8} {unexpected:>11,}")
