"""Every disclosure gets the right line: the project's evaluation file of first messages about
what people bring to a harassment line (issue 10), through `python -m bot.triage`.

`tests/data/concerns_eval.tsv` was written by a separate author who read only the labelling
guide (see tests/data/README.md): each message has its category, the role, whether it is an
emergency, and the lines it MUST be offered. It is read to report, never to choose a change.
The floors below are the measured result, kept from falling; the issue's targets are printed.
"""

from __future__ import annotations

from collections import Counter, defaultdict

import pytest

from tests.conftest import latest_model
from tests.evaluation import DATA, read_tsv, run_triage, write_result

EVAL_FILE = DATA / "concerns_eval.tsv"
TARGET_RIGHT_LINE = 0.90  # issue 10: the right line for >= 90 % of messages in every category

pytestmark = pytest.mark.model


def test_the_file_has_every_category_with_at_least_ten_messages() -> None:
    rows = read_tsv(EVAL_FILE)
    counts = Counter(row["category"] for row in rows)
    assert len(counts) >= 15 and min(counts.values()) >= 10
    assert all(row["emergency"] in ("yes", "no") and row["lines"] for row in rows)


@pytest.fixture(scope="module")
def scored() -> list[tuple[dict[str, str], dict[str, object]]]:
    if latest_model() is None:
        pytest.fail("no trained model in models/: run `make train`")
    rows = read_tsv(EVAL_FILE)
    return list(zip(rows, run_triage([row["text"] for row in rows]), strict=True))


def test_right_line_per_category_and_emergency_recall(
    scored: list[tuple[dict[str, str], dict[str, object]]],
) -> None:
    right: dict[str, list[bool]] = defaultdict(list)
    tp = fp = fn = 0
    for row, record in scored:
        offered = set(record["lines"])  # type: ignore[call-overload]
        right[row["category"]].append(set(row["lines"].split(",")) <= offered)
        expected, predicted = row["emergency"] == "yes", bool(record["emergency"])
        tp += expected and predicted
        fp += predicted and not expected
        fn += expected and not predicted
    lines = [f"{'category':<16} {'right line':>10} {'n':>4}"]
    for category in sorted(right):
        share = sum(right[category]) / len(right[category])
        lines.append(f"{category:<16} {share:>10.2f} {len(right[category]):>4}")
    recall = tp / (tp + fn) if tp + fn else 0.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    overall = sum(sum(v) for v in right.values()) / sum(len(v) for v in right.values())
    lines.append(f"all {overall:.3f}; emergency recall {recall:.3f}, precision {precision:.3f}")
    report = "\n".join(lines) + "\n"
    print("\n" + report)
    write_result("concerns_eval.txt", report)
    missed = [
        i + 2
        for i, (row, r) in enumerate(scored)
        if row["emergency"] == "yes" and not r["emergency"]
    ]
    assert missed == [], f"emergency messages missed at rows {missed}"
    assert precision >= 0.90
    below = {
        c: round(sum(v) / len(v), 2)
        for c, v in right.items()
        if sum(v) / len(v) < TARGET_RIGHT_LINE
    }
    assert below == {}, f"categories below {TARGET_RIGHT_LINE}: {below}"
