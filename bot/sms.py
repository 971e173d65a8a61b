"""SMS arithmetic: which encoding a text needs, how many segments it costs, and a GSM-7 fallback.

- **GSM-7** (GSM 03.38 default alphabet): a text is GSM-7 when the ``gsm0338`` codec encodes
  every character of it, a basic character in one septet, an extension character
  (``\\f ^ { } \\ [ ~ ] |`` and the euro sign) in two (escape + character). One segment holds
  160 septets; a concatenated message holds 153 per segment.
- **UCS-2** otherwise: one UTF-16 code unit per character in the Basic Multilingual Plane, two for
  anything beyond (most emoji). One segment holds 70 units; concatenated, 67 per segment.

Segments are packed greedily without splitting an escape pair or a surrogate pair across two
segments, as gateways do: ``"a" * 152 + "\\u20ac"`` needs a second segment although
152 + 2 = 154 <= 2 x 153. An empty text is one (empty) segment.

French traps: lowercase c-cedilla and the circumflex vowels are not GSM-7 (so "ca va" spelled with
a cedilla is a UCS-2 SMS), while e-acute, e-grave, a-grave, u-grave, i-grave, o-grave and capital
C-cedilla are. :func:`to_gsm7` transliterates the letters that are not (circumflex e -> e,
cedilla c -> c, oe ligature -> oe, typographic quotes and ellipsis -> ASCII) and drops emoji.
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Final, Literal

import gsm0338  # noqa: F401  (importing it registers the "gsm03.38" codec)

__all__ = [
    "Encoding",
    "is_gsm7",
    "sms_segments",
    "to_gsm7",
]

Encoding = Literal["GSM-7", "UCS-2"]

_CODEC: Final = "gsm03.38"
# The codec passes the escape to the extension table through as a septet; it is not a character
# a text can hold.
_ESCAPE: Final = "\x1b"

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


@functools.lru_cache(maxsize=4096)
def _septets(char: str) -> int | None:
    """Septets ``char`` takes in GSM-7 (an extension character two), or None if it has none."""
    if char == _ESCAPE:
        return None
    try:
        return len(char.encode(_CODEC))
    except UnicodeEncodeError:
        return None


def _gsm7_costs(text: str) -> list[int] | None:
    """The septets of each character of ``text``, or None if one of them is not GSM-7."""
    costs = []
    for char in text:
        cost = _septets(char)
        if cost is None:
            return None
        costs.append(cost)
    return costs


def is_gsm7(text: str) -> bool:
    """Whether every character of ``text`` is in the GSM-7 basic or extension table."""
    return _gsm7_costs(text) is not None


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
    septets = _gsm7_costs(text)
    if septets is not None:
        return "GSM-7", _pack(septets, GSM7_SINGLE, GSM7_MULTI)
    units = [2 if ord(char) > 0xFFFF else 1 for char in text]  # UTF-16 code units
    return "UCS-2", _pack(units, UCS2_SINGLE, UCS2_MULTI)


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
    out = "".join(char if _septets(char) is not None else _closest_gsm7(char) for char in text)
    # An emoji dropped between two spaces would leave a double space.
    while "  " in out:
        out = out.replace("  ", " ")
    return out
