"""Run the real nmap over the in-scope addresses, with progress, cancellation and honest failure.

nmap runs through `ctx.run_command`, so cancelling the check or running past the time limit stops
it. One nmap process covers all addresses of one family (splitting per host would multiply nmap's
start-up and lose its parallelism); per-host progress comes from the XML file nmap writes as it
goes, read while it runs. Anything short of a clean finish is an error, never partial results:
a non-zero exit or a signal, an error line on stderr, an unreadable or unfinished XML file, an
error verdict in its run statistics, or a host we did not ask about.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from checks.ports.profiles import NmapPass
from checks.ports.scope import IPAddress
from posture import signals
from posture.api import CheckContext, CheckFailed, InputError, ToolMissing

if TYPE_CHECKING:
    from checks.ports.nmapxml import ScanRun  # the XML readers are imported once nmap has finished

log = logging.getLogger("checks.ports")

INSTALL_HINT = ("sudo apt-get install nmap (Debian/Ubuntu), sudo dnf install nmap (Fedora/RHEL), "
                "brew install nmap (macOS), or the installer from https://nmap.org/download")
_HOST_DONE = re.compile(rb'<address addr="([^"]+)" addrtype="ipv[46]"')
_TASK = re.compile(rb'<taskprogress task="([^"]+)" time="\d+" percent="([\d.]+)"')


def find_nmap() -> str:
    """nmap's path on PATH, or ToolMissing with how to install it."""
    path = shutil.which("nmap")
    if path is None:
        raise ToolMissing("nmap", INSTALL_HINT)
    return path


def running_as_root() -> bool:
    geteuid = getattr(os, "geteuid", None)
    return bool(geteuid and geteuid() == 0)


@dataclass
class PassResult:
    nmap_pass: NmapPass
    family: int
    run: ScanRun
    requested: list[IPAddress]
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Progress:
    """Turns the growing XML file into progress reports: hosts done, and nmap's own task percent."""

    ctx: CheckContext
    total: int  # host-passes in the whole scan
    done_before: int  # host-passes finished in earlier passes
    label: str
    offset: int = 0
    hosts_done: int = 0
    task: str = ""
    last: str = ""

    def poll(self, xml_path: Path) -> None:
        try:
            with xml_path.open("rb") as fh:
                fh.seek(self.offset)
                chunk = fh.read()
        except OSError:
            return
        cut = chunk.rfind(b">") + 1  # only whole tags; the rest is read next time
        chunk = chunk[:cut]
        self.offset += cut
        finished = [m.group(1).decode("ascii", "replace") for m in _HOST_DONE.finditer(chunk)]
        self.hosts_done += len(finished)
        tasks = _TASK.findall(chunk)
        if tasks:
            name, percent = tasks[-1]
            self.task = f"{name.decode('ascii', 'replace')} {float(percent):.0f}%"
        done = self.done_before + self.hosts_done
        if finished:
            message = f"{self.label}: {finished[-1]} scanned ({done} of {self.total})"
        else:
            message = f"{self.label}: {self.task or 'scanning'} ({done} of {self.total} hosts done)"
        if message != self.last:
            self.last = message
            self.ctx.progress(min(done / self.total, 0.99) if self.total else None, message)


def run_pass(
    ctx: CheckContext,
    nmap: str,
    nmap_pass: NmapPass,
    addresses: list[IPAddress],
    *,
    timeout_s: float,
    progress_total: int,
    progress_done: int,
    while_waiting: Callable[[], None] | None = None,
) -> PassResult:
    """One nmap run over `addresses` (all one family); CheckFailed unless it finished cleanly.
    `while_waiting` runs once, on this thread, after nmap has started."""
    family = addresses[0].version
    label = f"nmap {nmap_pass.name.upper()} scan" + (" (IPv6)" if family == 6 else "")
    # Addresses go in on stdin (-iL -): nothing to clean up, and no file anyone else could edit.
    handle, name = tempfile.mkstemp(prefix="posture-nmap-", suffix=".xml")
    os.close(handle)
    xml_path = Path(name)
    signals.track_temp(xml_path)  # removed even when a signal ends posture mid-scan
    try:
        args = [nmap, *nmap_pass.args, "-oX", str(xml_path), "-iL", "-"]
        progress = _Progress(ctx, progress_total, progress_done, label)
        # No secret is ever on nmap's command line (addresses go on stdin): safe to show with -v.
        log.info("ports: running %s (targets on stdin: %s)", shlex.join(args), " ".join(map(str, addresses)))
        ctx.progress(progress_done / progress_total if progress_total else None, f"{label}: starting")
        completed = _run_polling(ctx, args, "".join(f"{a}\n" for a in addresses), timeout_s,
                                 lambda: progress.poll(xml_path), while_waiting)
        warnings, errors = _stderr_lines(completed.stderr)
        if completed.returncode < 0:
            raise CheckFailed(f"nmap was killed (signal {-completed.returncode}) before it finished"
                              + _tail(errors or warnings))
        if completed.returncode != 0:
            raise CheckFailed(f"nmap failed (exit status {completed.returncode})" + _tail(errors or warnings))
        if errors:
            raise CheckFailed("nmap reported errors, so its results cannot be trusted" + _tail(errors))
        data = xml_path.read_bytes()
        if not data:
            raise CheckFailed("nmap finished but wrote no results" + _tail(warnings))
    finally:
        xml_path.unlink(missing_ok=True)
        signals.untrack_temp(xml_path)
    from checks.ports.nmapxml import parse_nmap_xml

    try:
        run = parse_nmap_xml(data, source="live scan")
    except InputError as exc:
        raise CheckFailed(f"nmap's XML output could not be read: {exc.message}") from None
    if run.exit and run.exit != "success":
        raise CheckFailed(f"nmap ended with an error: {run.errormsg or run.exit}")
    asked = {str(a) for a in addresses}
    strays = sorted({h.address for h in run.hosts} - asked)
    if strays:
        raise CheckFailed(f"nmap reported hosts that were not asked for ({', '.join(strays[:5])}); "
                          "results discarded")
    return PassResult(nmap_pass, family, run, list(addresses), warnings)


def _run_polling(ctx: CheckContext, args: list[str], stdin: str, timeout_s: float, poll: Any,
                 while_waiting: Callable[[], None] | None = None) -> Any:
    """ctx.run_command in a helper thread, so this thread can report progress while nmap runs."""
    future: Future[Any] = Future()

    def work() -> None:
        try:
            future.set_result(ctx.run_command(args, timeout_s=timeout_s, install_hint=INSTALL_HINT,
                                              input_text=stdin))
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller below
            future.set_exception(exc)

    thread = threading.Thread(target=work, name="posture-nmap", daemon=True)
    thread.start()
    while not future.done():
        thread.join(0.25)
        if while_waiting is not None:  # once, now that nmap has started
            while_waiting()
            while_waiting = None
        poll()
    return future.result()


def _stderr_lines(stderr: str) -> tuple[list[str], list[str]]:
    warnings: list[str] = []
    errors: list[str] = []
    for raw in stderr.splitlines():
        line = raw.strip()
        if not line or line == "QUITTING!":
            continue
        (warnings if line.lower().startswith("warning") else errors).append(line)
    return warnings, errors


def _tail(lines: list[str]) -> str:
    return ": " + " / ".join(lines[-3:]) if lines else ""
