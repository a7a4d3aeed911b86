"""The JSON format: exactly report_to_dict, key order kept, valid against the published schema."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import orjson
import pytest

from escalate._render import Format, render
from escalate._report._model import REPORT_SCHEMA, Report, report_to_dict

from .reports import FIXTURES, failing_report

DOCS = Path(__file__).resolve().parents[2] / "docs" / "report-json.md"


def _schema() -> dict[str, Any]:
    """The JSON Schema shipped inside the package."""
    text = resources.files("escalate._render").joinpath("report.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


def _property_names(node: Any) -> set[str]:
    """Every property name the schema declares, at any depth."""
    if isinstance(node, list):
        return set().union(*(_property_names(item) for item in node))
    if not isinstance(node, dict):
        return set()
    names = set(node.get("properties", {}))
    return names.union(*(_property_names(value) for value in node.values()))


def test_schema_is_a_valid_json_schema() -> None:
    """The shipped schema itself is valid draft 2020-12."""
    jsonschema.Draft202012Validator.check_schema(_schema())


@pytest.mark.parametrize(("name", "build"), FIXTURES, ids=[name for name, _ in FIXTURES])
def test_output_validates_against_the_schema(name: str, build: Callable[[], Report]) -> None:
    """Every fixture's JSON output is valid against report.schema.json."""
    jsonschema.Draft202012Validator(_schema()).validate(json.loads(render(build(), Format.JSON)))


def test_schema_rejects_an_unknown_key() -> None:
    """The schema is closed: a key added to the model without the schema fails validation."""
    data = json.loads(render(failing_report(), Format.JSON))
    data["findings"][0]["new_key"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(_schema()).validate(data)


def test_schema_const_matches_the_model_version() -> None:
    """The schema pins the same version string the model writes."""
    assert _schema()["properties"]["schema"]["const"] == REPORT_SCHEMA


def test_output_is_report_to_dict() -> None:
    """The JSON is report_to_dict's data, nothing added or lost."""
    report = failing_report()
    expected = orjson.loads(orjson.dumps(report_to_dict(report)))
    assert json.loads(render(report, Format.JSON)) == expected


def test_output_keeps_the_model_key_order() -> None:
    """Keys appear in the model's order (schema first), not sorted."""
    report = failing_report()
    loaded = json.loads(render(report, Format.JSON))
    assert list(loaded) == list(report_to_dict(report))
    assert list(loaded["stages"]) == ["token", "whoami", "numbers", "send", "webhooks"]


def test_output_is_indented_by_two_spaces() -> None:
    """The JSON is pretty-printed with a two-space indent and ends with a newline."""
    output = render(failing_report(), Format.JSON)
    assert output.startswith('{\n  "schema": "escalate.report/1",\n')
    assert output.endswith("}\n")


@pytest.mark.parametrize("key", sorted(_property_names(_schema())))
def test_every_key_is_documented(key: str) -> None:
    """docs/report-json.md documents every key the schema declares."""
    assert f"`{key}`" in DOCS.read_text(encoding="utf-8")
