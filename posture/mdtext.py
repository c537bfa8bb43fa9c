"""Untrusted strings (hostnames, banners, CSV cells) made safe inside Markdown: shared by the report
writers and `posture diff`, so the core needs no writer module."""

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
