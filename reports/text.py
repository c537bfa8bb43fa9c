"""Making untrusted strings (hostnames, banners, CSV cells) safe inside Markdown."""

from __future__ import annotations

import functools
import re

from posture.mdtext import cell, md

__all__ = ["cell", "code_block", "md", "scrub", "slug"]


def code_block(lines: list[str] | tuple[str, ...], info: str = "text") -> str:
    """A fenced block longer than any backtick run inside, so no content can close it early."""
    body = "\n".join(line.replace("\r", "") for line in lines)
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"


# What the staff edition must never show, whatever text it came in: addresses (v4, v6, with a port or
# prefix length) and "port N" / "N/tcp" / "tcp/N" mentions.
_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?(?::\d{1,5})?(?![\w.])")
_IPV6 = re.compile(
    r"(?<![\w:.])\[?(?=[0-9A-Fa-f:.]*::|(?:[0-9A-Fa-f]{1,4}:){2})[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(?:%\w+)?\]?"
    r"(?:/\d{1,3})?(?::\d{1,5})?(?![\w:])"
)
_PORT = r"\d{1,5}(?:/(?:tcp|udp))?"
_PORTS = re.compile(
    rf"\b(?:\d{{1,5}}/(?:tcp|udp)|(?:tcp|udp)/\d{{1,5}}|ports?\s+{_PORT}(?:(?:\s*,\s*|\s+and\s+|\s+or\s+){_PORT})*)\b",
    re.I,
)


@functools.lru_cache(maxsize=8)
def _sensitive_pattern(values: tuple[str, ...]) -> re.Pattern[str] | None:
    """One pattern for all of a render's sensitive strings (a staff edition scrubs thousands of lines)."""
    ordered = sorted({v for v in values if v}, key=len, reverse=True)  # longest first wins at a position
    if not ordered:
        return None
    # Whole words only: an asset named "pos" must not eat "position".
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(v) for v in ordered) + r")(?!\w)")


def scrub(text: str, sensitive: list[str], placeholder: str = "the affected devices") -> str:
    """Replace the given sensitive strings (longest first) and anything shaped like an address or port."""
    pattern = _sensitive_pattern(tuple(sensitive))
    if pattern is not None:
        text = pattern.sub(lambda _: placeholder, text)
    text = _IPV4.sub("[address withheld]", text)
    text = _IPV6.sub("[address withheld]", text)
    return _PORTS.sub("[port withheld]", text)
