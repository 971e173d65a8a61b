"""The lexicons are read into the model at training time: a changed lexicon must reach the next
model, even when Rasa's training cache holds the parts of an earlier training."""

from __future__ import annotations

from pathlib import Path

from extensions.harm_signals import HarmSignalsClassifier
from extensions.safety_net import SafetyNetClassifier


def test_a_changed_lexicon_changes_the_safety_nets_training_fingerprint(tmp_path: Path) -> None:
    lexicon = tmp_path / "lexicon.yml"
    lexicon.write_text("version: 1\n", encoding="utf-8")
    before = SafetyNetClassifier.fingerprint_addon({"lexicon": str(lexicon)})
    assert before == SafetyNetClassifier.fingerprint_addon({"lexicon": str(lexicon)})
    lexicon.write_text("version: 1\n# one more pattern\n", encoding="utf-8")
    assert SafetyNetClassifier.fingerprint_addon({"lexicon": str(lexicon)}) != before


def test_the_harm_signals_fingerprint_follows_both_of_their_files(tmp_path: Path) -> None:
    harms, lexicon = tmp_path / "harms.yml", tmp_path / "lexicon.yml"
    harms.write_text("a\n", encoding="utf-8")
    lexicon.write_text("b\n", encoding="utf-8")
    config = {"harms": str(harms), "lexicon": str(lexicon)}
    before = HarmSignalsClassifier.fingerprint_addon(config)
    lexicon.write_text("c\n", encoding="utf-8")
    after_lexicon = HarmSignalsClassifier.fingerprint_addon(config)
    harms.write_text("d\n", encoding="utf-8")
    assert len({before, after_lexicon, HarmSignalsClassifier.fingerprint_addon(config)}) == 3


def test_the_project_lexicons_are_found_with_the_default_config() -> None:
    assert SafetyNetClassifier.fingerprint_addon({})
    assert HarmSignalsClassifier.fingerprint_addon({})
