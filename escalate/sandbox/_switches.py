"""The command-line fault switches of `python -m escalate.sandbox`, made from `Faults` itself.

One switch per `Faults` field, named after it (`expired_tokens` -> `--expired-tokens`), with the
field's `metadata["help"]` as help and its type deciding the kind of switch: a flag for a bool,
a number for an int or float, one or more values for a set. A fault added to `Faults` gets its
switch without a change here; a field this module cannot make a switch for fails at start-up.
"""

from __future__ import annotations

import argparse
import dataclasses
import typing
from collections.abc import Callable, Sequence
from typing import Any

from escalate.sandbox._model import Faults


def add_fault_switches(parser: argparse.ArgumentParser) -> None:
    """Add one switch per `Faults` field to `parser`, in a "faults" group."""
    group = parser.add_argument_group(
        "faults",
        "Switch on the mistakes to rehearse; every fault is off by default. The webhook faults "
        "apply to the lifecycles posted to --webhook-url.",
    )
    kinds = typing.get_type_hints(Faults)
    for spec in dataclasses.fields(Faults):
        switch = _switch(spec, kinds[spec.name])
        group.add_argument(switch_name(spec.name), dest=spec.name, **switch)


def switch_name(field_name: str) -> str:
    """`--expired-tokens` for the field `expired_tokens`."""
    return "--" + field_name.replace("_", "-")


def faults_from(arguments: argparse.Namespace) -> Faults:
    """The `Faults` the switches given on the command line ask for; the rest keep their default."""
    kinds = typing.get_type_hints(Faults)
    given = {
        spec.name: _typed(kinds[spec.name], getattr(arguments, spec.name))
        for spec in dataclasses.fields(Faults)
        if hasattr(arguments, spec.name)
    }
    return Faults(**given)


def _typed(kind: Any, value: Any) -> Any:
    """argparse's list of a set switch as a set; any other value as parsed."""
    return set(value) if typing.get_origin(kind) is set else value


def switched_on(faults: Faults) -> list[str]:
    """`--expired-tokens`, `--delay-s 2.0`: the switches that differ from a healthy server."""
    healthy = Faults()
    return [
        _shown(spec.name, getattr(faults, spec.name))
        for spec in dataclasses.fields(Faults)
        if getattr(faults, spec.name) != getattr(healthy, spec.name)
    ]


def _switch(spec: dataclasses.Field[Any], kind: Any) -> dict[str, Any]:
    """The `add_argument` keywords of one field; TypeError for a type without a switch."""
    help_text = spec.metadata.get("help")
    if not help_text:
        raise TypeError(f"Faults.{spec.name} has no metadata['help'] to make its switch from")
    common: dict[str, Any] = {"default": argparse.SUPPRESS, "help": help_text}
    if kind is bool:
        return {**common, "action": "store_true"}
    metavar = spec.metadata.get("metavar") or spec.name.upper()
    if kind in (int, float):
        default = f" (default: {spec.default})"
        return {**common, "type": _non_negative(kind), "metavar": metavar,
                "help": help_text + default}  # fmt: skip
    if typing.get_origin(kind) is set:
        return _set_switch(common, metavar, spec.metadata.get("choices"))
    raise TypeError(f"Faults.{spec.name}: no command-line switch for type {kind!r}")


def _set_switch(
    common: dict[str, Any], metavar: str, choices: Sequence[str] | None
) -> dict[str, Any]:
    """One or more values, the switch repeatable; the choices listed in the help."""
    listed = f"; {metavar} is one of: {', '.join(choices)}" if choices else ""
    return {**common, "nargs": "+", "action": "extend", "choices": choices, "metavar": metavar,
            "help": common["help"] + listed}  # fmt: skip


def _non_negative(kind: type[int] | type[float]) -> Callable[[str], int | float]:
    """A converter refusing negative numbers, named after the type for argparse's messages."""

    def convert(text: str) -> int | float:
        value = kind(text)
        if value < 0:
            raise ValueError(text)
        return value

    convert.__name__ = kind.__name__
    return convert


def _shown(name: str, value: object) -> str:
    """How one switched-on fault reads on the command line."""
    if value is True:
        return switch_name(name)
    if isinstance(value, float):
        return f"{switch_name(name)} {value:g}"
    if isinstance(value, (set, frozenset, list, tuple)):
        return f"{switch_name(name)} {' '.join(sorted(map(str, value)))}"
    return f"{switch_name(name)} {value}"
