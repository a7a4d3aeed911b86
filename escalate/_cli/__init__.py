"""The `escalate` command: a thin click group; each command lives in its own module."""

from __future__ import annotations

import click

from escalate._cli.bundle import bundle_command
from escalate._cli.doctor import doctor_command
from escalate._cli.har import har_command
from escalate._cli.report import report_command
from escalate._version import __version__


@click.group("escalate", context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="escalate")
def main() -> None:
    """Turn Red Cloud CORE API evidence logs into support-ready escalation reports."""


main.add_command(report_command)
main.add_command(bundle_command)
main.add_command(har_command)
main.add_command(doctor_command)
