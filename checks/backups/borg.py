"""borg evidence: `borg list --json` and `borg info --json`, live or saved on site; `borg check` when asked.

borg reads its repository from BORG_REPO and the passphrase from BORG_PASSPHRASE, so neither is on
the command line. The passphrase is read here (from the file or command the config names) because
an inherited BORG_PASSPHRASE would otherwise win over a BORG_PASSCOMMAND. Prompts cannot hang the
run: the questions borg may ask are answered "no" through its environment, stdin is empty, and ssh
runs in batch mode.

borg 1.x prints naive local times; they are read in the job's `timezone` (default: this machine's).
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass, field
from datetime import tzinfo
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from checks.backups.evidence import Integrity, Snapshot
from checks.backups.jsonfile import located_error, parse_json, parse_time
from checks.backups.offsite import local_path, url_password
from checks.backups.options import BorgJob
from checks.backups.tools import integrity_check, read_secret_file, scrub, tool_message
from posture.api import CheckContext, CheckFailed, InputError

MAX_SIZE_BYTES = 2**60  # one exbibyte
INSTALL_HINT = "apt-get install borgbackup (or see https://www.borgbackup.org)"
ASKED = ("BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK", "BORG_RELOCATED_REPO_ACCESS_IS_OK")
ENCRYPTED_MODES = ("repokey", "keyfile")  # and their -blake2 variants; "none" and "authenticated*" are not
NOT_ENCRYPTING = ("none", "authenticated")  # borg 2's algorithm names that only hash or sign the data


@dataclass
class BorgRepo:
    archives: list[Snapshot] = field(default_factory=list)
    encryption: str | None = None  # borg's mode name: repokey-blake2, keyfile, none, authenticated...
    location: str | None = None
    stats: dict[str, int] = field(default_factory=dict)


def is_encrypted(mode: str) -> bool:
    """borg 1.x and 2.0 betas name a mode (repokey-blake2, keyfile-aes-ocb, none, authenticated...);
    later borg 2 names the algorithm (aes256-ocb, chacha20-poly1305, none-sha256, authenticated-blake3)."""
    return mode.startswith(ENCRYPTED_MODES) or (
        not mode.startswith(("repokey", "keyfile")) and "-" in mode and not mode.startswith(NOT_ENCRYPTING))


def zone_of(job: BorgJob) -> tzinfo | None:
    return ZoneInfo(job.timezone) if job.timezone else None


def parse_list(data: Any, text: str, path: Path | str, zone: tzinfo | None = None) -> BorgRepo:
    """The archives of `borg list --json`, oldest first, with the repository's encryption and location."""
    if not isinstance(data, dict) or "archives" not in data:
        raise located_error(text, path, (), "expected the output of `borg list --json` (an object with `archives`)")
    archives = data["archives"]
    if not isinstance(archives, list):
        raise located_error(text, path, ("archives",), "`archives` must be a list")
    repo = _repository_facts(data, text, path)
    for i, item in enumerate(archives):
        key_path: tuple[str | int, ...] = ("archives", i)
        if not isinstance(item, dict):
            raise located_error(text, path, key_path, "each archive must be a JSON object")
        name = item.get("name", item.get("archive"))
        if not isinstance(name, str) or not name:
            raise located_error(text, path, key_path, "an archive has no `name`")
        stamp_key = "time" if "time" in item else "start"
        try:
            time = parse_time(item.get(stamp_key), naive_zone=zone)
        except ValueError as exc:
            raise located_error(text, path, (*key_path, stamp_key), str(exc)) from None
        host = item.get("hostname", "")  # `borg info --json` and borg 2 listings name the creating host
        repo.archives.append(Snapshot(id=name[:200], time=time, host=host[:200] if isinstance(host, str) else ""))
    repo.archives.sort(key=lambda s: s.time)
    return repo


def parse_info(data: Any, text: str, path: Path | str) -> BorgRepo:
    """Encryption, location and sizes from `borg info --json` (repository form)."""
    if not isinstance(data, dict) or "repository" not in data:
        raise located_error(text, path, (), "expected the output of `borg info --json` (an object with `repository`)")
    repo = _repository_facts(data, text, path)
    cache = data.get("cache")
    stats = cache.get("stats") if isinstance(cache, dict) else None
    if isinstance(stats, dict):
        repo.stats = {k: v for k, v in stats.items() if isinstance(v, int) and not isinstance(v, bool)}
        for key, value in repo.stats.items():
            # JSON integers have no limit; a size past an exabyte is damage or a forgery, and would
            # overflow the float arithmetic that turns it into words.
            if not 0 <= value <= MAX_SIZE_BYTES:
                raise located_error(text, path, ("cache", "stats", key),
                                    f"{key} = {str(value)[:24]}{'…' if len(str(value)) > 24 else ''} is not a "
                                    f"plausible size (0 to {MAX_SIZE_BYTES:,} bytes)")
    return repo


def _repository_facts(data: dict[str, Any], text: str, path: Path | str) -> BorgRepo:
    repo = BorgRepo()
    encryption = data.get("encryption")
    if encryption is not None:
        # borg 1.x to 2.0.0b17: {"mode": "repokey-blake2"}; later borg 2: {"encryption": "aes256-ocb",
        # "id_hash": "sha256"}, plus "keyfile" when the key is kept outside the repository.
        mode = None
        if isinstance(encryption, dict):
            mode = encryption.get("mode", encryption.get("encryption"))
        if not isinstance(mode, str) or not mode:
            raise located_error(text, path, ("encryption",),
                                "`encryption` must name the mode (borg 1.x: `mode`; borg 2: `encryption`)")
        repo.encryption = mode
    repository = data.get("repository")
    if repository is not None:
        if not isinstance(repository, dict):
            raise located_error(text, path, ("repository",), "`repository` must be an object")
        location = repository.get("location")
        if location is not None and not isinstance(location, str):
            raise located_error(text, path, ("repository", "location"), "`location` must be text")
        repo.location = location or None
    return repo


def merge(listing: BorgRepo, info: BorgRepo | None) -> BorgRepo:
    if info is None:
        return listing
    return BorgRepo(
        archives=listing.archives,
        encryption=listing.encryption or info.encryption,
        location=listing.location or info.location,
        stats=info.stats,
    )


def environment(job: BorgJob, ctx: CheckContext) -> tuple[dict[str, str], list[str]]:
    """borg's environment for this job, and the secrets to mask in any message."""
    assert job.repository is not None
    env = {
        "BORG_REPO": _repository_arg(job.repository, ctx),
        # borg's questions get "no" so they cannot hang the run; an owner who has said "yes" keeps it.
        **{question: os.environ.get(question, "no") for question in ASKED},
        "BORG_CHECK_I_KNOW_WHAT_I_AM_DOING": "NO",
        "BORG_DELETE_I_KNOW_WHAT_I_AM_DOING": "NO",
        "BORG_DISPLAY_PASSPHRASE": "no",
        "BORG_RSH": os.environ.get("BORG_RSH", "ssh -o BatchMode=yes"),
    }
    secrets: list[str] = []
    passphrase = _passphrase(job, ctx)
    if passphrase is not None:
        env["BORG_PASSPHRASE"] = passphrase
        env["BORG_PASSCOMMAND"] = ""
        secrets.append(passphrase)
    url_secret = url_password(job.repository)
    if url_secret:
        secrets.append(url_secret)
    return env, secrets


def _passphrase(job: BorgJob, ctx: CheckContext) -> str | None:
    if job.passphrase_file:
        return read_secret_file(ctx.resolve(job.passphrase_file), "passphrase_file")
    if job.passphrase_command:
        try:
            args = shlex.split(job.passphrase_command)
        except ValueError:
            raise CheckFailed(f"backup job {job.name!r}: passphrase_command cannot be split into words") from None
        if not args:
            raise CheckFailed(f"backup job {job.name!r}: passphrase_command is empty")
        proc = ctx.run_command(args, timeout_s=min(job.timeout_s, 60.0))
        if proc.returncode != 0:
            raise CheckFailed(f"backup job {job.name!r}: passphrase_command failed with exit status {proc.returncode}")
        return proc.stdout.rstrip("\r\n")
    return None  # an unencrypted repository, or a passphrase the environment already holds


def _repository_arg(repository: str, ctx: CheckContext) -> str:
    path = local_path(repository, scp_style=True)
    if path is None or repository.startswith("file://"):
        return repository
    return str(ctx.resolve(path))


def _run(job: BorgJob, ctx: CheckContext, args: list[str], env: dict[str, str],
         secrets: list[str], doing: str) -> tuple[Any, str, str]:
    proc = ctx.run_command(args, timeout_s=job.timeout_s, env=env, install_hint=INSTALL_HINT)
    if proc.returncode != 0:
        raise CheckFailed(f"backup job {job.name!r}: borg could not {doing}: {tool_message(proc, secrets)}"
                          f"{_hint(proc.stderr)}")
    where = f"borg {args[1]} --json output"
    try:
        return parse_json(proc.stdout, where), proc.stdout, where
    except InputError as exc:
        raise CheckFailed(scrub(f"backup job {job.name!r}: borg printed unreadable JSON: {exc}", secrets)) from None


def live_repo(job: BorgJob, ctx: CheckContext, env: dict[str, str], secrets: list[str]) -> BorgRepo:
    zone = zone_of(job)
    try:
        data, text, where = _run(job, ctx, ["borg", "list", "--json"], env, secrets, "list the archives")
        listing = parse_list(data, text, where, zone=zone)
        ctx.raise_if_cancelled()
        info = parse_info(*_run(job, ctx, ["borg", "info", "--json"], env, secrets, "read the repository"))
    except InputError as exc:
        raise CheckFailed(scrub(f"backup job {job.name!r}: borg printed unexpected JSON: {exc}", secrets)) from None
    return merge(listing, info)


def verify(job: BorgJob, ctx: CheckContext, env: dict[str, str], secrets: list[str]) -> Integrity:
    return integrity_check(ctx, job.name, ["borg", "check"], env=env, secrets=secrets, timeout_s=job.timeout_s,
                           install_hint=INSTALL_HINT, damage=("errors found", "integrity error"),
                           summary="errors found")


def _hint(stderr: str) -> str:
    lowered = stderr.lower()
    if "can not acquire a passphrase" in lowered:
        return " (the repository is encrypted: set passphrase_file or passphrase_command)"
    if "passphrase supplied" in lowered or "passphrase is incorrect" in lowered:
        return " (check passphrase_file / passphrase_command)"
    if "does not exist" in lowered or "is not a valid repository" in lowered:
        return " (check `repository`: no borg repository answered there)"
    if "previously unknown unencrypted" in lowered:
        return (" (if you trust this repository, run once with BORG_UNKNOWN_UNENCRYPTED_REPO_ACCESS_IS_OK=yes "
                "in the environment)")
    if "previously located at" in lowered:
        return " (if the repository was moved on purpose, run once with BORG_RELOCATED_REPO_ACCESS_IS_OK=yes)"
    return ""
