"""Who is targeted and who speaks reach the intent model as features (issue 12): the speaker cues
of `bot.speaker`, added by `extensions.speaker_features` to every message, in training and when
serving, from the lexicon stored in the model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.safety import SafetyNet, default_lexicon_path
from bot.speaker import CUES, cues
from extensions.speaker_features import SpeakerFeaturizer

# text -> (adult about a child, about a peer, about themself, reported speech)
CASES = [
    ("mon fils se fait insulter sur snap", (True, False, False, False)),
    ("une fille de ma classe se fait frapper tous les jours", (False, True, False, False)),
    ("on m'insulte dans le groupe de la classe", (False, False, True, False)),
    ("je suis prof et un élève se fait harceler", (True, True, False, False)),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_the_cues_say_who_is_targeted_and_who_speaks(text: str, expected: tuple[bool, ...]) -> None:
    assert cues(SafetyNet.from_file(default_lexicon_path()), text) == expected


def _context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


def _tokenized(text: str) -> Message:
    message = Message(data={TEXT: text})
    WhitespaceTokenizer(WhitespaceTokenizer.get_default_config()).process([message])
    return message


def test_a_loaded_model_adds_the_cues_as_sentence_features(tmp_path: Path) -> None:
    storage, resource = LocalModelStorage(tmp_path), Resource("speaker")
    config = SpeakerFeaturizer.get_default_config()
    trained = SpeakerFeaturizer.create(config, storage, resource, _context())
    trained.train(TrainingData())
    served = SpeakerFeaturizer.load(config, storage, resource, _context())
    message = _tokenized("mon fils se fait insulter sur snap")
    served.process([message])
    sequence, sentence = message.get_sparse_features(TEXT)
    assert sentence is not None and sequence is not None
    assert np.array_equal(sentence.features.toarray(), [[1.0, 0.0, 0.0, 0.0]])
    # one (empty) row per token, as wide as the cues: DIET needs both kinds
    assert sequence.features.shape == (7, len(CUES))
    assert sequence.features.nnz == 0


def test_training_examples_get_the_same_features(tmp_path: Path) -> None:
    featurizer = SpeakerFeaturizer.create(
        SpeakerFeaturizer.get_default_config(),
        LocalModelStorage(tmp_path),
        Resource("speaker"),
        _context(),
    )
    example = _tokenized("une fille de ma classe se fait frapper")
    featurizer.process_training_data(TrainingData([example]))
    _, sentence = example.get_sparse_features(TEXT)
    assert sentence is not None
    assert np.array_equal(sentence.features.toarray(), [[0.0, 1.0, 0.0, 0.0]])
