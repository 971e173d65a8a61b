"""`make bench`: safety-net latency per message and `python -m bot.triage` throughput.

Not part of `make test`: numbers depend on the machine. Prints a table.
"""

from __future__ import annotations

import csv
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bot.safety import SafetyNet, default_lexicon_path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "tests" / "data" / "triage_eval.tsv"


def eval_texts() -> list[str]:
    with open(EVAL, encoding="utf-8", newline="") as handle:
        return [
            row["text"] for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        ]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def bench_safety_net(texts: list[str], rounds: int = 20) -> dict[str, float]:
    start = time.perf_counter()
    net = SafetyNet.from_file(default_lexicon_path())
    load_ms = (time.perf_counter() - start) * 1000
    timings = []
    for _ in range(rounds):
        for text in texts:
            t0 = time.perf_counter()
            net.check(text)
            timings.append((time.perf_counter() - t0) * 1000)
    return {
        "load_ms": load_ms,
        "p50_ms": percentile(timings, 0.50),
        "p99_ms": percentile(timings, 0.99),
        "mean_ms": statistics.fmean(timings),
        "checks": float(len(timings)),
    }


def bench_triage(texts: list[str], repeat: int = 4) -> dict[str, float]:
    """Wall time of the CLI on the set once (load + parse) and on it `repeat` times."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    def run(lines: list[str]) -> float:
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "bot.triage"],
            input="\n".join(lines) + "\n",
            text=True,
            capture_output=True,
            check=True,
            cwd=ROOT,
            env=env,
        )
        return time.perf_counter() - t0

    once = run(texts)
    many = run(texts * repeat)
    per_message = (many - once) / (len(texts) * (repeat - 1))
    return {
        "messages": float(len(texts)),
        "startup_s": once - per_message * len(texts),
        "per_message_ms": per_message * 1000,
        "messages_per_s": 1 / per_message if per_message > 0 else float("inf"),
    }


def main() -> int:
    texts = eval_texts()
    safety = bench_safety_net(texts)
    triage = bench_triage(texts)
    print(f"{'benchmark':<34} {'value':>12}")
    print(f"{'safety net: lexicon load (ms)':<34} {safety['load_ms']:>12.1f}")
    print(f"{'safety net: p50 per message (ms)':<34} {safety['p50_ms']:>12.3f}")
    print(f"{'safety net: p99 per message (ms)':<34} {safety['p99_ms']:>12.3f}")
    print(f"{'safety net: checks timed':<34} {int(safety['checks']):>12}")
    print(f"{'triage: eval messages':<34} {int(triage['messages']):>12}")
    print(f"{'triage: start-up, model load (s)':<34} {triage['startup_s']:>12.1f}")
    print(f"{'triage: per message (ms)':<34} {triage['per_message_ms']:>12.1f}")
    print(f"{'triage: throughput (messages/s)':<34} {triage['messages_per_s']:>12.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
