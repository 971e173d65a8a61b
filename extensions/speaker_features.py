"""Rasa featurizer around `bot.speaker.cues`: who is targeted and who speaks, as features for DIET.

Four sentence features (an adult about a child, a peer, the writer as the target, the writer
told by someone else), read on the safety net's normalised text. DIET learns how much they
weigh: they never decide the role by themselves (issue 12: "features, not rules"). Sequence
features are zeros of the same width: DIET needs both kinds from a featurizer.

The lexicon (for the normalisation) is stored in the model, like the safety net's.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.constants import (
    FEATURE_TYPE_SENTENCE,
    FEATURE_TYPE_SEQUENCE,
    TEXT,
    TEXT_TOKENS,
)
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.speaker import CUES, cues
from extensions.stored_texts import LexiconComponent


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER, is_trainable=True)
class SpeakerFeaturizer(LexiconComponent):
    """Adds the speaker cues of `bot.speaker` as sparse features of the text."""

    @classmethod
    def required_components(cls) -> list[type]:
        return [Tokenizer]

    def _featurize(self, message: Message) -> None:
        text = message.get(TEXT)
        tokens = message.get(TEXT_TOKENS) or []
        if not text or not tokens:
            return
        row = np.array([cues(self.built(), text)], dtype=np.float32)
        name = type(self).__name__
        sequence = scipy.sparse.coo_matrix((len(tokens), len(CUES)), dtype=np.float32)
        message.add_features(Features(sequence, FEATURE_TYPE_SEQUENCE, TEXT, name))
        sentence = scipy.sparse.coo_matrix(row)
        message.add_features(Features(sentence, FEATURE_TYPE_SENTENCE, TEXT, name))

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            self._featurize(example)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._featurize(message)
        return messages
