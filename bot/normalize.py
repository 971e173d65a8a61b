"""Spelling normalisation for the safety net.

The safety-net lexicon is written against *normalised* text, so that one pattern catches
"J'VEUX MOURIIIR", "jveux mourir" and "j3 v3ux m0urir" alike. Normalising:

1. apostrophe look-alikes become ``'``; ligatures NFKD keeps (oe, ae, ss) are spelled out;
   emoji variation selectors and zero-width joiners are dropped;
2. symbols (emoji) are replaced by a word, from the ``symbols`` table;
3. lowercase (casefold), accents stripped (NFKD, combining marks dropped);
4. leetspeak inside words: a token that holds letters has its digits/symbols mapped to letters
   ("m0urir" -> "mourir", "k1ll" -> "kill"); numbers with a short unit ("17h30", "5eme",
   "14ans") are left alone;
5. a letter repeated three times or more becomes one ("mouriiiir" -> "mourir"; "ll" stays);
6. everything but letters, digits and apostrophes becomes a space;
7. SMS contractions are expanded token by token from the ``contractions`` table (a token is
   looked up whole, then each of its apostrophe-separated parts: "j'vais" -> "j" + "vais");
8. apostrophes become spaces and whitespace is collapsed.

The result only holds ``[a-z0-9 ]``. Every word table is data, passed in by the caller and
normally read from ``data/safety/lexicon.yml``: this module holds no natural-language text.
It is pure: no I/O, no logging.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = ["DEFAULT_LEET", "fold", "normalize"]

DEFAULT_LEET: Final[Mapping[str, str]] = MappingProxyType(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "@": "a", "$": "s"}
)

_PRE_TRANSLATION: Final = str.maketrans(
    {
        "\u2019": "'",  # right single quotation mark
        "\u2018": "'",  # left single quotation mark
        "\u02bc": "'",  # modifier letter apostrophe
        "\u0060": "'",  # grave accent used as apostrophe
        "\u00b4": "'",  # acute accent used as apostrophe
        "\u2032": "'",  # prime
        "\u0153": "oe",
        "\u0152": "oe",
        "\u00e6": "ae",
        "\u00c6": "ae",
        "\u00df": "ss",
        "\ufe0f": None,  # emoji variation selector
        "\ufe0e": None,  # text variation selector
        "\u200d": None,  # zero-width joiner
    }
)
_REPEATED_LETTER: Final = re.compile(r"([a-z])\1{2,}")
_NOT_KEPT: Final = re.compile(r"[^a-z0-9']+")
_NUMBER_WITH_UNIT: Final = re.compile(r"[0-9]+[a-z]{0,3}[0-9]*")
_LETTER: Final = re.compile(r"[a-z]")


def fold(text: str) -> str:
    """Steps 1 and 3 only: unify apostrophes, casefold, strip accents."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_PRE_TRANSLATION).casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _replace_symbols(text: str, symbols: Mapping[str, str]) -> str:
    for symbol, word in symbols.items():
        key = symbol.translate(_PRE_TRANSLATION)
        if key and key in text:
            text = text.replace(key, f" {word} ")
    return text


def _undo_leetspeak(text: str, leet: Mapping[str, str]) -> str:
    if not leet:
        return text
    table = str.maketrans(dict(leet))
    extra = "".join(re.escape(ch) for ch in leet if not ("a" <= ch <= "z" or ch.isdigit()))
    token = re.compile(f"[a-z0-9{extra}]+")

    def fix(match: re.Match[str]) -> str:
        word = match.group()
        if not _LETTER.search(word) or _NUMBER_WITH_UNIT.fullmatch(word):
            return word
        return word.translate(table)

    return token.sub(fix, text)


def _expand(text: str, contractions: Mapping[str, str]) -> str:
    if not contractions:
        return text
    out: list[str] = []
    for token in text.split():
        whole = contractions.get(token)
        if whole is not None:
            out.append(whole)
        elif "'" in token:
            out.extend(contractions.get(part, part) for part in token.split("'") if part)
        else:
            out.append(token)
    return " ".join(out)


def normalize(
    text: str,
    contractions: Mapping[str, str] | None = None,
    *,
    leet: Mapping[str, str] | None = None,
    symbols: Mapping[str, str] | None = None,
) -> str:
    """Return ``text`` normalised for matching (see the module docstring).

    ``contractions`` maps a folded token to its expansion (expansions should themselves be
    normalised text); ``leet`` maps single characters to letters (default
    :data:`DEFAULT_LEET`); ``symbols`` maps an emoji or symbol to a word. Without tables, no
    contraction or symbol is expanded.
    """
    folded = fold(_replace_symbols(text.translate(_PRE_TRANSLATION), symbols or {}))
    unleet = _undo_leetspeak(folded, DEFAULT_LEET if leet is None else leet)
    kept = _NOT_KEPT.sub(" ", _REPEATED_LETTER.sub(r"\1", unleet))
    return " ".join(_expand(kept, contractions or {}).replace("'", " ").split())
