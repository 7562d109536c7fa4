"""The second demo alliance, in French: a regional alliance in Auvergne-Rhône-Alpes whose members
read French, Arabic and Dutch. Every organisation, person and address is invented.

Its text is the alliance's own content, written in French as its members would write it: it is
data, not interface text, so it is not translated.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from actionplans.demo import PlanContent
from actionplans.models import Action
from agreements.demo import AgreementContent
from alliance_portal.permissions import Role
from meetings.demo import MeetingsContent
from stakeholders.demo import MappingContent
from stakeholders.models import Authority, Category, EngagementStatus, Level, Sector

# The en dash is the one French typography puts between a name and its region.
ALLIANCE_NAME = "Alliance régionale pour l'accueil des nouveaux arrivants – Auvergne-Rhône-Alpes"  # noqa: RUF001

MUNICIPALITY = "Ville de Villeurbanne, Mission intégration"
SCHOOL = "Collège des Tilleuls, Vaulx-en-Velin"
MEDIATORS = "Réseau des médiateurs interculturels Rhône-Alpes"
REFUGEE_ASSOCIATION = "Association Accueil et Solidarité Réfugiés"
DUTCH_PARTNER = "Stichting Welkom Europa, antenne de Lyon"
MIGRANT_ASSOCIATION = "Association Passerelles Saint-Étienne"
PREFECTURE = "Préfecture de l'Isère, service de l'accueil des étrangers"
DEPARTMENT = "Département de la Loire, direction de l'action sociale"

# (login, first name, last name, role, organisation, language); logins are <login>@<demo domain>.
PEOPLE = [
    ("presidente", "Hélène", "Garnier", Role.CHAIR, MUNICIPALITY, "fr"),
    ("secretaire", "Julien", "Moreau", Role.SECRETARY, SCHOOL, "fr"),
    ("coordinatrice", "Samira", "Benali", Role.COORDINATOR, MEDIATORS, "fr"),
    ("membre.ar", "Youssef", "El Amrani", Role.MEMBER, REFUGEE_ASSOCIATION, "ar"),
    ("membre.nl", "Marieke", "Van Dijk", Role.MEMBER, DUTCH_PARTNER, "nl"),
    ("membre", "Amadou", "Diallo", Role.MEMBER, MIGRANT_ASSOCIATION, "fr"),
    ("membre.prefecture", "Nathalie", "Perrin", Role.MEMBER, PREFECTURE, "fr"),
    ("membre.individuel", "Lucas", "Fontaine", Role.MEMBER, "", "fr"),
    ("observatrice", "Émilie", "Roche", Role.OBSERVER, DEPARTMENT, "fr"),
]

ALLIANCE = {
    "name": ALLIANCE_NAME,
    "region": "Métropole de Lyon, Isère, Loire",
    "purpose": (
        "Réunir les collectivités, les services de l'État et les associations pour que les "
        "personnes migrantes et réfugiées nouvellement arrivées accèdent aux dispositifs "
        "existants, grâce à des médiateurs interculturels formés."
    ),
    "vision": (
        "Chaque nouvel arrivant dans la région sait à qui s'adresser, et chaque service sait "
        "comment le joindre."
    ),
    "goals": (
        "1. Cartographier les dispositifs d'accompagnement de la région et publier les manques.\n"
        "2. Former 15 médiateurs interculturels d'ici la fin de la période.\n"
        "3. Adopter et signer un plan d'action régional."
    ),
    "rules_of_operation": (
        "Cinq réunions plénières sur dix-huit mois, accueillies à tour de rôle par les membres. "
        "Les décisions sont prises par consensus ; à défaut, à la majorité simple des membres "
        "présents. Le secrétaire diffuse le compte rendu dans les deux semaines ; il est "
        "approuvé à la réunion suivante."
    ),
    "period_start": date(2026, 10, 1),
    "period_end": date(2028, 3, 31),
    "public_profile": (
        "Une alliance régionale de collectivités, de services de l'État et d'associations qui "
        "œuvre pour un meilleur accueil des personnes migrantes et réfugiées en "
        "Auvergne-Rhône-Alpes."
    ),
    "language": "fr",
    "currency": "EUR",
    "timezone": "Europe/Paris",
}

# (name, category, sector, municipality, impact, interest, status, contribution, what matters)
ORGANISATIONS = [
    (
        MUNICIPALITY,
        Category.PUBLIC_AUTHORITY,
        Sector.PUBLIC,
        "Villeurbanne",
        Level.HIGH,
        Level.HIGH,
        EngagementStatus.MEMBER,
        "Des salles, les ateliers sociolinguistiques, le lien avec le conseil municipal.",
        "Un accès plus rapide des nouveaux arrivants à l'emploi et au logement.",
    ),
    (
        SCHOOL,
        Category.EDUCATION,
        Sector.PUBLIC,
        "Vaulx-en-Velin",
        Level.MEDIUM,
        Level.HIGH,
        EngagementStatus.MEMBER,
        "La classe d'accueil des élèves allophones et les réunions de parents.",
        "La réussite scolaire des élèves nouvellement arrivés.",
    ),
    (
        MEDIATORS,
        Category.SOCIAL_WORK,
        Sector.NON_PROFIT,
        "Lyon",
        Level.MEDIUM,
        Level.HIGH,
        EngagementStatus.MEMBER,
        "Des médiateurs qui parlent arabe, dari, tigrigna et peul ; forme les nouveaux.",
        "La reconnaissance du métier de médiateur.",
    ),
    (
        REFUGEE_ASSOCIATION,
        Category.NGO,
        Sector.NON_PROFIT,
        "Lyon",
        Level.MEDIUM,
        Level.HIGH,
        EngagementStatus.MEMBER,
        "Des bénévoles, un accueil de jour et l'aide aux démarches.",
        "Être écoutée, et pas seulement consultée.",
    ),
    (
        DUTCH_PARTNER,
        Category.NGO,
        Sector.NON_PROFIT,
        "Lyon",
        Level.LOW,
        Level.HIGH,
        EngagementStatus.MEMBER,
        "L'expérience néerlandaise des parcours d'accueil et des binômes de bénévoles.",
        "Des échanges de pratiques entre régions européennes.",
    ),
    (
        MIGRANT_ASSOCIATION,
        Category.MIGRANT_ORGANISATION,
        Sector.NON_PROFIT,
        "Saint-Étienne",
        Level.MEDIUM,
        Level.HIGH,
        EngagementStatus.MEMBER,
        "La confiance des communautés ouest-africaines ; des réunions de familles.",
        "La scolarité des enfants et l'accès aux droits.",
    ),
    (
        PREFECTURE,
        Category.PUBLIC_AUTHORITY,
        Sector.PUBLIC,
        "Grenoble",
        Level.HIGH,
        Level.MEDIUM,
        EngagementStatus.MEMBER,
        "Le financement des actions d'intégration et l'information sur les titres de séjour.",
        "La coordination entre les départements.",
    ),
    (
        DEPARTMENT,
        Category.SOCIAL_WORK,
        Sector.PUBLIC,
        "Saint-Étienne",
        Level.HIGH,
        Level.LOW,
        EngagementStatus.ENGAGED,
        "Les travailleurs sociaux qui rencontrent les familles tôt.",
        "Moins de situations de crise, un contact plus précoce.",
    ),
    (
        "Maison de l'emploi du Grésivaudan",
        Category.INTEGRATION,
        Sector.PUBLIC,
        "Grenoble",
        Level.HIGH,
        Level.LOW,
        EngagementStatus.CONTACTED,
        "L'accompagnement vers l'emploi et les stages en entreprise.",
        "Le retour à l'emploi.",
    ),
    (
        "Rhône Bâtiment Services SAS",
        Category.BUSINESS,
        Sector.BUSINESS,
        "Lyon",
        Level.MEDIUM,
        Level.LOW,
        EngagementStatus.DECLINED,
        "Des contrats d'apprentissage.",
        "Recruter du personnel qualifié.",
    ),
]

# (organisation index, name, title, language, authority)
CONTACTS = [
    (0, "Karim Haddou", "Chargé de mission intégration", "fr", Authority.YES),
    (2, "Aïcha Traoré", "Médiatrice interculturelle", "fr", Authority.NO),
    (4, "Pieter Jansen", "Coordinateur de l'antenne lyonnaise", "nl", Authority.YES),
    (7, "Bernard Vidal", "Chef du service insertion", "fr", Authority.UNKNOWN),
    (8, "Leïla Mansouri", "Conseillère emploi", "ar", Authority.NO),
]

PROGRAMMES = [
    {
        "name": "Ateliers sociolinguistiques",
        "goals": "Pratiquer le français de la vie quotidienne : la santé, l'école, les démarches.",
        "initiator": REFUGEE_ASSOCIATION,
        "activity_type": "Ateliers hebdomadaires en petits groupes",
        "cost": "Gratuit",
        "availability_limits": "Uniquement à Lyon et à Villeurbanne, en journée.",
        "obstacles": "Trois mois d'attente ; peu de places avec garde d'enfants.",
        "organisations": [3, 0],
    },
    {
        "name": "Permanences de médiation en santé",
        "goals": "Accompagner les nouveaux arrivants vers les soins et leurs droits à la santé.",
        "initiator": MEDIATORS,
        "activity_type": "Permanences en arabe, dari, tigrigna et peul",
        "cost": "Gratuit",
        "availability_limits": "Dépend d'un financement renouvelé chaque année.",
        "obstacles": "Aucune permanence dans la Loire.",
        "organisations": [2],
    },
    {
        "name": "Accueil des élèves allophones",
        "goals": "Scolariser les enfants nouvellement arrivés et informer leurs familles.",
        "initiator": SCHOOL,
        "activity_type": "Classe d'accueil et réunions de parents avec interprète",
        "cost": "Gratuit",
        "availability_limits": "Quinze places par an.",
        "obstacles": "Les familles connaissent mal le fonctionnement de l'école en France.",
        "organisations": [1],
    },
]

GAPS = [
    (
        "Les parents ne savent pas comment fonctionne l'école",
        Level.HIGH,
        "Peu de parents aux réunions ; les enseignants signalent des malentendus.",
        [2],
    ),
    (
        "Aucune médiation en santé dans la Loire",
        Level.HIGH,
        "Les permanences n'existent qu'à Lyon et à Grenoble.",
        [1],
    ),
    (
        "Des cours de français le soir pour les personnes qui travaillent",
        Level.MEDIUM,
        "Les ateliers n'ont lieu qu'en journée.",
        [0],
    ),
]

MAPPING = MappingContent(
    organisations=ORGANISATIONS,
    contacts=CONTACTS,
    programmes=PROGRAMMES,
    gaps=GAPS,
    engagement_strategy="Une rencontre avec la présidente, puis une invitation à la plénière.",
    authority_holder="La direction de la structure",
    phone="+33 4 00 00 00 00",
    consent_date=date(2026, 10, 15),
)

MEETINGS = MeetingsContent(
    address="15 rue des Passerelles, 69100 Villeurbanne",
    workshop_title="Atelier de lancement",
    workshop_host=MUNICIPALITY,
    workshop_place="Maison des associations, salle Rosa-Parks",
    workshop_comments={
        "welcome": (
            "<div>La présidente a souhaité la bienvenue à tous ; chaque membre a présenté "
            "sa structure.</div>"
        ),
        "updates": (
            "<div>La cartographie des dispositifs d'accompagnement a commencé : "
            "<strong>10 organisations</strong> figurent dans le registre.</div>"
            "<ul><li>Trois manques ont été identifiés.</li>"
            "<li>Des entretiens avec les acteurs sont prévus.</li></ul>"
        ),
        "other_business": "<div>Aucune autre question.</div>",
    },
    decided_action="Rencontrer cinq acteurs au sujet de leurs dispositifs",
    plenary_title="Deuxième plénière : la cartographie et les manques",
    plenary_host=SCHOOL,
    plenary_place="Collège des Tilleuls, salle polyvalente",
)

PLAN = PlanContent(
    title="Plan d'action régional pour l'accès des nouveaux arrivants à l'accompagnement",
    goals=[
        {
            "title": "Des médiateurs interculturels formés dans les trois départements",
            "target_value": Decimal("15"),
            "unit": "médiateurs",
            "current_value": Decimal("3"),
            "relevance": "Les familles accèdent aux services grâce à des personnes qui parlent "
            "leur langue.",
            "months": 15,
        },
        {
            "title": "Des nouveaux arrivants qui savent à qui s'adresser",
            "target_value": Decimal("60"),
            "unit": "%",
            "current_value": Decimal("30"),
            "relevance": "La vision de l'alliance : chaque nouvel arrivant sait à qui s'adresser.",
            "months": 17,
        },
    ],
    actions=[
        {
            "title": "Former un premier groupe de douze médiateurs interculturels",
            "local_problem": (
                "Les services ne parviennent pas à joindre les familles qui parlent arabe, dari "
                "ou tigrigna."
            ),
            "description": "Huit soirées de formation avec le réseau des médiateurs.",
            "budget_amount": Decimal("24000"),
            "resources": "Fonds régional pour l'intégration ; heures de bénévolat.",
            "organisation": MEDIATORS,
            "start": -60,
            "due": 10,
            "obstacles": "Les bénévoles travaillent en journée.",
            "obstacle_plan": "Des séances le soir et le remboursement des frais de transport.",
            "collaborators": "Les missions intégration des communes de la métropole.",
            "goals": [0],
            "progress": (60, Action.Status.IN_PROGRESS, "Six soirées sur huit ont eu lieu."),
        },
        {
            "title": "Publier un guide multilingue de l'accompagnement local",
            "local_problem": "L'information sur les dispositifs n'existe qu'en français.",
            "description": (
                "Un guide imprimé et en ligne, en six langues, à partir des dispositifs "
                "cartographiés."
            ),
            "budget_amount": Decimal("8500"),
            "resources": "Subvention de la préfecture pour l'intégration.",
            "organisation": MUNICIPALITY,
            "start": -30,
            "due": -5,
            "obstacles": "Les traductions prennent plus de temps que prévu.",
            "obstacle_plan": "Les médiateurs relisent les traductions en binôme.",
            "collaborators": "Les médiathèques, la presse locale.",
            "goals": [1],
            "progress": (40, Action.Status.BLOCKED, "En attente de deux traductions."),
        },
        {
            "title": "Ouvrir une permanence hebdomadaire à la médiathèque",
            "local_problem": (
                "Les nouveaux arrivants ne savent pas quel service s'occupe de quelle démarche."
            ),
            "description": (
                "Des médiateurs et des agents répondent aux questions chaque jeudi après-midi."
            ),
            "budget_amount": None,
            "resources": "Les locaux de la médiathèque ; le temps de travail des agents.",
            "organisation": "",
            "start": 20,
            "due": 200,
            "obstacles": "",
            "obstacle_plan": "",
            "collaborators": "Le service public de l'emploi et les centres sociaux.",
            "goals": [0, 1],
            "progress": None,
        },
    ],
    change_after_approval=" Aussi le samedi matin.",
)

# Published in French; the Arabic translation is the one the Arabic-speaking member signs.
AGREEMENT = AgreementContent(
    language="fr",
    translation_language="ar",
    decline_reason=(
        "Notre hiérarchie doit d'abord valider cet engagement ; nous signerons après son accord."
    ),
    declining_seat=6,  # the prefecture's service
    first_unanswered_seat=7,  # the personal member
    translated_vision="كل وافد جديد إلى المنطقة يعرف إلى من يتوجّه، وكل خدمة تعرف كيف تصل إليه.",
    translated_goals=(
        "1. رسم خريطة لخدمات المرافقة في المنطقة ونشر الثغرات.\n"
        "2. تدريب 15 وسيطًا بين الثقافات قبل نهاية الفترة.\n"
        "3. اعتماد خطة عمل إقليمية وتوقيعها."
    ),
)
