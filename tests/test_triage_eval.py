"""The trained model on the role sets, through `python -m bot.triage` (one process for both).

`triage_eval.tsv`, the development set: emergency recall 1.00, emergency precision >= 0.90,
macro-F1 over the five roles >= 0.90.
`blind_roles.tsv`, the blind set (issue 12; read only to report, never to choose a change): the
issue's targets are printed (macro-F1 >= 0.92, no role below 0.88, emergency recall 1.00 and
precision >= 0.95, asks <= 10 %); the floors kept from falling are the measured results, a
little below them for training noise (tests/data/README.md).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from tests import evaluation
from tests.conftest import ROOT, trained_model
from tests.evaluation import read_tsv, role_table, write_result

EVAL_FILE = ROOT / "tests" / "data" / "triage_eval.tsv"
LABELS = ("victim", "witness", "parent", "emergency", "other")

pytestmark = pytest.mark.model


def read_eval(path: Path = EVAL_FILE) -> list[tuple[str, str]]:
    return [(row["label"], row["text"]) for row in read_tsv(path)]


def per_class(pairs: list[tuple[str, str]]) -> dict[str, dict[str, float]]:
    return evaluation.per_class(pairs, LABELS)


def test_per_class_metrics_on_a_known_confusion() -> None:
    pairs = [("emergency", "emergency"), ("emergency", "victim"), ("victim", "emergency")]
    table = per_class(pairs)
    assert table["emergency"] == {"precision": 0.5, "recall": 0.5, "f1": 0.5, "support": 2}
    assert table["victim"]["recall"] == 0.0


def test_eval_set_is_big_enough_and_well_formed() -> None:
    rows = read_eval()
    counts = Counter(label for label, _ in rows)
    assert set(counts) == set(LABELS)
    assert len(rows) >= 150
    assert min(counts.values()) >= 30
    assert len({text for _, text in rows}) == len(rows)


BLIND = "blind"
BLIND_TARGETS = {"macro_f1": 0.92, "role_f1": 0.88, "recall": 1.0, "precision": 0.95, "asks": 0.10}
# Measured on the served models of 2026-12-02: macro-F1 0.808 and 0.810 (30 epochs), emergency
# recall 1.000, precision 0.850 and 0.895, asks 6.1 % and 9.0 %. The floors are a little below,
# for training noise.
BLIND_FLOORS = {"macro_f1": 0.78, "recall": 0.95, "precision": 0.82, "asks": 0.10}


@pytest.fixture(scope="module")
def triage_output() -> list[dict[str, object]]:
    trained_model()  # fails the test without one
    return evaluation.triaged()[EVAL_FILE.name]


def test_triage_cli_writes_one_json_object_per_message(
    triage_output: list[dict[str, object]],
) -> None:
    rows = read_eval()
    assert len(triage_output) == len(rows)
    for (_, text), record in zip(rows, triage_output, strict=True):
        assert set(record) == {
            "text", "role", "intent", "confidence", "emergency", "situation", "danger", "lines"
        }  # fmt: skip
        assert record["text"] == text
        assert record["emergency"] == (record["role"] == "emergency")
        if record["emergency"]:
            assert "112" in record["lines"] and "114" in record["lines"]  # type: ignore[operator]


def test_eval_metrics_meet_the_targets(triage_output: list[dict[str, object]]) -> None:
    rows = read_eval()
    pairs = [(label, str(r["role"])) for (label, _), r in zip(rows, triage_output, strict=True)]
    table = per_class(pairs)
    macro_f1 = sum(table[label]["f1"] for label in LABELS) / len(LABELS)
    lines = role_table(table, LABELS)
    lines.append(f"macro-F1 {macro_f1:.3f} on {len(pairs)} messages")
    report = "\n".join(lines) + "\n"
    print("\n" + report)
    write_result("triage_eval.txt", report)
    missed = [i for i, (e, p) in enumerate(pairs) if e == "emergency" and p != "emergency"]
    # Line numbers only (the eval file is ours, but keep the habit: no message text in output).
    assert missed == [], f"emergency messages missed at eval rows {[i + 2 for i in missed]}"
    assert table["emergency"]["recall"] == 1.0
    assert table["emergency"]["precision"] >= 0.90
    assert macro_f1 >= 0.90


def assert_floors(scores: dict[str, float], floors: dict[str, float]) -> None:
    """Each score at or above its floor; the share of messages the bot asks about at or below."""
    below = {name: scores[name] for name in ("macro_f1", "recall", "precision")}
    assert all(below[name] >= floors[name] for name in below), (scores, floors)
    assert scores["asks"] <= floors["asks"], (scores, floors)


# The second role development set (written blind on 2026-12-02, tests/data/README.md): floors
# a little below what the served model measured (macro-F1 0.834, emergency recall 1.000,
# precision 0.862, asks 8.0 %), every emergency kept.
DEV2_FLOORS = {"macro_f1": 0.80, "recall": 1.0, "precision": 0.82, "asks": 0.10}


def test_second_development_set_keeps_its_floors() -> None:
    trained_model()  # fails the test without one
    name = "dev2"
    report, scores = evaluation.role_report(name, evaluation.triaged()["dev_roles2.tsv"])
    print(f"\n{report}")
    write_result("dev_roles2.txt", report)
    assert_floors(scores, DEV2_FLOORS)


def test_blind_set_keeps_its_floors() -> None:
    trained_model()  # fails the test without one
    report, scores = evaluation.role_report(BLIND, evaluation.triaged()["blind_roles.tsv"])
    targets = ", ".join(f"{name} {value:g}" for name, value in BLIND_TARGETS.items())
    print(f"\n{report}issue 12's targets: {targets}")
    write_result("blind_roles.txt", report)
    assert_floors(scores, BLIND_FLOORS)
