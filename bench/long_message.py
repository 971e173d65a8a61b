"""`make bench`, long-message part: what a 4,096-emoji Telegram message costs the served bot.

    python -m bench.long_message [--rounds 5]

One replica (`deploy.scale --replicas 1`) with a local fake Telegram Bot API. Each round:
1. a short web chat message alone ("salut", a new person): its latency, the baseline;
2. a 4,096-emoji Telegram message (Telegram's own limit, one token per emoji) from a new chat:
   its latency (webhook in, reply sent to the Bot API, answer out), and how far the replica's
   resident memory peaked above what it was just before (the kernel's high-water mark, reset);
3. the same long message again, with the short web chat message sent 50 ms after it: the short
   message's latency while the long one is being answered.
Targets: the long message answered in <= 1 s, memory back where it was, the short message's
latency next to a long one close to its latency alone. Prints a table, writes
`bench/long_message.json`. About a minute after the replica's start-up.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from bench.load import ROOT, memory_mb
from deploy.launcher import StartError
from deploy.scale_run import start_scale
from tests.fake_telegram import FakeTelegram

EMOJI = "\U0001f62d"
LONG_CHARS = 4096
SECRET = "bench-secret-" + uuid.uuid4().hex[:12]
TOKEN = "123456789:BENCH" + uuid.uuid4().hex
TARGET_LONG_S = 1.0


def _update(chat: int, text: str) -> dict[str, Any]:
    message = {"message_id": 1, "date": 0, "chat": {"id": chat, "type": "private"}, "text": text}
    return {"update_id": random.randrange(10**8, 10**9), "message": message}


async def _timed(client: httpx.AsyncClient, url: str, **kwargs: Any) -> float:
    started = time.perf_counter()
    answer = await client.post(url, timeout=60, **kwargs)
    answer.raise_for_status()
    return time.perf_counter() - started


def _reset_peak(pid: int) -> float:
    Path(f"/proc/{pid}/clear_refs").write_text("5")
    return memory_mb(pid, tree=False)["rss_mb"]


async def measure(base: str, origin: str, pid: int, rounds: int) -> dict[str, Any]:
    web = f"{base}/webhooks/webchat/webhook"
    telegram = f"{base}/webhooks/telegram/webhook"
    secret = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
    alone, long_s, peaks, rss_after, beside = [], [], [], [], []

    def short() -> dict[str, Any]:
        return {
            "json": {"sender": uuid.uuid4().hex, "message": "salut"},
            "headers": {"Origin": origin},
        }

    def long() -> dict[str, Any]:
        chat = random.randrange(10**8, 10**9)
        return {"json": _update(chat, EMOJI * LONG_CHARS), "headers": secret}

    async with httpx.AsyncClient() as client:
        for _ in range(3):  # warm-up: the first turns compile the model's graph
            await _timed(client, web, **short())
            await _timed(client, telegram, **long())
        rss_start = memory_mb(pid, tree=False)["rss_mb"]
        for _ in range(rounds):
            alone.append(await _timed(client, web, **short()))
            before = _reset_peak(pid)
            long_s.append(await _timed(client, telegram, **long()))
            memory = memory_mb(pid, tree=False)
            peaks.append(memory["peak_rss_mb"] - before)
            rss_after.append(memory["rss_mb"])
            long_task = asyncio.create_task(_timed(client, telegram, **long()))
            await asyncio.sleep(0.05)
            beside.append(await _timed(client, web, **short()))
            await long_task

    def ms(values: list[float]) -> dict[str, float]:
        return {
            "median_ms": round(statistics.median(values) * 1000, 1),
            "max_ms": round(max(values) * 1000, 1),
        }

    return {
        "rounds": rounds,
        "long_message": {"chars": LONG_CHARS, **ms(long_s)},
        "peak_above_before_mb": round(max(peaks), 1),
        "rss_mb": {"after_warm_up": rss_start, "after_last_round": rss_after[-1]},
        "short_alone": ms(alone),
        "short_beside_long": ms(beside),
        "target_met": max(long_s) <= TARGET_LONG_S,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.long_message", description=__doc__)
    parser.add_argument("--rounds", type=int, default=int(os.environ.get("BENCH_ROUNDS") or 5))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "long_message.json")
    args = parser.parse_args(argv)
    fake = FakeTelegram().start()
    workdir = Path(tempfile.mkdtemp(prefix="relais-bench-long-"))
    print(f"long-message bench: starting 1 replica (logs in {workdir}) ...", flush=True)
    env = {
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_SECRET_TOKEN": SECRET,
        "TELEGRAM_API_BASE_URL": fake.url,
        "WEBCHAT_RATE_LIMIT": "1000000",
    }
    try:
        run = start_scale(1, workdir, env, access_log=False)
    except StartError as error:
        fake.stop()
        raise SystemExit(f"deploy.scale did not start: {error}") from error
    try:
        replica = run.topology["replicas"][0]
        result = asyncio.run(
            measure(replica["url"], run.topology["origins"][0], replica["pid"], args.rounds)
        )
    finally:
        run.stop()
        fake.stop()
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    rows = [
        ("4,096-emoji message, median (ms)", result["long_message"]["median_ms"]),
        ("4,096-emoji message, slowest (ms)", result["long_message"]["max_ms"]),
        ("peak RSS above before it (MB)", result["peak_above_before_mb"]),
        ("RSS after warm-up (MB)", result["rss_mb"]["after_warm_up"]),
        ("RSS after the last round (MB)", result["rss_mb"]["after_last_round"]),
        ("'salut' alone, median (ms)", result["short_alone"]["median_ms"]),
        ("'salut' beside a long one, median (ms)", result["short_beside_long"]["median_ms"]),
        ("'salut' beside a long one, slowest (ms)", result["short_beside_long"]["max_ms"]),
    ]
    print(f"{'long message':<42} {'value':>10}")
    for name, value in rows:
        print(f"{name:<42} {value:>10}")
    print(
        f"target (<= {TARGET_LONG_S * 1000:.0f} ms): {'met' if result['target_met'] else 'NOT met'}"
    )
    print(f"written: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
