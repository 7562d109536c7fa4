"""Creates the demo alliances, with invented organisations and people: one in a Swedish region,
working in English and Swedish, and one in France whose members read French, Arabic and Dutch."""

from __future__ import annotations

import base64
import hashlib
import time
from dataclasses import dataclass
from datetime import date

from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, hotp_value
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction

from actionplans.demo import KRONOBERG_PLAN, PlanContent, has_action_plan, seed_action_plan
from agreements.demo import KRONOBERG_AGREEMENT, AgreementContent, has_agreement, seed_agreement
from alliance_portal.permissions import Role
from alliances import services
from alliances.models import Alliance, Membership, User
from alliances.signin import STAFF as SIGNIN_STAFF
from alliances.signin import second_factor_required
from demo import french_alliance
from meetings.demo import KRONOBERG_MEETINGS, MeetingsContent, seed_meetings
from outreach.demo import has_outreach, seed_outreach
from reminders.demo import seed_reminders
from stakeholders.demo import KRONOBERG_MAPPING, MappingContent, seed_stakeholders
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


@dataclass(frozen=True)
class Person:
    email: str
    first_name: str
    last_name: str
    role: Role
    organisation: str
    language: str


@dataclass(frozen=True)
class DemoAlliance:
    """One demo alliance: its settings, its people (the first of each role acts for it) and the
    content each app's demo builder fills it with."""

    fields: dict
    people: list[Person]
    mapping: MappingContent
    meetings: MeetingsContent
    plan: PlanContent
    agreement: AgreementContent

    @property
    def name(self) -> str:
        return self.fields["name"]

    def email_of(self, role: Role) -> str:
        return next(person.email for person in self.people if person.role == role)


KRONOBERG = DemoAlliance(
    fields=ALLIANCE,
    people=[
        Person(demo_email(first, last), first, last, role, organisation, language)
        for first, last, role, organisation, language in PEOPLE
    ],
    mapping=KRONOBERG_MAPPING,
    meetings=KRONOBERG_MEETINGS,
    plan=KRONOBERG_PLAN,
    agreement=KRONOBERG_AGREEMENT,
)

FRENCH = DemoAlliance(
    fields=french_alliance.ALLIANCE,
    people=[
        Person(f"{login}@{DEMO_DOMAIN}", first, last, role, organisation, language)
        for login, first, last, role, organisation, language in french_alliance.PEOPLE
    ],
    mapping=french_alliance.MAPPING,
    meetings=french_alliance.MEETINGS,
    plan=french_alliance.PLAN,
    agreement=french_alliance.AGREEMENT,
)

DEMO_ALLIANCES = (KRONOBERG, FRENCH)
STAFF = Person(demo_email("Admin", "Portal"), "Admin", "Portal", Role.MEMBER, "", "en")
FRENCH_ALLIANCE_NAME = FRENCH.name


class Command(BaseCommand):
    help = "Create the demo alliances and accounts (safe to run again), then print the logins."

    def handle(self, *args, **options):
        with transaction.atomic():
            alliance = self._seed(KRONOBERG)
            coordinator = User.objects.get(email=KRONOBERG.email_of(Role.COORDINATOR))
            if not has_outreach(alliance):
                seed_outreach(alliance=alliance, coordinator=coordinator)
            if not has_evaluation(alliance):
                seed_evaluation(alliance=alliance, coordinator=coordinator)
            self._seed(FRENCH)
            self._user(STAFF, is_staff=True, is_superuser=True)
            seed_reminders(alliance=alliance)
            self._second_factors()
        self._print_logins()

    def _seed(self, demo: DemoAlliance) -> Alliance:
        """Creates what is missing of one demo alliance: databases seeded before an app existed
        get that app's part on the next run."""
        if not Alliance.objects.filter(name=demo.name).exists():
            self._create(demo)
        alliance = Alliance.objects.get(name=demo.name)
        chair = User.objects.get(email=demo.email_of(Role.CHAIR))
        secretary = User.objects.get(email=demo.email_of(Role.SECRETARY))
        coordinator = User.objects.get(email=demo.email_of(Role.COORDINATOR))
        if not alliance.stakeholders.exists():
            seed_stakeholders(
                alliance=alliance, actor=chair, demo_domain=DEMO_DOMAIN, content=demo.mapping
            )
        if not alliance.meetings.exists():
            seed_meetings(
                alliance=alliance, secretary=secretary, chair=chair, content=demo.meetings
            )
        if not has_action_plan(alliance):
            seed_action_plan(
                alliance=alliance,
                coordinator=coordinator,
                chair=chair,
                password=DEMO_PASSWORD,
                content=demo.plan,
            )
        if not has_agreement(alliance):
            seed_agreement(
                alliance=alliance, coordinator=coordinator, chair=chair, content=demo.agreement
            )
        return alliance

    def _password_hash(self) -> str:
        # Hashing is slow on purpose; the demo accounts share one password, so hash it once.
        if not hasattr(self, "_hash"):
            self._hash = make_password(DEMO_PASSWORD)
        return self._hash

    def _user(self, person: Person, **extra) -> User:
        user = User.objects.filter(email=person.email).first()
        if user is None:
            user = User(
                username=person.email,
                email=person.email,
                first_name=person.first_name,
                last_name=person.last_name,
                preferred_language=person.language,
                **extra,
            )
            user.password = self._password_hash()
            user.save()
        return user

    def _create(self, demo: DemoAlliance) -> None:
        founder, *others = demo.people
        chair = self._user(founder)
        alliance = services.alliance_create(
            actor=chair,
            creator_role=founder.role,
            organisation_name=founder.organisation,
            **demo.fields,
        )
        for person in others:
            membership = Membership(
                alliance=alliance,
                user=self._user(person),
                role=person.role,
                organisation_name=person.organisation,
            )
            membership.full_clean()
            membership.save()
        services.alliance_activate(alliance=alliance, actor=chair)

    def _needs_second_factor(self, person: Person) -> bool:
        return second_factor_required(SIGNIN_STAFF if person is STAFF else person.role)

    def _second_factors(self) -> None:
        """The roles that must use a second factor get an authenticator secret, printed below
        with its current code, so a newcomer can log in as each of them at once."""
        for person in [*(p for demo in DEMO_ALLIANCES for p in demo.people), STAFF]:
            if not self._needs_second_factor(person):
                continue
            user = User.objects.get(email=person.email)
            if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                TOTP.activate(user, demo_totp_secret(person.email))
                RecoveryCodes.activate(user)

    def _print_logins(self) -> None:
        self.stdout.write(
            self.style.SUCCESS(f"\nDemo accounts (password for all: {DEMO_PASSWORD})")
        )
        for demo in DEMO_ALLIANCES:
            self.stdout.write(f"\n  {demo.name}")
            for person in demo.people:
                self.stdout.write(
                    f"  {person.role.label:<12} {person.email:<44} {person.language}"
                    + self._second_factor_line(person)
                )
        self.stdout.write(
            f"\n  {'staff admin':<12} {STAFF.email}" + self._second_factor_line(STAFF) + "\n"
        )
        if settings.MFA_REQUIRED_ROLES:
            self.stdout.write(
                "  Accounts with a secret ask for a code after the password: add the secret to an\n"
                "  authenticator app, or use the code printed here (valid for about 30 seconds;\n"
                "  `manage.py seed_demo` prints fresh ones).\n"
            )

    def _second_factor_line(self, person: Person) -> str:
        if not self._needs_second_factor(person):
            return ""
        secret = demo_totp_secret(person.email)
        return f"  authenticator secret {secret}  code now {current_totp_code(secret)}"


def demo_totp_secret(email: str) -> str:
    """A demo account's authenticator secret: the same on every run, so a printed one stays
    good. Demo accounts only; real secrets are random (allauth's setup page)."""
    return base64.b32encode(hashlib.sha256(f"demo-totp:{email}".encode()).digest()[:20]).decode()


def current_totp_code(secret: str) -> str:
    counter = int(time.time()) // app_settings.TOTP_PERIOD
    return format_hotp_value(hotp_value(secret, counter))
