"""The cached check of action server responses accepts and refuses what Rasa's own check does."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction

from extensions.action_validation import validate_action_result
from extensions.tracker_store import RelaisTrackerStore

GOOD: list[dict[str, Any]] = [
    {},
    {"events": [], "responses": []},
    {
        "events": [{"event": "slot", "name": "kit_step", "value": 2, "timestamp": None}],
        "responses": [{"response": "utter_handoff", "numero": "3018"}],
    },
]
BAD: list[dict[str, Any]] = [
    {"events": "not a list"},
    {"events": [{"event": "no_such_event"}]},
    {"events": [{"event": "slot"}]},
    {"responses": ["not an object"]},
]


@pytest.mark.parametrize("result", GOOD)
def test_accepts_what_rasa_accepts(result: dict[str, Any]) -> None:
    jsonschema.validate(result, RemoteAction.action_response_format_spec())
    assert validate_action_result(None, result) is True


@pytest.mark.parametrize("result", BAD)
def test_refuses_what_rasa_refuses_with_the_same_error(result: dict[str, Any]) -> None:
    with pytest.raises(jsonschema.ValidationError) as rasa_error:
        jsonschema.validate(result, RemoteAction.action_response_format_spec())
    with pytest.raises(jsonschema.ValidationError) as ours:
        validate_action_result(None, result)
    assert ours.value.message.startswith(rasa_error.value.message + ". Failed to validate")
    assert list(ours.value.path) == list(rasa_error.value.path)


def test_the_tracker_store_installs_it() -> None:
    RelaisTrackerStore()
    assert RemoteAction._validate_action_result is validate_action_result
