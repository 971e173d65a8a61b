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


def _load_patterns(
    value: object, category: str, defs: Mapping[str, str], where: str, seen: set[str]
) -> list[_Pattern]:
    patterns: list[_Pattern] = []
    for index, raw in enumerate(_list(value, where)):
        entry = _mapping(raw, f"{where}[{index}]")
        unknown = set(entry) - _PATTERN_KEYS
        if unknown:
            raise LexiconError(f"{where}[{index}]: unknown keys {sorted(unknown)}")
        pattern_id = _text(entry.get("id"), f"{where}[{index}].id")
        if pattern_id in seen:
            raise LexiconError(f"{where}[{index}]: duplicate id {pattern_id!r}")
        seen.add(pattern_id)
        source = _text(entry.get("pattern"), f"{pattern_id}.pattern")
        patterns.append(_Pattern(pattern_id, category, _compile(source, defs, pattern_id)))
    return patterns


@dataclass(frozen=True, eq=False)
class SafetyNet:
    """Compiled lexicon. Immutable; build it with :meth:`from_file` or :meth:`from_mapping`."""

    rules: tuple[_Pattern, ...]
    exclusions: tuple[_Pattern, ...]
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
        missing = categories - {rule.category for rule in rules}
        if missing:
            raise LexiconError(f"rules: no pattern for {sorted(missing)}")
        return cls(
            rules=tuple(rules),
            exclusions=tuple(exclusions),
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
        return [
            SafetyMatch(rule.category, rule.pattern_id)
            for rule in self.rules
            if rule.regex.search(cleaned)
        ]

    def check(self, text: str) -> SafetyMatch | None:
        """The first matching pattern in priority order, or ``None``."""
        cleaned = self.strip_idioms(self.normalize(text))
        for rule in self.rules:
            if rule.regex.search(cleaned):
                return SafetyMatch(rule.category, rule.pattern_id)
        return None
