"""End to end in a real terminal: `posture tui sample_configs/demo.yaml` in tmux, driven only by keys.

The sample configs are copied to a temporary folder first, so the exported plan and the history land
there and not in the repository. The screen is read with `capture-pane` and polled with a generous
bound (the demo scans 127.0.0.1 with the real nmap), never with fixed sleeps.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

import pytest
import yaml

from tests.conftest import need_tools

ROOT = Path(__file__).resolve().parents[2]
BOUND_S = 30.0  # per screen change; the run itself gets RUN_BOUND_S
RUN_BOUND_S = 300.0


class Tmux:
    """One tmux server of our own (a unique -L socket), killed afterwards whatever happens."""

    def __init__(self, workdir: Path, command: str, size: tuple[int, int] = (120, 40)) -> None:
        self.socket = f"posture-e2e-{uuid.uuid4().hex[:8]}"
        # The pane outlives the app so its exit status can be read; the server goes in kill().
        shell = f"{command}; echo \"posture exited $?\"; sleep 600"
        self._tmux("new-session", "-d", "-s", "e2e", "-x", str(size[0]), "-y", str(size[1]), "-c", str(workdir),
                   shell)
        self.socket_path = Path(self._tmux("display-message", "-p", "#{socket_path}").strip())

    def _tmux(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=30)
        if done.returncode != 0:
            raise AssertionError(f"tmux {args[0]} failed: {done.stderr.strip()}")
        return done.stdout

    def screen(self) -> str:
        return self._tmux("capture-pane", "-p", "-t", "e2e")

    def keys(self, *keys: str) -> None:
        for key in keys:
            self._tmux("send-keys", "-t", "e2e", key)

    def type(self, text: str) -> None:
        self._tmux("send-keys", "-t", "e2e", "-l", text)

    def wait_for(self, text: str, bound_s: float = BOUND_S, *, gone: str = "") -> str:
        """Poll until `text` is on screen (and `gone`, if given, is not)."""
        deadline = time.monotonic() + bound_s
        while True:
            screen = self.screen()
            if text in screen and not (gone and gone in screen):
                return screen
            if "posture exited" in screen and "posture exited" not in text:
                raise AssertionError(f"posture quit while waiting for {text!r}:\n{screen}")
            if time.monotonic() > deadline:
                raise AssertionError(f"gave up waiting for {text!r}; the screen shows:\n{screen}")
            time.sleep(0.1)

    def kill(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=30)
        self.socket_path.unlink(missing_ok=True)


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "sample_configs", tmp_path / "sample_configs")
    return tmp_path


@contextmanager
def tui_session(workdir: Path, config: str) -> Iterator[Tmux]:
    need_tools("tmux")
    posture = Path(sys.executable).parent / "posture"
    # COLUMNS/LINES from the test runner would override the pane's real size.
    command = f"env -u COLUMNS -u LINES {posture} tui {config} --db {workdir / 'history.sqlite'}"
    tmux = Tmux(workdir, command)
    try:
        yield tmux
    finally:
        tmux.kill()


def drive_assessment(tmux: Tmux, organization: str, out_dir: Path) -> str:
    """Overview → run → findings (search) → plan → export → owner, status and an accepted risk → quit, all by
    keys, checking each screen. Returns the id of the finding whose risk was accepted."""
    tmux.wait_for("Checks to run")
    assert organization in tmux.screen()
    tmux.keys("r")
    tmux.wait_for("Enter or f: the findings", RUN_BOUND_S)
    tmux.wait_for("Finished in")  # a capture may catch a frame half drawn: each line gets its own wait
    tmux.keys("Enter")
    tmux.wait_for("Severity ▲")
    tmux.type("/attorney")  # in one burst, as fast typing or a paste arrives; the demo names no attorney
    screen = tmux.wait_for("matching 'attorney'")
    assert "No attorney named to call in a breach" in screen
    # Each key waits for its own effect: the footer tells which widget or screen has the keys.
    tmux.keys("Enter")
    tmux.wait_for("⏎ Open")  # back in the table
    tmux.keys("Enter")
    screen = tmux.wait_for("esc Close")  # the finding, full screen
    assert "Why it matters" in screen and "What to do" in screen
    tmux.keys("Escape")
    tmux.wait_for("s Sort", gone="esc Close")  # and Escape is not merged with the next key into alt+p
    tmux.keys("p")
    tmux.wait_for(f"action plan: {organization}")
    tmux.keys("e")
    tmux.wait_for("Export the plan")
    tmux.keys("Enter")
    tmux.wait_for("Written to")
    tmux.keys("Escape")
    tmux.wait_for("Exported to")
    accepted = track_first_action(tmux)
    tmux.keys("q")
    tmux.wait_for("posture exited 0")
    plan = (out_dir / "posture-plan.md").read_text(encoding="utf-8")
    assert plan.startswith(f"# Post-incident action plan: {organization}")
    assert (out_dir / "posture-plan.html").is_file() and (out_dir / "posture-results.json").is_file()
    return accepted


UNTIL = (date.today() + timedelta(days=60)).isoformat()


def track_first_action(tmux: Tmux) -> str:
    """On the plan: o on the first action (owner Dana, in progress), then x on the first finding under it.
    Returns the accepted finding's id."""
    tmux.keys("o")
    tmux.wait_for("Track: ")
    tmux.wait_for("› Owner:")
    tmux.type("Dana")
    tmux.keys("Tab")
    tmux.wait_for("› Status:")  # each key once the focus it needs has moved: typing may outrun a focus move
    tmux.keys("Enter")  # the status list opens
    tmux.wait_for("won't do")
    tmux.keys("Down", "Enter")
    tmux.wait_for("in progress", gone="won't do")
    tmux.keys("Tab")
    tmux.wait_for("› Due date")
    tmux.keys("Enter")  # Enter in the due-date field saves
    tmux.wait_for("in progress · Dana", gone="Track: ")
    tmux.keys("Down", "x")
    screen = tmux.wait_for("Accept the risk: ")
    finding = re.search(r"Accept the risk: .*?([a-z0-9_]+-[0-9a-f]{10})", screen)
    assert finding is not None, screen
    tmux.wait_for("› Reason:")
    tmux.type("the insurer's panel covers it")
    tmux.keys("Tab", "Tab")
    tmux.wait_for("› Until (YYYY-MM-DD")
    tmux.type(UNTIL)
    tmux.keys("Enter")
    tmux.wait_for("1 accepted risk", gone="Accept the risk: ")
    return finding.group(1)


@pytest.mark.integration
def test_demo_assessment_in_a_real_terminal(workdir: Path) -> None:
    config = workdir / "sample_configs" / "demo.yaml"
    out_dir = (config.parent / yaml.safe_load(config.read_text(encoding="utf-8"))["report"]["out_dir"]).resolve()
    with tui_session(workdir, "sample_configs/demo.yaml") as tmux:
        accepted = drive_assessment(tmux, "Lone Star Dental (demo)", out_dir)
    # What the TUI recorded is what `posture track` lists: the same tables, the same config identity.
    posture = Path(sys.executable).parent / "posture"
    db = str(workdir / "history.sqlite")
    listed = subprocess.run([str(posture), "track", "sample_configs/demo.yaml", "--db", db],
                            capture_output=True, text=True, timeout=120, cwd=workdir)
    assert listed.returncode == 0, listed.stderr
    first = next(line for line in listed.stdout.splitlines() if line.startswith("preserve-evidence "))
    assert "in progress" in first and "Dana" in first, listed.stdout
    assert f"accepted: {accepted} until {UNTIL} by " in listed.stdout
    assert "the insurer's panel covers it" in listed.stdout


# Run ids, times and durations differ between two runs of the same config; nothing else may.
VOLATILE = [
    (re.compile(r"\b[0-9a-f]{12}\b"), "RUN_ID"),
    (re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(\+00:00|Z)?"), "TIME"),
    (re.compile(r'"duration_s": [0-9.e-]+'), '"duration_s": D'),
    (re.compile(r"\b\d+\.\d s\b"), "D s"),
]


def normalised(text: str) -> str:
    for pattern, replacement in VOLATILE:
        text = pattern.sub(replacement, text)
    return text


@pytest.mark.integration
def test_a_tui_run_publishes_what_scan_writes_and_plan_rerenders_it(workdir: Path) -> None:
    """`posture tui CONFIG`, r, wait, q: the reports are in report.out_dir, identical in content to what
    `posture scan` writes for the same config; `posture plan RUN_ID` re-renders that run from the database."""
    sample = workdir / "sample_configs" / "corner-shop"
    data = yaml.safe_load((sample / "posture.yaml").read_text(encoding="utf-8"))
    data["checks"]["ports"] = False  # a live scan of shared loopback could differ between the two runs
    data["report"]["out_dir"] = "tui-out"
    (sample / "offline.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    db = workdir / "history.sqlite"
    tui_out = sample / "tui-out"
    with tui_session(workdir, "sample_configs/corner-shop/offline.yaml") as tmux:
        tmux.wait_for("Checks to run")
        tmux.keys("r")
        screen = tmux.wait_for("Reports written to", RUN_BOUND_S)
        assert "Finished in" in screen
        tmux.keys("q")
        tmux.wait_for("posture exited")
        assert "posture exited 0" in tmux.screen()
    names = ["posture-plan.md", "posture-results.json", "posture-plan.html"]
    assert sorted(p.name for p in tui_out.iterdir() if not p.name.startswith(".")) == sorted(names)

    posture = Path(sys.executable).parent / "posture"
    # The config named as the TUI was given it (relative, from the same folder): paths in the plan agree. Its own
    # fresh history, so this run too is a first run.
    scan = subprocess.run([str(posture), "scan", "sample_configs/corner-shop/offline.yaml", "--out", "scan-out",
                           "--db", "scan-history.sqlite", "-q", "--fail-on", "none"], capture_output=True, text=True,
                          timeout=300, cwd=workdir)
    assert scan.returncode in (0, 3), scan.stderr
    for name in names:
        tui_text = (tui_out / name).read_text(encoding="utf-8")
        scan_text = (workdir / "scan-out" / name).read_text(encoding="utf-8")
        assert normalised(tui_text) == normalised(scan_text), name

    run_id = json.loads((tui_out / "posture-results.json").read_text(encoding="utf-8"))["run_id"]
    replot = subprocess.run([str(posture), "plan", run_id[:8], "--db", str(db), "--out", str(workdir / "replot"),
                             "--format", "markdown,html,json"], capture_output=True, text=True, timeout=120)
    assert replot.returncode == 0, replot.stderr
    for name in names:  # the very run, from the database alone: byte for byte
        assert (workdir / "replot" / name).read_text(encoding="utf-8") == (tui_out / name).read_text(encoding="utf-8")
