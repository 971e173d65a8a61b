"""The safety net must fire on every danger phrasing and stay quiet on idioms and ordinary reports.

Tables below are real-life phrasings: SMS spelling, no accents, typos, leetspeak, repeated letters,
emoji, English, long messages with the danger at the end, parents and witnesses.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

import pytest
import yaml

from bot.normalize import normalize
from bot.safety import (
    CATEGORIES,
    LexiconError,
    SafetyMatch,
    SafetyNet,
    default_lexicon_path,
)


@pytest.fixture(scope="module")
def lexicon_data() -> Mapping[str, Any]:
    with default_lexicon_path().open(encoding="utf-8") as handle:
        data: Mapping[str, Any] = yaml.safe_load(handle)
    return data


@pytest.fixture(scope="module")
def net() -> SafetyNet:
    return SafetyNet.from_file(default_lexicon_path())


MUST_FIRE: list[tuple[str, str]] = [
    # --- suicide: first person, French, every spelling
    ("je veux mourir", "suicide"),
    ("J'VEUX MOURIIIIIR", "suicide"),
    ("jveux mourir", "suicide"),
    ("jve mourir sérieux", "suicide"),
    ("j3 v3ux m0urir", "suicide"),
    ("jai envi de mourir", "suicide"),
    ("g envie de crever", "suicide"),
    ("j'ai envie d'en finir", "suicide"),
    ("je veux en finir avec la vie", "suicide"),
    ("jveux en finir une bonne fois pour toutes", "suicide"),
    ("j'ai plus envie de vivre", "suicide"),
    ("jai pu envi de vivre", "suicide"),
    ("je ne veux plus vivre", "suicide"),
    ("jveux pu vivre", "suicide"),
    ("je vais me foutre en l'air", "suicide"),
    ("jvais m foutre en lair ce soir", "suicide"),
    ("je vais me tuer", "suicide"),
    ("jvais me tuer", "suicide"),
    ("j'ai envie de me suicider", "suicide"),
    ("je pense à me suicider depuis des semaines", "suicide"),
    ("je veux disparaître pour toujours", "suicide"),
    ("je veux disparaitre", "suicide"),
    ("je vais me jeter sous un train", "suicide"),
    ("jvais me jeter par la fenetre", "suicide"),
    ("je vais sauter du pont", "suicide"),
    ("je vais me pendre", "suicide"),
    ("je sers à rien, tout le monde serait mieux sans moi", "suicide"),
    ("ils seraient tous plus heureux sans moi", "suicide"),
    ("j'ai des idées noires tout le temps", "suicide"),
    ("je vais faire une connerie ce soir", "suicide"),
    ("j'en peux plus de cette vie", "suicide"),
    ("jpp de cette vie", "suicide"),
    ("ma vie vaut rien", "suicide"),
    ("j'en ai marre de la vie", "suicide"),
    ("je veux plus me réveiller", "suicide"),
    ("si je disparaissais personne le remarquerait", "suicide"),
    ("comment se suicider sans avoir mal", "suicide"),
    ("je veux me tirer une balle", "suicide"),
    ("je vais m'ouvrir les veines", "suicide"),
    ("j'ai déjà fait une TS et j'ai envie de recommencer", "suicide"),
    ("je préfère être morte", "suicide"),
    ("je veux être 💀", "suicide"),
    ("suicide", "suicide"),
    ("s u i c i d e", "suicide"),
    ("su1c1d3", "suicide"),
    ("je suis suicidaire", "suicide"),
    ("je veux me buter", "suicide"),
    ("je veux quitter ce monde", "suicide"),
    ("plus aucune raison de vivre", "suicide"),
    ("je veux dormir pour toujours", "suicide"),
    ("je serai plus là la semaine prochaine, promis c'est mieux comme ça", "suicide"),
    ("je suis au bord du pont", "suicide"),
    ("j'ai acheté une corde", "suicide"),
    ("j'ai donné toutes mes affaires à ma soeur", "suicide"),
    ("je m'en vais pour de bon cette nuit", "suicide"),
    ("j'ai de quoi me tuer dans ma chambre", "suicide"),
    ("jaimerais jamais etre née", "suicide"),
    ("ça sert à rien de vivre comme ça", "suicide"),
    ("MOURIR", "suicide"),
    ("i just want everything to end", "suicide"),
    # long messages, danger at the end
    (
        "salut, alors voila depuis la rentrée on m'insulte sur insta, ils ont fait un faux compte "
        "avec mes photos, j'en ai parlé à personne, mes parents savent rien, et franchement "
        "ce soir je crois que je vais en finir",
        "suicide",
    ),
    (
        "mdr je suis mort 😂 non en vrai ça va pas du tout, je veux mourir",
        "suicide",
    ),
    ("ptdr ce jeu est mortel... bref jpp jveux mourir", "suicide"),
    # English and algospeak
    ("kms", "suicide"),
    ("i want to die", "suicide"),
    ("i wanna die", "suicide"),
    ("im going to kill myself tonight", "suicide"),
    ("i don't want to live anymore", "suicide"),
    ("everyone would be better off without me", "suicide"),
    ("i want to unalive myself", "suicide"),
    ("thinking about sewerslide", "suicide"),
    ("i want to end it all", "suicide"),
    # --- self-harm
    ("je me scarifie", "self_harm"),
    ("jme scarifie depuis 2 mois", "self_harm"),
    ("je me coupe", "self_harm"),
    ("je me suis coupée hier soir exprès", "self_harm"),
    ("j'ai envie de me couper", "self_harm"),
    ("j'ai recommencé à me couper les bras", "self_harm"),
    ("je me fais du mal", "self_harm"),
    ("j'ai envie de me faire du mal", "self_harm"),
    ("scarification", "self_harm"),
    ("ma fille se scarifie", "self_harm"),
    ("ma pote se coupe les poignets", "self_harm"),
    ("i self harm", "self_harm"),
    ("i've been cutting myself", "self_harm"),
    ("je me brûle avec un briquet", "self_harm"),
    ("j'ai caché des lames dans ma trousse", "self_harm"),
    ("mes cicatrices avaient guéri mais j'ai recommencé", "self_harm"),
    ("mon pote a les poignets en sang", "self_harm"),
    # --- overdose
    ("j'ai pris toutes les pilules", "overdose"),
    ("j'ai avalé tous les médocs", "overdose"),
    ("jai pri tte la boite de doliprane", "overdose"),
    ("j'ai avalé une boite de doliprane", "overdose"),
    ("j'ai pris 20 cachets", "overdose"),
    ("g avalé plein de cachets", "overdose"),
    ("ma pote a pris tous ses médicaments", "overdose"),
    ("j'ai bu de la javel", "overdose"),
    ("i took all my pills", "overdose"),
    ("took a bunch of pills", "overdose"),
    ("j'ai pris 💊💊💊💊", "overdose"),
    ("overdose", "overdose"),
    ("il a avalé des médocs et il respire plus bien", "overdose"),
    ("j'ai pris les antidépresseurs de ma mère", "overdose"),
    ("elle s'est enfermée dans la salle de bain avec une boîte de cachets", "overdose"),
    ("j'ai bu de la vodka et j'ai pris des somnifères", "overdose"),
    # --- threat now / being followed
    ("il me suit", "threat_now"),
    ("un mec me suit depuis le métro", "threat_now"),
    ("il est devant chez moi", "threat_now"),
    ("il est en bas de chez moi", "threat_now"),
    ("il est devant mon école", "threat_now"),
    ("il m'attend en bas", "threat_now"),
    ("j'ai peur il arrive", "threat_now"),
    ("jai tro peur il est la", "threat_now"),
    ("aidez moi il arrive", "threat_now"),
    ("ils m'attendent à la sortie pour me frapper", "threat_now"),
    ("il a un couteau", "threat_now"),
    ("il me menace avec un couteau", "threat_now"),
    ("je suis en danger", "threat_now"),
    ("je crois que je suis suivie", "threat_now"),
    ("someone is following me", "threat_now"),
    ("he's outside my house", "threat_now"),
    ("mon harceleur rôde devant chez moi", "threat_now"),
    ("on tape à ma porte depuis 5 min et j'ai trop peur", "threat_now"),
    ("il essaie de rentrer chez nous", "threat_now"),
    ("je suis planquée dans un café, ils m'attendent dehors", "threat_now"),
    ("un type me colle depuis le bus", "threat_now"),
    ("il arrive, il a juré qu'il allait me défoncer", "threat_now"),
    ("ce mec est devant notre maison depuis ce matin", "threat_now"),
    # --- violence at home
    ("mon père me frappe", "violence_home"),
    ("mon pere me frappe la", "violence_home"),
    ("ma mère nous frappe", "violence_home"),
    ("mon beau-père me frappe", "violence_home"),
    ("mon beau pere me tape", "violence_home"),
    ("il va me tuer", "violence_home"),
    ("il tape ma mère", "violence_home"),
    ("mon daron il tape ma reum", "violence_home"),
    ("mes parents me battent", "violence_home"),
    ("je me fais frapper par mon père", "violence_home"),
    ("mon père est bourré et il frappe tout le monde", "violence_home"),
    ("il veut nous tuer", "violence_home"),
    ("my dad is hitting me", "violence_home"),
    ("he's going to kill us", "violence_home"),
    ("mon copain me frappe", "violence_home"),
    ("ma mère se fait taper par son mec", "violence_home"),
    ("papa frappe maman", "violence_home"),
    ("il m'a giflé et il va recommencer quand il rentre", "violence_home"),
    # --- farewell: someone else
    ("ma pote a posté un message d'adieu", "farewell"),
    ("elle a mis 'adieu à tous' en story", "farewell"),
    ("adieu a tous", "farewell"),
    ("ma pote a posté qu'elle allait mettre fin à ses jours", "farewell"),
    ("mon ami veut se suicider", "farewell"),
    ("mon meilleur pote m'a dit qu'il voulait mourir", "farewell"),
    ("mon fils m'a dit qu'il voulait en finir", "farewell"),
    ("ma fille parle de se tuer", "farewell"),
    ("un eleve de ma classe a dit qu'il allait se jeter du pont", "farewell"),
    ("my friend wants to kill herself", "farewell"),
    ("goodbye everyone", "farewell"),
    ("adieu", "farewell"),
    ("mon pote a mis en story merci pour tout adieu", "farewell"),
    ("ma copine a écrit qu'elle est désolée pour tout et elle répond plus", "farewell"),
    ("une fille fait un live en disant qu'elle va sauter", "farewell"),
    # --- predator meeting
    ("il m'attend à la sortie du collège", "predator_meeting"),
    ("j'ai rdv ce soir avec un mec de 25 ans rencontré sur snap", "predator_meeting"),
    ("un homme de discord m'a donné rendez-vous demain après les cours", "predator_meeting"),
    ("je vais rejoindre un gars que j'ai connu sur insta tout à l'heure", "predator_meeting"),
    ("un adulte que j'ai rencontré en ligne m'attend au parc", "predator_meeting"),
    ("il veut que je monte dans sa voiture", "predator_meeting"),
    ("a guy from roblox wants to meet me tonight", "predator_meeting"),
    (
        "je vais chez un homme de tiktok ce soir, il m'a dit de rien dire à mes parents",
        "predator_meeting",
    ),
    (
        "ma soeur est partie retrouver un mec rencontré sur snap, elle est injoignable",
        "predator_meeting",
    ),
    ("un mec de fortnite est garé devant le collège et il me dit de monter", "predator_meeting"),
]

MUST_NOT_FIRE: list[str] = [
    # idioms
    "mort de rire",
    "mdr",
    "je suis mort 😂",
    "je suis mort mdr",
    "ptdr je suis morte",
    "💀💀💀",
    "ce jeu est mortel",
    "c'était mortel hier soir",
    "j'ai tué ce contrôle de maths",
    "on a défoncé le brevet blanc",
    "tu me tues avec tes blagues",
    "je vais mourir de rire",
    "je meurs de faim",
    "je crève de chaud dans cette salle",
    "je vais me pendre à ton cou",
    "j'ai failli mourir de honte",
    "je vais te tuer à fortnite",
    "il m'a tué dans fortnite",
    "je suis crevée",
    "la batterie de mon tel est morte",
    "ça me tue ce prof",
    "il me coupe tout le temps la parole",
    "je me suis coupé les cheveux",
    "mon frère me tape sur les nerfs",
    "ma mère me tape la honte devant mes potes",
    "i'm dying of laughter lol",
    # ordinary harassment, witnesses, parents, other
    "on m'insulte sur insta",
    "il m'a menacé hier sur snap de me frapper demain",
    "il m'a dit qu'il allait me frapper demain",
    "on m'a menacé de mort sur insta",
    "j'ai été harcelé",
    "je suis harcelée au collège",
    "il me suit sur insta et il commente toutes mes photos",
    "elle me suit plus sur tiktok",
    "ils ont publié mon adresse sur snap",
    "ma pote se fait insulter sur insta",
    "y a une vidéo d'un mec de ma classe qui tourne",
    "ma fille reçoit des messages horribles",
    "mon fils est racketté",
    "un adulte sur snap me demande des photos",
    "je veux disparaître de snap",
    "je veux en finir avec ce harcèlement",
    "comment supprimer mon compte",
    "j'ai pris un doliprane pour ma migraine",
    "ma mère m'attend devant le collège",
    "je suis suivie par une psy",
    "mes parents se disputent souvent",
    "ils m'ont frappé à la récré et ont filmé",
    "bonjour",
    "c'est anonyme ?",
    "merci beaucoup",
    "aide moi",
    "quelle heure est-il",
    # near misses of the broader patterns
    "il essaie de rentrer dans mon compte snap",
    "il m'attend pour jouer à fortnite",
    "ils m'attendent tous les jours à la récré pour me prendre mes affaires",
    "la prof m'a dit de monter au CDI",
    "il s'approche de moi à la récré et il m'insulte",
    "je suis cachée derrière mon écran, ils m'insultent",
    "ma soeur s'est enfermée dans sa chambre parce qu'elle veut pas manger",
    "je me suis enfermée dehors",
    "il fait trop chaud jvais crever",
    "je vais mourir au contrôle de maths",
    "j'ai dit adieu à mon ex",
    "adieu les vacances",
    "c'est fini entre nous ce soir",
    "j'ai écrit une lettre à la directrice",
    "le prof me colle tout le temps",
    "il arrive pas à me laisser tranquille",
    "elle répond plus à mes messages",
    "j'ai eu une tentative de piratage sur mon compte",
    "je serai pas là demain en cours",
    "je vais sauter le repas",
    "le collège ne réagit pas",
    "someone said they're going to beat me up tomorrow",
]


@pytest.mark.parametrize(("text", "category"), MUST_FIRE)
def test_danger_fires(net: SafetyNet, text: str, category: str) -> None:
    match = net.check(text)
    assert match is not None, f"missed: {text!r} -> {net.strip_idioms(net.normalize(text))!r}"
    assert match.category == category


@pytest.mark.parametrize("text", MUST_NOT_FIRE)
def test_idiom_or_ordinary_does_not_fire(net: SafetyNet, text: str) -> None:
    assert net.check(text) is None


def test_tables_are_big_enough() -> None:
    assert len(MUST_FIRE) >= 90
    assert len(MUST_NOT_FIRE) >= 35
    assert {category for _, category in MUST_FIRE} == CATEGORIES


def test_match_reports_pattern_id_not_text(net: SafetyNet) -> None:
    match = net.check("jveux mourir")
    assert match == SafetyMatch(category="suicide", pattern_id="s_want_die")
    assert "mourir" not in match.pattern_id


def test_every_lexicon_id_is_a_known_pattern(net: SafetyNet) -> None:
    ids = [rule.pattern_id for rule in net.rules] + [ex.pattern_id for ex in net.exclusions]
    assert len(ids) == len(set(ids))
    assert {rule.category for rule in net.rules} == CATEGORIES


def test_empty_and_whitespace_messages(net: SafetyNet) -> None:
    assert net.check("") is None
    assert net.check("   \n\t ") is None
    assert net.check("?!!... 🙂") is None


# --- normalize(): pure function with explicit tables


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Élève ÇA Où", "eleve ca ou"),
        ("MOURIIIIIR", "mourir"),
        ("mouriiiiir !!!", "mourir"),
        ("elle est belle", "elle est belle"),
        ("j3 v3ux m0urir", "je veux mourir"),
        ("k1ll mys3lf", "kill myself"),
        ("@ll0 $alut", "allo salut"),
        ("rdv à 17h30 le 5eme jour, j'ai 14ans", "rdv a 17h30 le 5eme jour j ai 14ans"),
        ("appelle le 3018", "appelle le 3018"),
        ("je t\u2019aime", "je t aime"),
        ("c\u0153ur", "coeur"),
        ("fin...   de   l'histoire?!", "fin de l histoire"),
        ("\u2764\ufe0f ok \U0001f602", "ok"),
    ],
)
def test_normalize_without_tables(raw: str, expected: str) -> None:
    assert normalize(raw) == expected


def test_normalize_expands_contractions_and_symbols() -> None:
    table = {"jveux": "je veux", "jpp": "j en peux plus", "g": "j ai", "jme": "je me"}
    symbols = {"\U0001f602": "mdr"}
    assert normalize("JVEUX partir", table) == "je veux partir"
    assert normalize("jpp g peur", table) == "j en peux plus j ai peur"
    assert normalize("j'me coupe", table) == "j me coupe"
    assert normalize("jme coupe \U0001f602\U0001f602", table, symbols=symbols) == (
        "je me coupe mdr mdr"
    )
    assert normalize("k1ll", leet={}) == "k1ll"


def test_normalize_is_pure() -> None:
    table = {"jveux": "je veux"}
    before = dict(table)
    assert normalize("jveux", table) == normalize("jveux", table)
    assert table == before


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("jveux mourir", "je veux mourir"),
        ("jsuis mal", "je suis mal"),
        ("chui pa bien", "je suis pas bien"),
        ("jpp", "j en peux plus"),
        ("g pris tte la boite", "j ai pris toute la boite"),
        ("pk tkt", "pourquoi t inquiete"),
        ("mm ojd bcp stp", "meme aujourd hui beaucoup s il te plait"),
        ("slt", "salut"),
        ("jvais m'foutre en l'air", "je vais m foutre en l air"),
        ("je suis mort \U0001f602", "je suis mort mdr"),
        ("I'm gonna die", "i m going to die"),
    ],
)
def test_lexicon_normalize_tables(net: SafetyNet, raw: str, expected: str) -> None:
    assert net.normalize(raw) == expected


# --- lexicon loading


def test_from_mapping_rejects_unknown_category(lexicon_data: Mapping[str, Any]) -> None:
    data = copy.deepcopy(dict(lexicon_data))
    data["rules"] = [
        *data["rules"],
        {"category": "nope", "patterns": [{"id": "x", "pattern": "x"}]},
    ]
    with pytest.raises(LexiconError, match="unknown category"):
        SafetyNet.from_mapping(data)


def test_from_mapping_rejects_duplicate_id(lexicon_data: Mapping[str, Any]) -> None:
    data = copy.deepcopy(dict(lexicon_data))
    duplicate = {"id": "s_want_die", "pattern": "x"}
    data["rules"] = [*data["rules"], {"category": "suicide", "patterns": [duplicate]}]
    with pytest.raises(LexiconError, match="duplicate id"):
        SafetyNet.from_mapping(data)


def test_from_mapping_rejects_unknown_def_and_bad_regex(lexicon_data: Mapping[str, Any]) -> None:
    for pattern, message in (("{nope} x", "unknown def"), ("(unclosed", "invalid regex")):
        data = copy.deepcopy(dict(lexicon_data))
        extra = {"category": "suicide", "patterns": [{"id": "new_one", "pattern": pattern}]}
        data["rules"] = [*data["rules"], extra]
        with pytest.raises(LexiconError, match=message):
            SafetyNet.from_mapping(data)


def test_from_mapping_requires_every_category() -> None:
    data = {
        "version": 1,
        "rules": [{"category": "suicide", "patterns": [{"id": "a", "pattern": "mourir"}]}],
    }
    with pytest.raises(LexiconError, match="no pattern for"):
        SafetyNet.from_mapping(data)


def test_from_mapping_minimal_lexicon() -> None:
    data = {
        "version": 1,
        "normalize": {"contractions": {"jveux": "je veux"}},
        "defs": {"die": "mourir|crever"},
        "exclude": [{"id": "ex", "pattern": r"\bmourir de rire\b"}],
        "rules": [
            {
                "category": category,
                "patterns": [{"id": f"p_{category}", "pattern": category.replace("_", " ")}],
            }
            for category in sorted(CATEGORIES - {"suicide"})
        ]
        + [{"category": "suicide", "patterns": [{"id": "p_die", "pattern": r"\bveux {die}\b"}]}],
    }
    small = SafetyNet.from_mapping(data)
    assert small.check("JVEUX MOURIIIR") == SafetyMatch("suicide", "p_die")
    assert small.check("jveux mourir de rire") is None
    assert small.check("THREAT-NOW") == SafetyMatch("threat_now", "p_threat_now")
