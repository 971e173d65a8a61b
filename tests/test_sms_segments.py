"""SMS encoding and segment counting (bot/sms.py): GSM-7 vs UCS-2, at every boundary."""

from __future__ import annotations

import pytest

from bot.sms import is_gsm7, sms_segments, to_gsm7

EMOJI = "\U0001f600"  # grinning face: two UTF-16 code units


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ("GSM-7", 1)),
        ("a" * 160, ("GSM-7", 1)),
        ("a" * 161, ("GSM-7", 2)),
        ("a" * 306, ("GSM-7", 2)),
        ("a" * 307, ("GSM-7", 3)),
        ("a" * 459, ("GSM-7", 3)),
        ("a" * 460, ("GSM-7", 4)),
        # extension characters take two septets
        ("€" * 80, ("GSM-7", 1)),
        ("€" * 80 + "a", ("GSM-7", 2)),
        ("a" * 158 + "[", ("GSM-7", 1)),
        ("a" * 159 + "]", ("GSM-7", 2)),
        ("{}" * 40, ("GSM-7", 1)),
        ("^~|\\" * 20 + "a", ("GSM-7", 2)),
        ("\f" * 80, ("GSM-7", 1)),  # form feed: in the extension table too
        ("\f" * 80 + "a", ("GSM-7", 2)),
        ("\x1b", ("UCS-2", 1)),  # the escape to the extension table is not a character
        # an escape pair is never split across two segments
        ("a" * 152 + "€" + "a" * 151, ("GSM-7", 2)),
        ("a" * 152 + "€" + "a" * 152, ("GSM-7", 3)),
        # UCS-2: 70 units in one segment, 67 each when concatenated
        ("ê" * 70, ("UCS-2", 1)),
        ("ê" * 71, ("UCS-2", 2)),
        ("ê" * 134, ("UCS-2", 2)),
        ("ê" * 135, ("UCS-2", 3)),
        ("ê" * 201, ("UCS-2", 3)),
        ("ê" * 202, ("UCS-2", 4)),
        # an emoji is two UTF-16 code units, and a surrogate pair is never split
        (EMOJI * 35, ("UCS-2", 1)),
        (EMOJI * 35 + "a", ("UCS-2", 2)),
        ("a" * 66 + EMOJI + "a" * 65, ("UCS-2", 2)),
        ("a" * 66 + EMOJI + "a" * 66, ("UCS-2", 3)),
    ],
)
def test_segments_at_the_boundaries(text: str, expected: tuple[str, int]) -> None:
    assert sms_segments(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ca va", "GSM-7"),
        ("ça va", "UCS-2"),  # lowercase c-cedilla is not GSM-7
        ("Ça va", "GSM-7"),  # capital C-cedilla is
        ("é è à ù ì ò É", "GSM-7"),
        ("tu es prête", "UCS-2"),
        ("ê", "UCS-2"),
        ("â", "UCS-2"),
        ("î", "UCS-2"),
        ("ô", "UCS-2"),
        ("û", "UCS-2"),
        ("ë", "UCS-2"),
        ("ï", "UCS-2"),
        ("È", "UCS-2"),
        ("À", "UCS-2"),
        ("l’école", "UCS-2"),  # typographic apostrophe
        ("l'école", "GSM-7"),
        ("coût 5 €", "UCS-2"),
        ("cout 5 €", "GSM-7"),
        ("salut " + EMOJI, "UCS-2"),
    ],
)
def test_encoding_of_french_text(text: str, expected: str) -> None:
    assert sms_segments(text)[0] == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("prête", "prete"),
        ("ça va", "ca va"),
        ("Ça va", "Ça va"),
        ("âme île hôtel flûte Noël naïf", "ame ile hotel flute Noel naif"),
        ("cœur Œuvre", "coeur OEuvre"),
        ("l’école", "l'école"),
        ("« oui »", '" oui "'),
        ("attends…", "attends..."),
        ("salut " + EMOJI + " toi", "salut toi"),
        ("bravo \U0001f44b\U0001f3fd", "bravo "),
        ("1/3 · étape", "1/3 - étape"),
        ("À demain", "A demain"),
        ("déjà vu", "déjà vu"),
        ("Привет", "Привет"),  # no GSM-7 form: kept, the caller sees it is still UCS-2
    ],
)
def test_to_gsm7(text: str, expected: str) -> None:
    assert to_gsm7(text) == expected


def test_to_gsm7_makes_french_text_gsm7() -> None:
    text = "Tu es prêt·e ? Ça va s’arranger, même si c’est dur… « On » est là \U0001f49c"
    assert (is_gsm7(text), is_gsm7(to_gsm7(text))) == (False, True)
