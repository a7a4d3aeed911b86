"""Render a `Diff` in every report format, each from its own Jinja2 template (`diff.<ext>.j2`).

The templates get `diff_to_dict(diff)` as `diff`, in the report's environments: the same filters,
escaping and control-character handling as the report.
"""

from __future__ import annotations

from escalate._diff._model import Diff, diff_to_dict
from escalate._render import Format, render_document


def render_diff(diff: Diff, fmt: Format | str) -> str:
    """Render `diff` as markdown, HTML, JSON or text; raises ValueError for an unknown format."""
    return render_document("diff", diff_to_dict(diff), fmt)
