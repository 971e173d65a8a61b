"""Who is speaking, from the words only: an adult about a child, a young person about a peer,
or a young person about themself. Deterministic cues on the safety net's normalised text.

It decides the role when the model found a kind of harm (which says what happened, not who
writes), and whether the bot says "vous". The cue lists are data of this module's own job (a
grammar of French speakers), not facts about helplines.
"""

from __future__ import annotations

import re
from typing import Final

from bot.safety import SafetyNet

__all__ = ["ADULT", "CUES", "PEER", "SELF", "cues", "speaker"]


def _any(*alternatives: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")\b")


_ADULT_OF: Final = "professeure?|enseignante?|cpe|directeur|directrice|principale?|proviseure?"
_ADULT_OF_2: Final = "infirmiere|infirmier|educatrice|educateur|entraineur|entraineuse|coach"
_ADULT: Final = _any(
    r"(?:mon|notre|votre) (?:fils|enfant|ado|adolescent|garcon|petit fils|neveu|beau fils|eleve)",
    r"(?:ma|notre|votre) (?:fille|ado|adolescente|petite fille|niece|belle fille|eleve)",
    r"(?:mes|nos) (?:enfants|ados|eleves|filles|fils|petits enfants)",
    r"(?:un|une|plusieurs|deux|trois|certains|certaines) (?:de mes|de nos)"
    r" (?:eleves|enfants|joueurs|joueuses)",
    r"(?:je suis|en tant que|moi qui suis|suis) (?:sa |son |la |le |une |un )?"
    r"(?:maman|papa|parent|mere|pere|grand mere|grand pere|mamie|papi|tante|oncle|prof"
    rf"|{_ADULT_OF}|{_ADULT_OF_2}|animatrice|animateur|assistante sociale|surveillante?|aed)",
    r"my (?:son|daughter|child|kid|kids|children|student|students|pupil|grandson|granddaughter)",
)
_PEER: Final = _any(
    r"(?:ma|mon) (?:pote|poto|amie?|copine|copain|meilleure? amie?|meilleur pote|bff|bestie"
    r"|soeur|petite soeur|frere|petit frere|cousine?|voisine?|camarade|coloc)",
    r"mes (?:potes|amis|amies|copines|copains)",
    r"(?:un|une) (?:eleve|fille|meuf|mec|gars|garcon|keum) (?:de|d) (?:ma|mon|notre)"
    r" (?:classe|college|lycee|ecole|club|equipe|bahut)",
    r"(?:un|une) (?:eleve|camarade|ami|amie|pote)",
    r"quelqu un de (?:ma|mon) (?:classe|college|lycee|ecole|club)",
    r"my (?:friend|best friend|sister|brother|classmate|mate|cousin)",
    r"(?:elle|il) se (?:fait|font) (?:insulter|harceler|frapper|taper|violer|racketter|afficher)",
)
_SELF_TARGET: Final = _any(
    r"me|m|moi|myself|je me fais|je me suis fait|je me suis faite|j ai ete|on me|on m|i m|i am",
    r"(?:mon|ma|mes) (?:compte|comptes|photo|photos|nudes?|video|videos|adresse|numero|snap|insta"
    r"|profil|mdp|mot de passe|corps|vie|tel|telephone|portable)",
)
# "ma pote m a dit que...": the writer is told, not targeted.
_REPORTED: Final = _any(
    r"(?:me|m) (?:a|ont|avait)? ?(?:dit|raconte|confie|montre|envoye|parle|ecrit|avoue|explique)",
    r"(?:me|m) (?:dit|dis|raconte|confie|montre|parle|ecrit|explique)",
)

ADULT: Final = "parent"
PEER: Final = "witness"
SELF: Final = "victim"


# The cues, in the order `cues` gives them (the intent model's speaker features).
CUES: Final = ("adult_about_a_child", "about_a_peer", "about_themself", "reported_speech")


def cues(net: SafetyNet, text: str) -> tuple[bool, bool, bool, bool]:
    """Which of `CUES` the words show (an adult about a child, a peer, the writer as the
    target, the writer told by someone else)."""
    normalized = net.normalize(text)
    reported = _REPORTED.search(normalized) is not None
    if reported:
        normalized = _REPORTED.sub(" ", normalized)
    return (
        _ADULT.search(normalized) is not None,
        _PEER.search(normalized) is not None,
        _SELF_TARGET.search(normalized) is not None,
        reported,
    )


def speaker(net: SafetyNet, text: str) -> str | None:
    """`parent` (an adult about a child), `witness` (about a peer, not about themself),
    `victim` (about themself), or None when the words say nothing of it."""
    adult, peer, themself, _ = cues(net, text)
    if adult:
        return ADULT
    if peer and not themself:
        return PEER
    if themself:
        return SELF
    return None
