"""Evaluation helpers shared by the evaluation tests and `make eval`: read a TSV set, run it
through `python -m bot.triage` (the newest model), and per-class metrics."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"


def read_tsv(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def run_triage(texts: Sequence[str]) -> list[dict[str, Any]]:
    """One record per text, from the triage CLI in a fresh process (as anyone would run it)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "bot.triage"],
        input="\n".join(texts) + "\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=900,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bot.triage failed: {done.stderr[-2000:]}")
    return [json.loads(line) for line in done.stdout.splitlines()]


def per_class(
    pairs: Sequence[tuple[str, str]], labels: Sequence[str]
) -> dict[str, dict[str, float]]:
    """pairs of (expected, predicted) -> precision, recall, f1, support per label."""
    table: dict[str, dict[str, float]] = {}
    for label in labels:
        tp = sum(1 for e, p in pairs if e == label and p == label)
        fp = sum(1 for e, p in pairs if e != label and p == label)
        fn = sum(1 for e, p in pairs if e == label and p != label)
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        table[label] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    return table


def role_table(table: dict[str, dict[str, float]], labels: Sequence[str]) -> list[str]:
    lines = [f"{'role':<10} {'prec':>6} {'recall':>6} {'f1':>6} {'n':>4}"]
    for label in labels:
        m = table[label]
        lines.append(
            f"{label:<10} {m['precision']:>6.3f} {m['recall']:>6.3f} {m['f1']:>6.3f}"
            f" {int(m['support']):>4}"
        )
    return lines


def write_result(name: str, report: str) -> None:
    (ROOT / "results").mkdir(exist_ok=True)
    (ROOT / "results" / name).write_text(report, encoding="utf-8")
