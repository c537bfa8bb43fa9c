"""The `password_policy` check (entry point `checks.password_policy:PasswordPolicyCheck`), one concern per module.

    check        the Check itself: sources → policy → rules → findings

    options      the config section (sources, MFA, candidate file, breach look-up)
    evidence     reading exported files whatever their encoding (PowerShell writes UTF-16)
    policy       a parsed setting with its provenance, and one policy per asset merged from sources
    windows      parsers for `net accounts` and Get-ADDefaultDomainPasswordPolicy (text or JSON)
    linux        parsers for /etc/login.defs, pwquality.conf and faillock.conf
    sources      the configured sources read and handed to their parser
    rules        NIST SP 800-63B Rev. 4 and CIS Controls v8 judged against a policy (rules.yaml)
    strength     zxcvbn, capped and serialised
    weakest      the weakest passwords a policy would accept, built from the business's own words
    illustrate   the weakest-accepted example as a finding
    candidates   passwords found on site: parsing, masking, never printing
    breach       Pwned Passwords look-ups, online (k-anonymity range API) or against a local hash file
    audit        candidate passwords turned into findings
"""

from checks.password_policy.check import PasswordPolicyCheck

__all__ = ["PasswordPolicyCheck"]
