"""Processing: read evidence logs, aggregate in one pass, diagnose, build a `Report`."""
