"""The speaker featurizer gives DIET who is targeted and who speaks, as features of the message.

Phrasings written for this test, never copied from an evaluation set.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.tokenizers.whitespace_tokenizer import WhitespaceTokenizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.speaker import CUES
from extensions.speaker_features import SpeakerFeaturizer


def featurize(featurizer: SpeakerFeaturizer, text: str) -> dict[str, bool]:
    message = Message(data={TEXT: text})
    tokenizer = WhitespaceTokenizer(WhitespaceTokenizer.get_default_config())
    tokenizer.process([message])
    featurizer.process([message])
    sequence, sentence = message.get_sparse_features(TEXT)
    assert sequence is not None and sentence is not None
    assert sequence.features.shape == (len(message.get("text_tokens")), len(CUES))
    row = sentence.features.toarray()[0]
    return {cue: bool(value) for cue, value in zip(CUES, row, strict=True)}


@pytest.fixture
def trained(tmp_path: Path) -> SpeakerFeaturizer:
    """Trained, then loaded back from the model storage as a served model is."""
    storage = LocalModelStorage(tmp_path)
    resource = Resource("speaker")
    context = ExecutionContext(graph_schema=None, model_id="test")  # type: ignore[arg-type]
    config = SpeakerFeaturizer.get_default_config()
    SpeakerFeaturizer.create(config, storage, resource, context).train(TrainingData())
    return SpeakerFeaturizer.load(config, storage, resource, context)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ma fille se fait harceler sur snap", {"adult_speaker"}),
        ("je suis CPE, un eleve se fait harceler", {"adult_speaker", "peer_targeted"}),
        ("un mec de ma classe se fait taper", {"peer_targeted"}),
        ("jsuis harcelee depuis la rentree, ils m'insultent", {"self_targeted"}),
        ("ma pote m'a dit qu'on la menace", {"peer_targeted", "told_by_someone"}),
        ("bonjour", set()),
    ],
)
def test_the_cues_of_a_message_become_its_sentence_features(
    trained: SpeakerFeaturizer, text: str, expected: set[str]
) -> None:
    features = featurize(trained, text)
    assert {cue for cue, on in features.items() if on} == expected


def test_the_model_keeps_the_lexicon_it_was_trained_with(tmp_path: Path) -> None:
    """Loaded from the model, the featurizer does not read `data/` again."""
    storage = LocalModelStorage(tmp_path)
    resource = Resource("speaker")
    context = ExecutionContext(graph_schema=None, model_id="test")  # type: ignore[arg-type]
    config = SpeakerFeaturizer.get_default_config()
    SpeakerFeaturizer.create(config, storage, resource, context).train(TrainingData())
    moved = {**config, "lexicon": str(tmp_path / "nowhere.yml")}
    loaded = SpeakerFeaturizer.load(moved, storage, resource, context)
    assert featurize(loaded, "mon fils est harcele")["adult_speaker"]
