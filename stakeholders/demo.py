"""Demo data for the stakeholder mapping: invented organisations, people and programmes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils.text import slugify

from alliances.models import Alliance, Membership, User

from . import services
from .models import Authority, Category, ConsentBasis, EngagementStatus, Level, Sector

# (name, category, sector, municipality, impact, interest, status, contribution, what matters)
ORGANISATIONS = [
    (
        "Växjö Municipality, Integration Unit",
        Category.PUBLIC_AUTHORITY,
        Sector.PUBLIC,
        "Växjö",
        Level.HIGH,
        Level.HIGH,
        EngagementStatus.MEMBER,
        "Premises, civic orientation courses, the link to the municipal board.",
        "Newcomers reaching employment and housing faster.",
    ),
    (
        "Kronoberg Adult Education Centre",
        Category.EDUCATION,
        Sector.PUBLIC,
        "Växjö",
        Level.MEDIUM,
        Level.HIGH,
        EngagementStatus.MEMBER,
        "Swedish for immigrants; trains the mediators.",
        "Course completion rates.",
    ),
    (
        "New Neighbours Association",
        Category.MIGRANT_ORGANISATION,
        Sector.NON_PROFIT,
        "Växjö",
        Level.MEDIUM,
        Level.HIGH,
        EngagementStatus.MEMBER,
        "Volunteers who speak Arabic, Dari and Tigrinya.",
        "Being heard, not only consulted.",
    ),
    (
        "Region Kronoberg, Public Health",
        Category.PUBLIC_AUTHORITY,
        Sector.PUBLIC,
        "Växjö",
        Level.HIGH,
        Level.MEDIUM,
        EngagementStatus.MEMBER,
        "Health communicators and statistics.",
        "Equal access to care.",
    ),
    (
        "Alvesta Municipality, Social Services",
        Category.SOCIAL_WORK,
        Sector.PUBLIC,
        "Alvesta",
        Level.HIGH,
        Level.MEDIUM,
        EngagementStatus.MEMBER,
        "Case workers who meet families early.",
        "Fewer crises, earlier contact.",
    ),
    (
        "Mosaic Study Association",
        Category.CULTURE_SPORTS,
        Sector.NON_PROFIT,
        "Ljungby",
        Level.MEDIUM,
        Level.MEDIUM,
        EngagementStatus.MEMBER,
        "Study circles and meeting places.",
        "Funding for long-term work.",
    ),
    (
        "Somali Parents' Network Kronoberg",
        Category.MIGRANT_ORGANISATION,
        Sector.NON_PROFIT,
        "Växjö",
        Level.MEDIUM,
        Level.HIGH,
        EngagementStatus.MEMBER,
        "Trust in the Somali community; parent meetings.",
        "Children's schooling.",
    ),
    (
        "Ljungby Sports Federation",
        Category.CULTURE_SPORTS,
        Sector.NON_PROFIT,
        "Ljungby",
        Level.LOW,
        Level.MEDIUM,
        EngagementStatus.MEMBER,
        "Free sports sessions for newcomers.",
        "New members for the clubs.",
    ),
    (
        "County Administrative Board",
        Category.PUBLIC_AUTHORITY,
        Sector.PUBLIC,
        "Växjö",
        Level.HIGH,
        Level.LOW,
        EngagementStatus.ENGAGED,
        "Regional funding for integration projects.",
        "Coordination across municipalities.",
    ),
    (
        "Public Employment Service, Växjö",
        Category.INTEGRATION,
        Sector.PUBLIC,
        "Växjö",
        Level.HIGH,
        Level.LOW,
        EngagementStatus.CONTACTED,
        "Introduction programme, work placements.",
        "Getting people into work.",
    ),
    (
        "Älmhult Church Parish",
        Category.FAITH,
        Sector.NON_PROFIT,
        "Älmhult",
        Level.LOW,
        Level.MEDIUM,
        EngagementStatus.INVITED,
        "Language café twice a week.",
        "Fellowship and practical help.",
    ),
    (
        "Tingsryd Volunteer Centre",
        Category.VOLUNTEER_CENTRE,
        Sector.NON_PROFIT,
        "Tingsryd",
        Level.LOW,
        Level.HIGH,
        EngagementStatus.IDENTIFIED,
        "Volunteer mentors.",
        "Recruiting younger volunteers.",
    ),
    (
        "Smaland Builders Ltd",
        Category.BUSINESS,
        Sector.BUSINESS,
        "Ljungby",
        Level.MEDIUM,
        Level.LOW,
        EngagementStatus.DECLINED,
        "Apprenticeships.",
        "Skilled staff.",
    ),
]

# (organisation index, name, title, language, authority)
CONTACTS = [
    (0, "Helena Strand", "Head of the Integration Unit", "sv", Authority.YES),
    (0, "Ahmed Karimi", "Community mediator", "en", Authority.NO),
    (2, "Yonas Tesfay", "Chair", "en", Authority.YES),
    (8, "Lars Persson", "Regional development officer", "sv", Authority.NO),
    (9, "Nadia Rahimi", "Introduction programme coordinator", "sv", Authority.UNKNOWN),
    (10, "Britt Larsson", "Deacon", "sv", Authority.YES),
    (11, "Elias Gran", "Volunteer coordinator", "sv", Authority.YES),
]

PROGRAMMES = [
    {
        "name": "Language café",
        "goals": "Practise everyday Swedish in an informal setting.",
        "initiator": "Älmhult Church Parish",
        "activity_type": "Weekly drop-in conversation groups",
        "cost": "Free",
        "availability_limits": "Only in Älmhult, weekday afternoons.",
        "obstacles": "People in work or training cannot come.",
        "organisations": [10],
    },
    {
        "name": "Health communicators",
        "goals": "Explain Swedish health care in newcomers' own languages.",
        "initiator": "Region Kronoberg",
        "activity_type": "Information sessions in Arabic, Dari, Somali and Tigrinya",
        "cost": "Free for participants",
        "availability_limits": "Depends on yearly project funding.",
        "obstacles": "Few sessions outside Växjö.",
        "organisations": [3, 2],
    },
    {
        "name": "Introduction programme",
        "goals": "Language, civic orientation and work for new arrivals.",
        "initiator": "Public Employment Service",
        "activity_type": "Full-time programme, two years",
        "cost": "Free, with an introduction benefit",
        "availability_limits": "Only for those granted a residence permit in the last three years.",
        "obstacles": "Long waits for Swedish courses; child care.",
        "organisations": [9, 1],
    },
]

GAPS = [
    (
        "Parents do not know how Swedish schools work",
        Level.HIGH,
        "Parent meetings report low turnout; schools report misunderstandings.",
        [1],
    ),
    ("No mediators outside Växjö", Level.HIGH, "All twelve trained mediators live in Växjö.", [1]),
    (
        "Evening activities for people in work",
        Level.MEDIUM,
        "Language cafés run only in the daytime.",
        [0],
    ),
]


@dataclass(frozen=True)
class MappingContent:
    """What one demo alliance's mapping holds, in the alliance's own language."""

    organisations: list  # rows shaped like ORGANISATIONS
    contacts: list  # rows shaped like CONTACTS
    programmes: list  # dicts shaped like PROGRAMMES
    gaps: list  # rows shaped like GAPS
    engagement_strategy: str
    authority_holder: str  # who decides for a contact who cannot commit
    phone: str
    consent_date: date


KRONOBERG_MAPPING = MappingContent(
    organisations=ORGANISATIONS,
    contacts=CONTACTS,
    programmes=PROGRAMMES,
    gaps=GAPS,
    engagement_strategy="Personal meeting with the chair, then an invitation.",
    authority_holder="The head of the unit",
    phone="+46 470 00 00 00",
    consent_date=date(2026, 9, 15),
)


def _demo_address(name: str, domain: str) -> str:
    # Accents and spaces have no place in the local part: "Hélène Roux" is helene.roux@….
    return f"{slugify(name).replace('-', '.')}@{domain}"


def seed_stakeholders(
    *,
    alliance: Alliance,
    actor: User,
    demo_domain: str,
    content: MappingContent = KRONOBERG_MAPPING,
) -> None:
    """Fills the alliance's mapping and links its members to their organisations."""
    stakeholders = []
    for (
        name,
        category,
        sector,
        municipality,
        impact,
        interest,
        status,
        contributes,
        matters,
    ) in content.organisations:
        stakeholder, _joined = services.stakeholder_create(
            alliance=alliance,
            actor=actor,
            organisation={
                "name": name,
                "category": category,
                "sector": sector,
                "municipality": municipality,
                "website": f"https://{slugify(name.split(',')[0])}.example",
            },
            assessment={
                "impact": impact,
                "interest": interest,
                "status": status,
                "contribution": contributes,
                "what_matters": matters,
                "engagement_strategy": content.engagement_strategy,
            },
        )
        stakeholders.append(stakeholder)
    for index, name, title, language, authority in content.contacts:
        services.contact_create(
            organisation=stakeholders[index].organisation,
            alliance=alliance,
            actor=actor,
            name=name,
            title=title,
            email=_demo_address(name, demo_domain),
            phone=content.phone,
            preferred_language=language,
            authority_to_commit=authority,
            authority_holder="" if authority != Authority.NO else content.authority_holder,
            consent_basis=ConsentBasis.CONSENT,
            consent_date=content.consent_date,
        )
    by_name = {s.organisation.name: s.organisation for s in stakeholders}
    for membership in Membership.objects.active().filter(alliance=alliance):
        organisation = by_name.get(membership.organisation_name)
        if organisation is not None:
            services.membership_link(membership=membership, actor=actor, organisation=organisation)
    programmes = []
    for fields in content.programmes:
        organisations = [stakeholders[i].organisation for i in fields["organisations"]]
        programme_fields = {k: v for k, v in fields.items() if k != "organisations"}
        programmes.append(
            services.programme_save(
                alliance=alliance, actor=actor, organisations=organisations, **programme_fields
            )
        )
    for problem_area, priority, evidence, programme_indexes in content.gaps:
        services.gap_save(
            alliance=alliance,
            actor=actor,
            programmes=[programmes[i] for i in programme_indexes],
            problem_area=problem_area,
            priority=priority,
            evidence=evidence,
        )
