"""`make bench`, load part: simulated web chat users on loopback against `deploy.scale`.

    python -m bench.load [--conversations 50] [--turns 6] [--think 2-8] [--steps 1,2,4,8,16,32]
                         [--step-seconds 12] [--seed 7] [--out bench/results.json]

One launcher with two replicas (the same code path as `make scale`); the web chat's rate limits
are lifted (`WEBCHAT_RATE_LIMIT`) so that they do not cap the numbers.

(a) People: `--conversations` users at once against replica 1 directly, each `--turns` turns;
    before each message the user thinks for a uniform `--think` seconds (seeded), as someone
    reading the reply and typing. Turn latency p50/p95/p99, errors, RSS per process.
(b) Saturation: no think time; concurrency rises through `--steps` (each `--step-seconds`)
    against replica 1 directly, then against both replicas behind nginx. Per step: turns/s, p99,
    CPU used by each process (the load generator included: it shares the cores). The best turns/s
    with p99 <= 1 s of each, and their ratio.

An error is a refused or failed request, a timeout, or a reply that is the fail-safe text.
Every knob has a `BENCH_*` environment variable too (BENCH_CONVERSATIONS, BENCH_TURNS,
BENCH_THINK, BENCH_STEPS, BENCH_STEP_SECONDS, BENCH_SEED).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import random
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

from bot.content import load_content
from deploy.launcher import StartError
from deploy.scale_run import start_scale

ROOT = Path(__file__).resolve().parent.parent
CLK_TCK = os.sysconf("SC_CLK_TCK")
P99_LIMIT_S = 1.0
TIMEOUT_S = 10.0

OPENINGS = {
    "victim": [
        "on m'insulte sur insta",
        "wsh on m insulte tous les jours sur snap jsp quoi faire",
        "quelqu'un a créé un faux compte à mon nom sur tiktok",
        "ils ont partagé ma photo dans le groupe de la classe",
        "un mec menace de publier mes photos si je paye pas",
        "on se moque de moi au collège et sur discord",
    ],
    "witness": [
        "y a un mec de ma classe qui se fait insulter sur snap",
        "ma pote se fait harceler sur insta, je fais quoi ?",
        "des gens ont filmé une bagarre et l'ont mise sur tiktok",
    ],
    "parent": [
        "Bonjour, je crois que mon fils se fait racketter au collège",
        "ma fille reçoit des messages insultants sur whatsapp",
        "Je suis prof, un élève est exclu et moqué sur un groupe snapchat",
    ],
}
FOLLOW_UPS = [
    "merci",
    "c'est anonyme ?",
    "t'es un robot ?",
    "c'est gratuit ?",
    "le 3018 c'est ouvert quand ?",
    "ok",
    "je sais pas trop",
]
DANGER = ["jpp jveux plus vivre", "il me suit dans la rue là maintenant", "je veux mourir"]


# ---- processes: CPU and memory from /proc


def _tree(pid: int) -> list[int]:
    """The process and its descendants (nginx's worker, any helper a replica spawns)."""
    pids, queue = [], [pid]
    while queue:
        current = queue.pop()
        pids.append(current)
        try:
            for task in os.listdir(f"/proc/{current}/task"):
                with open(f"/proc/{current}/task/{task}/children") as handle:
                    queue.extend(int(child) for child in handle.read().split())
        except OSError:
            continue
    return pids


def cpu_seconds(pid: int, tree: bool = True) -> float:
    total = 0
    for member in _tree(pid) if tree else [pid]:
        try:
            with open(f"/proc/{member}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks
    return total / CLK_TCK


def memory_mb(pid: int, tree: bool = True) -> dict[str, float]:
    """Resident memory now and at its peak (VmRSS, VmHWM), summed over the process tree."""
    rss = hwm = 0
    for member in _tree(pid) if tree else [pid]:
        try:
            with open(f"/proc/{member}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        rss += int(line.split()[1])
                    elif line.startswith("VmHWM:"):
                        hwm += int(line.split()[1])
        except OSError:
            continue
    return {"rss_mb": round(rss / 1024, 1), "peak_rss_mb": round(hwm / 1024, 1)}


@dataclass
class Processes:
    pids: dict[str, int]  # name -> pid, the load generator included

    # The load generator is the launcher's parent: count its own process only.
    def cpu(self) -> dict[str, float]:
        return {name: cpu_seconds(pid, name != "loadgen") for name, pid in self.pids.items()}

    def memory(self) -> dict[str, dict[str, float]]:
        return {name: memory_mb(pid, name != "loadgen") for name, pid in self.pids.items()}


def cpu_delta(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    return {name: round(after[name] - before[name], 2) for name in before}


# ---- the simulated users


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)  # seconds, successful turns
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1

    def summary(self, seconds: float | None = None) -> dict[str, Any]:
        ms = [value * 1000 for value in self.latencies]
        result: dict[str, Any] = {
            "turns": len(ms),
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
            "p50_ms": round(percentile(ms, 0.50), 1),
            "p95_ms": round(percentile(ms, 0.95), 1),
            "p99_ms": round(percentile(ms, 0.99), 1),
            "max_ms": round(max(ms), 1) if ms else float("nan"),
        }
        if seconds:
            result["turns_per_s"] = round(len(ms) / seconds, 1)
        return result


class User:
    """One person: a persona, an opening line, then buttons, questions, now and then danger."""

    def __init__(self, rng: random.Random, origin: str) -> None:
        self.rng = rng
        self.sender = "bench-" + uuid.UUID(int=rng.getrandbits(128)).hex[:16]
        self.origin = origin
        self.role = rng.choice(list(OPENINGS))
        self.buttons: list[str] = []

    def next_message(self, turn: int) -> str:
        rng = self.rng
        if turn == 0:
            return rng.choice(OPENINGS[self.role])
        roll = rng.random()
        if roll < 0.04:
            return rng.choice(DANGER)
        if roll < 0.70 and self.buttons:
            return "/kit_next" if "/kit_next" in self.buttons else rng.choice(self.buttons)
        if roll < 0.80:
            return "/ask_human"
        return rng.choice(FOLLOW_UPS)

    async def say(
        self, client: httpx.AsyncClient, url: str, text: str, tally: Tally, failsafe: str
    ) -> float | None:
        """One turn; its latency in seconds, or None (counted as an error)."""
        start = time.perf_counter()
        try:
            answer = await client.post(
                url,
                json={"sender": self.sender, "message": text},
                headers={"Origin": self.origin},
                timeout=TIMEOUT_S,
            )
        except httpx.TimeoutException:
            tally.error("timeout")
            return None
        except httpx.HTTPError as error:
            tally.error(type(error).__name__)
            return None
        elapsed = time.perf_counter() - start
        if answer.status_code != 200:
            tally.error(f"http {answer.status_code}")
            return None
        messages = answer.json()
        if not messages or any(m.get("text") == failsafe for m in messages):
            tally.error("fail-safe reply")
            return None
        self.buttons = [b["payload"] for m in messages for b in m.get("buttons") or []]
        return elapsed


async def people(
    url: str, origin: str, conversations: int, turns: int, think: tuple[float, float], seed: int
) -> tuple[Tally, float]:
    """Everyone at once; each message after a think time (the first too: reading, typing)."""
    rng = random.Random(seed)
    failsafe = load_content().failsafe
    tally = Tally()
    users = [User(random.Random(rng.getrandbits(64)), origin) for _ in range(conversations)]
    limits = httpx.Limits(max_connections=conversations, max_keepalive_connections=conversations)

    async def converse(user: User, client: httpx.AsyncClient) -> None:
        for turn in range(turns):
            await asyncio.sleep(user.rng.uniform(*think))
            latency = await user.say(client, url, user.next_message(turn), tally, failsafe)
            if latency is not None:
                tally.latencies.append(latency)

    start = time.perf_counter()
    async with httpx.AsyncClient(limits=limits) as client:
        await asyncio.gather(*(converse(user, client) for user in users))
    return tally, time.perf_counter() - start


async def saturate(
    url: str, origin: str, concurrency: int, seconds: float, turns: int, seed: int
) -> tuple[Tally, float]:
    """`concurrency` users back to back, no think time, new conversations after `turns` turns.

    Turns that end after the step's time are awaited but not counted."""
    rng = random.Random(seed)
    failsafe = load_content().failsafe
    tally = Tally()
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def worker(client: httpx.AsyncClient) -> None:
        while time.perf_counter() < deadline:
            user = User(random.Random(rng.getrandbits(64)), origin)
            for turn in range(turns):
                if time.perf_counter() >= deadline:
                    return
                late = Tally()
                latency = await user.say(client, url, user.next_message(turn), late, failsafe)
                if time.perf_counter() > deadline:
                    return
                for kind, count in late.errors.items():
                    tally.errors[kind] = tally.errors.get(kind, 0) + count
                if latency is not None:
                    tally.latencies.append(latency)

    start = time.perf_counter()
    async with httpx.AsyncClient(limits=limits) as client:
        await asyncio.gather(*(worker(client) for _ in range(concurrency)))
    return tally, min(seconds, time.perf_counter() - start)


def saturation_series(
    name: str,
    url: str,
    origin: str,
    steps: list[int],
    seconds: float,
    turns: int,
    seed: int,
    processes: Processes,
    say: Callable[[str], None],
) -> dict[str, Any]:
    rows = []
    total_before = processes.cpu()
    for concurrency in steps:
        before = processes.cpu()
        # New people at each step and in each run: reusing the senders would make every
        # conversation longer at each step, and a turn costs more on a longer tracker.
        step_seed = random.Random(f"{seed}-{name}-{concurrency}").getrandbits(64)
        tally, elapsed = asyncio.run(saturate(url, origin, concurrency, seconds, turns, step_seed))
        row = {"concurrency": concurrency, **tally.summary(elapsed)}
        row["cpu_s"] = cpu_delta(before, processes.cpu())
        row["seconds"] = round(elapsed, 1)
        rows.append(row)
        say(
            f"  {name:<10} c={concurrency:<3} {row['turns_per_s']:>7.1f} turns/s  "
            f"p50 {row['p50_ms']:>7.1f} ms  p99 {row['p99_ms']:>7.1f} ms  errors {row['errors']}"
        )
        if row["p99_ms"] > P99_LIMIT_S * 1000 or row["errors"] > 0.05 * max(1, row["turns"]):
            break  # past saturation: more users only queue
    within = [r for r in rows if r["p99_ms"] <= P99_LIMIT_S * 1000 and r["errors"] == 0]
    best = max(within, key=lambda r: r["turns_per_s"]) if within else None
    return {
        "steps": rows,
        "best": best,
        "cpu_s_total": cpu_delta(total_before, processes.cpu()),
    }


# ---- the stack


def warm_up(urls: list[str], origin: str, turns: int = 12) -> None:
    async def run() -> None:
        failsafe = load_content().failsafe
        async with httpx.AsyncClient() as client:
            for url in urls:
                for index in range(turns):
                    user = User(random.Random(index), origin)
                    await user.say(client, url, user.next_message(0), Tally(), failsafe)

    asyncio.run(run())


# ---- report


def table(results: dict[str, Any]) -> str:
    lines = []
    p = results["people"]
    lines.append("")
    lines.append(
        f"(a) people: {p['conversations']} conversations x {p['turns_per_conversation']} turns, "
        f"think {p['think_s'][0]:g}-{p['think_s'][1]:g} s, one replica, {p['seconds']:.0f} s"
    )
    lines.append(
        f"{'turns':>8} {'errors':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    )
    lines.append(
        f"{p['turns']:>8} {p['errors']:>7} {p['p50_ms']:>8.1f} {p['p95_ms']:>8.1f} "
        f"{p['p99_ms']:>8.1f} {p['max_ms']:>8.1f}   target: 0 errors, p99 <= 150 ms: "
        + ("met" if p["target_met"] else "NOT met")
    )
    lines.append(f"{'process':<12} {'RSS MB':>8} {'peak MB':>8} {'CPU s':>7}")
    for name, memory in p["memory"].items():
        lines.append(
            f"{name:<12} {memory['rss_mb']:>8.1f} {memory['peak_rss_mb']:>8.1f} "
            f"{p['cpu_s'][name]:>7.2f}"
        )
    s = results["saturation"]
    lines.append("")
    lines.append(f"(b) saturation: no think time, {s['step_seconds']:g} s a step, p99 limit 1 s")
    names = list(s["one"]["cpu_s_total"])
    lines.append(f"{'':<47} CPU used, % of one core")
    header = f"{'run':<6} {'conc':>4} {'turns/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'err':>4}  "
    lines.append(header + " ".join(f"{n:>8}" for n in names))
    for label, key in (("1 rep", "one"), ("2 reps", "two")):
        for row in s[key]["steps"]:
            percent = [100 * row["cpu_s"][n] / row["seconds"] for n in names]
            lines.append(
                f"{label:<6} {row['concurrency']:>4} {row['turns_per_s']:>8.1f} "
                f"{row['p50_ms']:>8.1f} {row['p99_ms']:>8.1f} {row['errors']:>4}  "
                + " ".join(f"{v:>8.0f}" for v in percent)
            )
    one, two = s["one"]["best"], s["two"]["best"]
    lines.append("")

    def best(row: dict[str, Any] | None) -> str:
        return f"{row['turns_per_s']} turns/s (c={row['concurrency']})" if row else "none"

    lines.append(
        f"best with p99 <= 1 s: one replica {best(one)}, two behind nginx {best(two)}; "
        f"ratio {s['ratio']} (target 1.7)"
    )
    lines.append(s["account"])
    return "\n".join(lines)


def account(results: dict[str, Any], cores: int) -> str:
    """Says whether the CPU allowed the ratio, from what each process used at the best steps."""
    s = results["saturation"]
    one, two = s["one"]["best"], s["two"]["best"]
    if not one or not two:
        return "one of the runs never held p99 <= 1 s."
    busy = sum(two["cpu_s"].values()) / two["seconds"]
    loadgen = two["cpu_s"]["loadgen"] / two["seconds"]
    replicas = sum(v for k, v in two["cpu_s"].items() if k.startswith("rasa")) / two["seconds"]

    def replica_ms_per_turn(row: dict[str, Any]) -> float:
        used = sum(v for k, v in row["cpu_s"].items() if k.startswith("rasa"))
        return 1000 * used / max(1.0, row["turns_per_s"] * row["seconds"])

    per_turn_one, per_turn_two = replica_ms_per_turn(one), replica_ms_per_turn(two)
    text = (
        f"At the best two-replica step the measured processes used {busy:.2f} of {cores} cores "
        f"(replicas {replicas:.2f}, load generator {loadgen:.2f}). Replica CPU per turn: "
        f"{per_turn_one:.0f} ms with one replica, {per_turn_two:.0f} ms with two. "
    )
    if busy <= 0.85 * cores:
        return text + "The CPU was not exhausted."
    if per_turn_two > 1.2 * per_turn_one:
        return text + (
            "The cores were full, and each turn cost more CPU with two replicas than with one: "
            "the replicas also compete with each other, not only with the load generator."
        )
    return text + (
        "The cores were full at the same cost per turn: the replicas cannot get two whole "
        "cores while the load generator, nginx, Redis and the action server share them."
    )


def _env(name: str, default: str) -> str:
    return os.environ.get(name) or default


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    parser.add_argument("--conversations", type=int, default=int(_env("BENCH_CONVERSATIONS", "50")))
    parser.add_argument("--turns", type=int, default=int(_env("BENCH_TURNS", "6")))
    parser.add_argument("--think", default=_env("BENCH_THINK", "2-8"), help="seconds, as MIN-MAX")
    parser.add_argument("--steps", default=_env("BENCH_STEPS", "1,2,4,8,16,32"))
    parser.add_argument(
        "--step-seconds", type=float, default=float(_env("BENCH_STEP_SECONDS", "12"))
    )
    parser.add_argument("--seed", type=int, default=int(_env("BENCH_SEED", "7")))
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results.json")
    args = parser.parse_args(argv)
    low, high = (float(x) for x in args.think.split("-"))
    steps = [int(x) for x in args.steps.split(",")]

    def say(line: str) -> None:
        print(line, flush=True)

    started = time.time()
    load_before = os.getloadavg()
    workdir = Path(tempfile.mkdtemp(prefix="relais-bench-"))
    rate = "1000000"  # per client per minute: the bench measures the bot, not the limiter
    say(f"load bench: starting 2 replicas behind nginx (logs in {workdir}) ...")
    t0 = time.perf_counter()
    try:
        run = start_scale(2, workdir, {"WEBCHAT_RATE_LIMIT": rate}, access_log=False)
    except StartError as error:
        raise SystemExit(f"deploy.scale did not start: {error}") from error
    startup_s = time.perf_counter() - t0
    topology = run.topology
    try:
        origin = topology["origins"][0]
        pids = {part["name"]: part["pid"] for part in topology["parts"]}
        pids["loadgen"] = os.getpid()
        processes = Processes(pids)
        replica = topology["replicas"][0]["url"] + "/webhooks/webchat/webhook"
        balanced = topology["url"] + "/webhooks/webchat/webhook"
        say(f"  started in {startup_s:.0f} s; warming up")
        warm_up([r["url"] + "/webhooks/webchat/webhook" for r in topology["replicas"]], origin)

        say(f"(a) people: {args.conversations} conversations x {args.turns} turns ...")
        before = processes.cpu()
        tally, seconds = asyncio.run(
            people(replica, origin, args.conversations, args.turns, (low, high), args.seed)
        )
        summary = tally.summary()
        people_result = {
            "conversations": args.conversations,
            "turns_per_conversation": args.turns,
            "think_s": [low, high],
            "target": "users at once against one replica: 0 errors and p99 <= 150 ms",
            **summary,
            "target_met": summary["errors"] == 0 and summary["p99_ms"] <= 150,
            "seconds": round(seconds, 1),
            "cpu_s": cpu_delta(before, processes.cpu()),
            "memory": processes.memory(),
        }

        say("(b) saturation ...")
        one = saturation_series(
            "1 replica", replica, origin, steps, args.step_seconds, args.turns, args.seed,
            processes, say,
        )  # fmt: skip
        two = saturation_series(
            "2 + nginx", balanced, origin, steps, args.step_seconds, args.turns, args.seed,
            processes, say,
        )  # fmt: skip
    finally:
        run.stop()
    ratio = (
        round(two["best"]["turns_per_s"] / one["best"]["turns_per_s"], 2)
        if one["best"] and two["best"]
        else None
    )
    cores = os.cpu_count() or 1
    results: dict[str, Any] = {
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "machine": {
            "cores": cores,
            "python": platform.python_version(),
            "load_average_before": [round(x, 2) for x in load_before],
        },
        "setup": {
            "replicas": 2,
            "startup_s": round(startup_s, 1),
            "webchat_rate_limit": int(rate),
            "note": "web chat rate limits lifted so they do not cap the load; "
            "(a) and the first saturation run hit replica 1 directly (replica 2 idle), "
            "the second goes through nginx to both",
        },
        "people": people_result,
        "saturation": {
            "step_seconds": args.step_seconds,
            "steps": steps,
            "p99_limit_ms": P99_LIMIT_S * 1000,
            "one": one,
            "two": two,
            "ratio": ratio,
            "target_ratio": 1.7,
        },
    }
    results["saturation"]["account"] = account(results, cores)
    args.out.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
    say(table(results))
    say(f"\nwritten: {args.out} ({time.time() - started:.0f} s in all)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
