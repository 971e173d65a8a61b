"""Evaluation helpers shared by the evaluation tests and `make eval`: read a TSV set, run it
through `python -m bot.triage` (the newest model), and per-class metrics."""

from __future__ import annotations

import csv
import functools
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


# Every evaluation file, triaged by one `python -m bot.triage` process per test session (the
# model loads once): the role sets and issue 10's files of first messages.
EVAL_FILES = (
    "triage_eval.tsv",
    "dev_roles2.tsv",
    "blind_roles.tsv",
    "concerns_eval.tsv",
    "concerns_final.tsv",
    "danger_blind.tsv",
    "danger_blind2.tsv",
    "harm_probe.tsv",
)


@functools.cache
def triaged() -> dict[str, list[dict[str, Any]]]:
    """{file name: one triage record per row}, for every file of `EVAL_FILES`."""
    rows = {name: read_tsv(DATA / name) for name in EVAL_FILES}
    records = iter(run_triage([row["text"] for name in EVAL_FILES for row in rows[name]]))
    return {name: [next(records) for _ in rows[name]] for name in EVAL_FILES}


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


ROLE_SETS = {
    # name: (file, label column, labels, blind?)
    "dev": ("triage_eval.tsv", ("victim", "witness", "parent", "emergency", "other"), False),
    "dev2": (
        "dev_roles2.tsv",
        ("victim", "witness", "parent", "author", "emergency", "other"),
        False,
    ),
    "blind": (
        "blind_roles.tsv",
        ("victim", "witness", "parent", "author", "emergency", "other"),
        True,
    ),
}


def confusion(pairs: Sequence[tuple[str, str]], labels: Sequence[str]) -> list[str]:
    """Rows: expected; columns: predicted (any role outside `labels` counts as `other`)."""
    known = [*labels]
    width = max(len(label) for label in known) + 1
    lines = [" " * width + "".join(f"{label[:7]:>8}" for label in known)]
    for expected in known:
        counts = [
            sum(1 for e, p in pairs if e == expected and (p if p in known else "other") == col)
            for col in known
        ]
        lines.append(f"{expected:<{width}}" + "".join(f"{n:>8}" for n in counts))
    return lines


def role_report(name: str, records: Sequence[dict[str, Any]]) -> tuple[str, dict[str, float]]:
    """Role table and confusion matrix of one set's triage records: (report, scores)."""
    filename, labels, blind = ROLE_SETS[name]
    rows = read_tsv(DATA / filename)
    pairs = [(row["label"], str(record["role"])) for row, record in zip(rows, records, strict=True)]
    table = per_class(pairs, labels)
    macro = sum(table[label]["f1"] for label in labels) / len(labels)
    asks = sum(1 for record in records if record["intent"] == "nlu_fallback") / len(records)
    kind = "blind: read to report, never to choose a change" if blind else "development set"
    lines = [f"== {name} ({filename}, {kind})", *role_table(table, labels)]
    lines.append(f"macro-F1 {macro:.3f} on {len(pairs)} messages; asks (unsure) {asks:.1%}")
    lines += ["confusion (rows: expected, columns: predicted)", *confusion(pairs, labels)]
    scores = {
        "macro_f1": macro,
        "asks": asks,
        "recall": table["emergency"]["recall"],
        "precision": table["emergency"]["precision"],
    }
    return "\n".join(lines) + "\n", scores


def evaluate_roles(name: str) -> tuple[str, float, list[dict[str, Any]]]:
    """Role table, confusion matrix and errors of one set: (report, macro-F1, errors)."""
    rows = read_tsv(DATA / ROLE_SETS[name][0])
    records = triaged()[ROLE_SETS[name][0]]
    report, scores = role_report(name, records)
    errors = [
        {"set": name, "row": i + 2, "expected": row["label"], "predicted": record["role"],
         "text": row["text"]}
        for i, (row, record) in enumerate(zip(rows, records, strict=True))
        if row["label"] != record["role"]
    ]  # fmt: skip
    return report, scores["macro_f1"], errors


def train_time() -> str:
    """How long the served model took to train (`scripts/train` writes it beside the model)."""
    from bot.trained_model import newest_model

    seconds = newest_model().with_suffix("").with_suffix(".seconds")
    if not seconds.exists():
        return "\ntrain time of the served model: not recorded (trained before it was kept)\n"
    return f"\ntrain time of the served model ({seconds.stem}): {seconds.read_text().strip()} s\n"


def main() -> int:
    reports = []
    errors: list[dict[str, Any]] = []
    for name in ROLE_SETS:
        report, _, wrong = evaluate_roles(name)
        reports.append(report)
        errors += wrong
    text = "\n".join(reports) + train_time()
    sys.stdout.write(text)
    write_result("eval.txt", text)
    write_result("eval_errors.json", json.dumps(errors, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
