"""The port and script lists nmap is given, remembered between runs.

Working them out reads nmap's 1 MB nmap-services file (its top-N list) and the service-risk table with the
catalogue it refers to: ~60 ms of every scan, all of it before nmap can start. They change only when nmap
or posture is upgraded, so the lists are kept in the user's cache folder under a digest of the bytes they
were worked out from (the data files and the modules that read them); a changed file, a missing or
unreadable cache, or one that anyone but its owner could have written, means working them out again.

What is read back is checked before nmap sees it: ports are numbers 1-65535 and script names are bare
names, so a tampered cache can neither point nmap at a script file nor scan anything the config did not
authorize (the addresses never come from here).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import stat
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

log = logging.getLogger("posture.ports")

FORMAT = 1
_SCRIPT_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")


def cache_file() -> Path | None:
    """The cache's path; None when the user has no home folder to hold it (then nothing is remembered)."""
    from platformdirs import user_cache_dir

    try:
        folder = Path(user_cache_dir("posture", appauthor=False))
    except (RuntimeError, KeyError):  # platformdirs: "could not determine the home directory"
        return None
    return folder / "nmap-scan-lists.json" if folder.is_absolute() else None


def digest(*parts: bytes) -> str:
    h = hashlib.blake2b(digest_size=16)
    for part in parts:
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def own_file(name: str) -> bytes:
    """One of this package's files (data, or the code that works a list out: a fixed upgrade must not be
    served the lists its predecessor worked out); empty when the installation does not ship it."""
    try:
        return resources.files("checks.ports").joinpath(name).read_bytes()
    except OSError:
        return b""


def remembered(section: str, key: str, work_out: Callable[[], Any], valid: Callable[[Any], bool]) -> Any:
    """The cached value of `section` when it was stored under `key`; else work_out()'s, stored for next time.

    Never fails because of the cache: an unusable one is ignored (and replaced when it can be)."""
    path = cache_file()
    if path is None:
        return work_out()
    document = _read(path)
    entry = document.get(section)
    if isinstance(entry, dict) and entry.get("key") == key and valid(entry.get("value")):
        return entry["value"]
    value = work_out()
    document[section] = {"key": key, "value": value}
    _write(path, document)
    return value


def valid_ports(value: Any) -> bool:
    return isinstance(value, list) and all(type(p) is int and 1 <= p <= 65535 for p in value)


def valid_scripts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(s, str) and _SCRIPT_NAME.match(s) for s in value)


def _owned_by_me(st: os.stat_result) -> bool:
    geteuid = getattr(os, "geteuid", None)
    if geteuid is None:  # Windows: the per-user cache folder is the user's by its access list
        return True
    return st.st_uid == geteuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _read(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as fh:
            if not (_owned_by_me(os.fstat(fh.fileno())) and _owned_by_me(os.stat(path.parent))):
                log.debug("ports: scan-list cache %s ignored: writable by others", path)
                return {}
            document = json.loads(fh.read())
    except (OSError, ValueError):
        return {}
    return document if isinstance(document, dict) and document.get("format") == FORMAT else {}


def _write(path: Path, document: dict[str, Any]) -> None:
    document["format"] = FORMAT
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _owned_by_me(os.stat(path.parent)):
            return
        handle, tmp = tempfile.mkstemp(prefix=".scan-lists-", dir=path.parent)  # mode 0600
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as fh:
                json.dump(document, fh)
            os.replace(tmp, path)  # whole or not at all: two runs at once each write a complete file
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
    except OSError as exc:
        log.debug("ports: scan-list cache %s not written: %s", path, exc)
