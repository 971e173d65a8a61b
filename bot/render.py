"""One channel-neutral renderer: the bot's messages for a turn, in each channel's form.

Channels translate, they do not decide: a connector hands the turn's Rasa output dicts
(``{"text": str, "buttons": [{"title": str, "payload": str}, ...]}``) to one function here and
sends what it gets back.

- :func:`render_web`: Rasa's REST shape, plus ``links`` for the helpline numbers in the text
  (``tel:3018``; ``sms:114`` for the SMS-only 114) so the widget can make them tappable.
- :func:`render_telegram`: text and an inline keyboard; payloads longer than Telegram's 64-byte
  ``callback_data`` go through a :class:`CallbackCodec`.
- :func:`render_sms`: the whole turn as one SMS body of at most 3 segments, buttons turned into a
  numbered menu, and the map from a reply ("2") back to its payload.

Known numbers are the phone and SMS contacts of ``data/helplines.yml``; the words the renderer
adds (the SMS menu prompt) live in ``data/content/channels.yml``. Both are read on first use.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Final

import yaml

from bot.directory import Directory
from bot.sms import Encoding, is_gsm7, sms_segments, to_gsm7

__all__ = [
    "MAX_SMS_SEGMENTS",
    "TELEGRAM_CALLBACK_MAX_BYTES",
    "Button",
    "CallbackCodec",
    "ChannelTexts",
    "Message",
    "PhoneLink",
    "PhoneNumbers",
    "SmsReply",
    "TelegramMessage",
    "default_channels_path",
    "default_codec",
    "default_domain_path",
    "default_numbers",
    "load_channel_texts",
    "menu_payload",
    "parse_messages",
    "render_sms",
    "render_telegram",
    "render_web",
]

MAX_SMS_SEGMENTS: Final = 3
TELEGRAM_CALLBACK_MAX_BYTES: Final = 64
_ONE_BUTTON_PER_ROW_UP_TO: Final = 3
_SENTENCE_END: Final = re.compile(r"[.!?](?=\s)")


def _root() -> Path:
    return Path(__file__).resolve().parent.parent


def default_channels_path() -> Path:
    return _root() / "data" / "content" / "channels.yml"


def default_domain_path() -> Path:
    return _root() / "domain.yml"


# ------------------------------------------------------------------------------------- messages


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Message:
    text: str
    buttons: tuple[Button, ...] = ()


def parse_messages(messages: Iterable[Mapping[str, Any]]) -> list[Message]:
    """The turn's Rasa output dicts as :class:`Message`; those with no text and no button go."""
    parsed = []
    for raw in messages:
        text = str(raw.get("text") or "")
        buttons = tuple(
            Button(str(button["title"]), str(button["payload"]))
            for button in raw.get("buttons") or ()
        )
        if text.strip() or buttons:
            parsed.append(Message(text, buttons))
    return parsed


# -------------------------------------------------------------------------------- content texts


@dataclass(frozen=True)
class ChannelTexts:
    """What ``data/content/channels.yml`` says (format documented in its header)."""

    menu_line: str
    menu_prompt: str
    menu_prompt_range: str
    choice_separator: str
    last_choice_separator: str
    list_max: int
    not_a_phone_before: tuple[str, ...]
    non_text_reply: str  # to a sticker, photo, voice note or edited message

    @classmethod
    def from_file(cls, path: Path | None = None) -> ChannelTexts:
        with open(path or default_channels_path(), encoding="utf-8") as handle:
            data: Mapping[str, Any] = yaml.safe_load(handle)
        sms = data["sms"]
        return cls(
            menu_line=str(sms["menu_line"]),
            menu_prompt=str(sms["menu_prompt"]),
            menu_prompt_range=str(sms["menu_prompt_range"]),
            choice_separator=str(sms["choice_separator"]),
            last_choice_separator=str(sms["last_choice_separator"]),
            list_max=int(sms["list_max"]),
            not_a_phone_before=tuple(str(word) for word in data["numbers"]["not_a_phone_before"]),
            non_text_reply=str(data["non_text"]["reply"]),
        )

    def prompt(self, count: int) -> str:
        """The SMS prompt under ``count`` choices: every number, or the range past ``list_max``."""
        numbers = [str(number) for number in range(1, count + 1)]
        if count > self.list_max:
            return self.menu_prompt_range.format(last=numbers[-1])
        choices = numbers[-1]
        if count > 1:
            choices = (
                self.choice_separator.join(numbers[:-1]) + self.last_choice_separator + numbers[-1]
            )
        return self.menu_prompt.format(choices=choices)


@lru_cache(maxsize=1)
def load_channel_texts() -> ChannelTexts:
    """The process-wide channel texts, loaded on first use (never at import)."""
    return ChannelTexts.from_file()


# -------------------------------------------------------------------------------- phone numbers


@dataclass(frozen=True)
class PhoneLink:
    text: str
    href: str


class PhoneNumbers:
    """Finds the known helpline numbers in a text: longest match first, digit-bounded.

    A four-digit line yields only itself (never the three-digit line its end spells), a year
    nothing, a number followed by ".fr" nothing (a web address), "222-33-2-2" nothing (a law
    article), and a number before "ans" nothing (a quantity, from the ``not_a_phone_before``
    words).
    """

    def __init__(self, hrefs: Mapping[str, str], not_a_phone_before: Sequence[str] = ()) -> None:
        self.hrefs = dict(hrefs)
        numbers = sorted(self.hrefs, key=lambda number: (-len(number), number))
        alternatives = "|".join(re.escape(number) for number in numbers) or r"(?!)"
        quantity = ""
        if not_a_phone_before:
            words = "|".join(re.escape(word) for word in not_a_phone_before)
            quantity = rf"(?!\s*(?i:{words})(?!\w))"
        self._pattern = re.compile(rf"(?<![\w./@-])(?:{alternatives})(?![\w@]|[-.,/]\w){quantity}")

    @classmethod
    def from_directory(
        cls, directory: Directory, not_a_phone_before: Sequence[str] = ()
    ) -> PhoneNumbers:
        """Every phone and SMS contact of the directory: ``tel:`` for a phone, ``sms:`` for SMS."""
        hrefs: dict[str, str] = {}
        for line in directory.lines.values():
            for contact in line.contacts:
                if contact.kind not in ("phone", "sms") or not contact.value:
                    continue
                href = f"{'tel' if contact.kind == 'phone' else 'sms'}:{contact.value}"
                shown = contact.label or contact.value  # as written in replies: "0 800 235 236"
                if contact.kind == "phone" or shown not in hrefs:
                    hrefs[shown] = href
        return cls(hrefs, not_a_phone_before)

    def spans(self, text: str) -> list[tuple[int, int]]:
        return [match.span() for match in self._pattern.finditer(text)]

    def find(self, text: str) -> list[str]:
        """The numbers in ``text``, in order, with repeats."""
        return [match.group() for match in self._pattern.finditer(text)]

    def links(self, text: str) -> list[PhoneLink]:
        """One link per distinct number, in order of first appearance."""
        return [PhoneLink(number, self.hrefs[number]) for number in dict.fromkeys(self.find(text))]


@lru_cache(maxsize=1)
def default_numbers() -> PhoneNumbers:
    """The process-wide number finder, built on first use from the directory."""
    return PhoneNumbers.from_directory(
        Directory.from_file(), load_channel_texts().not_a_phone_before
    )


# ------------------------------------------------------------------------------------------ web


def render_web(
    messages: Iterable[Mapping[str, Any]], numbers: PhoneNumbers | None = None
) -> list[dict[str, Any]]:
    """Rasa's REST shape: ``text``, ``buttons`` (only when there are some) and ``links`` (only
    when the text names known numbers: ``[{"text": "<number>", "href": "tel:<number>"}]``)."""
    numbers = numbers or default_numbers()
    rendered: list[dict[str, Any]] = []
    for message in parse_messages(messages):
        out: dict[str, Any] = {"text": message.text}
        if message.buttons:
            out["buttons"] = [{"title": b.title, "payload": b.payload} for b in message.buttons]
        links = numbers.links(message.text)
        if links:
            out["links"] = [{"text": link.text, "href": link.href} for link in links]
        rendered.append(out)
    return rendered


# ------------------------------------------------------------------------------------- telegram


class CallbackCodec:
    """Button payloads to Telegram ``callback_data`` (at most 64 bytes) and back.

    A payload that fits is sent as is. A longer one (or one that starts with ``p:``) becomes
    ``"p:"`` + the first 16 hex digits of its SHA-256: deterministic, so every replica and every
    restart computes the same token for the same payload. The table that maps tokens back holds
    the domain's button payloads (:meth:`from_domain`, what :func:`default_codec` builds) plus
    every payload this process has encoded since. So a token for a domain button decodes on any
    replica, even after a restart; a token for a payload built at run time (by an action) decodes
    in the process that rendered it. An unknown token decodes to ``None``.
    """

    PREFIX: Final = "p:"

    def __init__(self, payloads: Iterable[str] = ()) -> None:
        self._table: dict[str, str] = {}
        for payload in payloads:
            self.encode(payload)

    @classmethod
    def from_domain(cls, path: Path | None = None) -> CallbackCodec:
        """A codec that knows every button payload of ``domain.yml``'s responses."""
        with open(path or default_domain_path(), encoding="utf-8") as handle:
            domain: Mapping[str, Any] = yaml.safe_load(handle)
        # Domain payloads escape braces ("{{...}}") so Rasa's response interpolation leaves them
        # alone; what reaches the channel is the unescaped form.
        payloads = [
            str(button["payload"]).replace("{{", "{").replace("}}", "}")
            for variants in (domain.get("responses") or {}).values()
            for variant in variants or ()
            for button in variant.get("buttons") or ()
        ]
        return cls(payloads)

    @staticmethod
    def token(payload: str) -> str:
        return CallbackCodec.PREFIX + hashlib.sha256(payload.encode("utf-8")).hexdigest()[:16]

    def encode(self, payload: str) -> str:
        fits = len(payload.encode("utf-8")) <= TELEGRAM_CALLBACK_MAX_BYTES
        if fits and not payload.startswith(self.PREFIX):
            return payload
        token = self.token(payload)
        known = self._table.setdefault(token, payload)
        if known != payload:  # 64-bit collision: never decode to the wrong button
            raise ValueError("callback token collision between two payloads")
        return token

    def decode(self, data: str) -> str | None:
        """The payload behind ``data``, or ``None`` for an unknown token or empty data."""
        if data.startswith(self.PREFIX):
            return self._table.get(data)
        return data or None


@lru_cache(maxsize=1)
def default_codec() -> CallbackCodec:
    """The process-wide codec, built on first use from ``domain.yml``."""
    return CallbackCodec.from_domain()


@dataclass(frozen=True)
class TelegramMessage:
    text: str
    keyboard: list[list[tuple[str, str]]]  # rows of (title, callback_data); empty: no keyboard


def _keyboard(buttons: Sequence[Button], codec: CallbackCodec) -> list[list[tuple[str, str]]]:
    keys = [(button.title, codec.encode(button.payload)) for button in buttons]
    if len(keys) <= _ONE_BUTTON_PER_ROW_UP_TO:
        return [[key] for key in keys]
    return [keys[start : start + 2] for start in range(0, len(keys), 2)]


def render_telegram(
    messages: Iterable[Mapping[str, Any]], codec: CallbackCodec | None = None
) -> list[TelegramMessage]:
    """One Telegram message per bot message, buttons as an inline keyboard (one per row up to
    three buttons, two per row beyond). Numbers stay plain digits: Telegram makes them tappable."""
    codec = codec or default_codec()
    return [
        TelegramMessage(message.text, _keyboard(message.buttons, codec))
        for message in parse_messages(messages)
    ]


# ------------------------------------------------------------------------------------------ sms


@dataclass(frozen=True)
class SmsReply:
    text: str
    menu: dict[str, str]  # "1" -> payload
    segments: int
    encoding: Encoding


def menu_payload(menu: Mapping[str, str], reply: str) -> str | None:
    """The payload a reply such as ``" 2."`` or ``"3)"`` picks from an SMS menu, if any."""
    return menu.get(reply.strip().rstrip(".)").strip())


def _fits(text: str, max_segments: int) -> bool:
    return sms_segments(text)[1] <= max_segments


def _compose(body: Sequence[str | None], menu: Sequence[str]) -> str:
    return "\n".join([line for line in body if line is not None] + list(menu))


def _cut(
    body: list[str | None], index: int, line: str, menu: Sequence[str], max_segments: int
) -> str | None:
    """The longest start of ``line`` that still fits: at a sentence end if one fits, else at a
    word boundary followed by "...". The line holds no known number (it would be protected)."""

    def fits(candidate: str) -> bool:
        trial = list(body)
        trial[index] = candidate
        return _fits(_compose(trial, menu), max_segments)

    sentence_ends = [match.end() for match in _SENTENCE_END.finditer(line)]
    for end in reversed(sentence_ends):
        if fits(line[:end]):
            return line[:end]
    words = [match.start() for match in re.finditer(r"\s", line)]
    for end in reversed(words):
        candidate = line[:end].rstrip(" ,;:-") + "..."
        if fits(candidate):
            return candidate
    return None


def _shorten(
    body: Sequence[str], menu: Sequence[str], numbers: PhoneNumbers, max_segments: int
) -> str:
    """Keep every line that names a known number (the danger text) and the menu whole; fill the
    rest of the budget with the other lines in order, cutting the first that does not fit at a
    sentence or word boundary and dropping those after it."""
    kept: list[str | None] = [line if numbers.spans(line) else None for line in body]
    for index, line in enumerate(body):
        if kept[index] is not None:
            continue
        kept[index] = line
        if _fits(_compose(kept, menu), max_segments):
            continue
        kept[index] = _cut(kept, index, line, menu, max_segments)
        break
    return _compose(kept, menu)


def render_sms(
    messages: Iterable[Mapping[str, Any]],
    texts: ChannelTexts | None = None,
    numbers: PhoneNumbers | None = None,
    max_segments: int = MAX_SMS_SEGMENTS,
) -> SmsReply:
    """The whole turn as one SMS of at most ``max_segments`` segments.

    Messages are joined line by line (blank lines dropped); buttons, from every message in order,
    become a numbered menu and its prompt. To fit: (a) the text as is; (b) else, if transliterating
    the non-GSM-7 letters and dropping emoji makes it GSM-7 (3 x 153 characters instead of
    3 x 67), that; (c) else the lines naming a known number and the menu stay whole and the other
    lines are shortened at a line, sentence or word boundary. Safety beats the budget: if the
    number lines and the menu alone exceed it, they are all sent and ``segments`` says so.
    """
    texts = texts or load_channel_texts()
    numbers = numbers or default_numbers()
    parsed = parse_messages(messages)
    body = [
        line.rstrip() for message in parsed for line in message.text.splitlines() if line.strip()
    ]
    buttons = [button for message in parsed for button in message.buttons]
    menu = {str(number): button.payload for number, button in enumerate(buttons, start=1)}
    menu_lines = [
        texts.menu_line.format(number=number, title=button.title)
        for number, button in enumerate(buttons, start=1)
    ]
    if buttons:
        menu_lines.append(texts.prompt(len(buttons)))

    text = _compose(body, menu_lines)
    if not _fits(text, max_segments):
        gsm_body = [to_gsm7(line).strip() for line in body]
        gsm_menu = [to_gsm7(line).strip() for line in menu_lines]
        if is_gsm7(_compose(gsm_body, gsm_menu)):
            body, menu_lines = [line for line in gsm_body if line], gsm_menu
            text = _compose(body, menu_lines)
        if not _fits(text, max_segments):
            text = _shorten(body, menu_lines, numbers, max_segments)
    encoding, segments = sms_segments(text)
    return SmsReply(text=text, menu=menu, segments=segments, encoding=encoding)
