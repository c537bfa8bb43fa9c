"""restic evidence: `restic snapshots --json`, live or saved on site, and `restic check` when asked.

The repository and its password reach restic through its environment variables
(RESTIC_REPOSITORY, RESTIC_PASSWORD_FILE / RESTIC_PASSWORD_COMMAND), never its command line, where
any local user could read them. `--no-lock` lets a read-only credential list snapshots.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from checks.backups.evidence import Integrity, Snapshot
from checks.backups.jsonfile import located_error, parse_json, parse_time
from checks.backups.offsite import local_path
from checks.backups.options import ResticJob
from checks.backups.tools import integrity_check, read_secret_file, tool_message
from posture.api import CheckContext, CheckFailed, InputError, KeyPath
from posture.redact import location_secrets

INSTALL_HINT = "apt-get install restic (or see https://restic.net)"
LIVE_OUTPUT = "restic snapshots --json output"


def parse_snapshots(data: Any, text: str, path: Path | str, host: str | None = None) -> list[Snapshot]:
    """Snapshots from `restic snapshots --json` (also its `--group-by` form), oldest first.

    Raises InputError at the offending element; `text` is only used to locate it.
    """
    items = _flatten(data, text, path)
    snapshots = []
    for key_path, item in items:
        if not isinstance(item, dict):
            raise located_error(text, path, key_path, "each snapshot must be a JSON object")
        try:
            time = parse_time(item.get("time"))
        except ValueError as exc:
            raise located_error(text, path, (*key_path, "time"), str(exc)) from None
        short_id = item.get("short_id")
        if not isinstance(short_id, str) or not short_id:
            full_id = item.get("id")
            if not isinstance(full_id, str) or not full_id:
                raise located_error(text, path, key_path, "a snapshot has no `id` or `short_id`")
            short_id = full_id[:8]
        hostname = item.get("hostname", "")
        if not isinstance(hostname, str):
            raise located_error(text, path, (*key_path, "hostname"), "`hostname` must be text")
        if host is not None and hostname != host:
            continue
        snapshots.append(Snapshot(id=short_id[:64], time=time, host=hostname, size=_size(item)))
    snapshots.sort(key=lambda s: s.time)
    return snapshots


def _flatten(data: Any, text: str, path: Path | str) -> list[tuple[KeyPath, Any]]:
    if not isinstance(data, list):
        raise located_error(text, path, (), "expected a list of snapshots: the output of `restic snapshots --json`")
    items: list[tuple[KeyPath, Any]] = []
    for i, item in enumerate(data):
        if isinstance(item, dict) and "group_key" in item:  # restic snapshots --json --group-by ...
            group = item.get("snapshots")
            if not isinstance(group, list):
                raise located_error(text, path, (i, "snapshots"), "a snapshot group must hold a list `snapshots`")
            items += [((i, "snapshots", j), snap) for j, snap in enumerate(group)]
        else:
            items.append(((i,), item))
    return items


def _size(item: dict[str, Any]) -> int | None:
    # restic 0.17+ records a summary per snapshot; older versions do not.
    summary = item.get("summary")
    total = summary.get("total_bytes_processed") if isinstance(summary, dict) else None
    plausible = isinstance(total, int) and not isinstance(total, bool) and 0 <= total <= 2**60  # ≤ 1 EiB
    return total if plausible else None


def environment(job: ResticJob, ctx: CheckContext) -> tuple[dict[str, str], list[str]]:
    """restic's environment for this job, and the secrets to mask in any message."""
    assert job.repository is not None
    env = {
        "RESTIC_REPOSITORY": _repository_arg(job.repository, ctx),
        "RESTIC_REPOSITORY_FILE": "",
        "RESTIC_PASSWORD": "",  # an inherited password must not win over the configured one
        "RESTIC_PASSWORD_FILE": "",
        "RESTIC_PASSWORD_COMMAND": "",
    }
    secrets: list[str] = []
    if job.password_file:
        path = ctx.resolve(job.password_file)
        secrets.append(read_secret_file(path, "password_file"))  # only to mask it in messages
        env["RESTIC_PASSWORD_FILE"] = str(path)
    elif job.password_command:
        env["RESTIC_PASSWORD_COMMAND"] = job.password_command
    secrets += location_secrets(job.repository)
    return env, secrets


def _repository_arg(repository: str, ctx: CheckContext) -> str:
    """A relative local repository is relative to the config file, like every other path in it."""
    path = local_path(repository)
    if path is None or repository.startswith(("local:", "file://")):
        return repository
    return str(ctx.resolve(path))


def live_snapshots(job: ResticJob, ctx: CheckContext, env: dict[str, str], secrets: list[str]) -> list[Snapshot]:
    args = ["restic", "snapshots", "--json", "--no-lock"]
    if job.host:
        args.append(f"--host={job.host}")
    proc = ctx.run_command(args, timeout_s=job.timeout_s, env=env, install_hint=INSTALL_HINT)
    if proc.returncode != 0:
        raise CheckFailed(f"backup job {job.name!r}: restic could not list the snapshots: "
                          f"{tool_message(proc, secrets)}{_hint(proc.stderr)}")
    try:
        snapshots = parse_snapshots(parse_json(proc.stdout, LIVE_OUTPUT), proc.stdout, LIVE_OUTPUT, job.host)
    except InputError as exc:
        raise CheckFailed(f"backup job {job.name!r}: restic printed unreadable snapshots: {exc}") from None
    return snapshots


def verify(job: ResticJob, ctx: CheckContext, env: dict[str, str], secrets: list[str]) -> Integrity:
    return integrity_check(ctx, job.name, ["restic", "check"], env=env, secrets=secrets, timeout_s=job.timeout_s,
                           install_hint=INSTALL_HINT, damage=("contains errors",), summary="repository contains errors")


def _hint(stderr: str) -> str:
    lowered = stderr.lower()
    if "resolving password failed" in lowered or "password_command" in lowered:
        # The command's own stderr ("cat: pw.txt: No such file") must not read as a missing repository.
        return " (password_command failed; it runs in the config's folder)"
    if "wrong password" in lowered:
        return " (check password_file / password_command)"
    if "is there a repository" in lowered or "does not exist" in lowered or "no such file" in lowered:
        return " (check `repository`: nothing answered there as a restic repository)"
    return ""
