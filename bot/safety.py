"""Deterministic safety net: the check that must never miss a risk to life or an immediate danger.

It runs beside the NLU model and forces the emergency path whenever one lexicon pattern matches.
All words live in ``data/safety/lexicon.yml`` (format documented in its header); this module only
loads, compiles and applies them:

1. the message is normalised (:func:`bot.normalize.normalize`, with the lexicon's tables);
2. each ``exclude`` pattern (idioms such as "mort de rire") is replaced by a `` # `` mark, so the
   idiom can neither fire nor be bridged by a danger pattern, while the rest of the message is
   still checked ("mdr je suis mort mais en vrai je veux mourir" fires);
3. ``rules`` groups are tried in file order; the first matching pattern gives the result.

The result names a category and a pattern id, never the user's text. Nothing is logged. Building a
:class:`SafetyNet` compiles the regexes; importing this module does no work.
"""

from __future__ import annotations

import pathlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any, Final

import yaml

from bot.normalize import DEFAULT_LEET, fold, normalize

__all__ = [
    "CATEGORIES",
    "LexiconError",
    "SafetyMatch",
    "SafetyNet",
    "default_lexicon_path",
]

CATEGORIES: Final[frozenset[str]] = frozenset(
    {
        "suicide",
        "self_harm",
        "overdose",
        "threat_now",
        "violence_home",
        "farewell",
        "predator_meeting",
        "sexual_assault",
    }
)
LEXICON_VERSION: Final = 1
_EXCLUDED_MARK: Final = " # "
_DEF_REFERENCE: Final = re.compile(r"\{([a-z_]+)\}")
_CONTRACTION_KEY: Final = re.compile(r"[a-z0-9']+")
_PATTERN_KEYS: Final = frozenset({"id", "pattern", "note"})
_COMBINATION_KEYS: Final = frozenset({"id", "category", "all", "any", "at_least", "note"})


class LexiconError(ValueError):
    """The lexicon is malformed. Messages name the lexicon entry, never a user's text."""


@dataclass(frozen=True)
class SafetyMatch:
    category: str
    pattern_id: str


@dataclass(frozen=True)
class _Pattern:
    pattern_id: str
    category: str
    regex: re.Pattern[str]


@dataclass(frozen=True)
class _Combination:
    """Fires `category` when every concept of `every` and `at_least` concepts of `some` match."""

    combination_id: str
    category: str
    every: tuple[str, ...]
    some: tuple[str, ...]
    at_least: int

    def fires(self, present: frozenset[str]) -> bool:
        return set(self.every) <= present and len(present.intersection(self.some)) >= self.at_least


def default_lexicon_path() -> pathlib.Path:
    """``<repo>/data/safety/lexicon.yml``, found from this package's location."""
    return pathlib.Path(__file__).resolve().parent.parent / "data" / "safety" / "lexicon.yml"


def _mapping(value: object, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping) or not all(isinstance(key, str) for key in value):
        raise LexiconError(f"{where}: expected a mapping with string keys")
    return value


def _list(value: object, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise LexiconError(f"{where}: expected a list")
    return value


def _text(value: object, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise LexiconError(f"{where}: expected a non-empty string")
    return value


def _string_table(value: object, where: str) -> dict[str, str]:
    table = _mapping(value, where)
    return {key: _text(item, f"{where}.{key}") for key, item in table.items()}


def _load_defs(value: object) -> dict[str, str]:
    defs = _string_table(value, "defs") if value is not None else {}
    for name, body in defs.items():
        if not re.fullmatch(r"[a-z_]+", name):
            raise LexiconError(f"defs.{name}: names are lowercase letters and underscores")
        if _DEF_REFERENCE.search(body):
            raise LexiconError(f"defs.{name}: a def cannot use another def")
    return defs


def _compile(source: str, defs: Mapping[str, str], where: str) -> re.Pattern[str]:
    def expand(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in defs:
            raise LexiconError(f"{where}: unknown def {{{name}}}")
        return f"(?:{defs[name]})"

    try:
        return re.compile(_DEF_REFERENCE.sub(expand, source), re.ASCII)
    except re.error as exc:
        raise LexiconError(f"{where}: invalid regex ({exc})") from exc


def _entry(
    raw: object, where: str, keys: frozenset[str], seen: set[str]
) -> tuple[Mapping[str, Any], str]:
    """An entry with only known `keys` and an `id` not `seen` before (added to `seen`)."""
    entry = _mapping(raw, where)
    unknown = set(entry) - keys
    if unknown:
        raise LexiconError(f"{where}: unknown keys {sorted(unknown)}")
    entry_id = _text(entry.get("id"), f"{where}.id")
    if entry_id in seen:
        raise LexiconError(f"{where}: duplicate id {entry_id!r}")
    seen.add(entry_id)
    return entry, entry_id


def _load_patterns(
    value: object, category: str, defs: Mapping[str, str], where: str, seen: set[str]
) -> list[_Pattern]:
    patterns: list[_Pattern] = []
    for index, raw in enumerate(_list(value, where)):
        entry, pattern_id = _entry(raw, f"{where}[{index}]", _PATTERN_KEYS, seen)
        source = _text(entry.get("pattern"), f"{pattern_id}.pattern")
        patterns.append(_Pattern(pattern_id, category, _compile(source, defs, pattern_id)))
    return patterns


def _concept_names(value: object, concepts: Mapping[str, object], where: str) -> tuple[str, ...]:
    names = tuple(_text(item, where) for item in _list(value if value is not None else [], where))
    unknown = sorted(set(names) - set(concepts))
    if unknown:
        raise LexiconError(f"{where}: unknown concepts {unknown}")
    return names


def _load_combinations(
    value: object,
    concepts: Mapping[str, re.Pattern[str]],
    categories: frozenset[str],
    seen: set[str],
) -> list[_Combination]:
    combinations: list[_Combination] = []
    for index, raw in enumerate(_list(value, "combinations")):
        entry, combination_id = _entry(raw, f"combinations[{index}]", _COMBINATION_KEYS, seen)
        category = _text(entry.get("category"), f"{combination_id}.category")
        if category not in categories:
            raise LexiconError(f"{combination_id}: unknown category {category!r}")
        every = _concept_names(entry.get("all"), concepts, f"{combination_id}.all")
        some = _concept_names(entry.get("any"), concepts, f"{combination_id}.any")
        at_least = entry.get("at_least", 1 if some else 0)
        if not isinstance(at_least, int) or not 0 <= at_least <= len(some):
            raise LexiconError(f"{combination_id}.at_least: a number from 0 to len(any)")
        if len(every) + at_least < 2:
            raise LexiconError(f"{combination_id}: a combination needs at least two concepts")
        combinations.append(_Combination(combination_id, category, every, some, at_least))
    return combinations


@dataclass(frozen=True, eq=False)
class SafetyNet:
    """Compiled lexicon. Immutable; build it with :meth:`from_file` or :meth:`from_mapping`."""

    rules: tuple[_Pattern, ...]
    exclusions: tuple[_Pattern, ...]
    concepts: Mapping[str, re.Pattern[str]]
    combinations: tuple[_Combination, ...]
    contractions: Mapping[str, str]
    leet: Mapping[str, str]
    symbols: Mapping[str, str]

    @classmethod
    def from_file(cls, path: pathlib.Path, categories: frozenset[str] = CATEGORIES) -> SafetyNet:
        with path.open(encoding="utf-8") as handle:
            data: object = yaml.safe_load(handle)
        return cls.from_mapping(_mapping(data, str(path)), categories)

    @classmethod
    def from_mapping(
        cls, data: Mapping[str, Any], categories: frozenset[str] = CATEGORIES
    ) -> SafetyNet:
        """Compiles a lexicon whose rule groups name only `categories` (the danger ones by
        default; the harm lexicon passes its own), each with at least one pattern."""
        if data.get("version") != LEXICON_VERSION:
            raise LexiconError(f"version: expected {LEXICON_VERSION}")
        tables = _mapping(data.get("normalize", {}), "normalize")
        leet = _string_table(tables.get("leet", dict(DEFAULT_LEET)), "normalize.leet")
        for key, letter in leet.items():
            if len(key) != 1 or "a" <= key <= "z" or not re.fullmatch(r"[a-z]", letter):
                raise LexiconError(f"normalize.leet.{key}: one non-letter mapped to one letter")
        symbols = {
            key: normalize(word, leet=leet)
            for key, word in _string_table(tables.get("symbols", {}), "normalize.symbols").items()
        }
        contractions: dict[str, str] = {}
        for key, expansion in _string_table(
            tables.get("contractions", {}), "normalize.contractions"
        ).items():
            folded = fold(key).strip()
            if not _CONTRACTION_KEY.fullmatch(folded):
                raise LexiconError(f"normalize.contractions.{key}: a key is a single token")
            contractions[folded] = normalize(expansion, leet=leet)

        defs = _load_defs(data.get("defs"))
        seen: set[str] = set()
        exclusions = _load_patterns(data.get("exclude", []), "exclude", defs, "exclude", seen)
        rules: list[_Pattern] = []
        for index, raw_group in enumerate(_list(data.get("rules"), "rules")):
            group = _mapping(raw_group, f"rules[{index}]")
            category = _text(group.get("category"), f"rules[{index}].category")
            if category not in categories:
                raise LexiconError(f"rules[{index}]: unknown category {category!r}")
            rules += _load_patterns(
                group.get("patterns"), category, defs, f"rules[{index}].patterns", seen
            )
        concepts = {
            name: _compile(source, defs, f"concepts.{name}")
            for name, source in _string_table(data.get("concepts") or {}, "concepts").items()
        }
        combinations = _load_combinations(
            data.get("combinations") or [], concepts, categories, seen
        )
        missing = categories - {rule.category for rule in rules}
        if missing:
            raise LexiconError(f"rules: no pattern for {sorted(missing)}")
        return cls(
            rules=tuple(rules),
            exclusions=tuple(exclusions),
            concepts=MappingProxyType(concepts),
            combinations=tuple(combinations),
            contractions=MappingProxyType(contractions),
            leet=MappingProxyType(leet),
            symbols=MappingProxyType(symbols),
        )

    def normalize(self, text: str) -> str:
        """Normalise ``text`` with this lexicon's tables."""
        return normalize(text, self.contractions, leet=self.leet, symbols=self.symbols)

    def strip_idioms(self, normalized: str) -> str:
        """Replace every ``exclude`` match in already-normalised text by a `` # `` mark."""
        for exclusion in self.exclusions:
            normalized = exclusion.regex.sub(_EXCLUDED_MARK, normalized)
        return normalized

    def matches(self, text: str) -> list[SafetyMatch]:
        """Every matching pattern, in priority order (for tests and audits)."""
        cleaned = self.strip_idioms(self.normalize(text))
        found = [
            SafetyMatch(rule.category, rule.pattern_id)
            for rule in self.rules
            if rule.regex.search(cleaned)
        ]
        present = self._concepts_in(cleaned)
        return found + [
            SafetyMatch(combination.category, combination.combination_id)
            for combination in self.combinations
            if combination.fires(present)
        ]

    def check(self, text: str) -> SafetyMatch | None:
        """The first matching pattern in priority order, or ``None``."""
        cleaned = self.strip_idioms(self.normalize(text))
        for rule in self.rules:
            if rule.regex.search(cleaned):
                return SafetyMatch(rule.category, rule.pattern_id)
        if self.combinations:
            present = self._concepts_in(cleaned)
            for combination in self.combinations:
                if combination.fires(present):
                    return SafetyMatch(combination.category, combination.combination_id)
        return None

    def concepts_in(self, text: str) -> frozenset[str]:
        """The concepts that `text` shows once normalised and stripped of idioms (for audits)."""
        return self._concepts_in(self.strip_idioms(self.normalize(text)))

    def _concepts_in(self, cleaned: str) -> frozenset[str]:
        return frozenset(name for name, regex in self.concepts.items() if regex.search(cleaned))
