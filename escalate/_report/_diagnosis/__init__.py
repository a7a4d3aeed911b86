"""Diagnosis: stage verdicts in the debugging order, the rules that turn the state into findings."""
