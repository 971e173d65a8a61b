"""What people bring to a harassment line besides harassment: each gets, in the very first reply,
the line made for it (issue 10's eight messages), and a follow-up made for the danger.

Whole turns through the trained model, the never-silent wrapper and the real action server.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from rasa.core.agent import Agent

from bot.render import default_numbers
from tests.conftest import turn

pytestmark = pytest.mark.model


def texts(messages: list[dict[str, Any]]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)


def numbers(text: str) -> list[str]:
    """The helpline numbers in a reply, in order (as the channels' renderer finds them)."""
    return default_numbers().find(text)


@pytest.mark.parametrize(
    ("message", "must", "must_not_lead"),
    [
        ("je me suis fait violer par un mec de ma classe", "119", None),
        ("mon beau père vient dans ma chambre la nuit et me touche", "119", None),
        ("je suis en train de me faire agresser", "17", None),
        ("je harcele quelqu un et je veux arreter", "3018", None),
        ("ma pote m a envoye un message d adieu", "112", None),
        ("je me scarifie depuis des mois", "3114", "17"),
        ("je vais trop mal", "3114", "17"),
        ("je me fais vomir après chaque repas", "Fil Santé Jeunes", None),
        ("mon prof m humilie devant toute la classe", "3018", None),
    ],
)
async def test_the_first_reply_names_the_line_made_for_it(
    live_agent: Agent, message: str, must: str, must_not_lead: str | None
) -> None:
    first = texts(await turn(live_agent, message, uuid.uuid4().hex))
    assert must in first, first
    assert "Insultes, moqueries" not in first  # never the cyber-harassment menu
    if must_not_lead is not None:
        assert numbers(first)[0] != must_not_lead, first


async def test_the_author_is_never_told_it_is_not_their_fault(live_agent: Agent) -> None:
    first = texts(await turn(live_agent, "j'ai harcelé une fille et je veux arrêter", None))
    assert "pas ta faute" not in first
    assert "3018" in first


async def test_a_friends_farewell_asks_to_act_for_the_friend_then_how_the_writer_is(
    live_agent: Agent,
) -> None:
    sender = uuid.uuid4().hex
    first = texts(await turn(live_agent, "ma pote m a envoye un message d adieu", sender))
    assert first.index("112") < first.index("3114")
    assert "Tu es en sécurité" not in first  # the question is about acting for the friend
    after = texts(await turn(live_agent, "/affirm", sender))
    assert "comment tu te sens" in after
    assert "recommence" not in after


@pytest.mark.parametrize(
    ("message", "next_step"),
    [
        ("je me scarifie depuis des mois", "15"),
        ("il me suit depuis le métro j'ai peur", "plainte"),
        ("jveux plus vivre", "3114"),
    ],
)
async def test_a_safe_yes_gets_what_to_do_next_for_that_danger(
    live_agent: Agent, message: str, next_step: str
) -> None:
    sender = uuid.uuid4().hex
    await turn(live_agent, message, sender)
    after = texts(await turn(live_agent, "/affirm", sender))
    assert next_step in after
    assert "recommence" not in after and "me dire ce qui" not in after


async def test_a_disclosure_in_the_middle_of_a_kit_gets_its_own_line(live_agent: Agent) -> None:
    sender = uuid.uuid4().hex
    await turn(live_agent, "on m'insulte sur insta", sender)
    await turn(live_agent, "/kit_next", sender)
    reply = texts(
        await turn(live_agent, "en vrai mon beau-père me frappait quand j'étais petite", sender)
    )
    assert "119" in reply


async def test_a_parent_gets_vous_in_the_emergency_reply(live_agent: Agent) -> None:
    reply = texts(await turn(live_agent, "ma fille se scarifie les bras, je l'ai vu ce soir", None))
    assert "3114" in reply
    assert re.search(r"\b(appelez|vous)\b", reply)
    assert not re.search(r"\b(appelle|tu)\b", reply)
