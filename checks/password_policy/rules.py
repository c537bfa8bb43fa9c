"""Judging a merged policy against NIST SP 800-63B Rev. 4 and CIS Controls v8 (figures in rules.yaml).

Every failing finding says what is wrong, why it matters (including why the old habits of forced
rotation and character-type rules are now advised against), what to set instead on that platform,
and which rule it rests on. A setting no source shows is not guessed: it is listed as not evidenced.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

from checks.password_policy.options import Mfa
from checks.password_policy.policy import ACCOUNT_CLASS_NAMES, PLATFORMS, Authority, Composition, Policy, Setting
from posture.api import Finding, Severity, Status, load_catalogue

WEAKNESS = ("weak-passwords",)
STRONG_HASHES = {"SHA256", "SHA512", "YESCRYPT", "BCRYPT", "BLOWFISH", "GOST_YESCRYPT", "SCRYPT"}
JUDGED = {
    "min_length": "minimum length",
    "max_length": "maximum length accepted",
    "composition": "character-type rules",
    "max_age_days": "expiry",
    "blocklist": "blocklist",
    "lockout_threshold": "lockout after failed attempts",
}
GAP_HINTS: dict[str, dict[str, str]] = {
    "windows": {
        "composition": "Get-ADDefaultDomainPasswordPolicy (ComplexityEnabled) or a declared `complexity:`",
        "blocklist": "a declared `blocklist:` if a banned-password filter is deployed",
    },
    "linux": {
        "lockout_threshold": "/etc/security/faillock.conf as a faillock_conf source",
        "min_length": "/etc/security/pwquality.conf as a pwquality_conf source",
        "composition": "/etc/security/pwquality.conf as a pwquality_conf source",
        "blocklist": "/etc/security/pwquality.conf as a pwquality_conf source",
        "max_age_days": "/etc/login.defs as a linux_login_defs source",
    },
}
MFA_CLASSES = ("remote_access", "email", "admin")


@functools.cache
def load_rules() -> dict[str, Any]:
    text = resources.files("checks.password_policy").joinpath("rules.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    refs = load_catalogue().references
    for rule_id, rule in data["rules"].items():
        unknown = [r for r in rule["references"] if r not in refs]
        if unknown:
            raise ValueError(f"rules.yaml {rule_id}: unknown references {unknown}")
    return dict(data)


def threshold(name: str) -> int:
    return int(load_rules()["thresholds"][name])


def _plain(text: str) -> str:
    return " ".join(text.split())


@dataclass(frozen=True)
class LengthRule:
    required: int
    single_factor: bool
    reason: str


def length_rule(policy: Policy, mfa: Mfa) -> LengthRule:
    """15 where the password is the only factor for any account the policy protects, else 8."""
    classes = policy.accounts
    uncovered = [c for c in classes if not getattr(mfa, c)]
    covered = and_list(ACCOUNT_CLASS_NAMES[c] for c in classes)
    if uncovered:
        keys = and_list(f"mfa.{c}" for c in uncovered)
        verb = "is" if len(uncovered) == 1 else "are"
        return LengthRule(threshold("single_factor_min_length"), True,
                          f"This policy protects {covered}; {keys} {verb} false in the config, so there the "
                          "password is the only factor")
    return LengthRule(threshold("mfa_min_length"), False,
                      f"This policy protects {covered}, all with MFA, so the password is one of two factors")


def and_list(items: Iterable[str]) -> str:
    words = list(items)
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1] if words else ""


class PolicyJudge:
    """Turns one merged Policy into findings."""

    def __init__(self, check_id: str, policy: Policy, mfa: Mfa, *, incident: bool) -> None:
        self.check_id = check_id
        self.policy = policy
        self.mfa = mfa
        self.incident = incident
        self.rules = load_rules()["rules"]

    def findings(self) -> list[Finding]:
        out: list[Finding] = []
        judges = {
            "min_length": self._min_length, "max_length": self._max_length, "composition": self._composition,
            "max_age_days": self._expiry, "blocklist": self._blocklist, "lockout_threshold": self._lockout,
            "reversible_encryption": self._reversible, "hash_method": self._hash_method,
        }
        for name, judge in judges.items():
            setting = self.policy.get(name)
            if setting is not None:
                judged = judge(setting)
                if judged.status is Status.PASS and setting.authority is Authority.SUPERSEDED:
                    judged = self._not_enforced(name, setting, judged)
                out.append(judged)
        gap = self._gaps()
        if gap is not None:
            out.append(gap)
        return out

    # -- helpers -------------------------------------------------------------------------------------

    def _finding(self, rule: str, setting: Setting | None, *, ok: bool, severity: Severity, title: str,
                 detail: str = "", n: int | None = None, evidence: Iterable[str] = ()) -> Finding:
        spec = self.rules[rule]
        lines = ([setting.evidence()] if setting is not None else []) + list(evidence)
        if setting is not None and setting.authority is Authority.INFERRED:
            lines.append("inferred from the platform, not read from an export")
        how = ""
        if not ok:
            platform = setting.platform if setting is not None else "declared"
            how = _plain(spec.get("how", {}).get(platform, "") or spec.get("how", {}).get("declared", ""))
            how = how.format(n=n) if n is not None else how
        why = _plain(spec["why"])
        return Finding(
            check=self.check_id, key=f"{self.policy.asset}/{rule}",
            status=Status.PASS if ok else Status.FAIL, severity=Severity.INFO if ok else severity,
            title=title, detail=f"{detail} {why}".strip() if not ok else detail,
            asset=self.policy.asset, weaknesses=WEAKNESS, evidence=tuple(lines), remediation=how,
            references=load_catalogue().refs(*spec["references"]),
        )

    def _where(self, setting: Setting) -> str:
        if setting.authority is Authority.INFERRED:
            return "(not shown in an export: inferred from the platform)"
        if setting.authority is Authority.DECLARED:
            return "(as declared in the config)"
        return f"(shown in {setting.where})"

    # -- rules -----------------------------------------------------------------------------------------

    def _min_length(self, s: Setting) -> Finding:
        rule = length_rule(self.policy, self.mfa)
        value = int(s.value)
        kind = "used alone" if rule.single_factor else "used with a second factor"
        basis = f"{rule.reason}. For a password {kind}, NIST SP 800-63B Rev. 4 asks for at least {rule.required} " \
                "characters."
        if value >= rule.required:
            return self._finding("min-length", s, ok=True, severity=Severity.INFO,
                                 title=f"Minimum password length {value} meets NIST's {rule.required} on {self.asset}",
                                 detail=basis)
        if value == 0:
            severity, title = Severity.CRITICAL, f"Blank passwords are accepted on {self.asset}"
        else:
            severity = Severity.HIGH if value < threshold("mfa_min_length") else Severity.MEDIUM
            title = f"Minimum password length is {value} on {self.asset}; NIST asks for {rule.required}"
        detail = f"Passwords of {value} characters are accepted {self._where(s)}. {basis}"
        return self._finding("min-length", s, ok=False, severity=severity, title=title, detail=detail,
                             n=rule.required)

    def _max_length(self, s: Setting) -> Finding:
        need = threshold("min_max_length")
        value = int(s.value)
        if value >= need:
            return self._finding("max-length", s, ok=True, severity=Severity.INFO,
                                 title=f"Passwords up to {value} characters are accepted on {self.asset}")
        return self._finding("max-length", s, ok=False, severity=Severity.LOW,
                             title=f"Passwords longer than {value} characters are refused on {self.asset}",
                             detail=f"The longest password accepted is {value} characters {self._where(s)}; "
                                    f"NIST asks for at least {need}.", n=need)

    def _composition(self, s: Setting) -> Finding:
        comp: Composition = s.value
        if not comp.imposes_types:
            return self._finding("composition", s, ok=True, severity=Severity.INFO,
                                 title=f"No character-type rules on {self.asset}, as NIST advises")
        return self._finding("composition", s, ok=False, severity=Severity.LOW,
                             title=f"Character-type rules are required on {self.asset} ({comp.describe})",
                             detail=f"The policy requires {comp.describe} {self._where(s)}.")

    def _expiry(self, s: Setting) -> Finding:
        days = int(s.value)
        if days == 0:
            return self._finding("expiry", s, ok=True, severity=Severity.INFO,
                                 title=f"Passwords do not expire on a schedule on {self.asset}")
        severity = Severity.MEDIUM if days <= threshold("short_expiry_days") else Severity.LOW
        detail = f"Every password must be changed after {days} days {self._where(s)}."
        if self.incident:
            detail += (" After a breach the opposite applies once: every password must change now (see the "
                       "containment actions), and then not again on a timer.")
        return self._finding("expiry", s, ok=False, severity=severity,
                             title=f"Passwords are forced to change every {days} days on {self.asset}", detail=detail)

    def _blocklist(self, s: Setting) -> Finding:
        kind = s.value
        if kind == "full":
            return self._finding("blocklist", s, ok=True, severity=Severity.INFO,
                                 title=f"New passwords are checked against a blocklist on {self.asset}")
        if kind == "dictionary":
            return self._finding("blocklist", s, ok=False, severity=Severity.LOW,
                                 title=f"Only a dictionary check on {self.asset}: breached passwords are not refused",
                                 detail=f"Dictionary words are refused {self._where(s)}, but not passwords known "
                                        "from breaches nor, unless listed, the business's own words.")
        return self._finding("blocklist", s, ok=False, severity=Severity.MEDIUM,
                             title=f"No blocklist on {self.asset}: breached and common passwords are accepted",
                             detail=f"Nothing refuses known-breached or common passwords {self._where(s)}.")

    def _lockout(self, s: Setting) -> Finding:
        limit = threshold("max_failed_attempts")
        suggested = threshold("suggested_lockout")
        value = int(s.value)
        if value == 0:
            return self._finding("lockout", s, ok=False, severity=Severity.HIGH,
                                 title=f"No lockout on {self.asset}: password guessing is never stopped",
                                 detail=f"Accounts never lock after failed sign-ins {self._where(s)}; NIST allows "
                                        f"at most {limit} consecutive failures.", n=suggested)
        if value > limit:
            return self._finding("lockout", s, ok=False, severity=Severity.MEDIUM,
                                 title=f"Lockout only after {value} failed attempts on {self.asset}",
                                 detail=f"Accounts lock after {value} failures {self._where(s)}; NIST allows at "
                                        f"most {limit}.", n=suggested)
        return self._finding("lockout", s, ok=True, severity=Severity.INFO,
                             title=f"Accounts lock after {value} failed attempts on {self.asset} "
                                   f"(NIST: at most {limit})")

    def _reversible(self, s: Setting) -> Finding:
        if not s.value:
            return self._finding("reversible-encryption", s, ok=True, severity=Severity.INFO,
                                 title=f"Passwords are not stored with reversible encryption on {self.asset}")
        return self._finding("reversible-encryption", s, ok=False, severity=Severity.HIGH,
                             title=f"Passwords are stored with reversible encryption on {self.asset}",
                             detail=f"ReversibleEncryptionEnabled is True {self._where(s)}.")

    def _hash_method(self, s: Setting) -> Finding:
        method = str(s.value)
        if method in STRONG_HASHES:
            return self._finding("hash-method", s, ok=True, severity=Severity.INFO,
                                 title=f"Password hashes use {method} on {self.asset}")
        return self._finding("hash-method", s, ok=False, severity=Severity.HIGH,
                             title=f"Password hashes use weak {method} on {self.asset}",
                             detail=f"ENCRYPT_METHOD is {method} {self._where(s)}.")

    def _not_enforced(self, name: str, s: Setting, judged: Finding) -> Finding:
        """A value shown but overridden elsewhere (PASS_MIN_LEN under PAM) is not the policy in force:
        however good it looks, it never earns a pass."""
        label = JUDGED.get(name, name.replace("_", " "))
        hint = GAP_HINTS.get(s.platform, {}).get(name, "the evidence of the mechanism that decides it")
        return Finding(
            check=self.check_id, key=judged.key, status=Status.FAIL, severity=Severity.LOW, asset=self.policy.asset,
            weaknesses=WEAKNESS, title=f"The {label} in force on {self.asset} is not shown: {s.text} is not enforced",
            detail=f"{s.where} sets it, but {s.note or 'another mechanism overrides it'}. What is actually enforced "
                   "could not be judged.",
            evidence=(s.evidence(),), remediation=f"Add {hint}.",
            references=judged.references,
        )

    def _gaps(self) -> Finding | None:
        missing = [name for name in JUDGED if self.policy.get(name) is None]
        if not missing:
            return None
        platforms = {PLATFORMS[s.type] for s in self.policy.sources}
        hints = []
        for name in missing:
            hint = next((GAP_HINTS[p][name] for p in sorted(platforms) if name in GAP_HINTS.get(p, {})),
                        "a declared source for this asset")
            hints.append(f"{JUDGED[name]}: {hint}")
        names = ", ".join(JUDGED[n] for n in missing)
        return Finding(
            check=self.check_id, key=f"{self.policy.asset}/not-evidenced", status=Status.FAIL,
            severity=Severity.LOW, asset=self.policy.asset, weaknesses=WEAKNESS,
            title=f"Not shown by the evidence for {self.asset}: {names}",
            detail=f"The sources given for {self.asset} ({self.policy.labels}) do not show these settings, so "
                   "they could not be judged. They may be fine or absent; until they are seen, assume the worst.",
            evidence=tuple(self.policy.notes),
            remediation="Add the evidence that shows them: " + "; ".join(hints) + ".",
            references=load_catalogue().refs("nist-800-63b-r4-passwords"),
        )

    @property
    def asset(self) -> str:
        return self.policy.asset


def mfa_findings(check_id: str, mfa: Mfa) -> list[Finding]:
    """CIS Controls 6.3 to 6.5: MFA for email and internet-facing apps, remote access, administrators."""
    rules = load_rules()["rules"]
    out = []
    for cls in MFA_CLASSES:
        spec = rules[f"mfa-{cls}"]
        on = bool(getattr(mfa, cls))
        name = ACCOUNT_CLASS_NAMES[cls]
        out.append(Finding(
            check=check_id, key=f"mfa/{cls}", status=Status.PASS if on else Status.FAIL,
            severity=Severity.INFO if on else Severity.HIGH, asset=name, weaknesses=WEAKNESS,
            title=f"MFA is on for {name}" if on else f"No multi-factor authentication for {name}",
            detail="" if on else f"The config says MFA is not on for {name} (mfa.{cls}: false). {_plain(spec['why'])}",
            evidence=(f"password_policy.mfa.{cls}: {str(on).lower()} (declared in the config)",),
            remediation="" if on else _plain(spec["how"]),
            references=load_catalogue().refs(*spec["references"]),
            actions=() if on else ("enable-mfa",),
        ))
    return out
