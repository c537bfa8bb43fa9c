"""Where the history lives, as the user wrote it, and how to print that without its password.

`--db` / POSTURE_DB is either a file path (SQLite) or a PostgreSQL URL (`postgresql://` or `postgres://`).
Everything libpq understands rides along in the URL unchanged: `sslmode`, `sslrootcert`, `sslcert`,
`connect_timeout`, `application_name`. The password may sit in the URL's user part or in a `password=`
query parameter; `redact` hides both, and `scrub` removes the literal password from any text (a driver's
error message) before it is shown.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, unquote, urlsplit

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
MASK = "***"

# user:password@ in a URL's authority (the password may hold anything but "@" and "/").
_URL_PASSWORD = re.compile(r"^(?P<head>[a-z]+://[^:@/?#]*):(?P<secret>[^@/?#]*)@", re.IGNORECASE)
# password=... as a query parameter or a libpq key/value pair (quoted or not).
_PARAM_PASSWORD = re.compile(r"(?P<head>(?:^|[?&\s])password\s*=\s*)(?P<secret>'(?:[^'\\]|\\.)*'|[^&\s]*)",
                             re.IGNORECASE)


def is_postgres(target: str) -> bool:
    return target.strip().lower().startswith(POSTGRES_SCHEMES)


def redact(target: str) -> str:
    """The DSN with every password replaced by ***; a path comes back unchanged."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}:{MASK}@", target)
    return _PARAM_PASSWORD.sub(lambda m: f"{m['head']}{MASK}", text)


def passwords(target: str) -> list[str]:
    """The password(s) a DSN carries, raw and percent-decoded, so they can be scrubbed from any text."""
    found: set[str] = set()
    for match in (_URL_PASSWORD.search(target), *_PARAM_PASSWORD.finditer(target)):
        if match and match["secret"]:
            secret = match["secret"].strip("'")
            found.update({secret, unquote(secret)})
    try:
        parts = urlsplit(target)
        if parts.password:
            found.update({parts.password, unquote(parts.password)})
        found.update(value for key, value in parse_qsl(parts.query) if key.lower() == "password" and value)
    except ValueError:
        pass
    return sorted((s for s in found if s), key=len, reverse=True)


def scrub(text: str, target: str) -> str:
    """`text` with the DSN's password(s) masked wherever they appear, and any DSN in it redacted."""
    text = redact(text)
    for secret in passwords(target):
        text = text.replace(secret, MASK)
    return text
