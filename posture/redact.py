"""One redaction for everything that leaves the process: reports, history rows, stderr, logs, alerts.

Two layers, because neither alone is enough:

- **Forms.** Every credential-bearing way the tools accept a repository is recognised in free text and
  its secret part replaced by `***`: URLs with userinfo (`rest:https://user:pw@host/`, `s3:http://KEY:SECRET@host/`,
  `sftp://user:pw@host//srv`, borg's `ssh://user:pw@host/path`), the scp-style `user:pw@host:path`
  (borg, restic's `sftp:`), rclone connection strings (`pass=`, `key=`...) and secret query parameters.
  User names may be e-mail addresses; passwords may hold `/`, `@`, `:` or (after a scheme or `sftp:`)
  spaces: the secret runs to the *last* `@` before the host, so a raw `@` never leaks a password's tail.
  This layer also covers text the tools send back (restic quotes the repository in its errors) and
  results files written by older versions.
- **Known secrets.** Every password found in the config's repository strings, and the contents of
  password files read to mask them, are remembered (as written, percent-decoded and percent-encoded) and
  replaced wherever they appear, whatever surrounds them.

`redact(text)` applies both; `redact_tree(obj)` walks dataclasses, lists and dicts. Over-masking a little
ordinary text is accepted; leaking is not.
"""

from __future__ import annotations

import dataclasses
import operator
import re
import threading
from collections.abc import Iterable
from typing import Any, TypeVar
from urllib.parse import quote, quote_plus, unquote

MASK = "***"
# Remembered secrets shorter than this are masked only where a form shows them (a 3-letter password
# scrubbed everywhere would garble the reports); the form patterns still catch them in context.
MIN_REMEMBERED = 6

_HOST = r"(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?)"
# scheme://user:secret@host — the user may be an e-mail address; the secret runs to the last `@` that
# is followed by a host and the end of the authority, without crossing a quote, a newline or another URL.
_URL_USERINFO = re.compile(
    r"(?P<head>[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/\"'<>@]*(?:@[^\s:/\"'<>@]+)?:)"
    r"(?P<secret>(?:(?!://)[^\n\"'<>])*)"
    r"(?P<tail>@" + _HOST + r"(?=[:/?#\s\"'<>\\)\]},;]|$))"
)
# sftp:user:secret@host:path (restic), and borg's user:secret@host:path; the user may be an e-mail address.
_SFTP_SCP = re.compile(
    r"(?P<head>\bsftp:[^\s:/\"'<>@]+(?:@[^\s:/\"'<>@]+)?:)"
    r"(?P<secret>[^\n\"'<>]*)"
    r"(?P<tail>@" + _HOST + r":)"
)
_BACKENDS = r"(?:sftp|rest|s3|b2|azure|gs|swift|rclone|local|ssh|file|https?):"
_SCP = re.compile(
    r"(?P<head>(?<![\w/.:@%\-])(?!" + _BACKENDS + r")[A-Za-z0-9_.+\-]+(?:@[A-Za-z0-9_.\-]+)?:)"
    # never `scheme://…`: a URL's user info is _URL_USERINFO's, and its user name is not a secret
    r"(?P<secret>(?!//)(?:(?!://)[^\s\"'<>])+)"
    r"(?P<tail>@" + _HOST + r":(?=[^\s]|$))"
)
# rclone connection strings (rclone::sftp,user=u,pass=OBSCURED:path) and secret URL query parameters.
_PARAM = re.compile(
    r"(?P<head>(?:^|[\s,;?&:(])(?:pass|password|passwd|passphrase|secret|secret_access_key|access_key_id|"
    r"key|account_key|sas_url|token|auth_token|client_secret|session_token|x-amz-signature|signature|sig)=)"
    r"(?P<secret>[^\s,;&:\"'<>]+)",
    re.IGNORECASE,
)
_AT_FORMS = (_URL_USERINFO, _SFTP_SCP, _SCP)  # the secret ends at `@host`
_FORMS = (*_AT_FORMS, _PARAM)
_PARAM_VALUE = re.compile(r"=[^\s,;&:\"'<>]")  # what _PARAM's secret starts with (never `="`)

_lock = threading.Lock()
_known: set[str] = set()
_known_pattern: re.Pattern[str] | None = None


def _mask_secret(match: re.Match[str]) -> str:
    if match.group("secret") in ("", MASK):
        return match.group(0)
    tail = match.groupdict().get("tail") or ""
    return f"{match.group('head')}{MASK}{tail}"


def redact_forms(text: str) -> str:
    """`text` with the secret part of every credential-bearing location masked."""
    # Each form needs a mark that a C-speed scan finds: most text (and every HTML attribute, `="`) has none,
    # and the patterns themselves cost a regex attempt at every position.
    if "@" in text:
        for pattern in _AT_FORMS:
            text = pattern.sub(_mask_secret, text)
    if "=" in text and _PARAM_VALUE.search(text):
        text = _PARAM.sub(_mask_secret, text)
    return text


def variants(secret: str) -> set[str]:
    """The ways a secret may be written: as is, percent-decoded, percent-encoded (both flavours)."""
    out = {secret, unquote(secret), quote(secret, safe=""), quote(secret), quote_plus(secret)}
    out |= {quote(unquote(secret), safe=""), quote_plus(unquote(secret))}
    return {v for v in out if len(v) >= MIN_REMEMBERED}


def remember(secret: str | None) -> None:
    """Mask `secret` (and its encodings) in everything redacted from now on, in this process."""
    if not secret or not secret.strip():
        return
    global _known_pattern
    with _lock:
        new = variants(secret) - _known
        if not new:
            return
        _known.update(new)
        ordered = sorted(_known, key=len, reverse=True)  # the longest first: no half-masked secret
        _known_pattern = re.compile("|".join(re.escape(s) for s in ordered))


def forget_all() -> None:
    """For tests: drop the remembered secrets."""
    global _known_pattern
    with _lock:
        _known.clear()
        _known_pattern = None


def redact(text: str) -> str:
    """`text` with every remembered secret and every credential-bearing form masked."""
    if not text:
        return text
    pattern = _known_pattern
    if pattern is not None:
        text = pattern.sub(MASK, text)
    return redact_forms(text)


def location_secrets(location: str) -> list[str]:
    """The secrets written inside one repository string (to remember them), as written there."""
    found = []
    for pattern in _FORMS:
        for match in pattern.finditer(location):
            secret = match.group("secret")
            if secret and secret != MASK:
                found.append(secret)
    return found


def remember_locations(data: Any) -> None:
    """Remember the secret of every credential-bearing string anywhere in a loaded config."""
    for text in _strings(data):
        for secret in location_secrets(text):
            remember(secret)


def _strings(data: Any) -> Iterable[str]:
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "@" in item or "=" in item:
                yield item
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)


T = TypeVar("T")


def redact_tree(obj: T) -> T:
    """A copy of `obj` (dataclasses, tuples, lists, dicts, strings) with every string redacted."""
    result: T = _walk(obj)
    return result


def _walk(obj: Any) -> Any:
    # What holds nothing to mask comes back as the very same object: a 64k-host scan's findings are not
    # rebuilt one `dataclasses.replace` at a time when (as almost always) no secret is in them.
    if isinstance(obj, str):
        return redact(obj) if type(obj) is str else obj  # an enum member (Severity...) stays one
    if isinstance(obj, tuple):
        items = [_walk(item) for item in obj]
        return obj if all(map(operator.is_, items, obj)) else tuple(items)
    if isinstance(obj, list):
        return [_walk(item) for item in obj]
    if isinstance(obj, dict):
        return {(_walk(k) if isinstance(k, str) else k): _walk(v) for k, v in obj.items()}
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        changes = {f.name: _walk(getattr(obj, f.name)) for f in dataclasses.fields(obj) if f.init}
        if all(value is getattr(obj, name) for name, value in changes.items()):
            return obj
        return dataclasses.replace(obj, **changes)
    return obj


class RedactingStream:
    """A text stream that redacts each write: stderr and stdout of the command line (diagnostics, logging,
    tracebacks) pass through it, so no message posture or a tool prints can carry a secret out."""

    def __init__(self, stream: Any) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # flush, isatty, fileno, encoding... as the real stream
        return getattr(self._stream, name)
