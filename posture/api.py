"""Everything a check author needs, in one module: import from here and nowhere else in posture.

    from posture.api import Check, CheckContext, CheckMeta, Finding, Severity, Status

    class PrintersOptions(Options):
        hosts: list[str] = []

    class PrintersCheck(Check[PrintersOptions]):
        meta = CheckMeta(id="printers", title="Printer admin pages", description="...",
                         weaknesses=("faulty-security",))
        Options = PrintersOptions

        def run(self, ctx: CheckContext[PrintersOptions]) -> list[Finding]:
            for host in ctx.options.hosts:
                ctx.scope.require_in_scope(host)  # OutOfScope for anything the config does not authorise
                ...

docs/writing-a-check.md walks through a complete check, its package and its tests; the built-in checks
under checks/ import only from this module too. Names not in `__all__` are not part of the API.
"""

from __future__ import annotations

from typing import (
    Literal,
    NotRequired,  # pydantic validates typing_extensions' TypedDict on 3.11
    get_args,
)

from pydantic import Field
from typing_extensions import TypedDict

from posture import __version__ as POSTURE_VERSION
from posture.catalogue import Catalogue, load_catalogue, load_data_yaml
from posture.check import (
    Check,
    CheckContext,
    CheckMeta,
    NoOptions,
    PreviousRun,
    Secrets,
    all_parts_failed,
    part_error,
)
from posture.config import Config, Incident, Strict, Target
from posture.errors import Cancelled, CheckFailed, ConfigError, InputError, Problems, ToolMissing
from posture.evidence import decode_text, read_chunks, read_limited, read_text
from posture.models import Finding, Reference, Severity, StaffSection, Status
from posture.scope import OutOfScope, Scope
from posture.yamlsrc import KeyPath, Located, dotted, load_yaml, read_text_limited

# The weaknesses the two breach-response guides name (posture/data/weaknesses.yaml; a test keeps the two equal).
# A finding's `weaknesses` and a check's `meta.weaknesses` take these ids.
WeaknessId = Literal[
    "weak-passwords", "faulty-security", "employee-ignorance", "exposed-entry-point", "no-offsite-backup",
    "irregular-backups", "unreviewed-backups", "attacker-persistence", "customer-data-exposure",
    "no-expert-support", "hardware-failure",
]
WEAKNESS_IDS: tuple[str, ...] = get_args(WeaknessId)
# What `CheckMeta.needs` may name; `posture checks` shows it.
NEEDS = ("nmap", "restic", "borg", "network", "internet", "files", "root")


# Base for a check's settings (its `checks.<id>` section): unknown keys are located errors, values are frozen
# and strings stripped.
Options = Strict


def action_ids() -> tuple[str, ...]:
    """The plan actions a finding may name in `Finding.actions` (posture/data/actions.yaml)."""
    return tuple(load_catalogue().actions)


def reference(*ref_ids: str) -> tuple[Reference, ...]:
    """Standards and laws by id (posture/data/references.yaml), for `Finding.references`."""
    return load_catalogue().refs(*ref_ids)


__all__ = [
    # a check and what it is handed
    "Check", "CheckMeta", "CheckContext", "Options", "Strict", "Field", "NoOptions", "Secrets", "PreviousRun", "Scope",
    "Config", "Incident", "Target", "NEEDS", "POSTURE_VERSION",
    # what it returns
    "Finding", "Severity", "Status", "Reference", "StaffSection", "WeaknessId", "WEAKNESS_IDS",
    "TypedDict", "NotRequired",  # to declare a check's `Facts`
    "Catalogue", "load_catalogue", "action_ids", "reference", "load_data_yaml",
    # what it raises
    "CheckFailed", "Cancelled", "ToolMissing", "OutOfScope", "InputError", "ConfigError", "Problems",
    # one part (a backup job, a policy source) that failed is its own error finding; all of them: CheckFailed
    "part_error", "all_parts_failed",
    # reading evidence, with errors located at the file's line or the config key
    "read_limited", "read_text", "decode_text", "read_text_limited", "load_yaml", "Located", "KeyPath", "dotted",
    "read_chunks",
]
