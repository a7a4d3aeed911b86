"""The Jinja2 environments: where templates are found and what every template can call."""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2

from escalate._render._filters import FILTERS, counted, first_of, printable, stage_title
from escalate._render._timeline import timeline_layout

#: Functions every template can call, besides the filters.
GLOBALS: tuple[tuple[str, Callable[..., Any]], ...] = (
    ("counted", counted),
    ("first_of", first_of),
    ("stage_title", stage_title),
    ("timeline_layout", timeline_layout),
)
#: Built-in template names a user template can `{% extends %}` or `{% import %}`.
USER_PREFIX = "user"
#: The top-level `templates/` of a source checkout (the wheel copies it to `escalate/templates`).
_CHECKOUT_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


def builtin_loader() -> jinja2.BaseLoader:
    """Find built-in templates in the installed package first, then in a source checkout."""
    loaders: list[jinja2.BaseLoader] = []
    # An editable checkout has no `escalate/templates`: PackageLoader raises ValueError.
    with contextlib.suppress(ValueError):
        loaders.append(jinja2.PackageLoader("escalate", "templates"))
    if (_CHECKOUT_TEMPLATES / "report.md.j2").is_file():
        loaders.append(jinja2.FileSystemLoader(_CHECKOUT_TEMPLATES))
    return jinja2.ChoiceLoader(loaders)


@functools.lru_cache(maxsize=16)
def environment(autoescape: bool, user_dir: Path | None = None) -> jinja2.Environment:
    """An environment with every filter and global; `user_dir` serves `user/<name>` templates."""
    loader = builtin_loader()
    if user_dir is not None:
        user = jinja2.PrefixLoader({USER_PREFIX: jinja2.FileSystemLoader(user_dir)})
        loader = jinja2.ChoiceLoader([user, loader])
    env = jinja2.Environment(
        loader=loader,
        autoescape=autoescape,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=printable,
    )
    env.filters.update(FILTERS)
    env.globals.update(GLOBALS)
    return env
