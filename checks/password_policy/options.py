"""The `checks.password_policy` config section.

    password_policy:
      sources:
        - {type: windows_net_accounts, path: evidence/net-accounts.txt, asset: LSD domain}
        - {type: declared, asset: Microsoft 365 tenant, min_length: 12, max_age_days: 0, blocklist: true}
      mfa: {remote_access: true, email: true, admin: false}
      candidate_passwords_file: evidence/found-passwords.txt   # optional, see below
      breach_check: {mode: online}                            # online | offline | off

The candidate file holds passwords the consultant found on site (defaults, shared accounts), one per
line: either the password alone (reported as "line N") or `label<TAB>password` (reported by label,
e.g. an account name). Blank lines and lines starting with `#` are skipped; everything else on a line,
spaces included, is the password. The file is read into memory only; reports show the label and a
masked form.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Discriminator, Field, Tag, field_validator, model_validator

from checks.password_policy.policy import AccountClass
from posture.api import Strict

SOURCE_TAGS = {
    "windows_net_accounts": "NetAccounts",
    "ad_password_policy": "AdPolicy",
    "linux_login_defs": "LoginDefs",
    "pwquality_conf": "Pwquality",
    "faillock_conf": "Faillock",
    "declared": "Declared",
}

ACCOUNTS_HELP = ("the kinds of account this policy protects; the 8-character minimum applies only when "
                 "every one of them has MFA (default: computer_logon, remote_access, admin for exports; "
                 "all four for declared)")


class FileSource(Strict):
    path: str = Field(min_length=1, description="the exported file, relative to the config's folder")
    asset: str = Field(default="", description="what the policy covers (a domain, a server); default: file name")
    accounts: list[AccountClass] | None = Field(default=None, description=ACCOUNTS_HELP)


class NetAccountsSource(FileSource):
    type: Literal["windows_net_accounts"]


class AdPolicySource(FileSource):
    type: Literal["ad_password_policy"]


class LoginDefsSource(FileSource):
    type: Literal["linux_login_defs"]


class PwqualitySource(FileSource):
    type: Literal["pwquality_conf"]


class FaillockSource(FileSource):
    type: Literal["faillock_conf"]


class DeclaredSource(Strict):
    """A policy read off an admin page by the consultant: reported as declared, not observed."""

    type: Literal["declared"]
    asset: str = Field(min_length=1, description="the system whose settings these are")
    accounts: list[AccountClass] | None = Field(default=None, description=ACCOUNTS_HELP)
    min_length: int | None = Field(default=None, ge=0, le=1024)
    max_length: int | None = Field(default=None, ge=1, le=65536, description="longest password accepted")
    max_age_days: int | None = Field(default=None, ge=0, le=100_000, description="0: never expires")
    complexity: bool | None = Field(default=None, description="character-type rules required")
    lockout_threshold: int | None = Field(default=None, ge=0, le=1_000_000, description="0: never locks")
    blocklist: bool | None = Field(default=None, description="refuses breached, common and business words")
    history: int | None = Field(default=None, ge=0, le=1024)


def _source_tag(value: Any) -> str | None:
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return SOURCE_TAGS.get(kind) if isinstance(kind, str) else None


# Tags are capitalised so the config loader drops them from error locations ("sources[0].min_length").
Source = Annotated[
    Annotated[NetAccountsSource, Tag("NetAccounts")]
    | Annotated[AdPolicySource, Tag("AdPolicy")]
    | Annotated[LoginDefsSource, Tag("LoginDefs")]
    | Annotated[PwqualitySource, Tag("Pwquality")]
    | Annotated[FaillockSource, Tag("Faillock")]
    | Annotated[DeclaredSource, Tag("Declared")],
    Discriminator(_source_tag, custom_error_type="source_type",
                  custom_error_message="type must be one of: " + ", ".join(SOURCE_TAGS)),
]


class Mfa(Strict):
    """Where multi-factor authentication is on (CIS Controls 6.3 to 6.5)."""

    computer_logon: bool = Field(default=False, description="staff sign in to computers with a second factor")
    remote_access: bool = Field(default=False, description="VPN, remote desktop and remote tools")
    email: bool = Field(default=False, description="email and other internet-facing business apps")
    admin: bool = Field(default=False, description="administrator accounts")


class BreachCheck(Strict):
    """Where candidate passwords are looked up: only a 5-character SHA-1 prefix ever leaves the machine."""

    mode: Literal["online", "offline", "off"] = "online"
    hash_file: str | None = Field(default=None, description="sorted SHA1:COUNT file for offline mode")
    api_url: str = Field(default="https://api.pwnedpasswords.com/range/", pattern=r"^https?://\S+/$")
    timeout_s: float = Field(default=10.0, gt=0, le=120)
    retries: int = Field(default=3, ge=0, le=10)
    backoff_s: float = Field(default=1.0, ge=0, le=60, description="first wait between retries; doubles")

    @field_validator("mode", mode="before")
    @classmethod
    def _yaml_off(cls, value: Any) -> Any:
        # YAML 1.1 reads a bare `off` as false: take it as the user meant it
        return "off" if value is False else value

    @model_validator(mode="after")
    def _hash_file_for_offline(self) -> BreachCheck:
        if self.mode == "offline" and not self.hash_file:
            raise ValueError("offline mode needs hash_file (a sorted SHA1:COUNT file)")
        return self


class PasswordPolicyOptions(Strict):
    sources: list[Source] = []
    mfa: Mfa = Mfa()
    candidate_passwords_file: str | None = Field(
        default=None, description="passwords found on site: one per line, or label<TAB>password")
    breach_check: BreachCheck = BreachCheck()
