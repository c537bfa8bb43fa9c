"""Is a copy kept off this machine? Decided from the repository string and the mount table.

A remote backend (sftp:, s3:, ssh://...) is offsite unless it points back at this machine; a local
path is offsite only when the mount table puts it on a network filesystem (nfs, cifs, sshfs...).
The owner's own `offsite:` statement overrides both, and is marked as declared.
"""

from __future__ import annotations

import posixpath
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from checks.backups.evidence import Offsite
from checks.backups.figures import Figures, load_figures
from posture.redact import location_secrets, redact

_SCP_STYLE = re.compile(r"^(?:[^@/:]+@)?(?P<host>\[[^\]]+\]|[^@/:\[\]]+):")  # borg's user@host:path
_OCTAL = re.compile(r"\\([0-7]{3})")


@dataclass(frozen=True, slots=True)
class Mount:
    device: str
    mountpoint: str
    fstype: str


def mask_password(location: str) -> str:
    """rest:https://user:secret@host/ → rest:https://user:***@host/ (shown in evidence, never the secret).

    Every form restic and borg accept (sftp:user:pw@host:path, e-mail user names, `@` or `/` in the
    password...) is handled by posture.redact."""
    return redact(location)


def url_password(location: str) -> str | None:
    """The first secret written in a repository string, or None."""
    found = location_secrets(location)
    return found[0] if found else None


def parse_mounts(text: str) -> list[Mount]:
    """Lines of /proc/mounts (device, mount point, type, ...); malformed lines are skipped."""
    mounts = []
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 3:
            mounts.append(Mount(_unescape(fields[0]), _unescape(fields[1]), fields[2]))
    return mounts


def _unescape(field: str) -> str:
    # /proc/mounts writes space, tab, newline and backslash as \040 \011 \012 \134
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), field)


def mount_of(path: str, mounts: list[Mount]) -> Mount | None:
    """The mount holding `path`: the longest mount point above it (the later one when stacked)."""
    path = posixpath.normpath(path)
    best: Mount | None = None
    for mount in mounts:
        point = posixpath.normpath(mount.mountpoint)
        if point == "/" or path == point or path.startswith(point.rstrip("/") + "/"):
            if best is None or len(point) >= len(posixpath.normpath(best.mountpoint)):
                best = mount
    return best


def remote_host(location: str, *, scp_style: bool = False, figures: Figures | None = None) -> tuple[str, str] | None:
    """(backend, host) when `location` names a remote backend; host is "" when the backend has none.

    `scp_style`: also read borg's `user@host:path` form (restic reads such a string as a local path).
    """
    figures = figures or load_figures()
    lowered = location.lower()
    if lowered.startswith(("local:", "file://")):
        return None
    for prefix in figures.remote_prefixes:
        if lowered.startswith(prefix):
            return prefix.rstrip(":/"), _host_in(location[len(prefix):], prefix)
    if scp_style and "://" not in location and not location.startswith(("/", ".", "~")):
        match = _SCP_STYLE.match(location)
        if match and len(match.group("host")) > 1:  # "C:" would be a drive letter, not a host
            return "ssh", match.group("host").strip("[]")
    return None


def _host_in(rest: str, prefix: str) -> str:
    if prefix == "ssh://" or rest.startswith("//"):  # ssh://host/path, sftp://user@host:port//path
        return urlsplit("x:" + ("" if rest.startswith("//") else "//") + rest).hostname or ""
    if "://" in rest:  # rest:https://host:8000/, s3:http://host:9000/bucket, sftp://user@host//path
        return urlsplit(rest).hostname or ""
    if prefix == "sftp:":  # sftp:user@host:/srv/repo
        match = _SCP_STYLE.match(rest)
        return match.group("host").strip("[]") if match else ""
    if prefix == "s3:":  # s3:s3.amazonaws.com/bucket
        return rest.split("/", 1)[0]
    return ""  # b2:, azure:, gs:, swift:, rclone: name a provider or a configured remote, not a host


def local_path(location: str, *, scp_style: bool = False) -> str | None:
    """The filesystem path when `location` is a local repository, else None."""
    if location.startswith("local:"):
        return location[len("local:"):]
    if location.startswith("file://"):
        return urlsplit(location).path
    return None if remote_host(location, scp_style=scp_style) else location


def decide(
    location: str | None,
    *,
    declared: bool | None = None,
    scp_style: bool = False,
    mounts: list[Mount] | None = None,
    mounts_source: str = "the mount table",
    figures: Figures | None = None,
) -> Offsite:
    """Whether the copy at `location` is off this machine, and why, in words for the evidence."""
    figures = figures or load_figures()
    if declared is not None:
        where = "kept off site" if declared else "kept on site"
        return Offsite(declared, f"the owner states it is {where}", declared=True)
    if not location:
        return Offsite(False, "no repository location was given, so nothing shows a copy off site")
    remote = remote_host(location, scp_style=scp_style, figures=figures)
    if remote:
        backend, host = remote
        if host.lower() in figures.loopback_hosts or host.startswith("127."):
            return Offsite(False, f"the {backend} backend points back at this machine ({host})")
        return Offsite(True, f"a remote {backend} backend" + (f" on {host}" if host else ""))
    path = local_path(location, scp_style=scp_style) or location
    if mounts is None:
        return Offsite(False, f"a local path ({path}); no mount table shows it is on a network share")
    mount = mount_of(path, mounts)
    if mount is None:
        return Offsite(False, f"a local path ({path}) not under any mount in {mounts_source}")
    if mount.fstype in figures.network_filesystems:
        return Offsite(True, f"on a network share (type {mount.fstype}: {mount.device} mounted at "
                             f"{mount.mountpoint}), per {mounts_source}")
    return Offsite(False, f"a local path on the {mount.fstype} filesystem mounted at {mount.mountpoint}, "
                          f"per {mounts_source}")


def read_mounts(path: Path) -> list[Mount] | None:
    """The mount table, or None when it cannot be read (then no local path counts as offsite)."""
    try:
        return parse_mounts(path.read_text(encoding="utf-8", errors="replace"))
    except OSError:
        return None
