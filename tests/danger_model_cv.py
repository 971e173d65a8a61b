"""`make eval`: 5-fold cross-validation of the danger model (`bot/danger_model.py`) on its
training data, assembled as the component assembles it (`extensions.danger_model`).

Prints, at the configured threshold, the share of risk-to-life examples the model catches alone
and with the safety net, how often it names the right kind, its false alarms, and how often it
names the right kind of an attack or abuse happening now (kinds it names, never makes). The harm
threshold is not applied here (it needs the intent model's reading of each message). No message
text is printed.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import yaml
from rasa.shared.nlu.training_data.loading import load_data

from bot.danger_model import NONE, DangerModel
from bot.safety import SafetyNet
from extensions.danger_model import LIFE, DangerModelClassifier, training_examples

FOLDS = 5


def main() -> int:
    config = DangerModelClassifier.get_default_config()
    net = SafetyNet.from_mapping(yaml.safe_load(Path(config["lexicon"]).read_text("utf-8")))
    examples = training_examples(config["examples"], load_data("data/nlu"), net)
    random.Random(0).shuffle(examples)
    threshold = float(config["threshold"])
    caught = with_net = right_kind = alarms = alarms_with_net = dangers = named = now = 0
    for fold in range(FOLDS):
        test = examples[fold::FOLDS]
        train = [e for i, e in enumerate(examples) if i % FOLDS != fold]
        cleaned = [(c, net.strip_idioms(net.normalize(t))) for c, t in train]
        model = DangerModel.train(cleaned, float(config["regularization"]), LIFE)
        scores = model.scores([net.strip_idioms(net.normalize(t)) for _, t in test])
        for (category, text), score in zip(test, scores, strict=True):
            fired, net_fired = score.probability >= threshold, net.check(text) is not None
            if category == NONE:
                alarms += fired
                alarms_with_net += fired or net_fired
            elif category in LIFE:
                dangers += 1
                caught += fired
                with_net += fired or net_fired
                right_kind += fired and score.category == category
            else:
                now += 1
                named += score.any_danger >= threshold and score.kind == category
    ordinary = len(examples) - dangers - now
    sys.stdout.write(
        f"danger model, {FOLDS}-fold cross-validation at threshold {threshold}: "
        f"{dangers} risk-to-life, {now} attack or abuse now and {ordinary} ordinary examples\n"
        f"  model alone: recall {caught / dangers:.3f}, right kind {right_kind}/{caught},"
        f" false alarms {alarms}/{ordinary}\n"
        f"  with the safety net: recall {with_net / dangers:.3f},"
        f" false alarms {alarms_with_net}/{ordinary}\n"
        f"  attack or abuse now named right: {named}/{now}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
