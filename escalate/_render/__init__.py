"""Render a `Report` as markdown, HTML, JSON or text, each from a Jinja2 template.

Every format starts from the same plain data, `report_to_dict(report)`, passed to its template as
`report`; `template=PATH` renders a user's own template with the same context
(docs/templates.md), so a custom layout works identically for every format.
"""

from __future__ import annotations

from pathlib import Path

import jinja2

from escalate._render._environment import USER_PREFIX, environment
from escalate._render._format import FORMATS, Format, format_spec, parse_format
from escalate._report._model import Report, report_to_dict

__all__ = ["FORMATS", "Format", "render"]


def render(report: Report, fmt: Format | str, *, template: Path | None = None) -> str:
    """Render `report` in `fmt`, from the built-in template or from the file `template`.

    `fmt` also decides escaping: HTML autoescapes every value, other formats do not (their
    templates escape with filters). Raises ValueError for an unknown format, OSError for an
    unreadable template and `jinja2.TemplateError` for a template that does not compile or run.
    """
    chosen = parse_format(fmt)
    spec = format_spec(chosen)
    if template is None:
        compiled = environment(spec.autoescape).get_template(spec.template)
    else:
        compiled = _user_template(spec.autoescape, Path(template))
    return compiled.render(report=report_to_dict(report), format=chosen.value)


def _user_template(autoescape: bool, path: Path) -> jinja2.Template:
    """Load the user's template file; it may extend or import the built-in ones by name."""
    path = path.resolve()
    if not path.is_file():
        raise FileNotFoundError(f"template not found: {path}")
    env = environment(autoescape, path.parent)
    return env.get_template(f"{USER_PREFIX}/{path.name}")
