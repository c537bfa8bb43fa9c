"""posture's built-in checks, one module each, registered through the `posture.checks` entry points."""
