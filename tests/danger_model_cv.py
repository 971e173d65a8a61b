"""`make eval`: 5-fold cross-validation of the danger model (`bot/danger_model.py`) on its
training data: the examples file and every non-emergency NLU example, as the component trains.

Prints, at the configured threshold, the share of risk-to-life examples the model catches alone
and with the safety net, how often it names the right kind, and its false alarms. The harm
threshold is not applied here (it needs the intent model's reading of each message). No message
text is printed.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import yaml
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.loading import load_data

from bot.danger_model import NONE, DangerModel, parse_examples
from bot.safety import SafetyNet
from extensions.danger_model import CATEGORIES, DangerModelClassifier

FOLDS = 5


def main() -> int:
    config = DangerModelClassifier.get_default_config()
    net = SafetyNet.from_mapping(yaml.safe_load(Path(config["lexicon"]).read_text("utf-8")))
    examples = parse_examples(Path(config["examples"]).read_text("utf-8"), CATEGORIES)
    examples += [
        (NONE, message.get(TEXT))
        for message in load_data("data/nlu").intent_examples
        if message.get(INTENT) != "emergency"
    ]
    random.Random(0).shuffle(examples)
    threshold = float(config["threshold"])
    caught = with_net = right_kind = alarms = alarms_with_net = dangers = 0
    for fold in range(FOLDS):
        test = examples[fold::FOLDS]
        train = [e for i, e in enumerate(examples) if i % FOLDS != fold]
        cleaned = [(c, net.strip_idioms(net.normalize(t))) for c, t in train]
        model = DangerModel.train(cleaned, float(config["regularization"]))
        scores = model.scores([net.strip_idioms(net.normalize(t)) for _, t in test])
        for (category, text), score in zip(test, scores, strict=True):
            fired, net_fired = score.probability >= threshold, net.check(text) is not None
            if category == NONE:
                alarms += fired
                alarms_with_net += fired or net_fired
            else:
                dangers += 1
                caught += fired
                with_net += fired or net_fired
                right_kind += fired and score.category == category
    ordinary = len(examples) - dangers
    sys.stdout.write(
        f"danger model, {FOLDS}-fold cross-validation at threshold {threshold}: "
        f"{dangers} risk-to-life and {ordinary} ordinary examples\n"
        f"  model alone: recall {caught / dangers:.3f}, right kind {right_kind}/{caught},"
        f" false alarms {alarms}/{ordinary}\n"
        f"  with the safety net: recall {with_net / dangers:.3f},"
        f" false alarms {alarms_with_net}/{ordinary}\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
