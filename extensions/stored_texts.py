"""NLU components built from source files read at training time and kept inside the model.

The safety net and the harm signals read their lexicons from `data/` when the model is trained,
store the texts in the model, and read them back from there when it is loaded: a served model
never depends on files that changed since it was trained. `StoredTextsComponent` is that life
cycle once; a component names its files (`SOURCES`) and says how to build its matcher from them.
"""

from __future__ import annotations

import hashlib
from abc import abstractmethod
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, ClassVar, Generic, TypeVar

import yaml
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.safety import SafetyNet

__all__ = ["LexiconComponent", "StoredTextsComponent", "load_texts", "read_sources", "save_texts"]

Built = TypeVar("Built")
Component = TypeVar("Component", bound="StoredTextsComponent[Any]")


def read_sources(paths: Mapping[str, str]) -> dict[str, str]:
    """{stored name: text} of each source file ({stored name: path})."""
    return {name: Path(path).read_text(encoding="utf-8") for name, path in paths.items()}


def save_texts(model_storage: ModelStorage, resource: Resource, texts: Mapping[str, str]) -> None:
    with model_storage.write_to(resource) as directory:
        for name, text in texts.items():
            (directory / name).write_text(text, encoding="utf-8")


def load_texts(
    model_storage: ModelStorage, resource: Resource, names: Iterable[str]
) -> dict[str, str]:
    with model_storage.read_from(resource) as directory:
        return {name: (directory / name).read_text(encoding="utf-8") for name in names}


class StoredTextsComponent(GraphComponent, Generic[Built]):  # type: ignore[misc]
    """Reads `SOURCES` when trained (a broken file fails the training), keeps their texts in the
    model, and builds what `_build` makes of them once, on first use."""

    # stored file name -> the config key that holds its path in the project
    SOURCES: ClassVar[Mapping[str, str]]

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        texts: dict[str, str] | None,
    ) -> None:
        self._config = config
        self._model_storage = model_storage
        self._resource = resource
        self._texts = texts
        self._built: Built | None = None

    @classmethod
    def create(
        cls: type[Component],
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> Component:
        return cls(config, model_storage, resource, None)

    @classmethod
    def load(
        cls: type[Component],
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> Component:
        return cls(
            config, model_storage, resource, load_texts(model_storage, resource, cls.SOURCES)
        )

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        """The sources' texts are part of the training's fingerprint: without them, Rasa's
        training cache hands back the texts stored by an earlier training when only a lexicon
        changed, and the new model would hold the old safety net."""
        paths = {**cls.get_default_config(), **config}
        digest = hashlib.sha256()
        for name, text in sorted(
            read_sources({n: paths[k] for n, k in cls.SOURCES.items()}).items()
        ):
            digest.update(f"{name}\0{text}\0".encode())
        return digest.hexdigest()

    @abstractmethod
    def _build(self, texts: Mapping[str, str]) -> Built:
        """What the component matches with, from the stored texts."""

    def _read_sources(self) -> dict[str, str]:
        return read_sources({name: self._config[key] for name, key in self.SOURCES.items()})

    def train(self, training_data: TrainingData) -> Resource:
        self._texts = self._read_sources()
        self._built = self._build(self._texts)  # fail the training on a broken file
        save_texts(self._model_storage, self._resource, self._texts)
        return self._resource

    def built(self) -> Built:
        if self._built is None:
            self._built = self._build(self._texts or self._read_sources())
        return self._built


class LexiconComponent(StoredTextsComponent[SafetyNet]):
    """A component that reads messages with the safety net built from the stored lexicon."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"lexicon": "data/safety/lexicon.yml"}

    SOURCES: ClassVar[Mapping[str, str]] = {"lexicon.yml": "lexicon"}

    def _build(self, texts: Mapping[str, str]) -> SafetyNet:
        return SafetyNet.from_mapping(yaml.safe_load(texts["lexicon.yml"]))
