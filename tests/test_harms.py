"""The harm lexicon names the kind of harm that has a line of its own, and stays quiet elsewhere.

Tables are phrasings written for these tests (SMS spelling, no accents, adults, English), never
copied from an evaluation set. Who speaks (`bot.speaker`) is tested here too.
"""

from __future__ import annotations

import pytest

from bot.harms import HARMS, HarmNet
from bot.safety import SafetyNet, default_lexicon_path
from bot.speaker import speaker


@pytest.fixture(scope="module")
def harms() -> HarmNet:
    return HarmNet.from_files()


@pytest.fixture(scope="module")
def net() -> SafetyNet:
    return SafetyNet.from_file(default_lexicon_path())


MUST_MATCH: list[tuple[str, str]] = [
    # author
    ("je harcele une fille de ma classe et je veux arreter", "author"),
    ("j'ai harcelé un mec pendant des mois, comment réparer ?", "author"),
    ("c'est moi qui ai créé le compte qui se moque d'elle", "author"),
    ("jveux arreter de l'insulter mais mes potes me poussent", "author"),
    ("je regrette d'avoir partagé sa photo", "author"),
    ("i bully a kid at school and i feel bad", "author"),
    ("avec mes potes on a harcelé un eleve et j'ai honte", "author"),
    # sexual abuse by an adult or at home
    ("mon beau-père vient dans ma chambre la nuit et me touche", "sexual_abuse"),
    ("mon oncle m'a touchée quand j'avais 9 ans", "sexual_abuse"),
    ("l'entraîneur me touche les fesses aux vestiaires", "sexual_abuse"),
    ("mon grand frere me force a le toucher", "sexual_abuse"),
    ("ma fille m'a dit que son prof de piano l'a touchée", "sexual_abuse"),
    # sexual violence by a peer or a stranger
    ("je me suis fait violer par un mec de ma classe", "sexual_violence"),
    ("jme suis fai violé a une soirée", "sexual_violence"),
    ("un garçon m'a forcée à faire des choses dans les toilettes du lycée", "sexual_violence"),
    ("il a mis sa main dans ma culotte alors que je voulais pas", "sexual_violence"),
    ("I was raped last year by a guy from school", "sexual_violence"),
    ("ma pote a été violée l'été dernier", "sexual_violence"),
    # intimate images spread, no blackmail
    ("ils ont fait un compte fisha avec mes photos", "intimate_images"),
    ("y a des deepfakes de moi toute nue qui tournent au lycée", "intimate_images"),
    ("mes nudes tournent dans tout le college", "intimate_images"),
    ("une IA qui déshabille, ils l'ont utilisée sur ma photo", "intimate_images"),
    ("la photo de ma fille nue circule sur snap", "intimate_images"),
    # violence at home, not now
    ("quand j'étais petite mon père me frappait", "violence_home"),
    ("ma mère m'humilie tout le temps devant tout le monde", "violence_home"),
    ("mon beau père nous crie dessus et nous insulte tous les jours", "violence_home"),
    ("j'ai peur de rentrer à la maison", "violence_home"),
    ("il y a des violences conjugales chez moi", "violence_home"),
    # eating troubles
    ("je me fais vomir après chaque repas", "eating"),
    ("jmange plus rien depuis 2 semaines", "eating"),
    ("je crois que je suis anorexique", "eating"),
    ("ma fille se fait vomir en cachette", "eating"),
    ("je saute tous les repas pour maigrir", "eating"),
    ("crises de boulimie tous les soirs", "eating"),
    # an adult at school hurts
    ("mon prof m'humilie devant toute la classe", "adult_at_school"),
    ("la prof de maths se moque de moi à chaque cours", "adult_at_school"),
    ("le surveillant m'a poussé contre le mur", "adult_at_school"),
    ("je me fais humilier par mon entraîneur", "adult_at_school"),
    ("le coach traite mon fils de nul devant l'équipe", "adult_at_school"),
    # hacked account
    ("on m'a piraté mon compte insta", "hacked_account"),
    ("jarrive plus a me connecter a mon compte snap quelqu'un a changé le mdp", "hacked_account"),
    ("mon compte fortnite a été hacké", "hacked_account"),
    ("quelqu'un s'est connecté sur mon compte tiktok et poste des trucs", "hacked_account"),
    # online hate
    ("on me traite de sale arabe sur tiktok", "online_hate"),
    ("des commentaires racistes sous toutes mes vidéos", "online_hate"),
    ("ils m'insultent parce que je suis lesbienne", "online_hate"),
    ("propos homophobes dans le groupe de classe", "online_hate"),
    ("on se moque de moi à cause de mon voile", "online_hate"),
    # distress without explicit suicide
    ("je vais trop mal", "distress"),
    ("jme sens vide", "distress"),
    ("plus envie de rien", "distress"),
    ("je pleure tous les soirs", "distress"),
    ("je fais des crises d'angoisse", "distress"),
    ("je suis en dépression je crois", "distress"),
]

MUST_NOT_MATCH: list[str] = [
    "j'ai violé le règlement du lycée",
    "on a parlé du viol en cours d'EMC",
    "on a fait un exposé sur le harcèlement",
    "mon père touche pas à mon téléphone",
    "il y a un hacker en partie classée sur fortnite",
    "on m'insulte sur insta",
    "je me fais harceler depuis la rentrée",
    "il menace de publier mes nudes si je paie pas",
    "il veut que j'envoie d'autres photos sinon il les montre",
    "ma pote se fait insulter sur snap",
    "mon prof est trop cool",
    "j'ai parlé à mon prof et il m'a aidé",
    "salut",
    "c'est anonyme ?",
    "je suis nulle en maths",
    "j'ai mal au ventre",
    "j'ai été harcelée l'an dernier",
    "violet c'est ma couleur préférée",
]


@pytest.mark.parametrize(("text", "category"), MUST_MATCH)
def test_the_harm_is_named(harms: HarmNet, text: str, category: str) -> None:
    match = harms.check(text)
    assert match is not None, text
    assert match.category == category, (text, match)


@pytest.mark.parametrize("text", MUST_NOT_MATCH)
def test_no_harm_is_named(harms: HarmNet, text: str) -> None:
    assert harms.check(text) is None, (text, harms.check(text))


def test_every_harm_category_is_tested() -> None:
    assert {category for _, category in MUST_MATCH} == set(HARMS)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon fils se fait harceler au college", "parent"),
        ("je suis prof, une de mes élèves se fait insulter", "parent"),
        ("Bonjour, notre fille ne mange plus", "parent"),
        ("my daughter is being bullied online", "parent"),
        ("ma pote se fait insulter sur snap", "witness"),
        ("une fille de ma classe se fait afficher", "witness"),
        ("on m'insulte sur insta", "victim"),
        ("je me fais vomir apres manger", "victim"),
        ("ma pote et moi on se fait insulter", "victim"),
        ("un mec de ma classe a mes nudes", "victim"),
        ("ils ont hacké mon compte et insulté mes potes", "victim"),
        ("ma copine m'a dit que son père lui fait des trucs la nuit", "witness"),
        ("salut", None),
    ],
)
def test_who_speaks(net: SafetyNet, text: str, expected: str | None) -> None:
    assert speaker(net, text) == expected


def test_habitual_violence_at_home_goes_to_a_line_of_the_119(harms: HarmNet) -> None:
    from tests.test_safety_net import HABITUAL_AT_HOME

    for text in HABITUAL_AT_HOME:
        match = harms.check(text)
        assert match is not None and match.category in ("violence_home", "sexual_abuse"), text


@pytest.mark.parametrize(
    ("harm", "intent", "has_situation", "expected"),
    [
        ("sexual_abuse", "victim", True, True),  # a strong harm replaces a role
        ("eating", "emergency", False, True),  # ...and an emergency only the model guessed
        ("sexual_abuse", "emergency", False, True),  # the safety net, after, still wins
        ("distress", "out_of_scope", False, True),
        ("distress", "witness", False, True),  # "ma soeur a plus gout a rien"
        ("distress", "victim", True, False),  # "on m'insulte et je vais mal": harassment
        ("distress", "emergency", False, True),
    ],
)
def test_which_answers_a_harm_replaces(
    harm: str, intent: str, has_situation: bool, expected: bool
) -> None:
    from extensions.harm_signals import replaces

    assert replaces(harm, intent, has_situation) is expected
