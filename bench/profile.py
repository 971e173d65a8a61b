"""Where a turn's time goes: a sampling profile of one Rasa process under load.

    python -m bench.profile [--seconds 30] [--concurrency 4]

Neither py-spy nor pyinstrument is in the pinned set, so this samples the stack itself: a
thread reads the main thread's frames every millisecond while simulated users (the bench's,
no think time) talk to the newest model in-process, with our tracker store on a real Redis and
the real action server (started the way `deploy.scale` starts them). The HTTP layer (Sanic,
the web chat connector) is left out. Each sample is put in the innermost pipeline component or
policy it is in; the table says what share of the wall time each took, and the top functions.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import logging
import os
import random
import sys
import tempfile
import threading
import time
from pathlib import Path
from types import FrameType
from typing import Any

from bench.load import OPENINGS, User
from bot.logs import configure_logging
from bot.trained_model import newest_model
from deploy.launcher import actions_part, free_port, redis_part, stop_all, wait_ready

ROOT = Path(__file__).resolve().parent.parent

# Pipeline components and Rasa's own stages: a sample goes to the innermost one on its stack.
COMPONENTS = [
    ("spaCy (SpacyNLP, tokenizer, features)", "spacy_utils.py"),
    ("spaCy (SpacyNLP, tokenizer, features)", "spacy_tokenizer.py"),
    ("spaCy (SpacyNLP, tokenizer, features)", "spacy_featurizer.py"),
    ("DIET", "diet_classifier.py"),
    ("CountVectorsFeaturizer", "count_vectors_featurizer.py"),
    ("LexicalSyntacticFeaturizer", "lexical_syntactic_featurizer.py"),
    ("RegexFeaturizer", "regex_featurizer.py"),
    ("FallbackClassifier", "fallback_classifier.py"),
    ("safety net", "extensions/safety_net.py"),
    ("policies (Rule, Memoization)", "/rasa/core/policies/"),
    ("policies (Rule, Memoization)", "/rasa/core/featurizers/"),
    ("tracker store (Redis, (de)serialising)", "tracker_store.py"),
    ("action server call (HTTP, response check)", "/rasa/core/actions/action.py"),
    ("logging (structlog)", "/structlog/"),
    ("logging (structlog)", "/logging/"),
]
# Otherwise, the library the innermost frame is in.
LIBRARIES = [
    ("tensorflow", "/tensorflow/"),
    ("redis client", "/redis/"),
    ("http client (aiohttp)", "/aiohttp/"),
    ("trackers and events", "/rasa/shared/core/"),
    ("graph runner, processor, agent", "/rasa/"),
    ("never-silent wrapper, bench users", "/channels/"),
    ("event loop (idle or I/O)", "/asyncio/"),
    ("event loop (idle or I/O)", "selectors.py"),
]


def _match(frame: FrameType | None, table: list[tuple[str, str]]) -> str | None:
    while frame is not None:
        filename = frame.f_code.co_filename
        for label, fragment in table:
            if fragment in filename:
                return label
        frame = frame.f_back
    return None


def category(frame: FrameType | None) -> str:
    return _match(frame, COMPONENTS) or _match(frame, LIBRARIES) or "other"


def _where(frame: FrameType) -> str:
    code = frame.f_code
    return f"{code.co_name} ({'/'.join(Path(code.co_filename).parts[-2:])})"


class Sampler(threading.Thread):
    def __init__(self, thread_id: int, interval: float = 0.001) -> None:
        super().__init__(daemon=True)
        self.thread_id = thread_id
        self.interval = interval
        self.running = True
        self.categories: collections.Counter[str] = collections.Counter()
        self.leaves: collections.Counter[str] = collections.Counter()
        self.samples = 0

    def run(self) -> None:
        while self.running:
            frame = sys._current_frames().get(self.thread_id)
            if frame is not None:
                self.samples += 1
                self.categories[category(frame)] += 1
                # The innermost function and the first caller outside its library.
                leaf, caller = _where(frame), frame.f_back
                top = Path(frame.f_code.co_filename).parts[:-1]
                while caller is not None and Path(caller.f_code.co_filename).parts[:-1] == top:
                    caller = caller.f_back
                self.leaves[leaf + (" < " + _where(caller) if caller else "")] += 1
            time.sleep(self.interval)


async def drive(agent: Any, seconds: float, concurrency: int, seed: int) -> list[float]:
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    from channels.turn import run_turn

    rng = random.Random(seed)
    deadline = time.perf_counter() + seconds
    latencies: list[float] = []

    async def worker() -> None:
        while time.perf_counter() < deadline:
            user = User(random.Random(rng.getrandbits(64)), "")
            for turn in range(6):
                collector = CollectingOutputChannel()
                message = UserMessage(user.next_message(turn), collector, user.sender)
                start = time.perf_counter()
                messages = await run_turn(agent.handle_message, message, collector)
                latencies.append(time.perf_counter() - start)
                user.buttons = [b["payload"] for m in messages for b in m.get("buttons") or []]

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="relais-profile-"))
    redis_port, action_port = free_port(), free_port()
    parts = [
        redis_part(redis_port, workdir, log=workdir / "redis.log"),
        actions_part(action_port, log=workdir / "actions.log"),
    ]
    for part in parts:
        part.start()
    try:
        wait_ready(parts, 60)
        os.environ["REDIS_URL"] = f"redis://127.0.0.1:{redis_port}/0"
        configure_logging(logging.INFO)  # as the server logs: Rasa's DEBUG events cost a lot
        from rasa.core.agent import Agent
        from rasa.utils.endpoints import EndpointConfig

        from extensions.tracker_store import RelaisTrackerStore

        agent = Agent.load(
            str(newest_model()),
            action_endpoint=EndpointConfig(url=f"http://127.0.0.1:{action_port}/webhook"),
            tracker_store=RelaisTrackerStore(),
        )
        asyncio.run(drive(agent, 3, 1, args.seed + 1))  # warm-up
        sys.setswitchinterval(0.0005)
        sampler = Sampler(threading.get_ident())
        sampler.start()
        cpu0, wall0 = time.process_time(), time.perf_counter()
        latencies = asyncio.run(drive(agent, args.seconds, args.concurrency, args.seed))
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        sampler.running = False
        sampler.join()
    finally:
        stop_all(parts)
    latencies.sort()
    turns = len(latencies)
    print(
        f"\nprofile: {turns} turns in {wall:.1f} s ({turns / wall:.1f} turns/s) at concurrency "
        f"{args.concurrency}, in-process; CPU {cpu / turns * 1000:.1f} ms a turn "
        f"(all threads; TF may use 2); p50 {latencies[turns // 2] * 1000:.1f} ms"
    )
    print(f"{sampler.samples} samples of the main thread (personas: {', '.join(OPENINGS)})\n")
    print(f"{'where':<42} {'share':>6} {'ms/turn':>8}")
    for label, count in sampler.categories.most_common():
        share = count / sampler.samples
        print(f"{label:<42} {share:>6.1%} {share * wall / turns * 1000:>8.2f}")
    print(f"\n{'innermost function (self time) < its caller':<110} {'share':>6}")
    for name, count in sampler.leaves.most_common(15):
        print(f"{name[:110]:<110} {count / sampler.samples:>6.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
