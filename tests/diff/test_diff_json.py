"""The JSON diff is valid against its published schema, which names every change the code makes."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any, get_args

import jsonschema
import orjson
import pytest

from escalate._diff._model import FindingChange, StageChange

from .conftest import MANIFEST, RunDiff, sample_args


def diff_schema() -> dict[str, Any]:
    """escalate/_diff/diff.schema.json, as the installed package ships it."""
    text = resources.files("escalate._diff").joinpath("diff.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@pytest.mark.parametrize("name", sorted(MANIFEST))
def test_every_sample_diff_is_valid_json_schema(name: str, run_diff: RunDiff) -> None:
    """healthy -> sample and sample -> healthy: both valid against diff.schema.json."""
    validator = jsonschema.Draft202012Validator(diff_schema())
    for before, after in (("healthy", name), (name, "healthy")):
        result = run_diff("--before", f"samples/{before}", "--after", f"samples/{after}",
                          *sample_args(name), "--format", "json")  # fmt: skip
        validator.validate(orjson.loads(result.output))


def test_schema_lists_exactly_the_changes_of_the_code() -> None:
    """The schema's change enums are the model's Literal types, so neither can drift."""
    defs = diff_schema()["$defs"]
    assert defs["stage"]["properties"]["change"]["enum"] == list(get_args(StageChange))
    assert defs["finding"]["properties"]["change"]["enum"] == list(get_args(FindingChange))
