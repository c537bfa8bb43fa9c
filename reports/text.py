"""Making untrusted strings (hostnames, banners, CSV cells) safe inside Markdown."""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_\[\]<>|~{}#!])")
_LINE_START = re.compile(r"^(\s*)(\d*)([-+=>.)])")


def md(text: object) -> str:
    """Inline text: one line, every Markdown and HTML special character escaped."""
    flat = " ".join(str(text).split())
    flat = _SPECIAL.sub(r"\\\1", flat)
    # Only where it would start a list, quote or heading: escape the punctuation, never a digit.
    if re.match(r"^\s*(\d+[.)]|[-+=>])(\s|$)", flat):
        return _LINE_START.sub(lambda m: m.group(1) + m.group(2) + "\\" + m.group(3), flat, count=1)
    return flat


def cell(text: object) -> str:
    """A table cell: inline text, and never an empty cell."""
    return md(text) or "-"


def code_block(lines: list[str] | tuple[str, ...], info: str = "text") -> str:
    """A fenced block longer than any backtick run inside, so no content can close it early."""
    body = "\n".join(line.replace("\r", "") for line in lines)
    longest = max((len(m) for m in re.findall(r"`+", body)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}{info}\n{body}\n{fence}"


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "section"
