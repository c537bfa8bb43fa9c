"""The `backups` check (entry point `checks.backups:BackupsCheck`); see check.py for what it judges."""

from checks.backups.check import BackupsCheck

__all__ = ["BackupsCheck"]
