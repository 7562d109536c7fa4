"""Creates the demo alliance: invented organisations and people in a Swedish region."""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand
from django.db import transaction

from actionplans.demo import has_action_plan, seed_action_plan
from agreements.demo import has_agreement, seed_agreement
from alliance_portal.permissions import Role
from alliances import services
from alliances.models import Alliance, Membership, User
from meetings.demo import seed_meetings
from outreach.demo import has_outreach, seed_outreach
from reminders.demo import seed_reminders
from stakeholders.demo import seed_stakeholders
from sustainability.demo import has_evaluation, seed_evaluation

# Printed by `make run` for the demo accounts; never used outside the demo data.
DEMO_PASSWORD = "demo-alliance-2026"  # noqa: S105
DEMO_DOMAIN = "demo.alliance.example"
ALLIANCE_NAME = "Kronoberg Alliance for Community Mediation"

# (first name, last name, role, organisation, language) - all invented.
PEOPLE = [
    ("Anna", "Lindqvist", Role.CHAIR, "Växjö Municipality, Integration Unit", "sv"),
    ("Erik", "Sandberg", Role.SECRETARY, "Kronoberg Adult Education Centre", "sv"),
    ("Fatima", "Haddad", Role.SECRETARY, "New Neighbours Association", "en"),
    ("Johan", "Berg", Role.COORDINATOR, "Region Kronoberg, Public Health", "sv"),
    ("Leila", "Ahmadi", Role.COORDINATOR, "Alvesta Municipality, Social Services", "en"),
    ("Maria", "Nilsson", Role.MEMBER, "Mosaic Study Association", "sv"),
    ("Omar", "Yusuf", Role.MEMBER, "Somali Parents' Network Kronoberg", "en"),
    ("Sara", "Ek", Role.MEMBER, "Ljungby Sports Federation", "sv"),
    ("Daniel", "Holm", Role.MEMBER, "", "sv"),
    ("Karin", "Åberg", Role.OBSERVER, "County Administrative Board", "sv"),
]

ALLIANCE = {
    "name": ALLIANCE_NAME,
    "region": (
        "Kronoberg County: the municipalities of Växjö, Alvesta, Ljungby, Älmhult, Markaryd, "
        "Tingsryd, Uppvidinge and Lessebo."
    ),
    "purpose": (
        "Bring municipalities, public agencies and civil society together so that newly arrived "
        "migrants and refugees reach the support that exists, through trained community mediators."
    ),
    "vision": (
        "Every newcomer in Kronoberg knows where to turn, "
        "and every service knows how to reach them."
    ),
    "goals": (
        "1. Map the support programmes in the region and publish the gaps.\n"
        "2. Train 20 community mediators by the end of the period.\n"
        "3. Agree and sign a regional action plan."
    ),
    "rules_of_operation": (
        "Five plenary meetings over 18 months, hosted in turn by the members. Decisions by "
        "consensus; where none is reached, by simple majority of those present. The secretary "
        "circulates minutes within two weeks; they are approved at the next meeting."
    ),
    "period_start": date(2026, 9, 1),
    "period_end": date(2028, 2, 29),
    "public_profile": (
        "A regional alliance of municipalities, agencies and associations working for better "
        "reception of migrants and refugees in Kronoberg."
    ),
}


def demo_email(first: str, last: str) -> str:
    ascii_name = f"{first}.{last}".lower().translate(str.maketrans("åäöé", "aaoe"))
    return f"{ascii_name}@{DEMO_DOMAIN}"


class Command(BaseCommand):
    help = "Create the demo alliance and accounts (safe to run again), then print the logins."

    def handle(self, *args, **options):
        with transaction.atomic():
            if not Alliance.objects.filter(name=ALLIANCE_NAME).exists():
                self._create()
            alliance = Alliance.objects.get(name=ALLIANCE_NAME)
            # Databases seeded before the stakeholder register existed get their mapping too.
            chair = User.objects.get(email=demo_email(*PEOPLE[0][:2]))
            if not alliance.stakeholders.exists():
                seed_stakeholders(alliance=alliance, actor=chair, demo_domain=DEMO_DOMAIN)
            if not alliance.meetings.exists():
                secretary = User.objects.get(email=demo_email(*PEOPLE[1][:2]))
                seed_meetings(alliance=alliance, secretary=secretary, chair=chair)
            if not has_action_plan(alliance):
                seed_action_plan(
                    alliance=alliance,
                    coordinator=User.objects.get(email=demo_email(*PEOPLE[3][:2])),
                    chair=chair,
                    password=DEMO_PASSWORD,
                )
            if not has_agreement(alliance):
                seed_agreement(
                    alliance=alliance,
                    coordinator=User.objects.get(email=demo_email(*PEOPLE[3][:2])),
                    chair=chair,
                )
            coordinator = User.objects.get(email=demo_email(*PEOPLE[3][:2]))
            if not has_outreach(alliance):
                seed_outreach(alliance=alliance, coordinator=coordinator)
            if not has_evaluation(alliance):
                seed_evaluation(alliance=alliance, coordinator=coordinator)
            seed_reminders(alliance=alliance)
        self._print_logins()

    def _user(self, first: str, last: str, language: str, **extra) -> User:
        email = demo_email(first, last)
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User(
                username=email,
                email=email,
                first_name=first,
                last_name=last,
                preferred_language=language,
                **extra,
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user

    def _create(self) -> None:
        first, last, _role, organisation, language = PEOPLE[0]
        chair = self._user(first, last, language)
        alliance = services.alliance_create(
            actor=chair, creator_role=Role.CHAIR, organisation_name=organisation, **ALLIANCE
        )
        for first, last, role, organisation, language in PEOPLE[1:]:
            user = self._user(first, last, language)
            membership = Membership(
                alliance=alliance, user=user, role=role, organisation_name=organisation
            )
            membership.full_clean()
            membership.save()
        services.alliance_activate(alliance=alliance, actor=chair)
        self._user("Admin", "Portal", "en", is_staff=True, is_superuser=True)

    def _print_logins(self) -> None:
        self.stdout.write(
            self.style.SUCCESS(f"\nDemo accounts (password for all: {DEMO_PASSWORD})")
        )
        for first, last, role, _organisation, _language in PEOPLE:
            self.stdout.write(f"  {role.label:<12} {demo_email(first, last)}")
        self.stdout.write(f"  {'staff admin':<12} {demo_email('Admin', 'Portal')}\n")
