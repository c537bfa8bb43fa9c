"""Parsers for Linux password settings: /etc/login.defs, pwquality.conf and faillock.conf.

Each file sets only part of the policy: login.defs the expiry of new accounts and the hash method,
pwquality.conf length, character rules and the dictionary check (through pam_pwquality),
faillock.conf the lockout (through pam_faillock). A key the file leaves out keeps the tool's
documented default, recorded as such. Like the tools, a key given twice takes its last value.
Only InputError leaves this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from checks.password_policy.policy import (
    NO_COMPOSITION,
    Authority,
    Composition,
    ParsedSource,
    PatternLimits,
    Setting,
)
from posture.api import InputError

PAM_MAX_LENGTH = 512  # PAM's longest answer; crypt hashes take the whole password
NEVER_DAYS = 99999  # shadow's "never expires" sentinel
CLASS_OF_CREDIT = {"lcredit": "lower", "ucredit": "upper", "dcredit": "digit", "ocredit": "other"}
CLASS_NAMES = {"lower": "lower-case letter", "upper": "upper-case letter", "digit": "digit", "other": "symbol"}


@dataclass(frozen=True)
class Entry:
    key: str
    value: str
    line: int
    column: int
    text: str


_ASSIGN = re.compile(r"^\s*(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s*(?:=\s*|\s+)?(?P<value>.*?)\s*$")


def config_entries(text: str, label: str, *, with_equals: bool) -> dict[str, Entry]:
    """`key = value` (pwquality, faillock) or `KEY value` (login.defs) lines; last one wins."""
    entries: dict[str, Entry] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _ASSIGN.match(raw)
        if match is None:
            raise InputError(f"not a {'key = value' if with_equals else 'KEY value'} line: {stripped[:40]!r}",
                             path=label, line=number)
        key = match["key"] if not with_equals else match["key"].lower()
        entries[key] = Entry(key, match["value"], number, match.start("value") + 1, stripped)
    return entries


def _int(entry: Entry, label: str, low: int = -1_000_000, high: int = 1_000_000) -> int:
    value = entry.value
    if not re.fullmatch(r"[+-]?[0-9]{1,9}", value):
        raise InputError(f"expected a whole number, found {value[:40]!r}", path=label, line=entry.line,
                         column=entry.column, key=entry.key)
    number = int(value)
    if not low <= number <= high:
        raise InputError(f"{number} is out of range ({low} to {high})", path=label, line=entry.line,
                         column=entry.column, key=entry.key)
    return number


def _observed(source: ParsedSource, entry: Entry, value: object, note: str = "") -> Setting:
    return Setting(value, source.type, f"{source.label}:{entry.line}", entry.text, Authority.OBSERVED, note)


def _default(source: ParsedSource, key: str, value: object, shown: object, note: str = "") -> Setting:
    return Setting(value, source.type, source.label, f"{key} not set (default {shown})", Authority.DEFAULT, note)


def _inferred_max_length(source: ParsedSource) -> None:
    source.set("max_length", Setting(PAM_MAX_LENGTH, source.type, source.label,
                                     f"Linux PAM accepts passwords up to {PAM_MAX_LENGTH} characters",
                                     Authority.INFERRED))


# --- /etc/login.defs ---------------------------------------------------------------------------

def parse_login_defs(text: str, source: ParsedSource) -> ParsedSource:
    entries = config_entries(text, source.label, with_equals=False)
    max_days = entries.get("PASS_MAX_DAYS")
    if max_days is None:
        source.set("max_age_days", _default(source, "PASS_MAX_DAYS", 0, "-1, never"))
    else:
        days = _int(max_days, source.label, -1, 10_000_000)
        source.set("max_age_days", _observed(source, max_days, 0 if days < 0 or days >= NEVER_DAYS else days,
                                             "applies to accounts created after it was set; "
                                             "`chage -l USER` shows an existing account's"))
    min_days = entries.get("PASS_MIN_DAYS")
    if min_days is not None:
        source.set("min_age_days", _observed(source, min_days, max(0, _int(min_days, source.label, -1))))
    min_len = entries.get("PASS_MIN_LEN")
    if min_len is not None:
        source.set("min_length", Setting(
            max(0, _int(min_len, source.label, -1, 10_000)), source.type, f"{source.label}:{min_len.line}",
            min_len.text, Authority.SUPERSEDED,
            "not used where PAM handles password changes, as on every mainstream distribution: "
            "pam_pwquality's minlen decides"))
    method = entries.get("ENCRYPT_METHOD")
    if method is not None:
        if not re.fullmatch(r"[A-Za-z0-9_]{2,20}", method.value):
            raise InputError(f"expected a hash method name, found {method.value[:40]!r}", path=source.label,
                             line=method.line, column=method.column, key="ENCRYPT_METHOD")
        source.set("hash_method", _observed(source, method, method.value.upper()))
    _inferred_max_length(source)
    return source


# --- pwquality.conf ----------------------------------------------------------------------------

PWQUALITY_DEFAULTS = {"minlen": 8, "dcredit": 0, "ucredit": 0, "lcredit": 0, "ocredit": 0, "minclass": 0,
                      "maxrepeat": 0, "maxclassrepeat": 0, "maxsequence": 0, "dictcheck": 1, "enforcing": 1}
PWQUALITY_MIN_FLOOR = 6  # libpwquality raises a lower minlen to 6


def parse_pwquality(text: str, source: ParsedSource) -> ParsedSource:
    entries = config_entries(text, source.label, with_equals=True)
    values: dict[str, int] = {}
    for key, default in PWQUALITY_DEFAULTS.items():
        entry = entries.get(key)
        values[key] = default if entry is None else _int(entry, source.label, -1000, 1000)

    def setting(keys: tuple[str, ...], value: object, note: str = "") -> Setting:
        present = [entries[k] for k in keys if k in entries]
        if not present:
            shown = ", ".join(f"{k} = {PWQUALITY_DEFAULTS[k]}" for k in keys)
            return Setting(value, source.type, source.label, f"{'/'.join(keys)} not set (defaults: {shown})",
                           Authority.DEFAULT, note)
        where = f"{source.label}:" + ",".join(str(e.line) for e in present)
        return Setting(value, source.type, where, "; ".join(e.text for e in present), Authority.OBSERVED, note)

    if values["enforcing"] == 0:
        advisory = "enforcing = 0: pwquality only warns and accepts any password"
        source.set("min_length", setting(("enforcing",), 0, advisory))
        source.set("composition", setting(("enforcing",), NO_COMPOSITION, advisory))
        source.set("blocklist", setting(("enforcing",), "none", advisory))
        _inferred_max_length(source)
        return source
    credits = tuple((CLASS_OF_CREDIT[k], values[k]) for k in CLASS_OF_CREDIT if values[k] > 0)
    required = tuple((CLASS_OF_CREDIT[k], -values[k]) for k in CLASS_OF_CREDIT if values[k] < 0)
    minlen = max(values["minlen"], PWQUALITY_MIN_FLOOR)
    shortest = max(minlen - sum(n for _, n in credits), PWQUALITY_MIN_FLOOR if values["dictcheck"] else 1)
    credit_note = (f"with the length credits, a {shortest}-character password can pass" if credits else "")
    source.set("min_length", setting(("minlen", *(k for k in CLASS_OF_CREDIT if values[k] > 0)), shortest,
                                     credit_note))
    composition = Composition(min_classes=max(0, values["minclass"]), required=required, credits=credits,
                              credit_min_length=minlen if credits else 0, describe=_describe(values, required))
    source.set("composition", setting(("minclass", *CLASS_OF_CREDIT), composition))
    source.set("pattern_limits", setting(("maxrepeat", "maxclassrepeat", "maxsequence"), PatternLimits(
        max(0, values["maxrepeat"]), max(0, values["maxclassrepeat"]), max(0, values["maxsequence"]))))
    badwords = entries.get("badwords")
    words_note = "badwords adds the business's own words" if badwords and badwords.value else \
        "no badwords: the business's own words are not refused"
    source.set("blocklist", setting(("dictcheck",), "dictionary" if values["dictcheck"] else "none",
                                    words_note if values["dictcheck"] else ""))
    source.notes.append("pwquality.conf is only enforced where pam_pwquality is in the PAM password stack, and "
                        "files in /etc/security/pwquality.conf.d/ can override it")
    _inferred_max_length(source)
    return source


def _describe(values: dict[str, int], required: tuple[tuple[str, int], ...]) -> str:
    parts = []
    if values["minclass"] > 1:
        parts.append(f"at least {values['minclass']} of the 4 character types")
    parts += [f"at least {n} {CLASS_NAMES[c]}{'s' if n > 1 else ''}" for c, n in required]
    return "; ".join(parts) if parts else "no character-type rules"


# --- faillock.conf -----------------------------------------------------------------------------

def parse_faillock(text: str, source: ParsedSource) -> ParsedSource:
    entries = config_entries(text, source.label, with_equals=True)
    deny = entries.get("deny")
    if deny is None:
        source.set("lockout_threshold", _default(source, "deny", 3, 3))
    else:
        source.set("lockout_threshold", _observed(source, deny, max(0, _int(deny, source.label, 0))))
    unlock = entries.get("unlock_time")
    if unlock is None:
        source.set("lockout_duration_min", _default(source, "unlock_time", 10, "600 s"))
    elif unlock.value.lower() == "never":
        source.set("lockout_duration_min", _observed(source, unlock, None))
    else:
        seconds = _int(unlock, source.label, 0)
        source.set("lockout_duration_min", _observed(source, unlock, None if seconds == 0 else -(-seconds // 60)))
    interval = entries.get("fail_interval")
    if interval is None:
        source.set("lockout_window_min", _default(source, "fail_interval", 15, "900 s"))
    else:
        source.set("lockout_window_min", _observed(source, interval, -(-_int(interval, source.label, 0) // 60)))
    source.notes.append("faillock.conf is only enforced where pam_faillock is in the PAM auth stack "
                        "(`authselect enable-feature with-faillock` on Red Hat systems)")
    return source
