"""The config file: its typed model, its loader, and its JSON Schema.

The loader reports every problem at once, each as `FILE:LINE:COL: key.path: what is wrong`.
Each check validates its own `checks.<id>` section with the `Options` model it declares, so a
plugin's settings are checked exactly like the built-ins'.
"""

from __future__ import annotations

import difflib
import hashlib
import ipaddress
import logging
import os
import re
import types
import typing
from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal, Protocol

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    RootModel,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
    field_validator,
)

from posture import redact
from posture.errors import ConfigError, InputError
from posture.yamlsrc import KeyPath, Located, dotted, load_yaml


class CheckSource(Protocol):
    """What the loader needs to know about the installed checks (posture.registry.Registry is one).

    A protocol, so the config depends on neither the registry nor the Check class.
    """

    @property
    def broken(self) -> Mapping[str, str]: ...  # check id -> why it could not be loaded

    def ids(self) -> list[str]: ...

    def options_model(self, check_id: str) -> type[BaseModel] | None: ...  # None: not installed or broken

    def always_running(self) -> list[str]: ...  # checks that run even without a config section

    def describe(self, check_id: str) -> str: ...

CONFIG_VERSION = 1

CustomerData = Literal[
    "payment_cards", "health_records", "ssn", "bank_accounts", "drivers_licenses",
    "account_credentials", "contact_details", "dates_of_birth", "tax_records", "eu_personal_data",
]
US_STATES = frozenset(
    "AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND "
    "OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR VI GU".split()
)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class Contacts(Strict):
    incident_lead: str = ""
    it_provider: str = ""
    attorney: str = ""
    cyber_insurer: str = ""
    law_enforcement: str = ""


# The regulated kinds of organization the notification rules name (posture/data/notifications.yaml).
Sector = Literal[
    "hipaa_covered_entity", "hipaa_business_associate", "health_app", "tax_preparer", "mortgage_broker",
    "auto_dealer", "title_escrow", "non_bank_financial", "nydfs_licensee", "sec_adviser", "broker_dealer",
    "card_merchant",
]
_SECTOR_ENUM = {"enum": list(typing.get_args(Sector))}
# One sector or a list of them; the loader makes it a list.
Sectors = Annotated[list[Sector], WithJsonSchema({
    "anyOf": [_SECTOR_ENUM, {"type": "array", "items": _SECTOR_ENUM}],
    "description": "regulated kinds the notification rules name (one or a list)"})]
# Where people live. A bare two-letter code is a US state (as people type them: TX, CA); `US-CA` says the
# same unambiguously. Canada, the UK, the EU and Australia have their own codes, so `CA` is never Canada.
FOREIGN_REGIONS = {"EU": "EU", "UK": "UK", "GB": "UK", "CANADA": "CAN", "CAN": "CAN", "AU": "AU", "AUSTRALIA": "AU"}


def region_code(written: str) -> str | None:
    """The canonical code of a residents key (TX, US-TX -> TX; Canada -> CAN; GB -> UK), None if unknown."""
    key = written.strip().upper()
    state = key.removeprefix("US-")
    if state in US_STATES:
        return state
    return FOREIGN_REGIONS.get(key)


class Organization(Strict):
    name: str = Field(min_length=1)
    industry: str = ""
    sector: Sectors = []
    customer_data: list[CustomerData] = []
    residents: dict[str, int] = Field(
        default_factory=dict,
        description="people whose data is held, by US state (TX or US-TX), Canada, UK, EU or AU")
    context_words: list[str] = []
    contacts: Contacts = Contacts()

    @field_validator("sector", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @field_validator("residents")
    @classmethod
    def _known_regions(cls, value: dict[str, int]) -> dict[str, int]:
        out: dict[str, int] = {}
        for region, count in value.items():
            code = region_code(region)
            if code is None:
                raise ValueError(f"{region!r} is not a US state code (TX or US-TX), Canada, UK, EU or AU")
            if count < 0:
                raise ValueError(f"{region}: a count cannot be negative")
            if code in out:
                raise ValueError(f"{region}: the same place is listed twice")
            out[code] = count
        return out


IncidentKind = Literal["virus", "ransomware", "ddos", "data_theft", "hardware_failure", "unknown"]


class Incident(Strict):
    discovered: date
    kind: IncidentKind = "unknown"
    compromised_assets: list[str] = []
    personal_data_exposed: Literal["yes", "no", "unknown"] = "unknown"
    first_compromise: date | None = Field(default=None, description="earliest known attacker activity")
    # The events notification clocks start from besides discovery (posture/notify.py).
    determined: date | None = Field(default=None, description="date the breach was confirmed (determination)")
    investigation_ended: date | None = Field(default=None, description="date the investigation concluded")
    residents_notified: date | None = Field(default=None, description="date the affected people were notified")

    @field_validator("discovered")
    @classmethod
    def _discovered_plausible(cls, value: date) -> date:
        return plausible_past_date(value)

    @field_validator("determined", "investigation_ended", "residents_notified")
    @classmethod
    def _clock_dates_plausible(cls, value: date | None) -> date | None:
        # Notification deadlines are counted from these: 9999-12-31 would overflow, 0001-01-01 is a typo.
        # A planned date (the notice going out next week) is fine.
        if value is not None and not EARLIEST_DATE <= value <= date.today() + timedelta(days=366):
            raise ValueError(f"{value} is not a plausible date (from {EARLIEST_DATE} to a year from today)")
        return value

    @field_validator("first_compromise")
    @classmethod
    def _compromise_before_discovery(cls, value: date | None, info: ValidationInfo) -> date | None:
        if value is None:
            return None
        plausible_past_date(value)
        discovered = info.data.get("discovered")
        if isinstance(discovered, date) and value > discovered:
            # It decides which snapshot the plan calls clean: a later date would pick one made after the attack.
            raise ValueError(f"{value} is after incident.discovered ({discovered}); the compromise cannot "
                             "start after it was discovered")
        return value


EARLIEST_DATE = date(1970, 1, 1)


def plausible_past_date(value: date) -> date:
    """A date that has happened, and not so long ago that it can only be a typo (0001-01-01)."""
    # A day's grace: the consultant's clock may be a time zone ahead of the machine's.
    if value > date.today() + timedelta(days=1):
        raise ValueError(f"{value} is in the future; write the date it happened")
    if value < EARLIEST_DATE:
        raise ValueError(f"{value} is before {EARLIEST_DATE}; is the year mistyped?")
    return value


class Target(Strict):
    address: str = Field(min_length=1, description="IP address, CIDR range or hostname")
    name: str = ""
    exposure: Literal["internal", "internet"] = "internal"
    expected_ports: list[int] = []

    @field_validator("address")
    @classmethod
    def _plain_address(cls, value: str) -> str:
        # Addresses reach nmap's command line: only address characters, never options or shell syntax.
        # A leading ':' is IPv6 ("::1"); a leading '-' (an nmap option) never passes.
        if not re.fullmatch(r"[A-Za-z0-9:][A-Za-z0-9.:\-/]*", value):
            raise ValueError("must be an IP address, CIDR range or hostname")
        return value

    @field_validator("expected_ports")
    @classmethod
    def _port_range(cls, value: list[int]) -> list[int]:
        for port in value:
            if not 0 < port < 65536:
                raise ValueError(f"{port} is not a port number (1-65535)")
        return value

    @property
    def label(self) -> str:
        return f"{self.name} ({self.address})" if self.name else self.address


class Scope(Strict):
    authorization: str = ""
    targets: list[Target] = []
    exclude: list[str] = []

    @field_validator("exclude")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for item in value:
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                # Only the characters of addresses, networks and names here; the ports check's scope
                # parser decides what each spelling means (and refuses the ambiguous ones, located).
                if not re.fullmatch(r"[A-Za-z0-9:][A-Za-z0-9.:\-/]*", item):
                    raise ValueError(f"{item!r} is not an address, network or hostname") from None
        return value


class ReportSettings(Strict):
    out_dir: str = "reports"
    formats: list[str] = Field(default=["markdown", "json", "html"],
                               description="report formats: markdown, json, html, or any installed writer's")
    audience: Literal["consultant", "staff"] = "consultant"
    # The staff edition names each action's owner only when the consultant allows it.
    staff_owners: bool = False

    @field_validator("formats")
    @classmethod
    def _installed(cls, value: list[str]) -> list[str]:
        from posture.writers import formats  # a writer is a plugin: the installed ones, by entry point

        known = formats()
        unknown = [f for f in value if f not in known]
        if unknown:
            raise ValueError(f"unknown report format {unknown[0]!r}; installed: {', '.join(known)}")
        return value


class Alerts(Strict):
    webhook: str = Field(pattern=r"^https?://")
    on: list[Literal["new_high", "new_critical", "check_error", "any_change"]] = ["new_high", "check_error"]
    timeout_s: float = Field(default=10.0, gt=0, le=120)


class Config(Strict):
    version: Literal[1]
    organization: Organization
    incident: Incident | None = None
    scope: Scope = Scope()
    checks: dict[str, Any] = Field(default_factory=dict, description="one section per check, by check id")
    report: ReportSettings = ReportSettings()
    alerts: Alerts | None = None
    # A shared history (PostgreSQL) holds many clients: this names the client; default: organization.name.
    client: str = Field(default="", max_length=200, description="client id in a shared history (default: the "
                        "organization's name)")
    scan_every_days: int = Field(default=7, ge=1, le=366, description="how often this client is scanned; "
                                 "`posture fleet` flags it when the last run is older")

    _path: Path = PrivateAttr(default=Path("posture.yaml"))
    _options: dict[str, BaseModel] = PrivateAttr(default_factory=dict)
    _located: Located | None = PrivateAttr(default=None)
    _warned: set[str] = PrivateAttr(default_factory=set)

    @property
    def path(self) -> Path:
        return self._path

    @property
    def base_dir(self) -> Path:
        return self._path.parent

    @property
    def identity(self) -> str:
        """Stable id of this config across runs: its resolved path and organization name."""
        raw = f"{self._path.resolve()}\0{self.organization.name}"
        return hashlib.sha256(raw.encode()).hexdigest()[:16]

    @property
    def client_id(self) -> str:
        return self.client or self.organization.name

    @property
    def mode(self) -> str:
        return "incident" if self.incident else "readiness"

    def options(self, check_id: str) -> BaseModel | None:
        """The validated options of an enabled check, None when the check is not enabled."""
        return self._options.get(check_id)

    @property
    def enabled_checks(self) -> list[str]:
        return list(self._options)

    def resolve(self, relative: str | Path) -> Path:
        """A path from the config, resolved against the config file's folder.

        Every file a check reads comes through here, so this is where two hostile-input rules live:
        a path that leads (as written, through "..", or through a symlink) to where credentials or
        devices live is refused, and a relative path whose file really lies outside the config's
        folder is read with a warning. See `_refuse_secret_places`.
        """
        if _CONTROL_IN_PATH.search(str(relative)):  # a tab or newline in a path is a typo, NUL a crash
            raise self._locate_value(str(relative), "a path cannot contain control characters (tab, newline, NUL...)")
        path = Path(relative).expanduser()
        resolved = path if path.is_absolute() else self.base_dir / path
        self._check_place(str(relative), path.is_absolute(), resolved)
        return resolved

    def _check_place(self, written: str, absolute: bool, resolved: Path) -> None:
        real = Path(os.path.realpath(resolved))
        if _is_secret_place(real):
            raise self._locate_value(written, f"refusing to use {written}: it leads to {real}, where a system keeps "
                                              "passwords, keys or devices; point the config at an evidence file")
        if real.exists() and not (real.is_file() or real.is_dir()):
            # Opening a named pipe blocks until someone writes to it: the run would hang, not fail.
            raise self._locate_value(written, f"refusing to use {written}: it is a pipe, socket or device, not a file")
        if absolute or written in self._warned or not real.is_file():
            return
        base = Path(os.path.realpath(self.base_dir))
        if not real.is_relative_to(base):
            self._warned.add(written)
            logging.getLogger("posture.config").warning(
                "%s: %s is read from %s, outside the config's folder (through '..' or a symlink)",
                self._path, written, real)

    def _locate_value(self, value: str, message: str) -> InputError:
        """An error at the config key holding `value` (the first one), or at the file when none does."""
        if self._located is not None:
            for key_path in _keys_holding(self._located.data, value, ()):
                return self._located.error(key_path, message)
        return InputError(message, path=self._path)

    def locate_evidence(self, check_id: str, problem: InputError) -> InputError:
        """A problem in an evidence file, located at the config key that names the file (the check's
        section when no key does); the message keeps the evidence file and its line."""
        if self._located is None or problem.path is None or _same_file(problem.path, self._path):
            return problem
        checks = self._located.data.get("checks") if isinstance(self._located.data, dict) else None
        section = checks.get(check_id) if isinstance(checks, dict) else None
        for key_path, value in _strings(section, ("checks", check_id)):
            if _same_file(problem.path, self.base_dir / Path(value).expanduser()):
                return self._located.error(key_path, str(problem))
        return self._located.error(("checks", check_id), str(problem))

    def locate(self, key_path: KeyPath, message: str) -> InputError:
        """A located error about a key of this config (for checks that find a problem later)."""
        if self._located is None:
            return InputError(message, path=self._path, key=dotted(key_path))
        return self._located.error(key_path, message)


# Where no evidence file can be: credential stores and device/kernel files. Refusing them means a
# config, or an evidence folder holding a symlink, can never make posture read (and so perhaps quote
# in an error or a report) a password hash or a key, nor hang reading /dev/zero or a terminal.
SECRET_FILES = frozenset({
    "/etc/shadow", "/etc/shadow-", "/etc/gshadow", "/etc/gshadow-", "/etc/master.passwd", "/etc/sudoers",
    "/etc/security/opasswd",
})
SECRET_FOLDERS = ("/etc/sudoers.d", "/etc/ssl/private", "/proc", "/sys", "/dev")
SECRET_FOLDER_NAMES = frozenset({".ssh", ".gnupg", ".aws", ".password-store"})
SECRET_FILE_NAMES = frozenset({"id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".netrc", ".git-credentials", ".pgpass"})
_SSH_HOST_KEY = re.compile(r"ssh_host_\w+_key")
_CONTROL_IN_PATH = re.compile("[\x00-\x1f\x7f]")


def _is_secret_place(real: Path) -> bool:
    text = str(real)
    return (
        text in SECRET_FILES
        or any(text == folder or text.startswith(folder + "/") for folder in SECRET_FOLDERS)
        or bool(SECRET_FOLDER_NAMES.intersection(real.parts[:-1]))
        or real.name in SECRET_FILE_NAMES
        or real.name in SECRET_FOLDER_NAMES
        or bool(_SSH_HOST_KEY.fullmatch(real.name))
    )


def _same_file(a: str | Path, b: str | Path) -> bool:
    try:
        return os.path.realpath(a) == os.path.realpath(b)
    except (OSError, ValueError):
        return False


def _strings(data: Any, key_path: KeyPath) -> typing.Iterator[tuple[KeyPath, str]]:
    if isinstance(data, dict):
        for key, item in data.items():
            yield from _strings(item, (*key_path, key))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from _strings(item, (*key_path, index))
    elif isinstance(data, str) and data.strip() and "\0" not in data:
        yield key_path, data.strip()


def _keys_holding(data: Any, value: str, key_path: KeyPath) -> typing.Iterator[KeyPath]:
    if isinstance(data, dict):
        for key, item in data.items():
            yield from _keys_holding(item, value, (*key_path, key))
    elif isinstance(data, list):
        for index, item in enumerate(data):
            yield from _keys_holding(item, value, (*key_path, index))
    elif isinstance(data, str) and data.strip() == value:
        yield key_path


def load_config(path: str | Path, registry: CheckSource) -> Config:
    """Read, validate and type a config file; raise ConfigError listing every problem."""
    path = Path(path)
    located = load_yaml(path)
    return config_from_located(located, registry)


def config_from_located(located: Located, registry: CheckSource) -> Config:
    config, problems = config_and_problems(located, registry)
    if problems or config is None:
        raise ConfigError(problems)
    return config


def config_and_problems(located: Located, registry: CheckSource) -> tuple[Config | None, list[InputError]]:
    """Every problem of the config itself, and the most of it that is usable despite them.

    With problems, the config returned is the file less its bad keys (None when even that is not a
    config): `posture validate` goes on to read the evidence of the checks whose sections are sound,
    so one run shows the problems of every layer.
    """
    data = located.data
    redact.remember_locations(data)  # a repository's password is masked wherever it shows up later
    if not isinstance(data, dict):
        return None, [located.error((), "the config must be a mapping of keys (version, organization, ...)")]
    problems: list[InputError] = []
    if "version" in data and data["version"] != CONFIG_VERSION:
        problems.append(located.error(("version",), f"unsupported config version {data['version']!r}; "
                                      f"this posture reads version {CONFIG_VERSION}"))
        return None, problems
    config: Config | None = None
    try:
        config = Config.model_validate(data)
    except ValidationError as exc:
        problems += _located_problems(exc, located, Config, ())
        config = _usable_part(data)
    options: dict[str, BaseModel] = {}
    raw_checks = data.get("checks")
    sections: dict[Any, Any] = raw_checks if isinstance(raw_checks, dict) else {}
    for check_id, section in sections.items():
        key_path: KeyPath = ("checks", check_id)
        model = registry.options_model(str(check_id))
        if model is None:
            broken = registry.broken.get(str(check_id))
            hint = _did_you_mean(str(check_id), registry.ids())
            problems.append(located.error(key_path, f"the {check_id!r} check is installed but failed to load: {broken}"
                                          if broken else f"no check named {check_id!r} is installed{hint}"))
            continue
        if section is False:
            continue  # explicitly disabled
        if section is None or section is True:
            section = {}
        try:
            options[check_id] = model.model_validate(section)
        except ValidationError as exc:
            problems += _located_problems(exc, located, model, key_path)
    for check_id in registry.always_running():
        model = registry.options_model(check_id)
        if model is not None and check_id not in sections:
            options[check_id] = model()
    problems.sort(key=lambda p: (p.line or 0, p.column or 0))
    if config is not None:
        config._path = located.path
        config._options = options
        config._located = located
    return config, problems


def _usable_part(data: dict[str, Any]) -> Config | None:
    """The config less every key pydantic refuses (a refused required key gets a stand-in)."""
    import copy

    data = copy.deepcopy(data)
    data["checks"] = {}  # each check's section is validated on its own
    data["version"] = CONFIG_VERSION
    for _ in range(10):
        try:
            return Config.model_validate(data)
        except ValidationError as exc:
            changed = False
            for err in exc.errors(include_url=False):
                loc = _data_loc(data, err["loc"])
                if err["type"] == "missing" or loc in (("organization",), ("organization", "name")):
                    changed |= _stand_in(data, loc)
                else:
                    changed |= _remove(data, loc)
            if not changed:
                return None
    return None


def _stand_in(data: dict[str, Any], loc: tuple[Any, ...]) -> bool:
    if loc and loc[0] == "organization":
        organization = data.get("organization")
        data["organization"] = {**(organization if isinstance(organization, dict) else {}), "name": "?"}
        return True
    return _remove(data, loc[:-1]) if len(loc) > 1 else False


def _remove(data: Any, loc: tuple[Any, ...]) -> bool:
    for part in loc[:-1]:
        try:
            data = data[part]
        except (KeyError, IndexError, TypeError):
            return False
    if not loc:
        return False
    if isinstance(data, dict) and loc[-1] in data:
        del data[loc[-1]]
        return True
    if isinstance(data, list) and isinstance(loc[-1], int) and 0 <= loc[-1] < len(data):
        del data[loc[-1]]
        return True
    return False


def _located_problems(
    exc: ValidationError, located: Located, model: type[BaseModel], prefix: KeyPath
) -> list[InputError]:
    problems = []
    root = located.data
    for part in prefix:
        if isinstance(root, dict):
            root = root.get(part)
        else:
            root = root[part] if isinstance(root, list) and isinstance(part, int) else None
    for err in exc.errors(include_url=False):
        loc = _data_loc(root, err["loc"])
        key_path = (*prefix, *loc)
        if err["type"] == "extra_forbidden" and loc:
            known = _fields_at(model, loc[:-1])
            message = f"unknown key{_did_you_mean(str(loc[-1]), known)}"
        elif err["type"] == "missing":
            message = "required key is missing"
        elif err["type"].startswith(("date_", "datetime_")):
            kind = "date and time (2026-11-20T09:30:00Z)" if err["type"].startswith("datetime") else "date (2026-11-20)"
            message = f"expected a {kind}, got {str(err.get('input'))[:40]!r}"
        else:
            message = err["msg"].removeprefix("Value error, ")
        problems.append(located.error(key_path, message))
    return problems


def _data_loc(data: Any, loc: tuple[Any, ...]) -> tuple[Any, ...]:
    """pydantic's error location, less the union tags it inserts ("Target", a discriminator value).

    Walk the real data: a part that is not in it is a tag, unless it is the last (a missing or extra key).
    """
    out: list[Any] = []
    for i, part in enumerate(loc):
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        elif i < len(loc) - 1:
            continue
        out.append(part)
    return tuple(out)


def _did_you_mean(word: str, choices: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _fields_at(model: Any, loc: tuple[Any, ...]) -> list[str]:
    """The field names of the model(s) found by walking `loc` down from `model`; a union (a backup job of
    any type) gives the names of all its members."""
    found: list[str] = []
    for current in _members(model):
        if not loc:
            if isinstance(current, type) and issubclass(current, BaseModel):
                found += [name for name in current.model_fields if name not in found]
            continue
        part, rest = loc[0], loc[1:]
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is not None:
                found += [name for name in _fields_at(field.annotation, rest) if name not in found]
        elif typing.get_origin(current) in (list, dict):
            found += [name for name in _fields_at(typing.get_args(current)[-1], rest) if name not in found]
    return found


def _members(annotation: Any) -> list[Any]:
    """Optional[X] → [X]; A | B → [A, B]; Annotated[X, ...] → X; a RootModel → what its root holds."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _members(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [m for a in typing.get_args(annotation) if a is not type(None) for m in _members(a)]
    if isinstance(annotation, type) and issubclass(annotation, RootModel):
        return _members(annotation.model_fields["root"].annotation)
    return [annotation]


def config_json_schema(registry: CheckSource) -> dict[str, Any]:
    schema = Config.model_json_schema()
    defs = schema.setdefault("$defs", {})
    checks_props = {}
    for check_id in registry.ids():
        model = registry.options_model(check_id)
        if model is None:
            continue  # broken: `posture checks` says why
        # Each check's models become top-level $defs, prefixed so two plugins' "Options" never collide.
        sub = _prefix_refs(model.model_json_schema(), f"{check_id}__")
        defs.update(sub.pop("$defs", {}))
        sub["description"] = registry.describe(check_id)
        checks_props[check_id] = {"anyOf": [sub, {"type": "null"}, {"const": False}]}
    schema["properties"]["checks"] = {
        "type": "object",
        "description": "one section per check; a present section enables the check, false disables it",
        "properties": checks_props,
        "additionalProperties": False,
    }
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "posture config"
    return schema


def _prefix_refs(node: Any, prefix: str) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str) and value.startswith("#/$defs/"):
                out[key] = "#/$defs/" + prefix + value.removeprefix("#/$defs/")
            elif key == "$defs" and isinstance(value, dict):
                out[key] = {prefix + name: _prefix_refs(d, prefix) for name, d in value.items()}
            else:
                out[key] = _prefix_refs(value, prefix)
        return out
    if isinstance(node, list):
        return [_prefix_refs(item, prefix) for item in node]
    return node
