"""Render a `Report` (or a `Diff`) as markdown, HTML, JSON or text, each from a Jinja2 template.

Every format starts from the same plain data, `report_to_dict(report)`, passed to its template as
`report`; `template=PATH` renders a user's own template with the same context
(docs/templates.md), so a custom layout works identically for every format. The formats are the
registry in `_format.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from escalate._render._format import FORMATS, Format, parse_format
from escalate._report._model import Report, report_to_dict

if TYPE_CHECKING:
    import jinja2

__all__ = ["FORMATS", "Format", "UserTemplateError", "render", "render_document"]


class UserTemplateError(ValueError):
    """A user's template does not compile or run: the message is `FILE:LINE: what is wrong`."""


def render(report: Report, fmt: Format | str, *, template: Path | None = None) -> str:
    """Render `report` in `fmt`, from the built-in template or from the file `template`.

    `fmt` also decides escaping: HTML autoescapes every value, other formats do not (their
    templates escape with filters). Raises ValueError for an unknown format, `UserTemplateError`
    (a ValueError) for a user template that does not compile or run (the message names its file
    and line), OSError (for example FileNotFoundError) for a template file that cannot be read.
    """
    return render_document("report", report_to_dict(report), fmt, template=template)


def render_document(
    document: str, data: Mapping[str, Any], fmt: Format | str, *, template: Path | None = None
) -> str:
    """Render `data` as `document` (`report`, `diff`): its template gets `data` under that name.

    The built-in template is `<document>.<extension>.j2`; `template` replaces it (see `render`).
    """
    # Jinja2 is imported on the first render, not with the registry: the CLI reads its choices
    # from `FORMATS` at every start (`escalate report --help` pays nothing for templates).
    from escalate._render._environment import environment

    chosen = parse_format(fmt)
    context = {document: data, "format": chosen.value}
    if template is None:
        builtin = environment(chosen.autoescape).get_template(chosen.template(document))
        return builtin.render(context)
    return _render_user_template(chosen.autoescape, Path(template).resolve(), context)


def _render_user_template(autoescape: bool, path: Path, context: dict[str, Any]) -> str:
    """Render the user's template file; it may extend or import the built-in ones by name.

    Its mistakes are the user's input errors, so they become UserTemplateError with file and
    line; a failing built-in template is a bug and propagates unchanged.
    """
    import jinja2

    from escalate._render._environment import USER_PREFIX, environment

    if not path.is_file():
        raise FileNotFoundError(f"template not found: {path}")
    env = environment(autoescape, path.parent)
    try:
        return env.get_template(f"{USER_PREFIX}/{path.name}").render(context)
    except jinja2.TemplateError as error:
        raise UserTemplateError(f"{_where(error, path)}: {error.message or error}") from error


def _where(error: jinja2.TemplateError, path: Path) -> str:
    """`file:line` of the template error: from a syntax error, else from the traceback."""
    import jinja2

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
