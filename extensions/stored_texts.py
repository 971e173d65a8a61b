"""Source files a component reads at training time and keeps inside the model.

The safety net and the harm signals read their lexicons from `data/` when the model is trained,
store the texts in the model, and read them back from there when it is loaded: a served model
never depends on files that changed since it was trained.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage

__all__ = ["load_texts", "read_sources", "save_texts"]


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
