"""Rasa's `SpacyNLP`, loading only the spaCy components the features use.

Rasa loads the whole French pipeline (it only disables the parser): the named-entity recogniser,
with a token-to-vector network of its own, runs on every message and nothing reads its entities.
The features need the `lemmatizer` (the words of `CountVectorsFeaturizer`) and what it reads: the
part of speech of the `morphologizer` and `attribute_ruler`, on the shared `tok2vec` (`_sm` has no
word vectors, so `SpacyFeaturizer` adds none). The components in `exclude` are never loaded: the
same features (tests/test_spacy_lean.py), less work per message, less memory per replica.

The class keeps Rasa's name: the spaCy tokenizer and featurizer find their model provider by
the class name `SpacyNLP` (`DefaultV1Recipe._get_model_provider_needs`), so importing this
module registers it in that name's place.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.model import InvalidModelError
from rasa.nlu.utils import spacy_utils
from rasa.nlu.utils.spacy_utils import SpacyModel

__all__ = ["SpacyNLP"]


@DefaultV1Recipe.register(
    [
        DefaultV1Recipe.ComponentType.MODEL_LOADER,
        DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER,
    ],
    is_trainable=False,
    model_from="SpacyNLP",
)
class SpacyNLP(spacy_utils.SpacyNLP):  # type: ignore[misc]
    """Provides the spaCy pipeline without the components listed in `exclude`."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**spacy_utils.SpacyNLP.get_default_config(), "exclude": ["parser", "ner"]}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SpacyNLP:
        import spacy

        config = {**cls.get_default_config(), **config}
        name = config.get("model")
        if not name:
            raise InvalidModelError("SpacyNLP needs a `model` (config.yml)")
        try:
            language = spacy.load(name, exclude=list(config["exclude"]))
        except OSError as error:
            raise InvalidModelError(f"spaCy model {name!r} is not installed") from error
        cls.ensure_proper_language_model(language)
        return cls(SpacyModel(model=language, model_name=name), config)
