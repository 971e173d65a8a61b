"""Abuse and bad input: each webhook of the served stack, fuzzed with thousands of requests.

For every request (random bytes, broken JSON, the right shape with wrong types, huge, empty,
control-character, NUL and lone-surrogate strings, huge numbers, nested junk; right and wrong
authentication; random content types and methods; oversize bodies):
- the server answers: no 5xx, no dropped connection;
- a 200 parses (JSON; TwiML for SMS) and a refusal is `channels.common.refuse`'s short
  `{"error": ...}`;
- a well-formed, authenticated message is answered (the never-silent promise).
Conversations held before the fuzz are remembered after it, in Redis and in the bot's next reply,
and Rasa's own HTTP API is not served.

Traffic: the fuzz posts from its own loopback address (127.0.0.2), so the web chat's per-address
limit it exhausts is not the one the other tests (127.0.0.1) share, and its Telegram `update_id`s
and chat ids stay out of the ranges `tests.clients` draws from. Counts per webhook and status go
to `tests/.artifacts/fuzz_counts.json`.
"""

from __future__ import annotations

import itertools
import json
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode
from xml.etree import ElementTree

import httpx
import pytest
import redis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from twilio.request_validator import RequestValidator

from bot.commands import load_commands
from channels import telegram, webchat
from tests.clients import (
    PUBLIC_URL,
    message_text,
    new_chat,
    phone,
    post_sms,
    post_telegram,
    post_web,
    sms_form,
    text_update,
)
from tests.conftest import REDIS_KEY_PREFIX, ROOT, TELEGRAM_SECRET, TWILIO_TOKEN, Stack

pytestmark = pytest.mark.model

FUZZ_ADDRESS = "127.0.0.2"
MAX_REASON_CHARS = 80  # refusals are a short reason, never an echo of the request
COUNTS_FILE = ROOT / "tests" / ".artifacts" / "fuzz_counts.json"
KIT_TEXT = "on m'insulte sur insta tous les jours"

# Many examples for what is refused early (auth, shape), fewer for what reaches the model.
SHALLOW = settings(
    max_examples=2000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
DEEP = settings(SHALLOW, max_examples=300)
# The web chat allows 150 messages per address per minute (WEBCHAT_RATE_LIMIT x 5): its deep
# test stays under that, so every one is answered; the valid bodies of the mixed test past the
# budget get a 429, which is a fine answer too.
DEEP_WEBCHAT = settings(SHALLOW, max_examples=140)


class Fuzzer:
    """One reused HTTP client from the fuzz's own address, counting statuses per webhook."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.origin = stack.url
        transport = httpx.HTTPTransport(local_address=FUZZ_ADDRESS)
        self.client = httpx.Client(base_url=stack.url, transport=transport, timeout=60)
        self.counts: dict[str, Counter[str]] = defaultdict(Counter)

    def send(
        self,
        webhook: str,
        content: bytes,
        headers: dict[str, str],
        method: str = "POST",
        path: str | None = None,
    ) -> httpx.Response:
        url = path or f"/webhooks/{webhook}/webhook"
        reply = self.client.request(method, url, content=content, headers=headers)
        self.counts[webhook][str(reply.status_code)] += 1
        return reply


@pytest.fixture(scope="module")
def fuzzer(stack: Stack, kept: Kept) -> Iterator[Fuzzer]:
    """Set up after `kept`: the conversations are stored before any fuzzed request."""
    fuzzer = Fuzzer(stack)
    started = time.monotonic()
    yield fuzzer
    fuzzer.client.close()
    counts = {hook: dict(sorted(statuses.items())) for hook, statuses in fuzzer.counts.items()}
    summary = {
        "requests": sum(sum(statuses.values()) for statuses in fuzzer.counts.values()),
        "seconds": round(time.monotonic() - started, 1),
        "per_webhook": {hook: sum(statuses.values()) for hook, statuses in counts.items()},
        "statuses": counts,
    }
    COUNTS_FILE.parent.mkdir(exist_ok=True)
    COUNTS_FILE.write_text(json.dumps(summary, indent=2) + "\n")


# ---- what every answer must be


def check(reply: httpx.Response, parse: str = "json") -> Any:
    """The property shared by every webhook; returns the parsed 200 body."""
    status, method = reply.status_code, reply.request.method
    assert status < 500, (status, reply.text[:300])
    if method == "HEAD":
        return None
    if method == "OPTIONS" and status < 300:  # the CORS layer's preflight answer
        return None
    if status == 200:
        assert method == "POST", method
        if parse == "twiml":
            assert reply.headers["content-type"].startswith("application/xml")
            root = ElementTree.fromstring(reply.content)
            assert root.tag == "Response"
            return root
        return reply.json()
    assert reply.headers["content-type"].startswith("application/json"), reply.text[:300]
    body = reply.json()
    assert set(body) == {"error"} and isinstance(body["error"], str), body
    assert 0 < len(body["error"]) <= MAX_REASON_CHARS
    return body


# ---- strategies shared by the three webhooks

HUGE_INTS = st.one_of(
    st.integers(min_value=2**31, max_value=2**64),
    st.integers(min_value=10**20, max_value=10**40),
    st.integers(min_value=-(2**70), max_value=-(2**31)),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    HUGE_INTS,
    st.floats(),  # NaN and infinities too: Python's json writes and reads them
    st.text(max_size=20),
)
JUNK = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
SPECIAL_TEXTS = [
    "", " ", "\n\t ", "\x00", "a\x00b", "\u202e\u200b\ufeff", "🙂" * 50, "é" * 1000,
    "a" * 999 + "\x00", "/restart", "/kit_next", "/kit_wrong", "/session_start",
    '/inform_situation{"situation": "insults"}', '/inform_situation{"situation": 12}',
    "/inform{", "/victim{]", "/action_restart", "OUBLI", "/oubli", "/start", "STOP", "1", "99",
    "<Message>x</Message>", "]]></Message><Message>", "{{role}}", "%s %n", "\\u0000",
    "on m'insulte sur snap", "jveux mourir",
]  # fmt: skip
TEXTS = st.one_of(
    st.text(max_size=60),
    st.text(st.characters(max_codepoint=0x1F), max_size=20),  # control characters and NUL
    st.text(st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF), min_size=1, max_size=5),
    st.sampled_from(SPECIAL_TEXTS),
    st.integers(min_value=0, max_value=5000).map(lambda n: "x" * n),
)


def as_json(value: Any, ascii_only: bool) -> bytes:
    """JSON bytes; without `ascii_only`, a lone surrogate goes as raw (not UTF-8) bytes."""
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def encoded(shapes: st.SearchStrategy[Any]) -> st.SearchStrategy[bytes]:
    """Bodies: the shapes as JSON (sometimes cut short), random bytes, or oversized padding."""
    whole = st.builds(as_json, shapes, st.booleans())
    return st.one_of(
        whole,
        whole,
        st.builds(lambda body, cut: body[:cut], whole, st.integers(min_value=0, max_value=40)),
        st.binary(max_size=200),
        st.builds(as_json, JUNK, st.booleans()),
        st.sampled_from([4097, 16 * 1024 + 1, 64 * 1024 + 1, 2**20]).map(
            lambda size: b'{"pad": "' + b"a" * size + b'"}'
        ),
    )


# Visible ASCII, no surrounding blanks: what an HTTP client can put on the wire at all.
HEADER_VALUES = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60).map(
    str.strip
)
CONTENT_TYPES = st.one_of(
    st.none(),
    st.sampled_from([
        "application/json", "application/json; charset=utf-8", "application/jsonx",
        "text/plain", "application/x-www-form-urlencoded", "multipart/form-data",
        "multipart/form-data; boundary=x", "application/xml", "*/*", "",
    ]),
    HEADER_VALUES,
)  # fmt: skip
METHODS = st.sampled_from(["POST"] * 12 + ["GET", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"])
EXTRA_HEADERS = st.dictionaries(
    st.sampled_from(["X-Forwarded-For", "Forwarded", "X-Real-IP", "User-Agent", "Accept",
                     "Content-Encoding", "Accept-Language", "Cookie", "Referer"]),
    HEADER_VALUES,
    max_size=3,
)  # fmt: skip


def headers_with(
    content_type: str | None, extra: dict[str, str], **named: str | None
) -> dict[str, str]:
    headers = dict(extra)
    if content_type is not None:
        headers["Content-Type"] = content_type
    headers.update(
        {name.replace("_", "-"): value for name, value in named.items() if value is not None}
    )
    return headers


_unique = itertools.count()


def unique(prefix: str) -> st.SearchStrategy[str]:
    """A fresh id per example (deep tests must not hit their own per-client limit or dedup)."""
    return st.builds(lambda: f"{prefix}{next(_unique):08d}{uuid.uuid4().hex[:8]}")


# ---- conversations held before the fuzz


class Kept:
    """One conversation per channel, started before the fuzz and continued after it."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.web_sender = "keep-" + uuid.uuid4().hex
        self.chat = new_chat()
        self.phone = phone()
        self.redis = redis.Redis.from_url(stack.redis.url)
        self.stored: dict[bytes, list[dict[str, Any]]] = {}

    def web(self, text: str) -> httpx.Response:
        return post_web(self.stack, self.web_sender, text)

    def sms(self, text: str) -> str:
        reply = post_sms(self.stack, sms_form(text, self.phone))
        assert reply.status_code == 200
        return message_text(reply)

    def telegram(self, body: dict[str, Any]) -> None:
        assert post_telegram(self.stack, body).status_code == 200

    def trackers(self) -> dict[bytes, list[dict[str, Any]]]:
        keys = self.redis.keys(f"{REDIS_KEY_PREFIX}:tracker:*")
        stored = {}
        for key in keys:
            raw = self.redis.get(key)
            if raw is not None:
                stored[key] = json.loads(raw)["events"]
        return stored


@pytest.fixture(scope="module")
def kept(stack: Stack) -> Iterator[Kept]:
    kept = Kept(stack)
    first = kept.web(KIT_TEXT)
    assert first.status_code == 200 and first.json()[-1]["text"].startswith("1/")
    kept.telegram(text_update(kept.chat, KIT_TEXT))
    assert stack.telegram.sent(chat_id=kept.chat)[-1]["text"].startswith("1/")
    assert "1/" in kept.sms(KIT_TEXT)
    kept.stored = kept.trackers()
    assert len(kept.stored) >= 3
    yield kept
    kept.redis.close()


# ---- Rasa's own HTTP API is not served

RASA_API = [
    ("GET", "/status"), ("GET", "/version"), ("GET", "/model"), ("GET", "/domain"),
    ("POST", "/model/parse"), ("POST", "/model/train"), ("POST", "/model/test/intents"),
    ("PUT", "/model"), ("DELETE", "/model"), ("GET", "/conversations/someone/tracker"),
    ("PUT", "/conversations/someone/tracker/events"),
    ("POST", "/conversations/someone/messages"), ("POST", "/conversations/someone/execute"),
    ("POST", "/conversations/someone/trigger_intent"), ("POST", "/conversations/someone/predict"),
    ("GET", "/conversations/someone/story"), ("POST", "/webhooks/rest/webhook"),
    ("POST", "/webhooks/callback/webhook"), ("GET", "/socket.io/"),
]  # fmt: skip


@pytest.mark.parametrize(("method", "path"), RASA_API)
def test_rasa_http_api_is_not_served(fuzzer: Fuzzer, method: str, path: str) -> None:
    for auth in ({}, {"Authorization": "Bearer anything"}):
        reply = fuzzer.send("rasa_api", b"{}", {"Content-Type": "application/json", **auth},
                            method=method, path=path + "?token=anything")  # fmt: skip
        assert reply.status_code in (401, 403, 404, 405), (method, path, reply.status_code)


def test_no_script_serves_rasa_api_without_a_token() -> None:
    launchers = [*(ROOT / "scripts").iterdir(), *(ROOT / "deploy").glob("*.py"),
                 ROOT / "Makefile", ROOT / "tests" / "servers.py"]  # fmt: skip
    for launcher in launchers:
        text = launcher.read_text()
        if "--enable-api" in text or "enable_api" in text:
            assert "--auth-token" in text or "--jwt-secret" in text, launcher.name


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
@pytest.mark.parametrize(
    "path", ["/webhooks/webchat/webhook", "/webhooks/telegram/webhook", "/webhooks/sms/webhook",
             "/no-such-page"]
)  # fmt: skip
def test_a_malformed_accept_header_gets_a_short_4xx(fuzzer: Fuzzer, path: str, method: str) -> None:
    """Sanic 21.12 answered 500 when it rendered its error page for `Accept: 0`."""
    reply = fuzzer.send("accept_header", b"", {"Accept": "0"}, method=method, path=path)
    assert reply.status_code in (404, 405)
    reason = "not found" if reply.status_code == 404 else "method not allowed"
    assert check(reply) == {"error": reason}


@given(
    path=st.text(st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=40),
    method=METHODS,
    extra=EXTRA_HEADERS,
)
@settings(SHALLOW, max_examples=300)
def test_any_other_path_gets_a_clear_answer(
    fuzzer: Fuzzer, path: str, method: str, extra: dict[str, str]
) -> None:
    reply = fuzzer.send("other_paths", b"", extra, method=method, path="/" + path.lstrip("/"))
    assert reply.status_code < 500, (reply.status_code, reply.text[:300])
    if reply.status_code >= 400 and method != "HEAD":
        check(reply)


# ---- web chat

WEB_SHAPES = st.fixed_dictionaries(
    {
        "sender": st.one_of(st.from_regex(r"[A-Za-z0-9_-]{8,64}", fullmatch=True), TEXTS, JUNK),
        "message": st.one_of(TEXTS, JUNK),
    },
    optional={
        "id": st.one_of(st.from_regex(r"[A-Za-z0-9_-]{8,64}", fullmatch=True), JUNK),
        "metadata": JUNK,
    },
)


@given(message=TEXTS.filter(lambda t: t.strip() and len(t) <= webchat.MAX_MESSAGE_CHARS),
       with_id=st.booleans(), sender=unique("fz-web-"), ascii_only=st.booleans())  # fmt: skip
@DEEP_WEBCHAT
def test_webchat_a_well_formed_message_is_always_answered(
    fuzzer: Fuzzer, kept: Kept, message: str, with_id: bool, sender: str, ascii_only: bool
) -> None:
    body: dict[str, Any] = {"sender": sender, "message": message}
    if with_id:
        body["id"] = uuid.uuid4().hex
    headers = {"Origin": fuzzer.origin, "Content-Type": "application/json"}
    content = as_json(body, ascii_only)
    reply = fuzzer.send("webchat", content, headers)
    answer = check(reply)
    if len(content) > webchat.MAX_BODY_BYTES:  # 1000 emoji, or "\u00e9" x 700: the widget
        assert answer == {"error": "body too large"}  # checks the bytes before sending
        return
    assert reply.status_code == 200, reply.text
    assert answer and all(item["text"] for item in answer)


@given(body=encoded(WEB_SHAPES), right=st.booleans(), content_type=CONTENT_TYPES,
       extra=EXTRA_HEADERS, origin=st.sampled_from(["allowed", "missing", "allowed/", "null",
                                                    "https://evil.example.org", "other-port"]),
       method=METHODS)  # fmt: skip
@SHALLOW
def test_webchat_any_request_gets_a_clear_answer(
    fuzzer: Fuzzer,
    kept: Kept,
    body: bytes,
    right: bool,
    content_type: str | None,
    extra: dict[str, str],
    origin: str,
    method: str,
) -> None:
    if right:  # half the bodies get past the origin, method and content type checks
        content_type, origin, method = "application/json", "allowed", "POST"
    origins = {"allowed": fuzzer.origin, "allowed/": fuzzer.origin + "/",
               "other-port": fuzzer.origin.rsplit(":", 1)[0] + ":1", "missing": None}  # fmt: skip
    headers = headers_with(content_type, extra, Origin=origins.get(origin, origin))
    check(fuzzer.send("webchat", body, headers, method=method))


# ---- Telegram

FUZZ_IDS = st.one_of(  # never in the ranges tests.clients draws update ids and chat ids from
    st.integers(max_value=10**6 - 1), st.integers(min_value=10**9), HUGE_INTS
)
CHAT = st.one_of(st.fixed_dictionaries({"id": FUZZ_IDS}, optional={"type": JUNK}), JUNK)
MESSAGE = st.fixed_dictionaries(
    {"chat": CHAT},
    optional={
        "text": st.one_of(TEXTS, JUNK),
        "message_id": JUNK,
        "sticker": JUNK,
        "photo": JUNK,
        "voice": JUNK,
    },
)
CALLBACK = st.fixed_dictionaries(
    {},
    optional={"id": st.one_of(st.text(max_size=10), JUNK), "data": st.one_of(TEXTS, JUNK),
              "message": st.one_of(MESSAGE, JUNK)},
)  # fmt: skip
UPDATES = st.fixed_dictionaries(
    {"update_id": st.one_of(FUZZ_IDS, FUZZ_IDS, JUNK)},
    optional={
        "message": st.one_of(MESSAGE, JUNK),
        "edited_message": st.one_of(MESSAGE, JUNK),
        "callback_query": st.one_of(CALLBACK, JUNK),
        "channel_post": JUNK,
    },
)
TELEGRAM_SECRETS = st.one_of(
    st.sampled_from([TELEGRAM_SECRET, TELEGRAM_SECRET, None, "", TELEGRAM_SECRET + "x",
                     TELEGRAM_SECRET[:-1], TELEGRAM_SECRET.upper(), "Bearer " + TELEGRAM_SECRET]),
    HEADER_VALUES,
)  # fmt: skip
_telegram_ids = itertools.count(10**12)


@given(text=TEXTS, ascii_only=st.booleans(), button=st.booleans())
@DEEP
def test_telegram_a_well_formed_update_is_always_answered(
    fuzzer: Fuzzer, kept: Kept, text: str, ascii_only: bool, button: bool
) -> None:
    chat = next(_telegram_ids)
    if button:
        pressed_on = {"message_id": 1, "chat": {"id": chat, "type": "private"}}
        callback = {"id": f"cb-{chat}", "data": text, "message": pressed_on}
        update = {"update_id": chat, "callback_query": callback}
    else:
        message = {
            "message_id": 1,
            "date": 0,
            "chat": {"id": chat, "type": "private"},
            "text": text,
        }
        update = {"update_id": chat, "message": message}
    headers = {"X-Telegram-Bot-Api-Secret-Token": TELEGRAM_SECRET}
    reply = fuzzer.send("telegram", as_json(update, ascii_only), headers)
    answer = check(reply)
    if not button and len(text) > telegram.MAX_MESSAGE_CHARS:  # more than Telegram ever sends
        assert reply.status_code == 413, reply.text
        return
    assert reply.status_code == 200, reply.text
    sent_status = ({"status": "ok"}, {"status": "failsafe"})  # the reply went to the Bot API
    assert answer in sent_status or answer["method"] == "sendMessage", answer
    if answer in sent_status:
        assert fuzzer.stack.telegram.sent(chat_id=chat), "no reply sent"


@given(body=encoded(UPDATES), right=st.booleans(), secret=TELEGRAM_SECRETS,
       content_type=CONTENT_TYPES, extra=EXTRA_HEADERS, method=METHODS)  # fmt: skip
@SHALLOW
def test_telegram_any_request_gets_a_clear_answer(
    fuzzer: Fuzzer,
    kept: Kept,
    body: bytes,
    right: bool,
    secret: str | None,
    content_type: str | None,
    extra: dict[str, str],
    method: str,
) -> None:
    if right:  # half the bodies get past the secret and method checks
        secret, method = TELEGRAM_SECRET, "POST"
    headers = headers_with(content_type, extra, X_Telegram_Bot_Api_Secret_Token=secret)
    check(fuzzer.send("telegram", body, headers, method=method))


# ---- SMS (Twilio)

FORM_TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(SPECIAL_TEXTS),
    st.integers(min_value=1500, max_value=17_000).map(lambda n: "x" * n),
)
FORMS = st.fixed_dictionaries(
    {},
    optional={
        "Body": FORM_TEXT,
        "From": st.one_of(st.just("+33612345678"), st.text(max_size=20)),
        "MessageSid": st.one_of(unique("SMfz"), st.text(max_size=34)),
        "To": st.text(max_size=15),
        "FromCity": st.just(""),
        "NumMedia": st.sampled_from(["0", "1", ""]),
        "Junk": st.text(max_size=20),
    },
)
SIGNATURES = st.sampled_from(["valid", "valid", "valid", "missing", "empty", "other-url",
                              "other-token", "other-form", "random"])  # fmt: skip
_validator = RequestValidator(TWILIO_TOKEN)


def signature_for(kind: str, form: dict[str, str], random_value: str) -> str | None:
    if kind == "valid":
        return str(_validator.compute_signature(PUBLIC_URL, form))
    if kind == "other-url":
        return str(
            _validator.compute_signature("https://evil.example.org/webhooks/sms/webhook", form)
        )
    if kind == "other-token":
        return str(RequestValidator("other-token").compute_signature(PUBLIC_URL, form))
    if kind == "other-form":
        return str(_validator.compute_signature(PUBLIC_URL, {**form, "Body": "autre"}))
    return {"missing": None, "empty": ""}.get(kind, random_value)


@given(body=FORM_TEXT.filter(lambda t: len(t) <= 1600), blank_fields=st.booleans())
@DEEP
def test_sms_a_signed_message_is_always_answered(
    fuzzer: Fuzzer, kept: Kept, body: str, blank_fields: bool
) -> None:
    form = sms_form(body, "+3379" + f"{next(_unique):07d}", sid=f"SMfz{uuid.uuid4().hex}")
    if blank_fields:  # as Twilio sends them for most French numbers
        form.update({"FromCity": "", "FromState": "", "FromZip": "", "NumMedia": "0"})
    signature = str(_validator.compute_signature(PUBLIC_URL, form))
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signature}
    reply = fuzzer.send("sms", urlencode(form).encode(), headers)
    check(reply, parse="twiml")
    assert reply.status_code == 200, reply.text
    if not load_commands().is_sms_reserved(body):
        assert message_text(reply), "no reply"


@given(form=FORMS, signature=SIGNATURES, random_signature=HEADER_VALUES,
       raw=st.one_of(st.none(), st.binary(max_size=120),
                     st.sampled_from([b"%zz&=&&Body=%ff", b"Body=%C3", b"a=1&a=2", b"&&&"])),
       right=st.booleans(), content_type=CONTENT_TYPES, extra=EXTRA_HEADERS,
       method=METHODS)  # fmt: skip
@SHALLOW
def test_sms_any_request_gets_a_clear_answer(
    fuzzer: Fuzzer,
    kept: Kept,
    form: dict[str, str],
    signature: str,
    random_signature: str,
    raw: bytes | None,
    right: bool,
    content_type: str | None,
    extra: dict[str, str],
    method: str,
) -> None:
    if right:  # half the bodies get past the method and content type checks
        content_type, method = "application/x-www-form-urlencoded", "POST"
    body = urlencode(form).encode() if raw is None else raw
    value = signature_for(signature, form, random_signature)
    headers = headers_with(content_type, extra, X_Twilio_Signature=value)
    reply = fuzzer.send("sms", body, headers, method=method)
    check(reply, parse="twiml")
    form_type = (content_type or "").startswith("application/x-www-form-urlencoded")
    if method == "POST" and signature == "valid" and raw is None and form_type:
        assert reply.status_code != 403, "a correctly signed request was refused"


# ---- after the fuzz


def test_conversations_from_before_the_fuzz_are_remembered(kept: Kept) -> None:
    after = kept.trackers()
    for key, events in kept.stored.items():
        assert key in after, f"tracker {key!r} lost"
        assert after[key][: len(events)] == events, f"tracker {key!r} rewritten"
    assert kept.web("/kit_next").json()[0]["text"].startswith("2/")
    before = len(kept.stack.telegram.sent(chat_id=kept.chat))
    pressed_on = {"message_id": 2, "date": 0, "chat": {"id": kept.chat, "type": "private"}}
    callback = {"id": "cb-kept", "data": "/kit_next", "message": pressed_on}
    kept.telegram({"update_id": next(_telegram_ids), "callback_query": callback})
    assert kept.stack.telegram.sent(chat_id=kept.chat)[before]["text"].startswith("2/")
    assert "2/" in kept.sms("1")  # "1 Suite" in the menu of the turn before the fuzz
