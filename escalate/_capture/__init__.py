"""Capture: turn Red Cloud calls and webhook receipts into redacted evidence records.

Data flows one way: a client adapter builds a neutral `Exchange` (`_exchange.py`; `_tee.py` is the
one body tee and body decision of every adapter), the writer (`_writer.py`) hands it to
`build_call_record` (`_record.py`), which shapes it by the one redaction table (`_redaction.py`),
summarizes the response (`_response.py`) and scrubs echoes (`_echo.py`), and the sink
(`_sink.py`) writes the plain dict as one line. Nothing here ever raises into the user's call.
"""

from __future__ import annotations
