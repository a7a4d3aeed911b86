"""Tests of capture (escalate/_capture)."""
