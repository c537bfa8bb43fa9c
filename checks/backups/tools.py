"""Running restic and borg: secrets through the environment, failures as clear, secret-free reasons."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from checks.backups.evidence import Integrity
from posture.api import CheckContext, CheckFailed
from posture.redact import redact, remember

MAX_SECRET_BYTES = 4096
# Progress and prompt lines that explain nothing (restic's phases, borg's failed attempt to ask for a passphrase).
_NOISE = re.compile(r"^(\[\d+:\d+\]|using temporary cache|create exclusive lock|load indexes|check |Do you want"
                    r"|Warning: Password input may be echoed|.*GetPassWarning)")
_PROMPT = re.compile(r"^Enter passphrase for key .+?: ")


def read_secret_file(path: Path, what: str) -> str:
    """A password or passphrase file's content, without the final newline. The path is named on error."""
    try:
        if path.stat().st_size > MAX_SECRET_BYTES:
            raise CheckFailed(f"{what} {path} is larger than {MAX_SECRET_BYTES} bytes; is it the right file?")
        secret = path.read_text(encoding="utf-8").rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not readable as UTF-8 text"
        raise CheckFailed(f"cannot read {what} {path}: {reason}") from None
    remember(secret)  # masked in every message, report and log from now on
    return secret


def scrub(text: str, secrets: Iterable[str]) -> str:
    """`text` with every secret masked. A secret too short to mask safely withholds the whole text."""
    for secret in secrets:
        if not secret:
            continue
        if len(secret) < 4:
            return "(the tool's message is withheld: it could contain the password)"
        text = text.replace(secret, "***")
    return redact(text)


def tool_message(proc: subprocess.CompletedProcess[str], secrets: Iterable[str], limit: int = 3) -> str:
    """The tool's own explanation: its first meaningful stderr lines, secrets masked."""
    lines = [_PROMPT.sub("", line.strip()).removeprefix("Fatal: ") for line in (proc.stderr or "").splitlines()]
    meaningful = [line for line in lines if line and not _NOISE.match(line)]
    text = " / ".join(meaningful[:limit]) or f"exit status {proc.returncode}, no message"
    return scrub(text[:400], secrets)


def problem_lines(proc: subprocess.CompletedProcess[str], secrets: Iterable[str], limit: int = 10) -> tuple[str, ...]:
    """The lines of a failed integrity check that describe damage (for the finding's evidence)."""
    lines = [line.strip().removeprefix("Fatal: ") for line in (proc.stdout + "\n" + proc.stderr).splitlines()]
    meaningful = [line for line in lines if line and not _NOISE.match(line)]
    return tuple(scrub(line[:300], secrets) for line in meaningful[:limit])


def integrity_check(
    ctx: CheckContext,
    job_name: str,
    args: Sequence[str],
    *,
    env: dict[str, str],
    secrets: list[str],
    timeout_s: float,
    install_hint: str,
    damage: Sequence[str],
    summary: str,
) -> Integrity:
    """Run `restic check` / `borg check`. Output naming damage (`damage`, lower case) is a failed Integrity with
    the tool's lines as evidence (less its `summary` line); anything else that stops it is an error."""
    proc = ctx.run_command(args, timeout_s=timeout_s, env=env, install_hint=install_hint)
    if proc.returncode == 0:
        return Integrity(ok=True)
    if any(marker in proc.stderr.lower() for marker in damage):
        problems = tuple(p for p in problem_lines(proc, secrets) if summary not in p)
        return Integrity(ok=False, problems=problems or (f"{args[0]} check reported errors",))
    raise CheckFailed(f"backup job {job_name!r}: {args[0]} check could not run: {tool_message(proc, secrets)}")
