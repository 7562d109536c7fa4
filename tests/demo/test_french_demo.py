"""The French demo alliance: its settings, its people and their languages, and its content."""

from __future__ import annotations

import re
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from actionplans.models import ActionPlan
from agreements.models import AgreementVersion, Signature
from alliance_portal.permissions import Role
from alliances.models import Alliance, Membership, User
from demo.management.commands.seed_demo import (
    ALLIANCE_NAME,
    DEMO_PASSWORD,
    FRENCH,
    FRENCH_ALLIANCE_NAME,
)
from meetings.models import Meeting, Minutes
from tests.conftest import client_for
from tests.demo_support import demo_alliance, seed_demo_data

pytestmark = pytest.mark.django_db

LOGINS = [person.email for person in FRENCH.people]


@pytest.fixture
def printed() -> str:
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())  # safe to run again
    return out.getvalue()


def _french() -> Alliance:
    return Alliance.objects.get(name=FRENCH_ALLIANCE_NAME)


def _person(login: str) -> User:
    return User.objects.get(email=login)


def test_the_french_alliance_works_in_french_in_euros_on_paris_time(printed):
    alliance = _french()

    assert (alliance.language, alliance.currency, alliance.timezone) == (
        "fr",
        "EUR",
        "Europe/Paris",
    )
    assert alliance.region == "Métropole de Lyon, Isère, Loire"
    assert alliance.status == Alliance.Status.ACTIVE
    assert alliance.leadership_problems(alliance.active_roles()) == []
    memberships = Membership.objects.active().filter(alliance=alliance).select_related("user")
    assert {m.role for m in memberships} == set(Role.values)
    assert {m.user.preferred_language for m in memberships} == {"fr", "ar", "nl"}
    assert Alliance.objects.count() == 2


def test_the_swedish_alliance_is_still_the_one_the_crawls_walk():
    people = seed_demo_data()

    assert demo_alliance().name == ALLIANCE_NAME
    assert all(
        Membership.objects.filter(user=user, alliance=demo_alliance()).exists()
        for role, user in people.items()
        if role != "staff"
    )


def test_the_french_logins_are_printed_with_their_language(printed):
    assert FRENCH_ALLIANCE_NAME in printed
    for person in FRENCH.people:
        line = next(line for line in printed.splitlines() if person.email in line)
        assert line.rstrip().endswith(person.language)
    assert "presidente@demo.alliance.example" in printed
    assert "membre.ar@demo.alliance.example" in printed


@pytest.mark.parametrize("login", LOGINS)
def test_each_french_login_logs_in_with_the_demo_password(printed, login):
    client = Client()
    response = client.post(reverse("login"), {"username": login, "password": DEMO_PASSWORD})

    assert response.status_code == 302
    assert client.get(reverse("dashboard:alliance", args=[_french().pk])).status_code == 200


def test_the_french_alliance_held_a_workshop_with_approved_minutes(printed):
    workshop, plenary = Meeting.objects.filter(alliance=_french()).order_by("number")

    assert workshop.title == "Atelier de lancement"
    assert workshop.status == Meeting.Status.HELD
    assert workshop.minutes.status == Minutes.Status.APPROVED
    assert plenary.status == Meeting.Status.PLANNED
    assert plenary.address == "15 rue des Passerelles, 69100 Villeurbanne"


def test_the_french_plan_has_its_budgets_in_euros(printed):
    plan = ActionPlan.objects.get(alliance=_french())
    version = plan.versions.get()

    assert version.is_approved
    budgets = {a.budget_amount: a.budget_currency for a in plan.actions.exclude(budget_amount=None)}
    assert budgets == {Decimal("24000"): "EUR", Decimal("8500"): "EUR"}


def test_the_french_agreement_is_signed_in_arabic_by_the_arabic_speaking_member(printed):
    version = AgreementVersion.objects.get(agreement__alliance=_french())

    assert version.agreement.language == "fr"
    with translation.override("fr"):
        title = gettext("Commitment agreement of %(alliance)s") % {"alliance": FRENCH_ALLIANCE_NAME}
    assert version.agreement.title == title
    arabic = version.translations.get()
    assert arabic.language == "ar"
    assert "كل وافد جديد" in arabic.body  # the alliance's vision, in Arabic too
    signature = version.signatures.get(membership__user__email="membre.ar@demo.alliance.example")
    assert (signature.status, signature.language) == (Signature.Status.SIGNED, "ar")
    statuses = list(version.signatures.values_list("status", flat=True))
    assert statuses.count(Signature.Status.SIGNED) == 6
    assert statuses.count(Signature.Status.DECLINED) == 1
    assert statuses.count(Signature.Status.PENDING) == 1


def _html_tag(page: str) -> str:
    match = re.search(r"<html[^>]*>", page)
    assert match
    return match.group(0)


def _in(language: str, message: str) -> str:
    with translation.override(language):
        return escape(gettext(message))


def test_the_arabic_member_reads_their_alliance_right_to_left_in_arabic(printed):
    member = _person("membre.ar@demo.alliance.example")
    client = client_for(member)
    alliance = _french()

    for url in (
        reverse("dashboard:alliance", args=[alliance.pk]),
        reverse("meetings:list", args=[alliance.pk]),
    ):
        page = client.get(url).content.decode()
        assert '<html lang="ar" dir="rtl"' in _html_tag(page), url
        assert alliance.name in page or escape(alliance.name) in page
    assert _in("ar", "Log out") in page


def test_the_dutch_member_reads_their_alliance_in_dutch(printed):
    member = _person("membre.nl@demo.alliance.example")
    client = client_for(member)
    alliance = _french()

    page = client.get(reverse("dashboard:alliance", args=[alliance.pk])).content.decode()

    assert '<html lang="nl" dir="ltr"' in _html_tag(page)
    assert _in("nl", "Log out") in page
    assert _in("nl", "Log out") != _in("en", "Log out")
