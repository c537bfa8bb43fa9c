"""A password policy as parsed evidence: every setting keeps where it came from.

Each source (a `net accounts` export, a pwquality.conf, a declared block...) yields only the settings
it really shows. Sources naming the same asset merge into one `Policy`: for each setting the most
authoritative value wins (observed beats a tool's default beats declared beats inferred), so
/etc/login.defs and pwquality.conf together describe one Linux server, and a setting no source shows
stays unknown rather than being guessed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Literal

AccountClass = Literal["computer_logon", "remote_access", "email", "admin"]
ACCOUNT_CLASS_NAMES: dict[str, str] = {
    "computer_logon": "signing in to computers",
    "remote_access": "remote access",
    "email": "email",
    "admin": "administrator accounts",
}

Platform = Literal["windows", "linux", "declared"]
PLATFORMS: dict[str, Platform] = {
    "windows_net_accounts": "windows",
    "ad_password_policy": "windows",
    "linux_login_defs": "linux",
    "pwquality_conf": "linux",
    "faillock_conf": "linux",
    "declared": "declared",
}

# Blocklist strength: none, a dictionary of words (cracklib), or a list of breached and context words.
Blocklist = Literal["none", "dictionary", "full"]
CHARACTER_CLASSES = ("lower", "upper", "digit", "other")


class Authority(enum.IntEnum):
    """How much a value can be trusted, highest wins when sources disagree."""

    INFERRED = 0  # what the platform does when nothing says otherwise
    SUPERSEDED = 1  # shown, but overridden by another mechanism (PASS_MIN_LEN under PAM)
    DECLARED = 2  # written in the config by the consultant
    DEFAULT = 3  # the file is there and leaves the tool's built-in default in force
    OBSERVED = 4  # read from the export


@dataclass(frozen=True)
class Composition:
    """Character-type rules. `min_classes` of the four types; `required` minimum counts per type;
    `credits` pwquality's length credit per type (positive dcredit...)."""

    min_classes: int = 0
    required: tuple[tuple[str, int], ...] = ()
    credits: tuple[tuple[str, int], ...] = ()
    credit_min_length: int = 0  # pwquality's minlen, which length plus credits must reach
    describe: str = "no character-type rules"

    @property
    def imposes_types(self) -> bool:
        return self.min_classes > 1 or any(n > 0 for _, n in self.required)


NO_COMPOSITION = Composition()


@dataclass(frozen=True)
class PatternLimits:
    """pwquality's limits on repeats and sequences (0 = off)."""

    max_repeat: int = 0
    max_class_repeat: int = 0
    max_sequence: int = 0

    @property
    def describe(self) -> str:
        parts = [f"{label} {n}" for label, n in (("maxrepeat", self.max_repeat),
                                                  ("maxclassrepeat", self.max_class_repeat),
                                                  ("maxsequence", self.max_sequence)) if n]
        return ", ".join(parts) or "no repeat or sequence limits"


@dataclass(frozen=True)
class Setting:
    """One value and its provenance: `where` is "file:line" or "declared in the config"."""

    value: Any
    source_type: str
    where: str
    text: str
    authority: Authority = Authority.OBSERVED
    note: str = ""

    @property
    def platform(self) -> Platform:
        return PLATFORMS.get(self.source_type, "declared")

    def evidence(self) -> str:
        line = f"{self.where}: {self.text}"
        return f"{line} ({self.note})" if self.note else line


# The settings a source may report, and what each value means.
SETTING_NAMES = (
    "min_length",  # int: characters required (0 = blank passwords allowed)
    "max_length",  # int: longest password accepted
    "composition",  # Composition
    "pattern_limits",  # PatternLimits
    "max_age_days",  # int: forced change after this many days; 0 = never
    "min_age_days",  # int
    "history",  # int: previous passwords remembered
    "lockout_threshold",  # int: failed attempts before lockout; 0 = never locks
    "lockout_duration_min",  # int | None (None = until an admin unlocks)
    "lockout_window_min",  # int
    "blocklist",  # Blocklist
    "reversible_encryption",  # bool (AD: passwords stored so they can be decrypted)
    "hash_method",  # str (login.defs ENCRYPT_METHOD)
)


@dataclass
class ParsedSource:
    """What one source showed. `label` names it in findings (file name or "declared")."""

    type: str
    asset: str
    label: str
    accounts: tuple[str, ...]
    settings: dict[str, Setting] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def set(self, name: str, setting: Setting) -> None:
        assert name in SETTING_NAMES, name
        self.settings[name] = setting


@dataclass
class Policy:
    """The merged policy of one asset."""

    asset: str
    sources: list[ParsedSource]
    settings: dict[str, Setting]

    @property
    def accounts(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for source in self.sources:
            seen.update(dict.fromkeys(source.accounts))
        return tuple(seen)

    @property
    def labels(self) -> str:
        return ", ".join(s.label for s in self.sources)

    @property
    def notes(self) -> list[str]:
        return [n for s in self.sources for n in s.notes]

    def get(self, name: str) -> Setting | None:
        return self.settings.get(name)

    def value(self, name: str, default: Any = None) -> Any:
        setting = self.settings.get(name)
        return default if setting is None else setting.value


def merge_by_asset(sources: list[ParsedSource]) -> list[Policy]:
    """One Policy per asset, in the order assets first appear."""
    by_asset: dict[str, list[ParsedSource]] = {}
    for source in sources:
        by_asset.setdefault(source.asset, []).append(source)
    policies = []
    for asset, group in by_asset.items():
        merged: dict[str, Setting] = {}
        for source in group:
            for name, setting in source.settings.items():
                current = merged.get(name)
                if current is None or setting.authority > current.authority:
                    merged[name] = setting
        policies.append(Policy(asset=asset, sources=group, settings=merged))
    return policies
