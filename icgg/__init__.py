"""Application shell of the ICGG knowledge assistant: settings (a leaf every layer may import) and the CLI
(the top, which imports the layers). Nothing in ``ingest``, ``index`` or ``bot`` imports ``icgg.cli``."""
