"""The consultant's terminal UI (`posture tui`).

Only this package imports Textual. It renders what the headless core computes: the same Runner,
planner, history and report writers as `posture scan`, reached through `posture.tui.session`.
"""
