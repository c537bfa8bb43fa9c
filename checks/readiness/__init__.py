"""The `readiness` check (entry point `checks.readiness:ReadinessCheck`); see check.py for what it judges."""

from checks.readiness.check import ReadinessCheck

__all__ = ["ReadinessCheck"]
