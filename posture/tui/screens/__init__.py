"""One module per screen: start, overview, run, findings, plan, and the export, help and quit dialogs."""
