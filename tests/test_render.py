"""The channel renderer (bot/render.py): web JSON with tel: links, Telegram keyboards, SMS menus
that fit in 3 segments and keep every helpline number."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.directory import Directory
from bot.render import (
    TELEGRAM_CALLBACK_MAX_BYTES,
    CallbackCodec,
    ChannelTexts,
    PhoneNumbers,
    default_numbers,
    load_channel_texts,
    menu_payload,
    render_sms,
    render_telegram,
    render_web,
)
from bot.sms import sms_segments

ROOT = Path(__file__).resolve().parent.parent
EMERGENCY_NUMBERS = ["112", "114", "3114", "17", "15", "119"]
SEXUAL_IMAGES = '/inform_situation{"situation":"sexual_images"}'
LONG_PAYLOAD = (
    '/inform_situation{"situation":"sexual_images","platform":"instagram","role":"parent"}'
)


def _domain() -> Mapping[str, Any]:
    with open(ROOT / "domain.yml", encoding="utf-8") as handle:
        data: Mapping[str, Any] = yaml.safe_load(handle)
    return data


def response(name: str, variant: int = -1) -> dict[str, Any]:
    """A response of domain.yml as Rasa sends it (the last variant is the unconditioned one)."""
    raw = _domain()["responses"][name][variant]
    message: dict[str, Any] = {"text": raw["text"]}
    if raw.get("buttons"):
        message["buttons"] = [dict(button) for button in raw["buttons"]]
    return message


def all_responses() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{name}[{index}]", response(name, index))
        for name, variants in _domain()["responses"].items()
        for index in range(len(variants))
    ]


def buttons(count: int) -> list[dict[str, str]]:
    return [{"title": f"Choix {n}", "payload": f"/choice_{n}"} for n in range(1, count + 1)]


@pytest.fixture
def numbers() -> PhoneNumbers:
    return PhoneNumbers.from_directory(
        Directory.from_file(), ChannelTexts.from_file().not_a_phone_before
    )


# ------------------------------------------------------------------------------------------ web


def test_known_numbers_are_the_lines_with_a_phone_or_sms_contact(numbers: PhoneNumbers) -> None:
    directory = Directory.from_file()
    expected = {
        contact.label or contact.value
        for line in directory.lines.values()
        for contact in line.contacts
        if contact.kind in ("phone", "sms")
    }
    assert set(numbers.hrefs) == expected
    assert numbers.hrefs["0 800 235 236"] == "tel:0800235236"  # Fil Santé Jeunes, as written


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tu penses au suicide : appelle le 3114.", [("3114", "tel:3114")]),
        ("appelle le 112 (urgences)", [("112", "tel:112")]),
        ("Envoie un SMS au 114.", [("114", "sms:114")]),
        ("Le 3018 peut t'aider.", [("3018", "tel:3018")]),
        ("le 17 ou le 112, ou le 17", [("17", "tel:17"), ("112", "tel:112")]),
        ("le 3114 puis le 114", [("3114", "tel:3114"), ("114", "sms:114")]),
        ("Le 119, le 15 et le 18.", [("119", "tel:119"), ("15", "tel:15"), ("18", "tel:18")]),
        ("Depuis 2023, c'est comme ça.", []),
        ("Le 3020 n'est plus le bon numéro.", []),  # merged into the 3018: no contact
        ("écris sur 3018.fr", []),  # a web address, not a phone number
        ("Code pénal, art. 222-33-2-2", []),
        ("Tu as moins de 15 ans ?", []),
        ("avant 18 heures, ou à 17h", []),
        ("31140 ou 1120 ou 0112", []),
        ("", []),
    ],
)
def test_web_links_longest_match_word_bounded(
    numbers: PhoneNumbers, text: str, expected: list[tuple[str, str]]
) -> None:
    assert [(link.text, link.href) for link in numbers.links(text)] == expected


def test_web_link_for_3114_does_not_include_114() -> None:
    rendered = render_web([{"text": "Appelle le 3114."}])
    assert rendered == [
        {"text": "Appelle le 3114.", "links": [{"text": "3114", "href": "tel:3114"}]}
    ]


def test_web_greeting_keeps_rasa_shape_with_buttons() -> None:
    greet = response("utter_greet")
    assert render_web([greet]) == [{"text": greet["text"], "buttons": greet["buttons"]}]


def test_web_emergency_links_every_number() -> None:
    [rendered] = render_web([response("utter_emergency")])
    expected = {"112": "tel:112", "17": "tel:17", "15": "tel:15", "114": "sms:114"}
    expected |= {"3114": "tel:3114", "119": "tel:119"}
    assert ("buttons" in rendered, {link["text"]: link["href"] for link in rendered["links"]}) == (
        False,
        expected,
    )


def test_web_drops_empty_messages() -> None:
    assert render_web([{"text": ""}, {"text": "ok", "buttons": []}]) == [{"text": "ok"}]


# ------------------------------------------------------------------------------------- telegram


@pytest.mark.parametrize(
    ("count", "row_sizes"),
    [
        (0, []),
        (1, [1]),
        (2, [1, 1]),
        (3, [1, 1, 1]),
        (4, [2, 2]),
        (5, [2, 2, 1]),
        (10, [2, 2, 2, 2, 2]),
    ],
)
def test_telegram_keyboard_shape(count: int, row_sizes: list[int]) -> None:
    [message] = render_telegram([{"text": "?", "buttons": buttons(count)}], CallbackCodec())
    assert [len(row) for row in message.keyboard] == row_sizes


def test_telegram_greeting_one_button_per_row() -> None:
    [message] = render_telegram([response("utter_greet")], CallbackCodec())
    assert message.keyboard == [
        [("On s'en prend à moi", "/victim")],
        [("Ça arrive à quelqu'un d'autre", "/witness")],
        [("Je suis parent ou adulte", "/parent")],
    ]


def test_telegram_numbers_stay_plain_digits() -> None:
    emergency = response("utter_emergency")
    assert render_telegram([emergency], CallbackCodec())[0].text == emergency["text"]


def _domain_payloads() -> list[str]:
    return sorted(
        {
            button["payload"]
            for _, message in all_responses()
            for button in message.get("buttons", ())
        }
    )


@pytest.mark.parametrize("payload", [*_domain_payloads(), SEXUAL_IMAGES, LONG_PAYLOAD])
def test_callback_data_fits_and_round_trips(payload: str) -> None:
    codec = CallbackCodec.from_domain()
    data = codec.encode(payload)
    assert (len(data.encode("utf-8")) <= TELEGRAM_CALLBACK_MAX_BYTES, codec.decode(data)) == (
        True,
        payload,
    )


def test_long_payload_becomes_a_deterministic_token() -> None:
    token = CallbackCodec().encode(LONG_PAYLOAD)
    # another replica, or this one after a restart, that knows the payload decodes the token
    other = CallbackCodec([LONG_PAYLOAD])
    assert (token.startswith("p:"), len(token), other.decode(token)) == (True, 18, LONG_PAYLOAD)


def test_telegram_keyboard_encodes_long_payloads() -> None:
    codec = CallbackCodec()
    message = {"text": "?", "buttons": [{"title": "Photos", "payload": LONG_PAYLOAD}]}
    [[(title, data)]] = render_telegram([message], codec)[0].keyboard
    assert (title, codec.decode(data)) == ("Photos", LONG_PAYLOAD)


@pytest.mark.parametrize(
    ("data", "expected"),
    [("p:0123456789abcdef", None), ("", None), ("/victim", "/victim")],
)
def test_callback_decode_unknown(data: str, expected: str | None) -> None:
    assert CallbackCodec().decode(data) == expected


def test_payload_that_looks_like_a_token_is_tokenised() -> None:
    codec = CallbackCodec()
    data = codec.encode("p:abc")
    assert (data != "p:abc", codec.decode(data)) == (True, "p:abc")


# ------------------------------------------------------------------------------------------ sms


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "Réponds 1."),
        (2, "Réponds 1 ou 2."),
        (3, "Réponds 1, 2 ou 3."),
        (10, "Réponds par un numéro, de 1 à 10."),
    ],
)
def test_sms_prompt(count: int, expected: str) -> None:
    assert ChannelTexts.from_file().prompt(count) == expected


def test_sms_greeting_has_a_numbered_menu() -> None:
    greet = response("utter_greet")
    reply = render_sms([greet])
    expected_text = (
        greet["text"] + "\n1 On s'en prend à moi\n2 Ça arrive à quelqu'un d'autre\n"
        "3 Je suis parent ou adulte\nRéponds 1, 2 ou 3."
    )
    assert (reply.text, reply.menu, reply.segments, reply.encoding) == (
        expected_text,
        {"1": "/victim", "2": "/witness", "3": "/parent"},
        2,
        "GSM-7",
    )


@pytest.mark.parametrize(
    ("reply", "expected"),
    [("1", "/victim"), (" 2.", "/witness"), ("3)", "/parent"), ("4", None), ("oui", None)],
)
def test_sms_menu_maps_a_reply_back_to_its_payload(reply: str, expected: str | None) -> None:
    assert menu_payload(render_sms([response("utter_greet")]).menu, reply) == expected


def test_sms_emergency_fits_and_keeps_every_number() -> None:
    reply = render_sms([response("utter_emergency")])
    found = set(default_numbers().find(reply.text))
    assert (reply.segments <= 3, found >= set(EMERGENCY_NUMBERS)) == (True, True)


def test_sms_emergency_with_safety_question_fits() -> None:
    reply = render_sms([response("utter_emergency"), response("utter_ask_safe")])
    assert (
        reply.segments <= 3,
        set(default_numbers().find(reply.text)) >= set(EMERGENCY_NUMBERS),
        reply.menu,
    ) == (True, True, {"1": "/affirm", "2": "/deny"})


@pytest.mark.parametrize(("name", "message"), all_responses(), ids=lambda v: str(v)[:40])
def test_sms_every_domain_response_fits_whole(name: str, message: dict[str, Any]) -> None:
    reply = render_sms([message])
    assert (reply.segments <= 3, reply.segments) == (True, sms_segments(reply.text)[1])
    assert default_numbers().find(reply.text) == default_numbers().find(message["text"])
    assert len(reply.menu) == len(message.get("buttons", []))


def test_sms_transliterates_when_ucs2_would_not_fit() -> None:
    extra = {"text": "Tu n’es pas seul·e, même si c’est dur… On peut en parler \U0001f49c"}
    messages = [response("utter_emergency"), extra]
    as_is = "\n".join(m["text"] for m in messages)
    reply = render_sms(messages)
    assert (sms_segments(as_is), reply.encoding, reply.segments <= 3) == (
        ("UCS-2", 6),
        "GSM-7",
        True,
    )
    assert reply.text.endswith("Tu n'es pas seul-e, meme si c'est dur... On peut en parler")
    assert default_numbers().find(reply.text) == default_numbers().find(as_is)


FILLER = [
    "Garde des preuves : captures d'écran avec la date, le nom du compte et le lien.",
    "Ensuite, bloque le compte et signale les messages sur l'application.",
    "Parles-en à un adulte de confiance : un parent, un prof, le CPE.",
    "Ne réponds pas et ne te venge pas. Ça peut empirer les choses, vraiment.",
]


def test_sms_shortens_the_rest_but_keeps_danger_text_and_menu() -> None:
    emergency = response("utter_emergency")
    ask_safe = response("utter_ask_safe")
    advice = {"text": "\n".join(FILLER * 2)}
    reply = render_sms([emergency, advice, ask_safe])
    lines = reply.text.split("\n")
    danger_lines = [line for line in emergency["text"].split("\n") if default_numbers().find(line)]
    assert reply.segments <= 3
    assert [line for line in danger_lines if line not in lines] == []
    assert lines[-3:] == ["1 Oui", "2 Non", "Réponds 1 ou 2."]
    assert default_numbers().find(reply.text) == default_numbers().find(emergency["text"])
    assert len(reply.text) < len(emergency["text"] + advice["text"] + ask_safe["text"])


def test_sms_cuts_a_long_line_at_a_sentence_or_word_boundary() -> None:
    long_line = " ".join(["Reste avec des amis, ne reste pas seul."] * 20)
    reply = render_sms([{"text": "Danger : appelle le 112.\n" + long_line}])
    kept = reply.text.split("\n")[1]
    assert (
        reply.segments,
        reply.text.startswith("Danger : appelle le 112.\n"),
        kept.endswith("seul."),
        long_line.startswith(kept),
    ) == (3, True, True, True)


def test_sms_never_cuts_inside_a_number_line() -> None:
    # the number is at the end of a long line: the line is kept whole, the filler goes
    numbered = "Si tu ne peux pas parler, quelle que soit l'heure, envoie un SMS au 114."
    text = "\n".join([*FILLER * 3, numbered])
    reply = render_sms([{"text": text}])
    assert (reply.segments <= 3, reply.text.endswith(numbered)) == (True, True)


def test_sms_non_latin_text_stays_ucs2_and_is_shortened() -> None:
    text = "Appelle le 3018.\n" + "\n".join(["Привет, как дела? Всё хорошо."] * 12)
    reply = render_sms([{"text": text}])
    assert (reply.encoding, reply.segments <= 3, reply.text.startswith("Appelle le 3018.")) == (
        "UCS-2",
        True,
        True,
    )


def test_sms_safety_beats_the_budget() -> None:
    # only lines naming a number: nothing may go, the reply says how many segments it costs
    text = "\n".join(["Si tu es en danger, appelle le 112."] * 40)
    reply = render_sms([{"text": text}])
    assert (default_numbers().find(reply.text), reply.segments > 3) == (["112"] * 40, True)


def test_sms_empty_turn() -> None:
    reply = render_sms([])
    assert (reply.text, reply.menu, reply.segments, reply.encoding) == ("", {}, 1, "GSM-7")


def test_channel_texts_loaded_lazily_once() -> None:
    assert load_channel_texts() is load_channel_texts()


def _by_danger(name: str) -> dict[tuple[str, str], dict[str, Any]]:
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for index, raw in enumerate(_domain()["responses"][name]):
        conditions = {c["name"]: c["value"] for c in raw.get("condition") or []}
        if "danger" in conditions:
            found[(conditions["danger"], conditions["voice"])] = response(name, index)
    return found


def test_sms_each_danger_reply_and_its_question_fit_and_keep_every_number() -> None:
    asks = _by_danger("utter_ask_safe")
    for key, emergency in _by_danger("utter_emergency").items():
        reply = render_sms([emergency, asks[key]])
        assert reply.segments <= 3, key
        named = default_numbers().find(emergency["text"])
        assert default_numbers().find(reply.text)[: len(named)] == named, key
        assert set(reply.menu.values()) == {"/affirm", "/deny"}, key
