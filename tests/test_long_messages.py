"""Long messages on the served stack: the model reads a bounded prefix, the safety net all of it.

A 4,096-character Telegram message of emoji (Telegram's own limit) used to take the Rasa process
to a 3.3 GB peak and 2.5 to 8.5 s of blocked event loop. Its peak memory is measured here with the
kernel's high-water mark of the Rasa process (reset just before the message); its latency is
measured in `make bench` (bench/long_message.py), not here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.clients import new_chat, post_telegram, text_update
from tests.conftest import Stack

pytestmark = pytest.mark.model

EMOJI = "\U0001f62d"  # loudly crying face: one character, one token
PEAK_LIMIT_MB = 400


def _status_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def test_a_message_of_4096_emoji_is_answered_without_a_memory_peak(stack: Stack) -> None:
    chat = new_chat()
    Path(f"/proc/{stack.pid}/clear_refs").write_text("5")  # peak RSS := current RSS
    before = _status_kb(stack.pid, "VmRSS")
    reply = post_telegram(stack, text_update(chat, EMOJI * 4096))
    peak_mb = (_status_kb(stack.pid, "VmHWM") - before) / 1024
    print(f"4,096 emoji: peak {peak_mb:.0f} MB above the RSS before")
    assert reply.status_code == 200
    assert stack.telegram.sent(chat_id=chat), "no reply was sent"
    assert peak_mb < PEAK_LIMIT_MB, f"the message took the Rasa process {peak_mb:.0f} MB higher"


def test_danger_at_the_end_of_a_long_message_gets_the_emergency_numbers_first(
    stack: Stack,
) -> None:
    """The model sees only the beginning of a long message; the safety net reads all of it."""
    chat = new_chat()
    text = EMOJI * 4000 + " jveux plus vivre"
    assert post_telegram(stack, text_update(chat, text)).status_code == 200
    first = stack.telegram.sent(chat_id=chat)[0]["text"]
    assert "112" in first and "3114" in first
