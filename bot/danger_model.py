"""A learned check for a risk to life, beside the deterministic safety net.

The safety net (`bot.safety`) fires on wording its lexicon foresaw; messages written by people
who never saw the lexicon show that most suicidal wording is indirect ("j'ai pris ce qu'il faut
pour demain", "vous serez enfin tranquilles") and escapes any list of phrases. This model reads
the same message as character and word n-grams and says how likely it is that it tells a wish
to die, a plan, a friend's farewell or self-harm, and which of those. It never replaces the net:
the NLU component (`extensions.danger_model`) only ADDS an emergency when the net is silent and
the probability reaches the configured threshold.

Only the kinds of danger whose words do not depend on time make an emergency here (the `life`
kinds: suicide, a friend's farewell, self-harm, overdose). An attack or abuse is an emergency
only when it is happening now, a distinction the net's `{now}` words make and n-grams blur: those
kinds are learned too, but only to NAME the danger of a message already read as an emergency
(so an attack gets the police first, not the 3114), never to make one.

Training examples are (category, text) pairs; the category `none` marks a message that is not a
risk to life. Pure: no I/O, no logging, nothing at import time.
"""

from __future__ import annotations

import io
import pickle
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

from bot.normalize import normalize

__all__ = ["NONE", "DangerModel", "DangerScore", "ExampleError", "parse_examples"]

NONE: Final = "none"
_HEADER: Final = ("category", "text")


class ExampleError(ValueError):
    """The examples file is malformed. Messages name a line number, never its text."""


@dataclass(frozen=True)
class DangerScore:
    probability: float  # that the message tells a risk to life (the `life` kinds)
    category: str  # the likeliest risk to life
    any_danger: float  # that it tells any kind of danger the examples name
    kind: str  # the likeliest kind of danger of all (never `none`)


def parse_examples(text: str, categories: Iterable[str]) -> list[tuple[str, str]]:
    """(category, text) pairs of a TSV file with the header `category<TAB>text`."""
    allowed = {*categories, NONE}
    lines = text.splitlines()
    if not lines or tuple(lines[0].split("\t")) != _HEADER:
        raise ExampleError("line 1: the header must be 'category<TAB>text'")
    examples: list[tuple[str, str]] = []
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) != 2 or not fields[1].strip():
            raise ExampleError(f"line {number}: expected a category and a text")
        if fields[0] not in allowed:
            raise ExampleError(f"line {number}: unknown category {fields[0]!r}")
        examples.append((fields[0], fields[1]))
    return examples


def _normalized(texts: Iterable[str]) -> list[str]:
    return [normalize(text) for text in texts]


class DangerModel:
    """A fitted classifier. Build it with :meth:`train` or :meth:`from_bytes`."""

    def __init__(self, pipeline: Any, classes: Sequence[str], life: Iterable[str]) -> None:
        self._pipeline = pipeline
        self._classes = tuple(classes)
        self._life = frozenset(life) & set(self._classes)

    @classmethod
    def train(
        cls,
        examples: Sequence[tuple[str, str]],
        regularization: float = 30.0,
        life: Iterable[str] | None = None,
    ) -> DangerModel:
        """Fits character (2-5) and word (1-2) n-gram TF-IDF features and a logistic regression
        with balanced class weights (danger examples are few beside ordinary ones). `life`: the
        kinds that tell a risk to life (all of them when not given)."""
        # scikit-learn is imported here: loading this module costs nothing.
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.pipeline import make_pipeline, make_union

        categories = {category for category, _ in examples}
        life = categories - {NONE} if life is None else set(life)
        if NONE not in categories or not life & categories:
            raise ExampleError("training needs `none` examples and a risk to life")
        features = make_union(
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=2, sublinear_tf=True),
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True),
        )
        classifier = LogisticRegression(
            C=regularization, class_weight="balanced", max_iter=2000, random_state=0
        )
        pipeline = make_pipeline(features, classifier)
        pipeline.fit(_normalized(text for _, text in examples), [c for c, _ in examples])
        return cls(pipeline, [str(name) for name in classifier.classes_], life)

    def scores(self, texts: Sequence[str]) -> list[DangerScore]:
        rows = self._pipeline.predict_proba(_normalized(texts))
        none_index = self._classes.index(NONE)
        result = []
        for row in rows:
            dangers = [(float(p), c) for c, p in zip(self._classes, row, strict=True) if c != NONE]
            lives = [(p, c) for p, c in dangers if c in self._life]
            result.append(
                DangerScore(
                    probability=sum(p for p, _ in lives),
                    category=max(lives)[1],
                    any_danger=1.0 - float(row[none_index]),
                    kind=max(dangers)[1],
                )
            )
        return result

    def score(self, text: str) -> DangerScore:
        return self.scores([text])[0]

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        state = (self._pipeline, self._classes, sorted(self._life))
        pickle.dump(state, buffer, protocol=pickle.HIGHEST_PROTOCOL)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> DangerModel:
        """Reads what :meth:`to_bytes` wrote (the model's own file, never user input)."""
        pipeline, classes, life = pickle.loads(data)  # our own trained model, never user input
        return cls(pipeline, classes, life)
