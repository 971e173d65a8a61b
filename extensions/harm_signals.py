"""Rasa NLU component around `bot.harms` and `bot.speaker`: what happened, and who speaks.

It runs after the FallbackClassifier and before the safety net (which runs last and wins):
- a strong harm match (sexual violence, abuse at home, eating troubles, author...) replaces the
  model's intent with the harm's intent: the line made for that harm is what the person needs,
  whoever the model thought was writing;
- a weak harm match (`distress`) replaces an answer that had no role (out of scope, unsure), or
  a role told without any harassment situation ("ma soeur a plus gout a rien");
- an emergency that only the model guessed gives way to a harm that is never a danger by itself
  (distress, eating troubles, hacked account...); the safety net, after this, still forces the
  emergency on danger wording;
- the `speaker` entity (`victim`, `witness`, `parent`) says who writes, and the `voice` entity
  (`vous`) marks an adult, for the role of a harm and the "vous" of every reply.
The lexicons are read at training time and stored inside the model, like the safety net's.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, ClassVar

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from bot.harms import NOT_DANGER_HARMS, STRONG_HARMS, WEAK_HARMS, HarmNet
from bot.roles import KIT_ROLES
from bot.speaker import ADULT, speaker
from extensions.stored_texts import StoredTextsComponent

logger = logging.getLogger(__name__)

HARMS_FILE = "harms.yml"
LEXICON_FILE = "lexicon.yml"
SPEAKER_ENTITY = "speaker"
VOICE_ENTITY = "voice"
# Intents a weak harm may replace: answers that say nothing of a role or a kind of harm.
NO_ROLE_INTENTS = frozenset(
    {"out_of_scope", "nlu_fallback", "greet", "affirm", "deny", "thanks", "goodbye", "ask_human"}
)
EMERGENCY_INTENT = "emergency"
ROLE_INTENTS = frozenset(KIT_ROLES)
SITUATION_ENTITY = "situation"


def replaces(harm: str, intent: str | None, has_situation: bool) -> bool:
    """Whether a harm match replaces the model's intent (see the module's docstring)."""
    if intent == EMERGENCY_INTENT:
        return harm in NOT_DANGER_HARMS
    if harm in STRONG_HARMS:
        return True
    if harm in WEAK_HARMS:
        return intent in NO_ROLE_INTENTS or (intent in ROLE_INTENTS and not has_situation)
    return False


def force_intent(message: Message, intent: str) -> None:
    """Sets `intent` with confidence 1 at the head of the ranking (also used by the safety net)."""
    forced = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
    ranking = [
        item
        for item in message.get(INTENT_RANKING_KEY) or []
        if item.get(INTENT_NAME_KEY) != intent
    ]
    message.set(INTENT, forced, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [forced, *ranking], add_to_output=True)


def set_entity(message: Message, name: str, value: str, extractor: str) -> None:
    """Replaces the `name` entity with one that spans the whole message (never logged)."""
    text = message.get(TEXT) or ""
    entities = [e for e in message.get(ENTITIES) or [] if e.get("entity") != name]
    entities.append(
        {
            "entity": name,
            "value": value,
            "start": 0,
            "end": len(text),
            "confidence": 1.0,
            "extractor": extractor,
        }
    )
    message.set(ENTITIES, entities, add_to_output=True)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class HarmSignalsClassifier(StoredTextsComponent[HarmNet], IntentClassifier):  # type: ignore[misc]
    """Forces the harm's intent on a harm match; adds the `speaker` and `voice` entities."""

    @classmethod
    def required_components(cls) -> list[type]:
        return []  # placed by config.yml, after the fallback and before the safety net

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"harms": "data/safety/harms.yml", "lexicon": "data/safety/lexicon.yml"}

    SOURCES: ClassVar[Mapping[str, str]] = {HARMS_FILE: "harms", LEXICON_FILE: "lexicon"}

    def _build(self, texts: Mapping[str, str]) -> HarmNet:
        return HarmNet.from_texts(texts[HARMS_FILE], texts[LEXICON_FILE])

    def process(self, messages: list[Message]) -> list[Message]:
        net = self.built()
        name = type(self).__name__
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            match = net.check(text)
            has_situation = any(
                e.get("entity") == SITUATION_ENTITY for e in message.get(ENTITIES) or []
            )
            if match is not None and replaces(match.category, intent, has_situation):
                logger.info("harm.match category=%s pattern=%s", match.category, match.pattern_id)
                force_intent(message, match.category)
            who = speaker(net.net, text)
            if who is not None:
                set_entity(message, SPEAKER_ENTITY, who, name)
                if who == ADULT:
                    set_entity(message, VOICE_ENTITY, "vous", name)
        return messages
