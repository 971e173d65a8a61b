"""The served model loads only the spaCy components its features read (issue 12): the features
are the same as with Rasa's own `SpacyNLP`, and the left-out components are not in memory."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import yaml
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.nlu.featurizers.dense_featurizer.spacy_featurizer import SpacyFeaturizer
from rasa.nlu.tokenizers.spacy_tokenizer import SpacyTokenizer
from rasa.nlu.utils import spacy_utils
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from extensions.spacy_lean import SpacyNLP
from tests.conftest import ROOT

TEXTS = [
    "on m'insulte dans le groupe de la classe depuis la rentrée",
    "Mon fils ne veut plus aller au collège, je crois qu'on se moque de lui",
    "une fille de ma classe a vu ses photos tourner sur un compte fisha",
    "jsuis en train de me faire suivre par 2 mecs",
]


def _served_config() -> dict[str, object]:
    pipeline = yaml.safe_load((ROOT / "config.yml").read_text(encoding="utf-8"))["pipeline"]
    first = pipeline[0]
    assert first["name"] == "extensions.spacy_lean.SpacyNLP"
    return {key: value for key, value in first.items() if key != "name"}


def _features(provider: spacy_utils.SpacyNLP, tmp_path: Path) -> list[tuple[list[Any], ...]]:
    """What the tokenizer and the dense featurizer make of each text with this provider."""
    context = ExecutionContext(GraphSchema({}), "test")
    storage = LocalModelStorage(tmp_path)
    tokenizer = SpacyTokenizer.create(
        SpacyTokenizer.get_default_config(), storage, Resource("tok"), context
    )
    featurizer = SpacyFeaturizer.create(
        {**SpacyFeaturizer.get_default_config(), "name": "spacy"}, storage, Resource("f"), context
    )
    messages = [Message(data={TEXT: text}) for text in TEXTS]
    provider.process(messages, provider.provide())
    tokenizer.process(messages)
    featurizer.process(messages)
    out = []
    for message in messages:
        tokens = message.get("text_tokens")
        # `_sm` has no word vectors: then the dense featurizer adds nothing (with `_md`, its
        # vectors), and the lemmas of the count features are what spaCy gives.
        dense = [f.features for f in message.get_dense_features(TEXT) if f is not None]
        out.append(
            (
                [token.lemma for token in tokens],
                [token.data.get("pos") for token in tokens],
                dense,
            )
        )
    return out


def test_the_served_pipeline_leaves_out_the_parser_and_the_entity_recogniser(
    tmp_path: Path,
) -> None:
    context = ExecutionContext(GraphSchema({}), "test")
    lean = SpacyNLP.create(_served_config(), LocalModelStorage(tmp_path), Resource("s"), context)
    loaded = lean.provide().model.pipe_names
    assert "ner" not in loaded and "parser" not in loaded
    assert {"tok2vec", "morphologizer", "lemmatizer"} <= set(loaded)


def test_the_features_are_those_of_rasas_full_pipeline(tmp_path: Path) -> None:
    context = ExecutionContext(GraphSchema({}), "test")
    config = _served_config()
    lean = SpacyNLP.create(config, LocalModelStorage(tmp_path), Resource("s"), context)
    full = spacy_utils.SpacyNLP.create(
        {"model": config["model"]}, LocalModelStorage(tmp_path), Resource("full"), context
    )
    assert "ner" in full.provide().model.pipe_names  # the comparison means something
    for mine, rasas in zip(_features(lean, tmp_path), _features(full, tmp_path), strict=True):
        assert mine[0] == rasas[0] and mine[1] == rasas[1]
        assert len(mine[2]) == len(rasas[2])
        assert all(np.allclose(a, b) for a, b in zip(mine[2], rasas[2], strict=True))
