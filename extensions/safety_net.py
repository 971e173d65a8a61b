"""Rasa NLU component around `bot.safety`: forces the `emergency` intent on danger wording.

It runs after the intent classifier and before the FallbackClassifier, so a danger message is
never turned into a fallback, whatever the model's confidence. The lexicon is read from the
project's data file at training time and stored inside the model, so the model that is evaluated
is the model that is served.
"""

from __future__ import annotations

import logging

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from extensions.harm_signals import force_intent, set_entity
from extensions.stored_texts import LexiconComponent

logger = logging.getLogger(__name__)

EMERGENCY_INTENT = "emergency"
DANGER_ENTITY = "danger"
GENERAL_DANGER = "general"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class SafetyNetClassifier(LexiconComponent, IntentClassifier):  # type: ignore[misc]
    """Overrides the predicted intent with `emergency` when the safety net matches."""

    @classmethod
    def required_components(cls) -> list[type]:
        # Order is set by config.yml (after DIET); requiring a classifier here breaks the
        # training graph, where this component's train node has no classifier before it.
        return []

    def process(self, messages: list[Message]) -> list[Message]:
        net = self.built()
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            match = net.check(text)
            if match is None:
                if (message.get(INTENT) or {}).get(INTENT_NAME_KEY) == EMERGENCY_INTENT and not any(
                    entity.get("entity") == DANGER_ENTITY for entity in message.get(ENTITIES) or []
                ):
                    # The model's own emergency: the general reply, unless the danger model
                    # (`extensions.danger_model`, before this one) named the kind of danger.
                    set_entity(message, DANGER_ENTITY, GENERAL_DANGER, type(self).__name__)
                continue
            logger.info("safety_net.match category=%s pattern=%s", match.category, match.pattern_id)
            force_intent(message, EMERGENCY_INTENT)
            set_entity(message, DANGER_ENTITY, match.category, type(self).__name__)
        return messages
