"""Rasa NLU component around `bot.safety`: forces the `emergency` intent on danger wording.

It runs after the intent classifier and before the FallbackClassifier, so a danger message is
never turned into a fallback, whatever the model's confidence. The lexicon is read from the
project's data file at training time and stored inside the model, so the model that is evaluated
is the model that is served.
"""

from __future__ import annotations

import logging
from typing import Any

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.safety import SafetyNet
from extensions.harm_signals import force_intent, set_entity
from extensions.stored_texts import load_texts, read_sources, save_texts

logger = logging.getLogger(__name__)

EMERGENCY_INTENT = "emergency"
DANGER_ENTITY = "danger"
GENERAL_DANGER = "general"
LEXICON_FILE = "lexicon.yml"


def _net_from_text(text: str) -> SafetyNet:
    return SafetyNet.from_mapping(yaml.safe_load(text))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SafetyNetClassifier(GraphComponent, IntentClassifier):  # type: ignore[misc]
    """Overrides the predicted intent with `emergency` when the safety net matches."""

    @classmethod
    def required_components(cls) -> list[type]:
        # Order is set by config.yml (after DIET); requiring a classifier here breaks the
        # training graph, where this component's train node has no classifier before it.
        return []

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"lexicon": "data/safety/lexicon.yml"}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        lexicon_text: str | None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._lexicon_text = lexicon_text
        self._net: SafetyNet | None = None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SafetyNetClassifier:
        return cls(config, model_storage, resource, None)

    def train(self, training_data: TrainingData) -> Resource:
        self._lexicon_text = read_sources({LEXICON_FILE: self._config["lexicon"]})[LEXICON_FILE]
        _net_from_text(self._lexicon_text)  # fail the training on a broken lexicon
        save_texts(self._model_storage, self._resource, {LEXICON_FILE: self._lexicon_text})
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SafetyNetClassifier:
        text = load_texts(model_storage, resource, (LEXICON_FILE,))[LEXICON_FILE]
        return cls(config, model_storage, resource, text)

    def _safety_net(self) -> SafetyNet:
        if self._net is None:
            if self._lexicon_text is None:
                self._lexicon_text = read_sources({LEXICON_FILE: self._config["lexicon"]})[
                    LEXICON_FILE
                ]
            self._net = _net_from_text(self._lexicon_text)
        return self._net

    def process(self, messages: list[Message]) -> list[Message]:
        net = self._safety_net()
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            match = net.check(text)
            if match is None:
                if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == EMERGENCY_INTENT:
                    # The model's own emergency: the general reply, never a stale danger's.
                    set_entity(message, DANGER_ENTITY, GENERAL_DANGER, type(self).__name__)
                continue
            logger.info("safety_net.match category=%s pattern=%s", match.category, match.pattern_id)
            force_intent(message, EMERGENCY_INTENT)
            set_entity(message, DANGER_ENTITY, match.category, type(self).__name__)
        return messages
