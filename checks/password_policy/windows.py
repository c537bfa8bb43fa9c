"""Parsers for Windows password policy exports.

`net accounts` (any Windows, in the display languages net_accounts.yaml lists):

    Minimum password length:                              7
    Maximum password age (days):                          42        ("Unlimited": never expires)
    Lockout threshold:                                    Never

`Get-ADDefaultDomainPasswordPolicy`, as its default list output (`Key : Value`) or piped through
`ConvertTo-Json`, where TimeSpans become objects with `Ticks`, `Days`, `TotalMinutes`...

Only InputError leaves this module, naming the file, line, column and key.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from typing import Any

from checks.password_policy.netlabels import label_key, net_vocabulary
from checks.password_policy.policy import NO_COMPOSITION, Authority, Composition, ParsedSource, Setting
from posture.api import InputError

TICKS_PER_MINUTE = 600_000_000
WINDOWS_MAX_LENGTH = 127  # longest password the Windows sign-in screen accepts

_KEY_VALUE = re.compile(r"^\s*(?P<key>[^:]*?[^:\s])\s*:(?P<gap>\s*)(?P<value>.*?)\s*$")
WINDOWS_COMPLEXITY = Composition(
    min_classes=3,
    describe="Windows complexity: three of upper case, lower case, digits and symbols, and not the account name",
)


@dataclass(frozen=True)
class Line:
    number: int
    key: str
    value: str
    column: int  # 1-based column where the value starts
    text: str


def key_value_lines(text: str) -> list[Line]:
    """`key: value` lines; lines without a colon (banners, wrapped values) are skipped."""
    out = []
    for number, raw in enumerate(text.splitlines(), start=1):
        match = _KEY_VALUE.match(raw)
        if match is None:
            continue
        out.append(Line(number, " ".join(match["key"].split()).lower(), match["value"],
                        match.start("value") + 1, raw.strip()))
    return out


def _inferred_windows_settings(source: ParsedSource) -> None:
    source.set("blocklist", Setting(
        "none", source.type, source.label, "no blocklist setting in Windows", Authority.INFERRED,
        note="Windows has no built-in list of breached or common passwords; if Microsoft Entra Password "
             "Protection or a password filter is deployed, add a declared source for this asset with "
             "blocklist: true"))
    source.set("max_length", Setting(
        WINDOWS_MAX_LENGTH, source.type, source.label, f"Windows sign-in accepts up to {WINDOWS_MAX_LENGTH} "
        "characters", Authority.INFERRED))


# --- net accounts ---------------------------------------------------------------------------------
# The labels and the words Windows prints instead of numbers are data (net_accounts.yaml), in every
# display language we know; each field accepts only the words that make sense for it.

_NET_WORDS: dict[str, dict[str, int | None]] = {
    "min_age_days": {"none": 0, "never": 0},
    "max_age_days": {"unlimited": 0, "never": 0},
    "min_length": {"none": 0},
    "history": {"none": 0},
    "lockout_threshold": {"never": 0},
    "lockout_duration_min": {"never": None},
    "lockout_window_min": {},
}
_NET_REQUIRED = ("min_length", "max_age_days", "lockout_threshold")


def _net_value(name: str, value: str) -> int | None:
    allowed = _NET_WORDS[name]
    meaning = net_vocabulary().words.get(label_key(value))
    if meaning is not None and meaning in allowed:
        return allowed[meaning]
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        words = " / ".join(w.capitalize() for w in allowed)
        raise ValueError(f"expected a number{' or ' + words if words else ''}")
    return int(value)


def parse_net_accounts(text: str, source: ParsedSource) -> ParsedSource:
    """Fill `source` from `net accounts` output; raise InputError for failures, bad values, missing lines."""
    vocab = net_vocabulary()
    for number, raw in enumerate(text.splitlines(), start=1):
        if vocab.failure.search(raw):
            raise InputError(f"this is an error from net accounts, not its output: {raw.strip()[:80]!r}",
                             path=source.label, line=number)
    seen: dict[str, int] = {}
    languages: dict[str, None] = {}
    lines = key_value_lines(text)
    for line in lines:
        known = vocab.labels.get(label_key(line.key))
        if known is None:
            continue
        name, language = known
        languages[language] = None
        if name in seen:
            raise InputError(f"appears twice (first on line {seen[name]})", path=source.label, line=line.number,
                             key=line.key)
        seen[name] = line.number
        try:
            value = _net_value(name, line.value)
        except ValueError as exc:
            raise InputError(f"{exc}, found {line.value[:40]!r}", path=source.label, line=line.number,
                             column=line.column, key=line.key) from None
        source.set(name, Setting(value, source.type, f"{source.label}:{line.number}", line.text))
    missing = [vocab.english[name] for name in _NET_REQUIRED if name not in seen]
    if missing and not seen and lines:
        found = ", ".join(repr(line.text.split(":", 1)[0].strip()[:40]) for line in lines[:3])
        raise InputError(f"no `net accounts` label recognised (first labels: {found}); posture reads its output "
                         f"in {', '.join(vocab.languages)}: add this language's labels to "
                         "checks/password_policy/net_accounts.yaml", path=source.label, line=lines[0].number)
    if missing:
        read_as = f" (labels read as {' and '.join(languages)})" if languages else ""
        raise InputError("not a complete `net accounts` output: no line for " + ", ".join(repr(m) for m in missing)
                         + read_as, path=source.label)
    source.notes.append("`net accounts` does not show whether complexity is required; add a declared source "
                        "for this asset with complexity: true or false to judge it")
    _inferred_windows_settings(source)
    return source


# --- Get-ADDefaultDomainPasswordPolicy ------------------------------------------------------------

_TIMESPAN = re.compile(r"^(?P<neg>-)?(?:(?P<days>\d{1,8})\.)?(?P<h>\d{1,2}):(?P<m>\d{2}):(?P<s>\d{2})(?:\.\d{1,7})?$")
_AD_FIELDS = {
    "minpasswordlength": "min_length",
    "maxpasswordage": "max_age_days",
    "minpasswordage": "min_age_days",
    "passwordhistorycount": "history",
    "lockoutthreshold": "lockout_threshold",
    "lockoutduration": "lockout_duration_min",
    "lockoutobservationwindow": "lockout_window_min",
    "complexityenabled": "composition",
    "reversibleencryptionenabled": "reversible_encryption",
}
_AD_REQUIRED = {"minpasswordlength": "MinPasswordLength", "maxpasswordage": "MaxPasswordAge",
                "lockoutthreshold": "LockoutThreshold", "complexityenabled": "ComplexityEnabled"}


def _timespan_minutes(value: Any) -> float:
    """A .NET TimeSpan as text ("42.00:00:00") or as ConvertTo-Json writes it ({"Ticks": ...})."""
    if isinstance(value, dict):
        lowered = {str(k).lower(): v for k, v in value.items()}
        ticks = lowered.get("ticks")
        if isinstance(ticks, int) and not isinstance(ticks, bool):
            return ticks / TICKS_PER_MINUTE
        total = lowered.get("totalminutes")
        if isinstance(total, int | float) and not isinstance(total, bool) and math.isfinite(total):
            return float(total)
        raise ValueError("a TimeSpan object needs Ticks or TotalMinutes")
    if isinstance(value, str):
        match = _TIMESPAN.match(value.strip())
        if match is None:
            raise ValueError("expected a TimeSpan like 42.00:00:00")
        minutes = int(match["days"] or 0) * 1440 + int(match["h"]) * 60 + int(match["m"]) + int(match["s"]) / 60
        return -minutes if match["neg"] else minutes
    raise ValueError("expected a TimeSpan like 42.00:00:00")


def _ad_count(value: Any) -> int:
    if isinstance(value, bool):
        raise ValueError("expected a whole number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit() and len(value.strip()) < 10:
        number = int(value.strip())
    else:
        raise ValueError("expected a whole number")
    if not 0 <= number < 1_000_000:
        raise ValueError("out of range")
    return number


def _ad_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    raise ValueError("expected True or False")


def _ad_value(name: str, raw: Any) -> Any:
    if name in {"min_length", "history", "lockout_threshold"}:
        return _ad_count(raw)
    if name in {"composition", "reversible_encryption"}:
        flag = _ad_bool(raw)
        if name == "composition":
            return WINDOWS_COMPLEXITY if flag else NO_COMPOSITION
        return flag
    minutes = _timespan_minutes(raw)
    if minutes < 0:
        raise ValueError("a negative duration")
    if name in {"max_age_days", "min_age_days"}:
        return round(minutes / 1440)
    if name == "lockout_duration_min" and minutes == 0:
        return None  # locked until an administrator unlocks
    return round(minutes)


def parse_ad_policy(text: str, source: ParsedSource) -> ParsedSource:
    """Fill `source` from Get-ADDefaultDomainPasswordPolicy output, list or JSON."""
    stripped = text.lstrip()
    entries = _ad_json(text, source.label) if stripped[:1] in ("{", "[") else _ad_text(text)
    seen: set[str] = set()
    for key, original, raw, line, column, shown in entries:
        name = _AD_FIELDS.get(key)
        if name is None:
            continue
        if key in seen:
            raise InputError("appears twice", path=source.label, line=line, key=original)
        seen.add(key)
        try:
            value = _ad_value(name, raw)
        except (ValueError, OverflowError) as exc:
            raise InputError(f"{exc}, found {_shown(raw)[:40]!r}", path=source.label, line=line, column=column,
                             key=original) from None
        where = f"{source.label}:{line}" if line else source.label
        source.set(name, Setting(value, source.type, where, shown))
    missing = [label for key, label in _AD_REQUIRED.items() if key not in seen]
    if missing:
        raise InputError("not Get-ADDefaultDomainPasswordPolicy output: no " + ", ".join(missing),
                         path=source.label)
    _inferred_windows_settings(source)
    return source


# lookup key (lower case, no spaces), key as written, value, line, column, evidence text
Entry = tuple[str, str, Any, int | None, int | None, str]


def _ad_text(text: str) -> list[Entry]:
    return [(line.key.replace(" ", ""), line.text.split(":", 1)[0].strip(), line.value, line.number, line.column,
             line.text) for line in key_value_lines(text)]


def _ad_json(text: str, label: str) -> list[Entry]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"invalid JSON: {exc.msg}", path=label, line=exc.lineno, column=exc.colno) from None
    except (ValueError, RecursionError):
        raise InputError("invalid JSON: nested too deeply or a number too long", path=label) from None
    if isinstance(data, list):
        if len(data) != 1:
            raise InputError(f"expected one policy object, found a list of {len(data)}", path=label)
        data = data[0]
    if not isinstance(data, dict):
        raise InputError("expected a JSON object with ComplexityEnabled, MinPasswordLength, ...", path=label)
    lines = text.splitlines()
    entries: list[Entry] = []
    for key, value in data.items():
        line = _json_key_line(lines, str(key))
        shown = f"{key}: {_shown(value)}"
        entries.append((str(key).lower(), str(key), value, line, None, shown))
    return entries


def _json_key_line(lines: list[str], key: str) -> int | None:
    needle = re.compile(re.escape(json.dumps(key)) + r"\s*:")
    for number, line in enumerate(lines, start=1):
        if needle.search(line):
            return number
    return None


def _shown(value: Any) -> str:
    """A short evidence form of a JSON value: TimeSpan objects as d.hh:mm:ss."""
    if isinstance(value, dict):
        try:
            minutes = _timespan_minutes(value)
            days, rest = divmod(int(round(minutes)), 1440)
        except (ValueError, OverflowError):
            return "{...}"
        return f"{days}.{rest // 60:02d}:{rest % 60:02d}:00"
    if isinstance(value, list):
        return "[...]"
    return json.dumps(value)[:60]
