"""The learned risk-to-life check catches indirect wording the lexicon never listed, names the
kind of danger, stays quiet on ordinary messages, and is stored in the model it was trained with.

The phrasings below were written for this test; none of them is in `data/`. They are trained and
scored through the Rasa component itself, on the project's own NLU data and examples file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_NAME_KEY, TEXT
from rasa.shared.nlu.training_data.loading import load_data
from rasa.shared.nlu.training_data.message import Message

from bot.danger_model import DangerModel, ExampleError, parse_examples
from bot.safety import SafetyNet, default_lexicon_path
from extensions.danger_model import CATEGORIES, DangerModelClassifier

# Indirect wording: no pattern of the safety net matches any of these (checked below).
CAUGHT_ONLY_BY_THE_MODEL: list[tuple[str, str]] = [
    (
        "j'ai rangé ma chambre et écrit un mot pour chacun, demain matin je serai loin pour de bon",
        "suicide",
    ),
    (
        "quand ils rentreront du ciné ce sera trop tard, j'ai tout ce qu'il me faut dans mon sac",
        "suicide",
    ),
    ("j'ai trouvé les cachets de ma mère, je les ai tous dans ma main", "suicide"),
    ("ma copine a mis en story une photo de ses poignets avec marqué 'bientôt'", "farewell"),
    ("mon fils m'a laissé un mot: 'ne m'en veux pas maman'. Son lit est vide", "farewell"),
    (
        "ma meilleure amie dit qu'elle a tout préparé pour ce soir et qu'elle veut qu'on se "
        "souvienne d'elle",
        "farewell",
    ),
    ("je me suis encore ouvert le bras ce soir, ça coule pas mal", "self_harm"),
]

# What the intent model read as an emergency, about an attack or abuse now, in words the net's
# patterns did not foresee: the reply must lead with the police, not the 3114.
NAMED_EMERGENCIES: list[tuple[str, str]] = [
    ("des mecs du lycée me balancent des cailloux, je suis derrière une voiture", "threat_now"),
    ("mon beau-père a bu, il tape sur ma mère dans le salon, j'entends tout", "violence_home"),
]

ORDINARY: list[str] = [
    "il m'insulte sur snap depuis une semaine",
    "comment on bloque quelqu'un sur insta ?",
    "mes parents vont me tuer quand ils verront mon bulletin",
    "je suis crevée, trop de devoirs cette semaine",
    "j'ai perdu mon grand-père cet été et je suis triste",
    "ils m'ont traitée de grosse à la cantine devant tout le monde",
    "ma fille ne mange presque plus depuis la rentrée",
    "j'en peux plus de ce prof, il me rabaisse tout le temps",
    "je suis le harceleur et je veux que ça s'arrête",
]


def _context() -> ExecutionContext:
    return ExecutionContext(GraphSchema({}), "test")


@pytest.fixture(scope="module")
def storage(tmp_path_factory: pytest.TempPathFactory) -> LocalModelStorage:
    return LocalModelStorage(tmp_path_factory.mktemp("model"))


@pytest.fixture(scope="module")
def config() -> dict[str, Any]:
    return DangerModelClassifier.get_default_config()


@pytest.fixture(scope="module")
def trained(storage: LocalModelStorage, config: dict[str, Any]) -> DangerModelClassifier:
    """Trained on the project's NLU data, then loaded back from the model storage."""
    resource = Resource("danger_model")
    DangerModelClassifier.create(config, storage, resource, _context()).train(load_data("data/nlu"))
    return DangerModelClassifier.load(config, storage, resource, _context())


def _processed(component: DangerModelClassifier, text: str) -> Message:
    message = Message(data={TEXT: text})
    component.process([message])
    return message


def _danger(message: Message) -> str | None:
    found = [e["value"] for e in message.get(ENTITIES) or [] if e["entity"] == "danger"]
    return found[0] if found else None


@pytest.mark.parametrize(("text", "category"), CAUGHT_ONLY_BY_THE_MODEL)
def test_indirect_risk_to_life_is_an_emergency_of_its_kind(
    trained: DangerModelClassifier, text: str, category: str
) -> None:
    assert SafetyNet.from_file(default_lexicon_path()).check(text) is None, "the net catches it"
    message = _processed(trained, text)
    assert message.get(INTENT)[INTENT_NAME_KEY] == "emergency"
    assert _danger(message) == category


@pytest.mark.parametrize(("text", "category"), NAMED_EMERGENCIES)
def test_the_kind_of_an_attack_the_intent_model_read_as_an_emergency_is_named(
    trained: DangerModelClassifier, text: str, category: str
) -> None:
    assert SafetyNet.from_file(default_lexicon_path()).check(text) is None, "the net catches it"
    message = Message(data={TEXT: text, INTENT: {INTENT_NAME_KEY: "emergency", "confidence": 0.9}})
    trained.process([message])
    assert _danger(message) == category


@pytest.mark.parametrize("text", [text for text, _ in NAMED_EMERGENCIES])
def test_an_attack_never_becomes_an_emergency_through_this_model(
    trained: DangerModelClassifier, text: str
) -> None:
    """Attacks are emergencies only "now", which the net's words decide: this model names them."""
    message = _processed(trained, text)
    assert message.get(INTENT) is None


@pytest.mark.parametrize("text", ORDINARY)
def test_ordinary_messages_are_left_to_the_intent_model(
    trained: DangerModelClassifier, text: str
) -> None:
    message = _processed(trained, text)
    assert message.get(INTENT) is None
    assert _danger(message) is None


def test_the_model_read_back_scores_like_the_model_trained(
    trained: DangerModelClassifier, config: dict[str, Any], tmp_path: Path
) -> None:
    text = CAUGHT_ONLY_BY_THE_MODEL[0][0]
    model = trained._model
    assert model is not None
    again = DangerModel.from_bytes(model.to_bytes())
    assert again.score(text) == model.score(text)


def test_a_changed_examples_file_or_lexicon_changes_the_training_fingerprint(
    tmp_path: Path,
) -> None:
    examples, lexicon = tmp_path / "examples.tsv", tmp_path / "lexicon.yml"
    examples.write_text("category\ttext\nnone\tbonjour\n", encoding="utf-8")
    lexicon.write_text("version: 1\n", encoding="utf-8")
    config = {"examples": str(examples), "lexicon": str(lexicon)}
    before = DangerModelClassifier.fingerprint_addon(config)
    examples.write_text("category\ttext\nnone\tbonsoir\n", encoding="utf-8")
    after_examples = DangerModelClassifier.fingerprint_addon(config)
    lexicon.write_text("version: 1\n# one more idiom\n", encoding="utf-8")
    assert len({before, after_examples, DangerModelClassifier.fingerprint_addon(config)}) == 3


def test_an_idiom_of_the_lexicon_is_not_read_as_a_danger(trained: DangerModelClassifier) -> None:
    message = _processed(trained, "merci je vais te sauter au cou 😍")
    assert message.get(INTENT) is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "header"),
        ("kind\ttext\nnone\tbonjour\n", "header"),
        ("category\ttext\nnope\tbonjour\n", "line 2: unknown category"),
        ("category\ttext\nnone\n", "line 2: expected a category and a text"),
    ],
)
def test_a_broken_examples_file_fails_the_training(text: str, message: str) -> None:
    with pytest.raises(ExampleError, match=message):
        parse_examples(text, CATEGORIES)


def test_the_projects_examples_file_is_well_formed() -> None:
    examples = parse_examples(
        Path("data/safety/danger_examples.tsv").read_text(encoding="utf-8"), CATEGORIES
    )
    kinds = {category for category, _ in examples}
    assert {"suicide", "farewell", "self_harm", "none"} <= kinds
