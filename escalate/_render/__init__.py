"""Render a `Report` as markdown, HTML, JSON or text, each from a Jinja2 template.

Every format starts from the same plain data, `report_to_dict(report)`, passed to its template as
`report`; `template=PATH` renders a user's own template with the same context
(docs/templates.md), so a custom layout works identically for every format.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from escalate._render._environment import USER_PREFIX, environment
from escalate._render._format import FORMATS, Format, format_spec, parse_format
from escalate._report._model import Report, report_to_dict

__all__ = ["FORMATS", "Format", "render"]


def render(report: Report, fmt: Format | str, *, template: Path | None = None) -> str:
    """Render `report` in `fmt`, from the built-in template or from the file `template`.

    `fmt` also decides escaping: HTML autoescapes every value, other formats do not (their
    templates escape with filters). Raises ValueError for an unknown format or a user template
    that does not compile or run (the message names its file and line), OSError (for example
    FileNotFoundError) for a template file that cannot be read.
    """
    chosen = parse_format(fmt)
    spec = format_spec(chosen)
    context = {"report": report_to_dict(report), "format": chosen.value}
    if template is None:
        return environment(spec.autoescape).get_template(spec.template).render(context)
    return _render_user_template(spec.autoescape, Path(template).resolve(), context)


def _render_user_template(autoescape: bool, path: Path, context: dict[str, Any]) -> str:
    """Render the user's template file; it may extend or import the built-in ones by name.

    Its mistakes are the user's input errors, so they become ValueError with file and line;
    a failing built-in template is a bug and propagates unchanged.
    """
    if not path.is_file():
        raise FileNotFoundError(f"template not found: {path}")
    env = environment(autoescape, path.parent)
    try:
        return env.get_template(f"{USER_PREFIX}/{path.name}").render(context)
    except jinja2.TemplateError as error:
        raise ValueError(f"{_where(error, path)}: {error.message or error}") from error


def _where(error: jinja2.TemplateError, path: Path) -> str:
    """`file:line` of the template error: from a syntax error, else from the traceback."""
    if isinstance(error, jinja2.TemplateSyntaxError):
        return f"{error.filename or path}:{error.lineno}"
    # Jinja2 rewrites tracebacks so template frames carry the template's file name and line.
    where, trace = str(path), error.__traceback__
    while trace is not None:
        filename = trace.tb_frame.f_code.co_filename
        if not filename.endswith(".py") and not filename.startswith("<"):
            where = f"{filename}:{trace.tb_lineno}"
        trace = trace.tb_next
    return where
