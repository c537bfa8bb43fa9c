"""Widgets the screens share: the findings table, the finding detail and the run lines."""
