"""Text from outside (scan results, evidence files, configs) shown as typed: never markup, never control codes.

A hostname such as `[red]x\\x1b[2J` must neither restyle the screen nor reach the terminal as an escape
sequence. Content is built from plain parts (no markup parsing) after control characters become
visible escapes, the way `posture.errors` prints them on stderr.
"""

from __future__ import annotations

import re

from textual.content import Content

_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029]")  # all but "\n"
_CONTROL_AND_NEWLINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")

Part = str | tuple[str, str]


def visible(text: str, *, one_line: bool = False) -> str:
    pattern = _CONTROL_AND_NEWLINE if one_line else _CONTROL
    return pattern.sub(lambda m: repr(m.group())[1:-1], text)


def plain(*parts: Part) -> Content:
    """Content from (text, style) parts; the texts are never parsed as markup."""
    return Content.assemble(*(visible(p) if isinstance(p, str) else (visible(p[0]), p[1]) for p in parts))
