"""The safety net must fire on every danger phrasing and stay quiet on idioms and ordinary reports.

Tables below are real-life phrasings: SMS spelling, no accents, typos, leetspeak, repeated letters,
emoji, English, long messages with the danger at the end, parents and witnesses.
"""

from __future__ import annotations

import copy
import dataclasses
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
    # --- added in issue 10 (review of the danger misses): now, ropes, cuts seen by others
    ("il est là dans ma chambre, il veut me toucher", "sexual_assault"),
    ("jsuis dans les toilettes il est la il essaie de me deshabiller", "sexual_assault"),
    ("un mec me suit dans le bus et maintenant il veut me toucher", "sexual_assault"),
    ("ma soeur se fait frapper dans la rue là maintenant", "threat_now"),
    ("aidez moi mon pote se fait tabasser au city", "threat_now"),
    ("en ce moment des mecs se font lyncher devant le college", "threat_now"),
    ("j'ai acheté une corde", "suicide"),
    ("g caché une corde sous mon lit", "suicide"),
    ("j'ai pris la corde dans le garage", "suicide"),
    ("ma fille a des coupures sur les bras", "self_harm"),
    ("j'ai vu des cicatrices sur les poignets de mon pote", "self_harm"),
    ("des entailles partout sur mes cuisses", "self_harm"),
    ("j'ai des marques a force de me couper", "self_harm"),
    ("je me pince jusqu'à avoir des bleus pour me punir", "self_harm"),
    ("mon frère se mord le bras jusqu'au sang", "self_harm"),
    ("mon beau-père vient dans mon lit là maintenant", "violence_home"),
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
    ("mon pere me frappe la", "violence_home"),
    ("il va me tuer", "violence_home"),
    ("il tape ma mère", "violence_home"),
    ("mon daron il tape ma reum", "violence_home"),
    ("mon père est bourré et il frappe tout le monde", "violence_home"),
    ("il veut nous tuer", "violence_home"),
    ("my dad is hitting me", "violence_home"),
    ("he's going to kill us", "violence_home"),
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
    # --- attacked, followed, cornered RIGHT NOW (issue 10)
    ("je suis en train de me faire agresser dans la rue aidez moi", "threat_now"),
    ("jsuis en train de me faire agresser", "threat_now"),
    ("jsui entrain de me faire taper", "threat_now"),
    ("ils sont en train de me taper derrière le gymnase", "threat_now"),
    ("ils sont entrain de me frapper jsuis par terre", "threat_now"),
    ("je suis en train de me faire frapper par des mecs", "threat_now"),
    ("ma pote est en train de se faire frapper", "threat_now"),
    ("un mec est en train de me suivre jusqu'à chez moi", "threat_now"),
    ("qqn est en train de me suivre", "threat_now"),
    ("il me suit depuis la gare", "threat_now"),
    ("un mec m'a suivi depuis le métro il est tjrs derrière moi", "threat_now"),
    ("jme fais agresser là aidez moi", "threat_now"),
    ("on m agresse la aidez moi", "threat_now"),
    ("on me tape là jsuis dans la rue", "threat_now"),
    ("des mecs m'encerclent là", "threat_now"),
    ("ils m'ont coincée dans les toilettes ils sont 4", "threat_now"),
    ("je suis coincée dans l'ascenseur avec un mec chelou j'ai peur", "threat_now"),
    ("un mec vient de me frapper dans la rue", "threat_now"),
    ("je viens de me faire tabasser à la sortie du bus", "threat_now"),
    ("un mec me frappe", "threat_now"),
    ("des mecs qui m'encerclent au parc là, ils veulent mon tel", "threat_now"),
    ("il est dans le hall de mon immeuble", "threat_now"),
    ("the man i met online is at my door right now", "threat_now"),
    ("someone is attacking me", "threat_now"),
    # Attacks told in the present with no time word (2026-12-02): a group at a place, outnumbered,
    # just hit and still there, stuck and being hit; at home: drunk and about to hit, a visit
    # announced for when everyone sleeps.
    ("des gars me tabassent à l'arrêt de bus", "threat_now"),
    ("ya 2 keums qui m encerclent devant le tabac", "threat_now"),
    ("3 mecs me frappent derriere le gymnase", "threat_now"),
    ("ils sont cinq sur moi derrière le gymnase et ils me frappent", "threat_now"),
    ("ils sont 3 sur moi aidez moi", "threat_now"),
    ("des mecs viennent de frapper mon frère, ils sont encore là", "threat_now"),
    ("ma soeur est coincée dans les toilettes, des filles la tapent", "threat_now"),
    ("un gars m attend au portail avec ses potes", "threat_now"),
    ("mon beau père a trop bu il va me frapper", "violence_home"),
    ("il a dit qu il viendrait dans ma chambre quand maman dormira", "violence_home"),
    ("laisse ta porte ouverte cette nuit m a dit mon cousin", "violence_home"),
    ("he said he will come to my room tonight", "violence_home"),
    ("ma soeur s'est évanouie, elle répond plus", "overdose"),
    ("mon père rentre dans 20 minutes et il a dit qu'il allait me frapper", "violence_home"),
    ("un type me suit dans la rue depuis le métro", "threat_now"),
    ("i'm being followed", "threat_now"),
    # --- violence or sexual abuse at home, now or ongoing (a family member)
    ("mon père est en train de me frapper", "violence_home"),
    ("mon beau pere est en train de me taper", "violence_home"),
    ("mon pere est entrain de frapper ma mere", "violence_home"),
    ("mon beau-père est en train de tout casser", "violence_home"),
    ("mon père vient de me frapper", "violence_home"),
    ("ma mère me tape là maintenant avec la ceinture", "violence_home"),
    ("mon beau père vient dans ma chambre là, il me touche", "violence_home"),
    ("mon oncle m'a encore touchée ce soir", "violence_home"),
    ("ce soir mon beau-père va encore me forcer", "violence_home"),
    ("ce soir il va encore venir dans ma chambre me toucher", "violence_home"),
    ("mon beau-père est rentré bourré, il va me frapper ce soir", "violence_home"),
    ("my dad is touching me right now", "violence_home"),
    # --- sexual assault now or just now (new category)
    ("il est en train de me toucher", "sexual_assault"),
    ("il est entrain de me toucher", "sexual_assault"),
    ("ptn il est en train de me tripoter ds le tram", "sexual_assault"),
    ("ils sont en train de la toucher dans les toilettes", "sexual_assault"),
    ("il est en train de la violer", "sexual_assault"),
    ("mon copain est en train de me forcer", "sexual_assault"),
    ("un mec vient de m'agresser dans le bus", "sexual_assault"),
    ("un keum vient de m agresser ds le bus", "sexual_assault"),
    ("un mec vient de me toucher dans le tram", "sexual_assault"),
    ("un inconnu vient de me tripoter dans le RER", "sexual_assault"),
    ("un mec vient de mettre sa main sous ma jupe", "sexual_assault"),
    ("je viens de me faire violer", "sexual_assault"),
    ("jviens de me faire violer jsais pas koi faire", "sexual_assault"),
    ("jviens de me faire agresser dans le métro", "sexual_assault"),
    ("mon ex vient de me violer", "sexual_assault"),
    ("ma pote vient de se faire violer à la fête", "sexual_assault"),
    ("il m'a violée ce soir", "sexual_assault"),
    ("il m a violee cette nuit", "sexual_assault"),
    ("on ma violé ce soir", "sexual_assault"),
    ("g été violée ce soir à la soirée", "sexual_assault"),
    ("je me suis fait violer hier soir", "sexual_assault"),
    ("je me suis fait agresser sexuellement ce matin", "sexual_assault"),
    ("il m'a forcée ce soir à la soirée", "sexual_assault"),
    ("g été agressée sexuellement ya 1h", "sexual_assault"),
    ("un gars ma touchée y a 10 minutes dans le bus", "sexual_assault"),
    ("un vieux s'est frotté contre moi ya 5 min dans le bus", "sexual_assault"),
    ("un type se frotte contre moi dans le métro", "sexual_assault"),
    ("un mec me tripote dans le metro là", "sexual_assault"),
    ("il me touche là", "sexual_assault"),
    ("g peur il me touche la", "sexual_assault"),
    ("au secours il me touche", "sexual_assault"),
    ("il met sa main dans ma culotte", "sexual_assault"),
    ("ce soir il va venir me toucher comme d'hab", "sexual_assault"),
    ("he is touching me", "sexual_assault"),
    ("he's raping me", "sexual_assault"),
    ("i was just raped", "sexual_assault"),
    ("he just groped me on the bus", "sexual_assault"),
    ("he's going to rape me", "sexual_assault"),
    # found by probing the net with new phrasings (2026-12-01)
    ("g plus envie d'etre la", "suicide"),
    ("j'ai plus envie d'être là, à quoi bon", "suicide"),
    ("c'est ma dernière nuit", "farewell"),
    ("ce sera mon dernier message", "farewell"),
    ("plus personne me reverra demain", "farewell"),
    ("vous me reverrez plus", "farewell"),
    ("je saigne et ça s'arrête pas", "self_harm"),
    ("mon bras saigne et ça s'arrête toujours pas", "self_harm"),
    ("il y a une bagarre au couteau devant le lycée", "threat_now"),
    ("grosse baston avec des armes au city stade", "threat_now"),
    # a second probe with a separate author's phrasings, by kind of gap (2026-12-01; our own lines)
    ("j'ai la boîte de somnifères dans la main", "overdose"),
    ("combien de doliprane faut pour pas se réveiller", "overdose"),
    ("ça fait des semaines que je mets de côté mes cachets", "overdose"),
    ("i took 20 of my sleeping pills", "overdose"),
    ("mon pote a écrit sur le groupe : demain vous serez débarrassés de moi", "farewell"),
    ("ma soeur m'a dit qu'elle voulait plus souffrir et elle répond plus", "farewell"),
    ("elle a posté c'était bien de vous connaître", "farewell"),
    ("mon cousin m'a dit qu'il serait bientôt plus là", "farewell"),
    ("la prof a dit qu'on ne le reverrait plus", "farewell"),
    ("my brother said he's going to end it", "farewell"),
    ("ne me cherchez pas", "suicide"),
    ("vous serez débarrassés de moi", "suicide"),
    ("il y a plus aucune raison que je reste en vie", "suicide"),
    ("pk je continue a vivre en fait", "suicide"),
    ("if i'm gone tomorrow it's not your fault", "suicide"),
    ("cette nuit c'est la fin, j'ai tout préparé", "suicide"),
    ("j'écris mon dernier message", "suicide"),
    ("j'ai donné mes jeux à mon frère, je suis prête", "suicide"),
    ("samedi jpars pour de bon", "suicide"),
    ("g rechuté cette nuit avec la lame du taille crayon", "self_harm"),
    ("c'est trop profond et ça saigne", "self_harm"),
    ("ça saigne beaucoup sur mon poignet", "self_harm"),
    ("je me suis gratté le bras jusqu'au sang", "self_harm"),
    ("je me fais des brûlures avec mon briquet", "self_harm"),
    ("mes parents ont trouvé les lames que je cachais", "self_harm"),
    ("il a des traits sur les poignets faits au compas", "self_harm"),
    ("avant je me coupais et j'y repense", "self_harm"),
    ("i keep punching walls till my hands bleed", "self_harm"),
    ("j'ai trop envie de reprendre la lame", "self_harm"),
    ("mon beau père me force à des actes sexuels, il rentre ce soir", "violence_home"),
    ("c'est mon oncle, il me touche, aidez moi", "violence_home"),
    ("j'entends mon père taper ma mère en ce moment", "violence_home"),
    ("mon père vient de pousser maman contre le mur", "violence_home"),
    ("my uncle who lives with us touches me and he's home tonight", "violence_home"),
    ("quelqu'un a mis un truc dans mon verre à la soirée", "sexual_assault"),
    ("un mec met ses mains partout sur moi", "sexual_assault"),
    ("le type en face ouvre sa braguette", "sexual_assault"),
    ("le monsieur me caresse la jambe depuis 4 arrêts", "sexual_assault"),
    ("ils bloquent la porte des toilettes et je peux pas sortir", "threat_now"),
    ("je suis coincée dans l'ascenseur avec un mec bizarre", "threat_now"),
    ("des grands me courent après", "threat_now"),
    ("il me tient le bras et me lâche pas", "threat_now"),
    ("ils m'ont encerclé et veulent mon tel", "threat_now"),
    ("quelqu'un est rentré chez nous par la porte du jardin", "threat_now"),
    ("ils sont partis avec des barres de fer pour le défoncer", "threat_now"),
    ("mon fils m'appelle du stade, des types le frappent", "threat_now"),
    ("il veut pas que je parte de chez lui", "threat_now"),
    ("the discord guy wants to meet me today", "predator_meeting"),
    # someone else's "last post" with a death word (2026-12-02)
    ("ma cousine a publié sa dernière vidéo, elle dit qu'elle part retrouver sa mamie", "farewell"),
    # Attacks and abuse now in words the first patterns missed (2026-12-01)
    ("je suis planquée sous mon lit, mon beau-père cogne ma mère", "violence_home"),
    ("il rentre du boulot dans 20 minutes et il va nous frapper", "violence_home"),
    ("quand mon père rentrera je vais prendre une rouste, il a dit", "violence_home"),
    ("ma mère m'a mise à la porte en pleine nuit et je sais pas où aller", "violence_home"),
    ("mon tonton est dans ma chambre là et il veut pas partir", "violence_home"),
    ("ce soir mon cousin va encore venir dans ma chambre, ma mère travaille", "violence_home"),
    ("mon père a enfermé ma petite sœur dans la cave et il crie", "violence_home"),
    ("hier soir un garçon de ma classe m'a forcée chez lui, j'ai mal au ventre", "sexual_assault"),
    ("un type essaie d'enlever mon short dans le parc", "sexual_assault"),
    ("je crois qu'on m'a droguée ce soir, je me suis réveillée dans une voiture", "sexual_assault"),
    ("ma copine est saoule et un garçon l'a emmenée dans sa voiture", "sexual_assault"),
    ("au secours ils me frappent derrière le gymnase", "threat_now"),
    ("venez vite s'il vous plaît des mecs tabassent mon cousin au stade", "threat_now"),
    ("ils sont six autour de moi et ils rigolent", "threat_now"),
    ("ils sont en train de frapper un petit de 6e devant la grille", "threat_now"),
    ("deux types me poursuivent depuis la gare", "threat_now"),
    ("un mec marche derrière moi depuis dix minutes", "threat_now"),
    ("ils me plaquent contre un casier et ils veulent mon argent", "threat_now"),
    ("le gars qui me harcèle est dans ma rue, il m'a envoyé une photo de ma porte", "threat_now"),
    ("aidez moi il monte l'escalier de chez moi", "threat_now"),
    ("someone is pounding on my door and yelling", "threat_now"),
    ("une camionnette s'arrête et le monsieur me fait signe de monter", "threat_now"),
    ("il me menace avec un cutter au fond du bus", "threat_now"),
    ("mon ex est devant chez moi et il veut me frapper", "threat_now"),
    ("j'ose pas sortir, ils m'attendent en bas de mon immeuble", "threat_now"),
    ("il m'a attrapé le poignet et il veut pas me lâcher", "threat_now"),
    ("ils m'ont emmenée de force derrière le city", "threat_now"),
    ("je me suis cachée dans la réserve du magasin, il rôde encore dehors", "threat_now"),
]

MUST_NOT_FIRE: list[str] = [
    "j'ai plus envie d'être dans ce lycée",
    "pas envie d'être là demain en cours",
    "c'est ma dernière nuit en colo",
    "c'est mon dernier jour au collège",
    "tu me verras plus au club de foot",
    "je saigne du nez et ça s'arrête pas",
    "il y a eu une bagarre au couteau hier devant le lycée",
    "j'ai acheté une corde à sauter pour le sport",
    "ma corde de guitare a cassé",
    "il m'a touché l'épaule pour me dire bonjour",
    "ma pote se fait insulter sur snap depuis des semaines",
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
    # words about violence that are not an assault now (issue 10)
    "j'ai violé le règlement",
    "il a violé la loi",
    "on a parlé du viol en cours d'EMC",
    "en EMC on a étudié le viol comme crime",
    "j'ai lu un article sur un viol ce matin",
    "on a eu un cours sur les violences sexuelles",
    "ma mère va me tuer si elle voit ma note",
    "mon père va me tuer quand il va voir mon bulletin",
    # past events: they route to their line without the emergency block
    "j'ai été violée il y a trois mois",
    "il m'a violée l'été dernier",
    "je me suis fait violer par un mec de ma classe",
    "mon oncle m'a violée quand j'avais 12 ans",
    "quand j'avais 8 ans mon oncle me touchait",
    "l'an dernier mon beau pere me touchait la nuit, il est parti maintenant",
    "il y a deux ans un mec m'a agressée sexuellement à une soirée",
    "c'était il y a 2 ans, mon ex me forçait à coucher avec lui",
    "on m'a agressée dans le bus l'an dernier",
    "il m'a touchée hier en cours de sport et tout le monde a rigolé",
    "mon père me battait quand j'étais petit",
    "mon père m'a frappé l'an dernier",
    # distress without explicit suicide (its own, non-emergency route)
    "je vais trop mal",
    "je vais mal",
    "plus envie de rien",
    "j'ai plus envie de rien",
    "je pleure tous les soirs",
    "je me sens vide",
    "jsuis au bout du rouleau",
    "je vais pas bien en ce moment",
    "il y a des jours où j'ai plus envie de rien",
    "j'ai envie de disparaître quelques jours",
    # habitual, at school, online, or emotional "toucher"
    "mes parents m'humilient tout le temps",
    "quand il boit il crie et il casse tout",
    "ils me coincent dans les toilettes pour m'humilier",
    "je me fais agresser verbalement tous les jours au lycée",
    "un gars me touche à chaque fois qu'on est dans le bus scolaire",
    "un mec me tripote dans le bus tous les matins",
    "cette chanson me touche tellement en ce moment",
    "ton message vient de me toucher",
    "ça me touche beaucoup ce que tu dis",
    "le prof m'a touché l'épaule pour me réveiller",
    "mon petit frère vient dans mon lit quand il fait des cauchemars",
    "je suis en train de toucher le fond",
    "je suis en train de taper mon exposé",
    "mon frère est en train de me défoncer à fifa",
    "mon pote vient de me taper dans le dos pour rigoler",
    "quelqu'un vient de me voler mon compte insta",
    "il vient de me menacer sur snap",
    "ma fille a été filmée en train de se faire frapper, la vidéo tourne",
    "il est derrière moi en classe",
    "au rdv avec un mec rencontré sur snap samedi dernier il m'a forcée",
    "il est en train de me suivre sur insta",
    "le prof vient de m'agresser verbalement devant toute la classe",
    "il vient de me toucher la main",
    "un mec me tape sur l'épaule",
    "ma mère m'a forcée à aller à la soirée ce soir",
    "mon père me caresse la tête",
    "je me fais vomir après chaque repas",
    "je harcèle quelqu'un et je veux arrêter",
    # the second probe's ordinary look-alikes (our own lines)
    "ma mère va me tuer si elle voit que j'ai perdu mon téléphone",
    "my mom is going to kill me if she finds out lol",
    "i'm literally gonna die lol my account got hacked",
    "my parents used to hit me when I was small",
    "mon père me frappe avec la ceinture quand il rentre",
    "combien de doliprane faut pour un mal de tête",
    "j'ai mes cachets pour l'asthme sur mon bureau",
    "tu as lu mon dernier message ?",
    "ma dernière vidéo a fait 2000 vues",
    "prends soin de toi",
    "on le reverra au club lundi",
    "elle a dit que c'était pas sa faute si le groupe a été supprimé",
    "j'ai donné mes vieux habits à une association",
    "la coupe du monde recommence",
    "j'ai repris le couteau pour couper le pain",
    "je me fais des bleus au foot",
    "ils me coincent dans les toilettes pour m'humilier",
    "on a fait un exercice avec un compas en maths",
    "mon nez saigne beaucoup",
    "je me suis cassé le bras, c'est profond comme blessure mais ça va",
    "on s'est fait cambrioler l'an dernier",
    "il me court après sur fortnite",
    # Look-alikes of the patterns above (2026-12-01)
    "un mec de ma classe m'a plaquée contre le mur l'an dernier, j'y pense encore",
    "elle me bloque sur insta et dans le groupe de la classe",
    "depuis cette histoire je n'ose plus sortir le soir",
    "mon grand frère est dans ma chambre là, il joue à la console",
    "il y a deux ans on m'a droguée à une fête, j'en fais encore des cauchemars",
    "ils étaient autour de moi à la cantine pour chanter mon anniversaire",
    "ma prof marche derrière moi pendant le contrôle",
    "au secours j'ai un contrôle de maths demain",
    "mes parents m'ont mise à la porte de la cuisine pour que je révise",
    "ils se font tabasser à fortnite en ce moment",
    # look-alikes of the patterns of 2026-12-02
    "des mecs me tapent dans le bus tous les jours",
    "des jeunes me tapent à la sortie du collège depuis la rentrée",
    "des gars me tabassent à fortnite derrière la maison",
    "ils sont cinq sur moi au classement",
    "ils étaient trois sur moi l'an dernier",
    "il vient de taper le ballon, il est encore là",
    "le prof vient de frapper à la porte, il est encore là",
    "je suis bloquée sur insta, ils me tapent des messages",
    "mon père a bu hier et il m'a tapé",
    "il vient dans ma chambre quand tout le monde dort",  # habitual: the 119, not the block
    "pendant mes crises d'angoisse j'ai l'impression que je vais m'évanouir",
    "un mec de ma classe me suit sur insta depuis hier",
    "ils me suivent dans toutes les parties de fortnite",
    "mon frère rentre dans une heure, il a dit qu'il allait me défoncer à fifa",
]


@pytest.mark.parametrize(("text", "category"), MUST_FIRE)
def test_danger_fires(net: SafetyNet, text: str, category: str) -> None:
    match = net.check(text)
    assert match is not None, f"missed: {text!r} -> {net.strip_idioms(net.normalize(text))!r}"
    assert match.category == category


@pytest.mark.parametrize("text", MUST_NOT_FIRE)
def test_idiom_or_ordinary_does_not_fire(net: SafetyNet, text: str) -> None:
    assert net.check(text) is None


@pytest.mark.parametrize(
    ("dated_now", "dated_past", "category"),
    [
        ("il m'a violée ce soir", "il m'a violée il y a trois mois", "sexual_assault"),
        (
            "g été agressée sexuellement ya 1h",
            "g été agressée sexuellement l'an dernier",
            "sexual_assault",
        ),
        (
            "mon oncle m'a touchée ce soir",
            "mon oncle m'a touchée quand j'avais 9 ans",
            "violence_home",
        ),
        (
            "mon beau-père me touche là maintenant",
            "l'été dernier mon beau-père me touchait",
            "violence_home",
        ),
        (
            "mon père me frappe là, aidez moi",
            "mon père me frappait il y a deux ans",
            "violence_home",
        ),
    ],
)
def test_the_same_act_fires_now_and_not_in_the_past(
    net: SafetyNet, dated_now: str, dated_past: str, category: str
) -> None:
    match = net.check(dated_now)
    assert match is not None and match.category == category
    assert net.check(dated_past) is None


def test_tables_are_big_enough() -> None:
    assert len(MUST_FIRE) >= 250
    assert len(MUST_NOT_FIRE) >= 120
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


# Violence or sexual abuse at home told in the present without a sign that it is happening now
# (habitual): not an emergency block. The harm lexicon routes it to the 119, whose first reply
# also names the 17, the 112 and the 114 (tests/test_harms.py checks the routing).
HABITUAL_AT_HOME: list[str] = [
    "my stepdad touches me",
    "my dad hits me",
    "mon père me frappe",
    "ma mère nous frappe",
    "mon beau-père me frappe",
    "mon beau pere me tape",
    "mes parents me battent",
    "je me fais frapper par mon père",
    "mon copain me frappe",
    "ma mère se fait taper par son mec",
    "mon beau pere il me touche la nuit",
    "mon beau-père me touche quand ma mère est pas là",
    "mon daron me touche qd ma mere dort",
    "mon frère me touche la nuit",
    "son beau-père la touche",
    "mon père me viole",
    "je me fais violer par mon beau pere",
    "mon beau-père abuse de moi",
    "mon oncle me fait des trucs que je veux pas",
    "mon oncle il me fait des trucs bizarres quand on est seuls",
    "mon cousin me force à le toucher",
    "mon beau pere m'oblige a regarder des films porno",
    "le copain de ma mère se met dans mon lit la nuit",
    "mon beaupere vient ds mon lit la nuit",
    "mon beau père vient dans ma chambre la nuit et me touche",
]


@pytest.mark.parametrize("text", HABITUAL_AT_HOME)
def test_habitual_violence_at_home_is_not_an_emergency_block(net: SafetyNet, text: str) -> None:
    assert net.check(text) is None, (text, net.check(text))


@pytest.mark.parametrize(
    "text",
    [
        "mon père me frappe là maintenant",
        "mon beau-père est dans ma chambre et me touche, aidez moi",
        "ma mère me frappe en ce moment",
        "mon oncle me fait des trucs que je veux pas ce soir",
    ],
)
def test_the_same_at_home_fires_when_it_is_happening_now(net: SafetyNet, text: str) -> None:
    match = net.check(text)
    assert match is not None and match.category in ("violence_home", "sexual_assault"), text


# Concepts and combinations: two different signs of a risk to life in one message fire even when
# no pattern foresaw the wording; one sign alone, or signs in an ordinary story, do not.
ONLY_A_COMBINATION_CATCHES: list[tuple[str, str]] = [
    (
        "je regarde souvent la hauteur du pont à côté du lycée, ce serait plus simple pour "
        "tout le monde",
        "suicide",
    ),
    (
        "mon fils a laissé une lettre sur son lit, il dit qu'il est désolé pour tout, son "
        "téléphone est éteint",
        "farewell",
    ),
    ("j'ai écrit mon testament hier, et je connais les horaires des trains", "suicide"),
]

A_REPORTED_THREAT_WITH_A_NEAR_TIME: list[str] = [
    "mon beau-père m'a dit qu'il allait me défoncer quand il rentrerait",
    "ma mère a dit qu'elle allait me frapper ce soir, elle a déjà cassé mon tel",
    "il m'a écrit qu'il va me tabasser en rentrant, il est bourré",
]


@pytest.mark.parametrize("text", A_REPORTED_THREAT_WITH_A_NEAR_TIME)
def test_a_reported_threat_at_home_fires_when_it_is_for_tonight(net: SafetyNet, text: str) -> None:
    match = net.check(text)
    assert match is not None and match.category == "violence_home", match


ONE_SIGN_OR_ORDINARY: list[str] = [
    "ma mère va me tuer ce soir quand elle verra mon bulletin",
    "mon père m'a dit qu'il allait me tuer si je rentre après minuit samedi",
    "c'est la dernière fois que je prends le train avec eux, ils m'ont insultée tout le trajet",
    "ils ont jeté mon sac par la fenêtre, c'est la dernière fois que je me laisse faire",
    "j'ai décidé de prendre le métro plutôt que le bus pour les éviter",
    "ma copine m'a dit que son chat est mort ce matin, elle est trop triste",
    "elle a posté une story de l'enterrement de son grand père",
    "j'en peux plus de ce collège, je veux changer d'école pour de bon",
    "on a regardé comment signaler un compte, j'ai tout prévu pour demain avec le CPE",
    "mon fils ne répond plus à mes messages depuis qu'on s'est disputés, il est chez son père",
    "ma fille a écrit une lettre pour la directrice, elle est désolée pour tout ce qui s'est passé",
    "j'ai décidé de tout dire à ma mère ce soir",
    "c'est mon dernier jour au collège demain, je change d'école, trop contente",
    "il m'a écrit 'jte retrouve demain t'es mort', jsais pas si c'est sérieux",
    "je suis le harceleur et je veux que ça s'arrête",
]


@pytest.mark.parametrize(("text", "category"), ONLY_A_COMBINATION_CATCHES)
def test_two_different_signs_fire_where_no_pattern_does(
    net: SafetyNet, text: str, category: str
) -> None:
    assert dataclasses.replace(net, combinations=()).check(text) is None, "a pattern catches it"
    match = net.check(text)
    assert match is not None and match.category == category
    assert match.pattern_id.startswith("c_")


@pytest.mark.parametrize("text", ONE_SIGN_OR_ORDINARY)
def test_one_sign_or_an_ordinary_story_does_not_fire(net: SafetyNet, text: str) -> None:
    assert net.check(text) is None, sorted(net.concepts_in(text))


@pytest.mark.parametrize(
    ("combination", "message"),
    [
        ({"id": "c_x", "category": "suicide", "any": ["nope"], "at_least": 1}, "unknown concepts"),
        ({"id": "c_x", "category": "suicide", "any": ["death"], "at_least": 2}, "at_least"),
        ({"id": "c_x", "category": "suicide", "any": ["death"], "at_least": 1}, "two concepts"),
        ({"id": "c_x", "category": "nope", "all": ["death", "final"]}, "unknown category"),
        ({"id": "s_want_die", "category": "suicide", "all": ["death", "final"]}, "duplicate id"),
    ],
)
def test_from_mapping_rejects_a_broken_combination(
    lexicon_data: Mapping[str, Any], combination: dict[str, Any], message: str
) -> None:
    data = copy.deepcopy(dict(lexicon_data))
    data["combinations"] = [*data["combinations"], combination]
    with pytest.raises(LexiconError, match=message):
        SafetyNet.from_mapping(data)
