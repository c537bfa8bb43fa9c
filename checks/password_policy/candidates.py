"""Passwords the consultant found on site, held in memory only.

A `Candidate` never shows its password: not in `repr`, not in `str`, not in any error. Reports get
its label (an account name or "line 7") and `mask()`, which reveals only the length. Errors about the
file name the line and never quote it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from checks.password_policy.evidence import decode_evidence
from posture.api import InputError, read_limited

MAX_CANDIDATE_FILE_BYTES = 8 * 1024 * 1024
MAX_LABEL_LENGTH = 80


@dataclass(frozen=True)
class Candidate:
    label: str
    password: str = field(repr=False)
    origin: str = "file"  # "file" or "typed"

    def __str__(self) -> str:
        return f"candidate {self.label}"

    def mask(self) -> str:
        return mask(self.password)

    @property
    def sha1(self) -> str:
        return sha1_hex(self.password)


def mask(password: str) -> str:
    """Eight dots whatever the length, and the length: nothing else about the password."""
    n = len(password)
    return f"{'•' * 8} ({n} character{'s' if n != 1 else ''})"


def sha1_hex(password: str) -> str:
    """Upper-case SHA-1 of the UTF-8 bytes, as Pwned Passwords indexes them."""
    return hashlib.sha1(password.encode("utf-8", "surrogatepass")).hexdigest().upper()


def parse_candidates(raw: bytes, path: str | Path) -> list[Candidate]:
    """One password per line, or `label<TAB>password`; blank and `#` lines skipped."""
    text = decode_evidence(raw, path)
    out: list[Candidate] = []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if "\t" in line:
            label, password = line.split("\t", 1)
            label = " ".join(label.split())
            if not label:
                raise InputError("the label before the tab is empty", path=path, line=number)
            if len(label) > MAX_LABEL_LENGTH:
                raise InputError(f"the label is longer than {MAX_LABEL_LENGTH} characters", path=path, line=number)
            if not password:
                raise InputError("nothing after the tab: the password is missing", path=path, line=number)
            if not reads_as_label(label, password):
                label = f"line {number}"  # never print what may be (part of) a password as its label
        else:
            label, password = f"line {number}", line
        out.append(Candidate(label, password))
    return unique_labels(out)


# Account names and descriptions: letters, spaces and the separators of user and host names. Digits are
# accepted with a space, `@` or `\` beside them ("PC 07", DOMAIN\jsmith2, j.smith2@corp.com).
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
_LABEL_CHARS = re.compile(r"[^\W_]+(?:[ ._\-@'\\()][^\W_]*)*")


def reads_as_label(label: str, password: str) -> bool:
    """Whether the text before the tab can be shown as a label.

    A reversed line (`password<TAB>label`) or a password with a tab in it would otherwise print the
    password, or its first part, as the label. Anything shaped like a password (symbols; digits run into
    letters; no space where the other side has one) is shown as "line N" instead.
    """
    if not _LABEL_CHARS.fullmatch(label):
        return False
    if "@" in label and not _EMAIL.fullmatch(label):  # P@ss is a password; jo@corp.com an account
        return False
    if any(ch.isdigit() for ch in label) and not any(sep in label for sep in " @\\"):
        return False
    return not (" " in password.strip() and " " not in label)


def unique_labels(candidates: Iterable[Candidate]) -> list[Candidate]:
    """Labels become finding keys, so a repeated label gets the next free "#2", "#3"..."""
    taken: set[str] = set()
    out = []
    for c in candidates:
        label, n = c.label, 1
        while label in taken:
            n += 1
            label = f"{c.label} #{n}"
        taken.add(label)
        out.append(c if label == c.label else Candidate(label, c.password, c.origin))
    return out


def read_candidates(path: Path) -> list[Candidate]:
    return parse_candidates(read_limited(path, MAX_CANDIDATE_FILE_BYTES), path)


def typed_candidates(pairs: Iterable[tuple[str, str]]) -> list[Candidate]:
    """Passwords typed into the TUI's masked field (ctx.secrets)."""
    out = []
    for n, (label, password) in enumerate(pairs, start=1):
        clean = " ".join(str(label).split())[:MAX_LABEL_LENGTH] or f"typed #{n}"
        out.append(Candidate(clean, password, origin="typed"))
    return out
