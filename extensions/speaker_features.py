"""Rasa NLU featurizer around `bot.speaker`: who is targeted and who speaks, as features for DIET.

Most role errors confuse the target (me, a peer, my child or pupil). The deterministic cues of
`bot.speaker` (an adult speaking of a child, a peer targeted, the writer targeted, something a
friend told) go to DIET as four sentence features; DIET weighs them with the words, they decide
nothing by themselves. Tokens get no cue of their own (an all-zero sequence block keeps the
sequence and sentence features of the same featurizer aligned, as DIET expects). The lexicon
that normalises the text is read at training time and stored inside the model.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse
import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import TOKENS_NAMES
from rasa.nlu.featurizers.sparse_featurizer.sparse_featurizer import SparseFeaturizer
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.safety import SafetyNet
from bot.speaker import CUES, cues
from extensions.stored_texts import load_texts, read_sources, save_texts

__all__ = ["SpeakerFeaturizer"]

LEXICON_FILE = "lexicon.yml"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SpeakerFeaturizer(SparseFeaturizer, GraphComponent):  # type: ignore[misc]
    """Adds the speaker cues of each message as sparse sentence features."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**SparseFeaturizer.get_default_config(), "lexicon": "data/safety/lexicon.yml"}

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if not config.get("lexicon"):
            raise ValueError("SpeakerFeaturizer needs `lexicon`, the safety net's lexicon file")

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        lexicon_text: str | None,
    ) -> None:
        super().__init__(type(self).__name__, config)
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
    ) -> SpeakerFeaturizer:
        return cls(config, model_storage, resource, None)

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> SpeakerFeaturizer:
        text = load_texts(model_storage, resource, (LEXICON_FILE,))[LEXICON_FILE]
        return cls(config, model_storage, resource, text)

    def train(self, training_data: TrainingData) -> Resource:
        self._lexicon_text = read_sources({LEXICON_FILE: self._config["lexicon"]})[LEXICON_FILE]
        save_texts(self._model_storage, self._resource, {LEXICON_FILE: self._lexicon_text})
        return self._resource

    def _safety_net(self) -> SafetyNet:
        if self._net is None:
            if self._lexicon_text is None:
                self._lexicon_text = read_sources({LEXICON_FILE: self._config["lexicon"]})[
                    LEXICON_FILE
                ]
            self._net = SafetyNet.from_mapping(yaml.safe_load(self._lexicon_text))
        return self._net

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._featurize(example)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._featurize(message)
        return messages

    def _featurize(self, message: Message) -> None:
        text = message.get(TEXT)
        tokens = message.get(TOKENS_NAMES[TEXT]) or []
        if not text or not tokens:
            return
        sentence = np.array([cues(self._safety_net(), text)], dtype=np.float32)
        sequence = np.zeros((len(tokens), len(CUES)), dtype=np.float32)
        self.add_features_to_message(
            scipy.sparse.coo_matrix(sequence), scipy.sparse.coo_matrix(sentence), TEXT, message
        )
