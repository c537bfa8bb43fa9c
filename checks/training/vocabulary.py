"""The vocabulary of training exports (vocabulary.yaml), loaded once and normalised for look-ups."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from importlib import resources

import yaml

_NOT_WORD = re.compile(r"[\W_]+")
_SPACES = re.compile(r"\s+")


def header_key(header: str) -> str:
    """"Completion Date", "completion_date" and " COMPLETIONDATE " all become "completiondate"."""
    return _NOT_WORD.sub("", header.casefold().replace("#", "number"))


def word_key(value: str) -> str:
    """A status or result word, case-folded with its spaces collapsed."""
    return _SPACES.sub(" ", value.strip().casefold())


@dataclass(frozen=True)
class Vocabulary:
    headers: dict[str, tuple[str, ...]]  # field -> header keys, best first
    staff_headers: dict[str, tuple[str, ...]]  # extra spellings understood only on the staff list
    phishing_headers: dict[str, tuple[str, ...]]  # extra spellings understood only in phishing-result files
    not_completed: frozenset[str]
    completed: frozenset[str]
    phishing_clicked: frozenset[str]
    phishing_safe: frozenset[str]


def _headers(table: dict[str, list[object]]) -> dict[str, tuple[str, ...]]:
    return {field: tuple(header_key(str(h)) for h in names) for field, names in table.items()}


@functools.cache
def vocabulary() -> Vocabulary:
    text = resources.files("checks.training").joinpath("vocabulary.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)

    def words(name: str) -> frozenset[str]:
        return frozenset(word_key(str(w)) for w in data[name])

    return Vocabulary(
        headers=_headers(data["headers"]),
        staff_headers=_headers(data["staff_headers"]),
        phishing_headers=_headers(data["phishing_headers"]),
        not_completed=words("not_completed"),
        completed=words("completed"),
        phishing_clicked=words("phishing_clicked"),
        phishing_safe=words("phishing_safe"),
    )
