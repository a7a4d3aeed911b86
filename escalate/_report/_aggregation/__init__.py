"""Aggregation: records folded into one small, mergeable state (groups, messages, timeline)."""
