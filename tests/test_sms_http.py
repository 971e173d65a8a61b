"""The SMS connector through the real Rasa HTTP server, with real Twilio signatures."""

from __future__ import annotations

import uuid

import httpx
import pytest
from twilio.request_validator import RequestValidator

from bot.sms import sms_segments
from tests.clients import PUBLIC_URL, message_text, phone
from tests.clients import post_sms as post
from tests.clients import sms_form as form
from tests.conftest import TWILIO_TOKEN, Stack

pytestmark = pytest.mark.model


def test_a_signed_sms_gets_a_twiml_reply_with_the_3018(stack: Stack) -> None:
    reply = post(stack, form("on m'insulte sur snap", phone()))
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/xml")
    text = message_text(reply)
    assert "3018" in text
    assert sms_segments(text)[1] <= 3


def test_a_forged_or_unsigned_sms_is_refused(stack: Stack) -> None:
    data = form("salut", phone())
    assert post(stack, data, signature="").status_code == 403
    assert post(stack, data, signature="bm90LWEtc2lnbmF0dXJl").status_code == 403
    signed_for_other_url = RequestValidator(TWILIO_TOKEN).compute_signature(
        "https://evil.example.org/webhooks/sms/webhook", data
    )
    assert post(stack, data, signature=signed_for_other_url).status_code == 403
    signed_with_other_token = RequestValidator("other-token").compute_signature(PUBLIC_URL, data)
    assert post(stack, data, signature=signed_with_other_token).status_code == 403


def test_a_replayed_message_sid_is_answered_once(stack: Stack) -> None:
    data = form("bonjour", phone(), sid="SM" + uuid.uuid4().hex)
    first = post(stack, data)
    assert first.status_code == 200 and message_text(first)
    again = post(stack, data)
    assert again.status_code == 200 and message_text(again) == ""


def test_buttons_become_a_numbered_menu_and_a_number_picks_the_button(stack: Stack) -> None:
    sender = phone()
    greeting = message_text(post(stack, form("bonjour", sender)))
    assert "1 " in greeting and "3" in greeting
    picked = message_text(post(stack, form("1", sender)))  # "Pour moi" / "On s'en prend a moi"
    assert "3018" in picked


def test_danger_gets_112_and_3114_within_three_segments(stack: Stack) -> None:
    text = message_text(post(stack, form("jveux me tuer", phone())))
    assert "112" in text and "3114" in text and "114" in text
    assert sms_segments(text)[1] <= 3


def test_oubli_erases_and_stop_gets_no_reply(stack: Stack) -> None:
    sender = phone()
    post(stack, form("on m'insulte", sender))
    assert "effac" in message_text(post(stack, form("OUBLI", sender)))
    assert message_text(post(stack, form("STOP", sender))) == ""


@pytest.mark.parametrize("missing", ["Body", "From", "MessageSid"])
def test_a_missing_field_gets_a_400(stack: Stack, missing: str) -> None:
    data = form("salut", phone())
    data.pop(missing)
    assert post(stack, data).status_code == 400


def test_a_wrong_content_type_gets_a_415(stack: Stack) -> None:
    reply = httpx.post(
        f"{stack.url}/webhooks/sms/webhook",
        json={"Body": "salut"},
        headers={"X-Twilio-Signature": "x"},
        timeout=30,
    )
    assert reply.status_code == 415


def test_a_signed_sms_with_empty_fields_is_answered(stack: Stack) -> None:
    """Twilio signs every field it posts, empty ones too (`FromCity=` for most French numbers).

    Found by the fuzz (tests/test_webhook_fuzz.py): these were refused with 403.
    """
    data = {**form("on m'insulte sur snap", phone()), "FromCity": "", "FromZip": ""}
    reply = post(stack, data)
    assert reply.status_code == 200
    assert "3018" in message_text(reply)


def test_a_webhook_url_with_a_query_string_is_checked_with_its_query(stack: Stack) -> None:
    """Twilio signs the exact URL it calls, query included (`...?lang=fr` in its console)."""
    data = form("on m'insulte sur snap", phone())
    query = "lang=fr&src=relais%20sms"
    signed = RequestValidator(TWILIO_TOKEN).compute_signature(f"{PUBLIC_URL}?{query}", data)
    url = f"{stack.url}/webhooks/sms/webhook?{query}"
    reply = httpx.post(url, data=data, headers={"X-Twilio-Signature": signed}, timeout=60)
    assert reply.status_code == 200, reply.text
    assert "3018" in message_text(reply)
    # the query is part of what is signed: a signature over the URL without it is refused
    other = {**data, "MessageSid": "SM" + uuid.uuid4().hex}
    unsigned_query = RequestValidator(TWILIO_TOKEN).compute_signature(PUBLIC_URL, other)
    refused = httpx.post(url, data=other, headers={"X-Twilio-Signature": unsigned_query},
                         timeout=60)  # fmt: skip
    assert refused.status_code == 403
