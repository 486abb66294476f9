"""JSON Schema of the scenario format, draft-07 compatible (yaml-language-server speaks draft-07).

pydantic emits ``$defs``; draft-07 names the same thing ``definitions``, so references are rewritten.
Quantity fields advertise ``number`` or a string matching ``QUANTITY_PATTERN`` (see fields.py).
"""

from __future__ import annotations

import json
from typing import Any

from scaling_cli.scenario.root import Scenario

SCHEMA_ID = "https://github.com/scaling-cli/scaling-cli/schemas/scenario.schema.json"


def scenario_schema() -> dict[str, Any]:
    schema = Scenario.model_json_schema(ref_template="#/definitions/{model}")
    definitions = schema.pop("$defs", {})
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "$id": SCHEMA_ID,
        **schema,
        "title": "scaling-cli scenario (format v1)",
        "definitions": definitions,
    }


def schema_text() -> str:
    return json.dumps(scenario_schema(), indent=2, ensure_ascii=False) + "\n"
