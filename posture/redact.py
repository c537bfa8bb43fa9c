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
    # and the patterns themselves cost a regex attempt at every position. `_flags` asks the same questions
    # for redact_tree: a new form's mark goes in both.
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
    pattern = _known_pattern  # one snapshot for the whole walk
    known = pattern.search if pattern is not None else None
    result: T = _walk(obj, known) if _may_hold(obj, known) else obj
    return result


# What holds nothing to mask comes back as the very same object: a 64k-host scan's findings are not rebuilt,
# nor even walked string by string, when (as almost always) no secret is in them. `_may_hold` looks at all
# the strings of an object at once, joined with "\0" at C speed (100,000 findings, side by side: 2.2 s
# string by string, 0.7 s this way); only what it flags is walked and rebuilt by `_walk`. It cannot miss a
# string `redact` would change, since every string is in the joined text whole; a mark or a secret that
# only the joining makes (across two strings) costs a walk that changes nothing.


def _flags(text: str, known: Any) -> bool:
    """Whether `redact` could change `text` (or a "\0"-joined run of strings): it holds a form's mark or a
    remembered secret."""
    return ("@" in text or ("=" in text and _PARAM_VALUE.search(text) is not None)
            or (known is not None and known(text) is not None))


# Per dataclass type: its init fields' names and one C-level getter for all of them.
_init_fields: dict[type, tuple[tuple[str, ...], Any]] = {}


def _fields_of(kind: type, obj: Any) -> tuple[tuple[str, ...], Any] | None:
    found = _init_fields.get(kind)
    if found is None:
        if not dataclasses.is_dataclass(obj) or isinstance(obj, type):
            return None
        names = tuple(f.name for f in dataclasses.fields(obj) if f.init)
        getter = (operator.attrgetter(*names) if len(names) > 1  # one name: attrgetter gives no tuple
                  else lambda o, n=names: tuple(getattr(o, x) for x in n))
        found = _init_fields.setdefault(kind, (names, getter))
    return found


_SCALARS = (int, float, bool, type(None))


def _may_hold(obj: Any, known: Any) -> bool:
    if isinstance(obj, str):
        return _flags(obj, known)  # an enum member too: harmless, its value never holds a mark
    if isinstance(obj, (tuple, list)):
        return _any_may_hold(obj, known)
    if isinstance(obj, dict):
        return _any_may_hold(obj, known) or _any_may_hold(obj.values(), known)
    fields = _fields_of(type(obj), obj)
    return fields is not None and _any_may_hold(fields[1](obj), known)


def _any_may_hold(items: Any, known: Any) -> bool:
    """`_may_hold` of each item, the strings among them (and in tuples of strings) looked at in one go."""
    strings = []
    for item in items:
        kind = type(item)
        if kind is str:
            strings.append(item)
        elif kind is tuple:
            try:
                strings.append("\0".join(item))
            except TypeError:  # not all strings (a finding's references)
                if _any_may_hold(item, known):
                    return True
        elif kind in _SCALARS:
            continue
        elif isinstance(item, str):
            strings.append(item)
        else:
            fields = _init_fields.get(kind)  # a dataclass seen before: its fields straight away
            if fields is not None:
                if _any_may_hold(fields[1](item), known):
                    return True
            elif _may_hold(item, known):
                return True
    return bool(strings) and _flags("\0".join(strings), known)


def _walk(obj: Any, known: Any) -> Any:
    if isinstance(obj, str):
        return redact(obj) if type(obj) is str else obj  # an enum member (Severity...) stays one
    if isinstance(obj, tuple):
        items = [_walk(item, known) for item in obj]
        return obj if all(map(operator.is_, items, obj)) else tuple(items)
    if isinstance(obj, list):
        return [_walk(item, known) for item in obj]
    if isinstance(obj, dict):
        return {(_walk(k, known) if isinstance(k, str) else k): _walk(v, known) for k, v in obj.items()}
    fields = _fields_of(type(obj), obj)
    if fields is None:
        return obj
    names, getter = fields
    values = getter(obj)
    if not _may_hold(values, known):
        return obj
    walked = [_walk(value, known) for value in values]
    if all(map(operator.is_, walked, values)):
        return obj
    return dataclasses.replace(obj, **dict(zip(names, walked, strict=True)))


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
