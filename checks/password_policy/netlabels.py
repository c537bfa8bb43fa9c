"""The labels and words of `net accounts` in each Windows display language (net_accounts.yaml)."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass
from importlib import resources

import yaml

_NOT_ALNUM = re.compile(r"[\W_]+")


def label_key(text: str) -> str:
    """"Länge der Kennwortchronik:" and "LANGE DER KENNWORTCHRONIK" both become "langederkennwortchronik"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return _NOT_ALNUM.sub("", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


@dataclass(frozen=True)
class NetVocabulary:
    labels: dict[str, tuple[str, str]]  # label key -> (field, language)
    words: dict[str, str]  # word key -> meaning: never, none or unlimited
    failure: re.Pattern[str]  # a line that says the command failed, in any language
    languages: tuple[str, ...]
    english: dict[str, str]  # field -> its English label, for messages


@functools.cache
def net_vocabulary() -> NetVocabulary:
    text = resources.files("checks.password_policy").joinpath("net_accounts.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)["languages"]
    labels: dict[str, tuple[str, str]] = {}
    words: dict[str, str] = {}
    failures: list[str] = []
    for language, spec in data.items():
        for field, spellings in spec["labels"].items():
            for spelling in spellings:
                labels[label_key(spelling)] = (field, language)
        for meaning, spellings in spec["words"].items():
            words.update((label_key(w), meaning) for w in spellings)
        failures += spec.get("failures", [])
    english = {field: spellings[0] for field, spellings in data["English"]["labels"].items()}
    return NetVocabulary(labels, words, re.compile("|".join(failures), re.I), tuple(data), english)
