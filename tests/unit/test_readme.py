"""The README is a contract: every block in README.md (and docs/**/*.md) is executed here.

Blocks are found by their fence's info string, whatever section they are in, so a block added
tomorrow is tested tomorrow:

- `yaml`: a config fragment, merged into a minimal config (version, organization.name) and checked with
  `posture validate`; a block that has `version:` is a whole config and is validated as written.
- `sh`, `console`: every `posture ...` line is run for real, in order, in a folder prepared as the README
  assumes (see `world`): the config names the README uses (client.yaml, posture.yaml), a history database
  (POSTURE_DB) holding the run ids the README quotes (3f9c…, a71b…), and `old/` results. It must exit 0
  or 1 (1 = "found something", which is the tool working). A `console` block's `$ ` lines are the
  commands; the first line printed after one must equal the README's (the header). `posture tui` is
  interactive, so its line is only parsed. `make X` lines run `make -n X` (the target exists and its
  recipe expands; running it here would install packages or recurse into this suite).
- `cron`: the command after the five time fields is run, with the README's example paths mapped onto
  the world (`PATHS`). `ini`: a systemd unit's `ExecStart` is run with its `WorkingDirectory` and
  `Environment`; a unit without one (a timer) is parsed.
- `json`: parsed; a `posture/diff@1` or `posture/alert@1` example must have exactly the keys posture writes.
- `python`: executed; a check class it defines must pass the loader's metadata validation and run.
- `toml`: parsed.
- no info string or `text`: prose (a folder tree), not run.

Marker for a block that must not be run: an HTML comment on the line before its opening fence,

    <!-- readme-test: skip REASON -->

with the reason said (it installs from PyPI, it needs systemd). Any other info string, or any other
command in an `sh` block, fails this test until it is run here or marked: nothing is silently left out.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml

from posture.testing import minimal_config

ROOT = Path(__file__).resolve().parents[2]
POSTURE = str(Path(sys.executable).with_name("posture"))
SKIP = re.compile(r"<!--\s*readme-test:\s*skip\s+(\S.*?)\s*-->")
FENCE = re.compile(r"^(`{3,}|~{3,})\s*([\w+-]*)\s*$")
# The example paths of the scheduling section, and where they are in the test's world.
PATHS = {"/opt/posture/.venv/bin/posture": POSTURE, "/srv/posture/corner-shop": "{world}"}
# The run ids the README quotes, seeded into the world's history database.
RUN_IDS = ("3f9c2a81d0e4", "a71be0c5529f")
RUNNABLE = {"yaml", "sh", "console", "cron", "ini", "json", "python", "toml"}
PROSE = {"", "text"}


@dataclass(frozen=True)
class Block:
    file: Path
    line: int  # of the opening fence
    info: str
    text: str
    skip: str | None  # the marker's reason

    @property
    def where(self) -> str:
        return f"{self.file.relative_to(ROOT)}:{self.line}"


def blocks(path: Path) -> Iterator[Block]:
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opening = FENCE.match(lines[i])
        if not opening:
            i += 1
            continue
        fence, info = opening.groups()
        end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == fence), len(lines))
        before = lines[i - 1] if i else ""
        marker = SKIP.search(before)
        yield Block(path, i + 1, info.lower(), "\n".join(lines[i + 1:end]), marker.group(1) if marker else None)
        i = end + 1


def documents() -> list[Path]:
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]


ALL = [b for doc in documents() for b in blocks(doc)]
RUN = [b for b in ALL if b.skip is None and b.info not in PROSE]


def test_every_block_is_run_or_marked_with_a_reason() -> None:
    assert len(ALL) >= 10, "the README's blocks were not found"
    unknown = [f"{b.where}: ```{b.info}" for b in ALL if b.skip is None and b.info not in RUNNABLE | PROSE]
    assert not unknown, f"blocks this test cannot run; run them here or mark them (see the docstring): {unknown}"
    assert all(b.skip.strip() for b in ALL if b.skip is not None)


# --- the world the README's commands assume -----------------------------------------------------------

def _config(out_dir: str) -> dict[str, Any]:
    data = minimal_config()
    data["organization"]["name"] = "Corner Shop Outfitters"
    data["report"] = {"out_dir": out_dir}
    return data


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from posture.history import History
    from posture.results import load_results

    home = tmp_path_factory.mktemp("readme")
    (home / "posture.yaml").write_text(yaml.safe_dump(_config("reports"), sort_keys=False), encoding="utf-8")
    db = home / "history.sqlite"
    # Two recorded runs of posture.yaml under the ids the README quotes, a week apart.
    for run_id, day, out in ((RUN_IDS[0], 16, "old"), (RUN_IDS[1], 23, "reports")):
        proc = _posture(home, "scan", "posture.yaml", "--out", out, "--no-history", "-q")
        assert proc.returncode in (0, 1), proc.stderr
        assessment = load_results(home / out / "posture-results.json")
        assessment.run_id = run_id
        assessment.finished = datetime(2026, 11, day, 6, 17, 42, tzinfo=UTC)
        History(db).record(assessment)
    return home


def _env(home: Path) -> dict[str, str]:
    return {**os.environ, "POSTURE_DB": str(home / "history.sqlite"), "PYTHONWARNINGS": "error"}


def _posture(home: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([POSTURE, *args], cwd=home, capture_output=True, text=True, env=env or _env(home),
                          timeout=300)


def _commands(block: Block) -> Iterator[tuple[str, list[str]]]:
    """(the command line, what the README shows it printing) for each command of an sh/console block."""
    lines = block.text.splitlines()
    for i, line in enumerate(lines):
        if block.info == "console":
            if not line.startswith("$ "):
                continue
            output = []
            for following in lines[i + 1:]:
                if following.startswith("$ ") or not following.strip():
                    break
                output.append(following)
            yield line[2:], output
        elif line.strip() and not line.lstrip().startswith("#"):
            yield line, []


def _words(line: str) -> list[str]:
    return shlex.split(line, comments=True)


def _run_line(home: Path, block: Block, line: str) -> subprocess.CompletedProcess[str] | None:
    words = _words(line)
    if not words:
        return None
    if words[0] == "make":
        proc = subprocess.run(["make", "-n", *words[1:]], cwd=ROOT, capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, f"{block.where}: `{line}`: {proc.stderr}"
        return None
    assert words[0] == "posture", f"{block.where}: `{line}` is not a posture command; run it here or mark the block"
    if words[1:2] == ["tui"]:  # interactive: the command line must parse
        from posture.cli import build_parser

        build_parser().parse_args(words[1:])
        return None
    proc = _posture(home, *words[1:])
    assert proc.returncode in (0, 1), f"{block.where}: `{line}` exited {proc.returncode}: {proc.stderr}"
    assert "Traceback" not in proc.stderr
    return proc


@pytest.mark.parametrize("block", [b for b in RUN if b.info in ("sh", "console")], ids=lambda b: b.where)
def test_commands_run(block: Block, world: Path) -> None:
    ran = 0
    for line, shown in _commands(block):
        proc = _run_line(world, block, line)
        ran += 1
        if proc is not None and shown:
            assert proc.stdout.splitlines()[:1] == shown[:1], f"{block.where}: `{line}` prints another header"
    assert ran, f"{block.where}: no command found"


@pytest.mark.parametrize("block", [b for b in RUN if b.info == "yaml"], ids=lambda b: b.where)
def test_yaml_blocks_validate(block: Block, tmp_path: Path) -> None:
    fragment = yaml.safe_load(block.text)  # parsed only to see whether it is a whole config
    text = block.text
    if not (isinstance(fragment, dict) and "version" in fragment):
        # The README's text as typed (bare yes/no/on stay what they are), after a minimal config.
        base = yaml.safe_dump({k: v for k, v in minimal_config().items() if k not in fragment}, sort_keys=False)
        text = base + block.text
    (tmp_path / "readme.yaml").write_text(text, encoding="utf-8")
    proc = _posture(tmp_path, "validate", "readme.yaml", env={**os.environ, "PYTHONWARNINGS": "error"})
    assert proc.returncode == 0, f"{block.where}: {proc.stderr}"


@pytest.mark.parametrize("block", [b for b in RUN if b.info == "cron"], ids=lambda b: b.where)
def test_cron_lines_run(block: Block, world: Path) -> None:
    for line in block.text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        command = line.split(None, 5)[5]
        for example, here in PATHS.items():
            command = command.replace(example, here.format(world=world))
        proc = subprocess.run(["sh", "-c", command], capture_output=True, text=True, env=_env(world), timeout=300)
        assert proc.returncode in (0, 1), f"{block.where}: {command}: {proc.stderr}"


@pytest.mark.parametrize("block", [b for b in RUN if b.info == "ini"], ids=lambda b: b.where)
def test_systemd_units_run(block: Block, world: Path) -> None:
    import configparser

    unit = configparser.ConfigParser(strict=False, interpolation=None)
    unit.optionxform = str  # type: ignore[assignment,method-assign]
    unit.read_string(block.text)
    if not unit.has_option("Service", "ExecStart"):
        assert unit.sections(), f"{block.where}: not a unit file"
        return
    service = unit["Service"]
    command = service["ExecStart"]
    for example, here in PATHS.items():
        command = command.replace(example, here.format(world=world))
    folder = service.get("WorkingDirectory", "/").replace("/srv/posture/corner-shop", str(world))
    env = _env(world)
    for assignment in shlex.split(service.get("Environment", "")):
        name, _, value = assignment.partition("=")
        env[name] = value.replace("/var/lib/posture", str(world))
    proc = subprocess.run(shlex.split(command), cwd=folder, capture_output=True, text=True, env=env, timeout=300)
    allowed = {0} | {int(code) for code in service.get("SuccessExitStatus", "").split()}
    assert proc.returncode in allowed, f"{block.where}: {command} exited {proc.returncode}: {proc.stderr}"


@pytest.mark.parametrize("block", [b for b in RUN if b.info == "json"], ids=lambda b: b.where)
def test_json_examples_have_posture_s_keys(block: Block, world: Path) -> None:
    example = json.loads(block.text)
    schema = example.get("schema") or example.get("posture", {}).get("schema")
    if schema == "posture/diff@1":
        proc = _posture(world, "diff", RUN_IDS[0][:4], RUN_IDS[1][:4], "--format", "json")
        assert proc.returncode == 0, proc.stderr
        assert set(example) == set(json.loads(proc.stdout)), f"{block.where}: the diff JSON has other keys"
    elif schema == "posture/alert@1":
        from posture.alerts import build_payload
        from posture.results import load_results

        real = build_payload(load_results(world / "reports/posture-results.json"), ["new_high"])
        assert set(example) == set(real)
        shown = set(example["posture"]) - {"…"}
        assert shown <= set(real["posture"]), f"{block.where}: unknown keys {shown - set(real['posture'])}"


@pytest.mark.parametrize("block", [b for b in RUN if b.info == "python"], ids=lambda b: b.where)
def test_python_examples_run(block: Block) -> None:
    import tempfile

    from posture.catalogue import load_catalogue
    from posture.check import Check
    from posture.registry import Registry
    from posture.testing import config_from_dict, context_for, minimal_config

    namespace: dict[str, Any] = {}
    exec(compile(block.text, block.where, "exec"), namespace)  # noqa: S102 - our own README's example
    checks = [v for v in namespace.values() if isinstance(v, type) and issubclass(v, Check) and v is not Check]
    for check in checks:
        check.meta.validate(load_catalogue().weaknesses)
        registry = Registry()
        registry.add(check)
        with tempfile.TemporaryDirectory() as tmp:  # run with a real context: examples read ctx.options
            config = config_from_dict(Path(tmp), minimal_config(checks={check.meta.id: {}}), registry)
            assert all(f.check == check.meta.id for f in check().run(context_for(config, check.meta.id)))


@pytest.mark.parametrize("block", [b for b in RUN if b.info == "toml"], ids=lambda b: b.where)
def test_toml_examples_parse(block: Block) -> None:
    assert tomllib.loads(block.text)


def test_the_starter_validates_as_written(tmp_path: Path) -> None:
    assert _posture(tmp_path, "init", "x.yaml").returncode == 0
    proc = _posture(tmp_path, "validate", "x.yaml")
    assert proc.returncode == 0, proc.stderr


def test_the_marker_is_seen(tmp_path: Path) -> None:
    doc = tmp_path / "x.md"
    doc.write_text("text\n<!-- readme-test: skip needs systemd -->\n```ini\n[Unit]\n```\n```yaml\na: 1\n```\n")
    found = list(blocks(doc))
    assert [(b.info, b.skip, b.text) for b in found] == [("ini", "needs systemd", "[Unit]"), ("yaml", None, "a: 1")]


def test_make_is_there() -> None:
    assert shutil.which("make"), "make runs the README's set-up commands"
