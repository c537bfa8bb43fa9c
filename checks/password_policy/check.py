"""The `password_policy` check: what is wrong with today's password policy, proven with an example.

Weak passwords are the first weakness both breach guides name, and changing every password is the
first containment step. This check reads the policy from real exports (`net accounts`,
Get-ADDefaultDomainPasswordPolicy, login.defs, pwquality.conf, faillock.conf) or from values the
consultant declares, judges it against NIST SP 800-63B Rev. 4 and CIS Controls v8, shows the weakest
password it would accept (a synthetic one, scored by zxcvbn), and optionally audits passwords found
on site against zxcvbn and Pwned Passwords without ever writing them anywhere.

The other modules of this package are listed in its docstring.
"""

from __future__ import annotations

import logging
import urllib.parse
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from checks.password_policy.options import BreachCheck, DeclaredSource, PasswordPolicyOptions
from posture.api import (
    Check,
    CheckContext,
    CheckFailed,
    CheckMeta,
    Config,
    Finding,
    Severity,
    Status,
    all_parts_failed,
    load_catalogue,
    part_error,
)

# Validating a config (and the TUI's overview) needs only the options: the parsers, the rules and the
# weakest-password search are imported when the check is prepared or run.
if TYPE_CHECKING:
    from checks.password_policy.candidates import Candidate
    from checks.password_policy.policy import ParsedSource

SECTION = ("checks", "password_policy")
log = logging.getLogger("checks.password_policy")


class PasswordPolicyCheck(Check[PasswordPolicyOptions]):
    meta = CheckMeta(
        id="password_policy",
        title="Password policy and passwords found on site",
        description="Judges the password policy against NIST SP 800-63B Rev. 4 and CIS Controls v8, shows the "
                    "weakest password it accepts, and checks candidate passwords against zxcvbn and Pwned "
                    "Passwords (k-anonymity) without storing them.",
        weaknesses=("weak-passwords",),
        needs=frozenset({"files"}),
        timeout_s=600,
    )
    Options = PasswordPolicyOptions

    def __init__(self) -> None:
        self._sources: list[ParsedSource] | None = None
        self._candidates: list[Candidate] = []

    def describe_evidence(self, options: PasswordPolicyOptions, config: Config) -> list[str]:
        opts = options
        lines = []
        for source in opts.sources:
            if isinstance(source, DeclaredSource):
                lines.append(f"declared password settings for {source.asset}")
            else:
                lines.append(f"{source.type}: {config.resolve(source.path)}")
        if opts.candidate_passwords_file:
            lines.append(f"candidate passwords: {config.resolve(opts.candidate_passwords_file)}")
        lines.append(f"breach look-up of candidate passwords: {breach_mode_text(opts.breach_check)}")
        return lines

    def prepare(self, ctx: CheckContext[PasswordPolicyOptions]) -> None:
        from checks.password_policy.candidates import read_candidates
        from checks.password_policy.sources import load_sources

        opts = ctx.options
        self._sources = load_sources(opts, ctx.config)
        self._candidates = []
        if opts.candidate_passwords_file:
            path = ctx.resolve(opts.candidate_passwords_file)
            if not path.is_file():
                raise ctx.config.locate((*SECTION, "candidate_passwords_file"), f"file not found: {path}")
            self._candidates = read_candidates(path)
        breach = opts.breach_check
        if breach.mode == "offline" and breach.hash_file:
            from checks.password_policy.breach import check_hash_file

            problem = check_hash_file(ctx.resolve(breach.hash_file))
            if problem:
                raise ctx.config.locate((*SECTION, "breach_check", "hash_file"),
                                        f"{problem}: {ctx.resolve(breach.hash_file)}")

    def run(self, ctx: CheckContext[PasswordPolicyOptions]) -> Iterable[Finding]:
        from checks.password_policy.candidates import typed_candidates, unique_labels
        from checks.password_policy.illustrate import weakest_finding
        from checks.password_policy.policy import merge_by_asset
        from checks.password_policy.rules import WEAKNESS, PolicyJudge, mfa_findings
        from checks.password_policy.weakest import context_terms

        if self._sources is None:
            self.prepare(ctx)
        assert self._sources is not None
        opts = ctx.options
        org = ctx.config.organization
        context = context_terms(org.context_words, org.name)
        candidates = unique_labels([*self._candidates, *typed_candidates(ctx.secrets.candidate_passwords)])
        findings: list[Finding] = []
        facts: dict[str, Any] = {"assets": {}}

        policies = merge_by_asset(self._sources)
        broken: list[Finding] = []
        for n, policy in enumerate(policies):
            ctx.raise_if_cancelled()
            ctx.progress(0.6 * n / max(len(policies), 1), f"judging the password policy of {policy.asset}")
            try:
                judged = PolicyJudge(self.meta.id, policy, opts.mfa, incident=ctx.config.incident is not None
                                     ).findings()
                example, example_facts = weakest_finding(self.meta.id, policy, context, ctx.now,
                                                         exclude=[c.password for c in candidates])
            except Exception as exc:  # noqa: BLE001 - one policy that cannot be judged must not hide the others
                broken.append(part_error(self.meta.id, f"{policy.asset}/", f"Password policy of {policy.asset}",
                                         f"{type(exc).__name__}: {exc}" if not isinstance(exc, CheckFailed)
                                         else str(exc), asset=policy.asset, weaknesses=WEAKNESS))
                ctx.not_assessed(f"{policy.asset}/")
                continue
            findings += judged
            if example is not None:
                findings.append(example)
            facts["assets"][policy.asset] = {
                "sources": [s.label for s in policy.sources],
                "settings": {name: _fact_value(s.value) for name, s in policy.settings.items()},
                "weakest_accepted": example_facts,
            }
        if policies and len(broken) == len(policies):
            raise all_parts_failed(broken)
        findings += broken
        if not policies:
            findings.append(self._no_policy())
        findings += mfa_findings(self.meta.id, opts.mfa)

        if candidates:
            # Imported only when there are candidates to score: zxcvbn and the HTTP client are the heaviest
            # part of this check, and validating a config (or the TUI's first screen) needs neither.
            from checks.password_policy.audit import candidate_findings, look_up

            ctx.raise_if_cancelled()
            ctx.progress(0.6, f"looking up {len(candidates)} candidate passwords")
            lookup = look_up(candidates, opts.breach_check, ctx.config, ctx.cancel_event,
                             lambda done, total: ctx.progress(0.6 + 0.2 * done / total, "breach look-up"))
            ctx.raise_if_cancelled()
            if lookup.failure:
                log.warning("password_policy: breach look-up failed: %s; %d candidate password(s) not checked "
                            "against breaches", lookup.failure, len(candidates))
                facts["breach_failure"] = lookup.failure
            audit, audit_facts = candidate_findings(
                self.meta.id, candidates, lookup, context,
                lambda done, total: ctx.progress(0.8 + 0.2 * done / total, "scoring candidate passwords"))
            findings += audit
            facts["candidates"] = audit_facts
        _not_supplied(ctx, {f.key for f in findings})
        facts["mfa"] = opts.mfa.model_dump()
        facts["breach_check"] = breach_mode_text(opts.breach_check)
        ctx.facts.update(facts)
        ctx.progress(1.0, "done")
        return findings

    def _no_policy(self) -> Finding:
        from checks.password_policy.rules import WEAKNESS

        return Finding(
            check=self.meta.id, key="no-policy-evidence", status=Status.FAIL, severity=Severity.LOW,
            title="No password policy evidence was given",
            detail="Without an export or declared settings, the password policy cannot be judged.",
            weaknesses=WEAKNESS,
            remediation="Add a source: `net accounts` output from a Windows PC, Get-ADDefaultDomainPasswordPolicy "
                        "from a domain controller, /etc/login.defs and pwquality.conf from Linux, or declared values.",
            references=load_catalogue().refs("nist-800-63b-r4-passwords"),
        )


def breach_mode_text(settings: BreachCheck) -> str:
    """How candidate passwords are looked up, in words: the README, the overview and the report say it."""
    if settings.mode == "online":
        host = urllib.parse.urlsplit(settings.api_url).netloc
        return f"online: the first 5 characters of each password's SHA-1 are sent to {host}"
    if settings.mode == "offline":
        return f"offline: the local hash file {settings.hash_file}"
    return "off: candidate passwords are not looked up in breaches"


def _not_supplied(ctx: CheckContext, keys: set[str]) -> None:
    """Candidates judged last run but not supplied this run (none typed this time) are not re-checked,
    never resolved."""
    if ctx.previous is None:
        return
    for finding in ctx.previous.findings.values():
        if finding.check == PasswordPolicyCheck.meta.id and finding.key.startswith("candidate/") \
                and finding.key not in keys:
            ctx.not_assessed(finding.key)


def _fact_value(value: Any) -> Any:
    """JSON-safe form of a setting value (Composition and PatternLimits become their description)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    describe = getattr(value, "describe", None)
    return describe if isinstance(describe, str) else repr(value)
