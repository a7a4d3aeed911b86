"""Render a `Diff` in every report format, each from its own Jinja2 template (`diff.<ext>.j2`).

The templates get `diff_to_dict(diff)` as `diff`, in the report's environments: the same filters,
escaping and control-character handling as the report.
"""

from __future__ import annotations

from escalate._diff._model import Diff, diff_to_dict
from escalate._render import Format
from escalate._render._environment import environment
from escalate._render._format import format_spec, parse_format


def diff_template(fmt: Format) -> str:
    """The built-in template of a diff format: `diff.md.j2`, `diff.html.j2`, ..."""
    return f"diff.{format_spec(fmt).extension}.j2"


def render_diff(diff: Diff, fmt: Format | str) -> str:
    """Render `diff` as markdown, HTML, JSON or text; raises ValueError for an unknown format."""
    chosen = parse_format(fmt)
    env = environment(format_spec(chosen).autoescape)
    context = {"diff": diff_to_dict(diff), "format": chosen.value}
    return env.get_template(diff_template(chosen)).render(context)
