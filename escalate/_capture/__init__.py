"""Capture: turn Red Cloud calls and webhook receipts into redacted evidence records.

Data flows one way: a client hook builds a neutral `Exchange`, `build_call_record` turns it into a
plain dict (shape, fingerprints, token freshness, response summary), and `emit` hands that dict to
the one configured sink. Nothing here ever raises into the user's call.
"""

from __future__ import annotations
