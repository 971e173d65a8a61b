"""Rasa NLU component around `bot.danger_model`: a learned second check for a risk to life.

It reads what the safety net reads: the message normalised, its idioms removed (the lexicon is
stored in the model with the classifier). Trained with the model (`rasa train`) on the examples
file (`data/safety/danger_examples.tsv`, (category, text) pairs) and on every non-emergency
example of the NLU data as `none`; the fitted classifier is stored inside the model.

When it runs, a message whose probability of telling a risk to life reaches `threshold`
(`harm_threshold` when the message was already read as a kind of harm) gets the `emergency`
intent and the `danger` entity of the likeliest kind (suicide, farewell, self-harm). On a message
the intent model already read as an emergency, it names the kind of danger among all it learned,
the attacks and abuse happening now included (`NAMED_ONLY`: those never make an emergency here).
The examples of those kinds are the file's and the NLU data's own emergencies, named by the
safety net's category. It sits before the safety net, which runs last: the net's own match, when
there is one, decides the kind of danger.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
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

from bot.danger_model import NONE, DangerModel, parse_examples
from bot.harms import HARMS
from bot.safety import SafetyNet
from extensions.harm_signals import force_intent, set_entity

logger = logging.getLogger(__name__)

EMERGENCY_INTENT = "emergency"
DANGER_ENTITY = "danger"
LIFE = ("suicide", "farewell", "self_harm", "overdose")
# Dangers that are emergencies only "now": learned to name the danger of a model's emergency.
NAMED_ONLY = ("threat_now", "violence_home", "sexual_assault", "predator_meeting")
CATEGORIES = LIFE + NAMED_ONLY
MODEL_FILE = "danger_model.pickle"
LEXICON_FILE = "lexicon.yml"


def _net(lexicon: str) -> SafetyNet:
    return SafetyNet.from_mapping(yaml.safe_load(lexicon))


def _without_idioms(net: SafetyNet, text: str) -> str:
    """The safety net's normalised text with its idioms removed ("mort de rire", "je vais te
    sauter au cou"): both checks ignore the same idioms."""
    return net.strip_idioms(net.normalize(text))


def training_examples(
    examples_file: str, training_data: TrainingData, net: SafetyNet
) -> list[tuple[str, str]]:
    """(kind, text): the examples file; each non-emergency NLU example as `none`; each NLU
    emergency whose safety-net category is a `NAMED_ONLY` kind, as that kind (once: a text of
    the file is not taken again from the NLU data)."""
    examples = parse_examples(Path(examples_file).read_text(encoding="utf-8"), CATEGORIES)
    seen = {text for _, text in examples}
    for message in training_data.intent_examples:
        text = message.get(TEXT)
        if not text or text in seen:
            continue
        if message.get(INTENT) != EMERGENCY_INTENT:
            examples.append((NONE, text))
        elif (match := net.check(text)) is not None and match.category in NAMED_ONLY:
            examples.append((match.category, text))
    return examples


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class DangerModelClassifier(GraphComponent, IntentClassifier):  # type: ignore[misc]
    """Adds `emergency` when the learned risk-to-life probability reaches the threshold."""

    @classmethod
    def required_components(cls) -> list[type]:
        return []

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {
            "examples": "data/safety/danger_examples.tsv",
            "lexicon": "data/safety/lexicon.yml",
            "threshold": 0.55,
            "harm_threshold": 0.9,
            "regularization": 30.0,
        }

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        model: DangerModel | None,
        net: SafetyNet | None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._model = model
        self._net = net

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> DangerModelClassifier:
        return cls(config, model_storage, resource, None, None)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> DangerModelClassifier:
        with model_storage.read_from(resource) as directory:
            model = DangerModel.from_bytes((directory / MODEL_FILE).read_bytes())
            lexicon = (directory / LEXICON_FILE).read_text(encoding="utf-8")
        return cls(config, model_storage, resource, model, _net(lexicon))

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The examples file and the lexicon are part of the training's fingerprint (Rasa only
        hashes the NLU data): a change to either retrains the classifier."""
        paths = {**cls.get_default_config(), **config}
        digest = hashlib.sha256()
        for key in ("examples", "lexicon"):
            digest.update(Path(paths[key]).read_bytes() + b"\0")
        return digest.hexdigest()

    def train(self, training_data: TrainingData) -> Resource:
        lexicon = Path(self._config["lexicon"]).read_text(encoding="utf-8")
        net = self._net = _net(lexicon)
        examples = training_examples(self._config["examples"], training_data, net)
        cleaned = [(category, _without_idioms(net, text)) for category, text in examples]
        self._model = DangerModel.train(cleaned, float(self._config["regularization"]), LIFE)
        with self._model_storage.write_to(self._resource) as directory:
            (directory / MODEL_FILE).write_bytes(self._model.to_bytes())
            (directory / LEXICON_FILE).write_text(lexicon, encoding="utf-8")
        logger.info("danger_model.trained examples=%d", len(examples))
        return self._resource

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None or self._net is None:
            return messages
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            score = self._model.score(_without_idioms(self._net, text))
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
            if intent == EMERGENCY_INTENT:
                # The intent model's emergency: name its kind when the evidence is there.
                if score.any_danger >= float(self._config["threshold"]):
                    logger.info("danger_model.named category=%s", score.kind)
                    set_entity(message, DANGER_ENTITY, score.kind, type(self).__name__)
                continue
            if score.probability < self._threshold(message):
                continue
            logger.info("danger_model.match category=%s", score.category)
            force_intent(message, EMERGENCY_INTENT)
            set_entity(message, DANGER_ENTITY, score.category, type(self).__name__)
        return messages

    def _threshold(self, message: Message) -> float:
        """A message already read as a kind of harm (distress, eating troubles, a hacked
        account...: the harm lexicon or the intent model) needs stronger evidence: sadness and
        danger share many words, and the harm's own reply fits sadness."""
        intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY)
        key = "harm_threshold" if intent in HARMS else "threshold"
        return float(self._config[key])
