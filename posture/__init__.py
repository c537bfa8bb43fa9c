"""posture: security posture assessment and post-incident action plans for small businesses."""

__version__ = "0.1.0"
