"""Turning the configured sources into parsed policies: read each file, pick its parser."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from checks.password_policy import linux, windows
from checks.password_policy.evidence import read_evidence
from checks.password_policy.options import DeclaredSource, FileSource, PasswordPolicyOptions
from checks.password_policy.policy import NO_COMPOSITION, Authority, Composition, ParsedSource, Setting
from posture.api import Config, InputError, Problems

Parser = Callable[[str, ParsedSource], ParsedSource]
PARSERS: dict[str, Parser] = {
    "windows_net_accounts": windows.parse_net_accounts,
    "ad_password_policy": windows.parse_ad_policy,
    "linux_login_defs": linux.parse_login_defs,
    "pwquality_conf": linux.parse_pwquality,
    "faillock_conf": linux.parse_faillock,
}
DEFAULT_ACCOUNTS = ("computer_logon", "remote_access", "admin")
DECLARED_ACCOUNTS = ("computer_logon", "remote_access", "email", "admin")
DECLARED_COMPLEXITY = Composition(min_classes=3, describe="character-type rules (declared)")


def parse_file(kind: str, text: str, label: str, asset: str = "", accounts: tuple[str, ...] = DEFAULT_ACCOUNTS
               ) -> ParsedSource:
    """Parse one export's text (the entry point the tests and benchmarks use)."""
    source = ParsedSource(type=kind, asset=asset or label, label=label, accounts=accounts)
    return PARSERS[kind](text, source)


def load_sources(options: PasswordPolicyOptions, config: Config) -> list[ParsedSource]:
    """Every source parsed; the problems of all sources at once (ConfigError)."""
    parsed, problems = [], Problems()
    for index, option in enumerate(options.sources):
        with problems.gathered():
            if isinstance(option, DeclaredSource):
                parsed.append(declared_source(option))
                continue
            path = config.resolve(option.path)
            if not path.is_file():
                raise config.locate(("checks", "password_policy", "sources", index, "path"),
                                    f"evidence file not found: {path}")
            parsed.append(_file_source(option, path))
    problems.raise_any()
    return parsed


def _file_source(option: FileSource, path: Path) -> ParsedSource:
    kind = getattr(option, "type")  # noqa: B009 - every FileSource subclass declares its own literal
    label = path.name
    text = read_evidence(path, shown_as=str(path))
    accounts = tuple(option.accounts) if option.accounts is not None else DEFAULT_ACCOUNTS
    try:
        return parse_file(kind, text, label, option.asset, accounts)
    except InputError as exc:  # parsers name the file by its short label; the user needs the full path
        raise InputError(exc.message, path=path, line=exc.line, column=exc.column, key=exc.key) from None


def declared_source(option: DeclaredSource) -> ParsedSource:
    accounts = tuple(option.accounts) if option.accounts is not None else DECLARED_ACCOUNTS
    source = ParsedSource(type="declared", asset=option.asset, label="declared in the config", accounts=accounts)
    values = {
        "min_length": option.min_length,
        "max_length": option.max_length,
        "max_age_days": option.max_age_days,
        "lockout_threshold": option.lockout_threshold,
        "history": option.history,
        "composition": None if option.complexity is None else
        (DECLARED_COMPLEXITY if option.complexity else NO_COMPOSITION),
        "blocklist": None if option.blocklist is None else ("full" if option.blocklist else "none"),
    }
    shown = {"composition": ("complexity", option.complexity), "blocklist": ("blocklist", option.blocklist)}
    for name, value in values.items():
        if value is None:
            continue
        key, raw = shown.get(name, (name, value))
        text = f"{key}: {str(raw).lower() if isinstance(raw, bool) else raw}"
        source.set(name, Setting(value, "declared", f"{option.asset} (declared)", text, Authority.DECLARED))
    return source
