"""SMS arithmetic: which encoding a text needs, how many segments it costs, and a GSM-7 fallback.

- **GSM-7** (GSM 03.38 default alphabet): a text is GSM-7 when every character is in the basic
  table or in the extension table. Basic characters cost one septet, extension characters
  (``\\f ^ { } \\ [ ~ ] |`` and the euro sign) two (escape + character). One segment holds 160
  septets; a concatenated message holds 153 per segment.
- **UCS-2** otherwise: one UTF-16 code unit per character in the Basic Multilingual Plane, two for
  anything beyond (most emoji). One segment holds 70 units; concatenated, 67 per segment.

Segments are packed greedily without splitting an escape pair or a surrogate pair across two
segments, as gateways do: ``"a" * 152 + "\\u20ac"`` needs a second segment although
152 + 2 = 154 <= 2 x 153. An empty text is one (empty) segment.

French traps: lowercase c-cedilla and the circumflex vowels are not GSM-7 (so "ca va" spelled with
a cedilla is a UCS-2 SMS), while e-acute, e-grave, a-grave, u-grave, i-grave, o-grave and capital
C-cedilla are. :func:`to_gsm7` transliterates the letters that are not (circumflex e -> e,
cedilla c -> c, oe ligature -> oe, typographic quotes and ellipsis -> ASCII) and drops emoji.

The tables are written with escapes so that this module holds no accented literal; a test checks
that they agree with the ``gsm0338`` codec on every character.
"""

from __future__ import annotations

import unicodedata
from typing import Final, Literal

__all__ = [
    "GSM7_BASIC",
    "GSM7_EXTENSION",
    "Encoding",
    "gsm7_septets",
    "is_gsm7",
    "sms_segments",
    "to_gsm7",
    "ucs2_units",
]

Encoding = Literal["GSM-7", "UCS-2"]

# GSM 03.38 basic table in code order, without 0x1B (the escape to the extension table).
GSM7_BASIC: Final[frozenset[str]] = frozenset(
    "@\u00a3$\u00a5\u00e8\u00e9\u00f9\u00ec\u00f2\u00c7\n\u00d8\u00f8\r\u00c5\u00e5"
    "\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e\u00c6\u00e6\u00df\u00c9"
    " !\"#\u00a4%&'()*+,-./0123456789:;<=>?"
    "\u00a1ABCDEFGHIJKLMNOPQRSTUVWXYZ\u00c4\u00d6\u00d1\u00dc\u00a7"
    "\u00bfabcdefghijklmnopqrstuvwxyz\u00e4\u00f6\u00f1\u00fc\u00e0"
)
# GSM 03.38 default extension table: each costs two septets.
GSM7_EXTENSION: Final[frozenset[str]] = frozenset("\f^{}\\[~]|\u20ac")

GSM7_SINGLE: Final = 160
GSM7_MULTI: Final = 153
UCS2_SINGLE: Final = 70
UCS2_MULTI: Final = 67

# Characters whose closest GSM-7 form is not their Unicode decomposition.
_TRANSLITERATIONS: Final[dict[str, str]] = {
    "\u0153": "oe",  # oe ligature
    "\u0152": "OE",
    "\u2018": "'",  # typographic single quotes and apostrophe
    "\u2019": "'",
    "\u201a": "'",
    "\u2032": "'",
    "`": "'",
    "\u00b4": "'",
    "\u00ab": '"',  # guillemets
    "\u00bb": '"',
    "\u2039": '"',
    "\u203a": '"',
    "\u201c": '"',  # typographic double quotes
    "\u201d": '"',
    "\u201e": '"',
    "\u2013": "-",  # en and em dashes, minus sign
    "\u2014": "-",
    "\u2212": "-",
    "\u00b7": "-",  # middle dot, bullet
    "\u2022": "-",
    "\u00a0": " ",  # no-break spaces of French typography
    "\u202f": " ",
    "\u2009": " ",
    "\u00ad": "",  # soft hyphen
}
# Unicode categories dropped when no GSM-7 form exists: symbols (emoji, pictographs, modifiers),
# enclosing marks (keycaps), format characters (joiners, variation selectors are Mn).
_DROPPED_CATEGORIES: Final = frozenset({"So", "Sk", "Me", "Mn", "Cf", "Cs", "Co", "Cn"})


def is_gsm7(text: str) -> bool:
    """Whether every character of ``text`` is in the GSM-7 basic or extension table."""
    return all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in text)


def gsm7_septets(text: str) -> int:
    """Septets ``text`` takes in GSM-7 (extension characters count two). Assumes :func:`is_gsm7`."""
    return sum(2 if char in GSM7_EXTENSION else 1 for char in text)


def ucs2_units(text: str) -> int:
    """UTF-16 code units of ``text`` (a character beyond the BMP, such as an emoji, counts two)."""
    return sum(2 if ord(char) > 0xFFFF else 1 for char in text)


def _pack(costs: list[int], single: int, multi: int) -> int:
    if sum(costs) <= single:
        return 1
    segments, used = 1, 0
    for cost in costs:
        if used + cost > multi:
            segments, used = segments + 1, 0
        used += cost
    return segments


def sms_segments(text: str) -> tuple[Encoding, int]:
    """The encoding ``text`` needs and how many SMS segments it costs."""
    if is_gsm7(text):
        costs = [2 if char in GSM7_EXTENSION else 1 for char in text]
        return "GSM-7", _pack(costs, GSM7_SINGLE, GSM7_MULTI)
    costs = [2 if ord(char) > 0xFFFF else 1 for char in text]
    return "UCS-2", _pack(costs, UCS2_SINGLE, UCS2_MULTI)


def _closest_gsm7(char: str) -> str:
    if char in _TRANSLITERATIONS:
        return _TRANSLITERATIONS[char]
    decomposed = "".join(
        part
        for part in unicodedata.normalize("NFKD", char)
        if not unicodedata.combining(part) and unicodedata.category(part) != "Mn"
    )
    if decomposed and decomposed != char and is_gsm7(decomposed):
        return decomposed
    if unicodedata.category(char) in _DROPPED_CATEGORIES:
        return ""
    return char  # no GSM-7 form (another script): kept, the text stays UCS-2


def to_gsm7(text: str) -> str:
    """``text`` with each non-GSM-7 letter replaced by its closest GSM-7 form and emoji dropped.

    Characters of other scripts, which have no GSM-7 form, are kept: check :func:`is_gsm7` on the
    result before choosing it over the original.
    """
    out = "".join(
        char if char in GSM7_BASIC or char in GSM7_EXTENSION else _closest_gsm7(char)
        for char in text
    )
    # An emoji dropped between two spaces would leave a double space.
    while "  " in out:
        out = out.replace("  ", " ")
    return out
