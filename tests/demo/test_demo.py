from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from actionplans.models import Action, ActionPlan
from agreements.models import AgreementVersion, Signature
from alliance_portal.permissions import Role
from alliances.models import Alliance, Membership, User
from demo.management.commands.seed_demo import ALLIANCE_NAME, DEMO_PASSWORD
from journey.rules import journey_for
from meetings.models import Meeting, Minutes
from outreach.models import CommunicationPlan, InformationMaterial
from sustainability.models import Evaluation, Swot


@pytest.mark.django_db
def test_seed_demo_builds_a_guide_shaped_alliance_and_prints_logins():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())  # safe to run again

    alliance = Alliance.objects.get(name=ALLIANCE_NAME)
    assert alliance.status == Alliance.Status.ACTIVE
    assert alliance.leadership_problems(alliance.active_roles()) == []
    assert alliance.period_months == 17
    roles = list(
        Membership.objects.active().filter(alliance=alliance).values_list("role", flat=True)
    )
    assert len(roles) == 10
    assert set(roles) == set(Role.values)
    printed = out.getvalue()
    for membership in Membership.objects.select_related("user"):
        assert membership.user.email in printed
        assert membership.user.check_password(DEMO_PASSWORD)
    assert DEMO_PASSWORD in printed
    assert User.objects.filter(is_staff=True).count() == 1


@pytest.mark.django_db
def test_seed_demo_holds_an_approved_workshop_and_an_upcoming_plenary():
    from django.utils import timezone

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # safe to run again

    workshop, plenary = Meeting.objects.filter(alliance__name=ALLIANCE_NAME).order_by("number")
    assert workshop.status == Meeting.Status.HELD
    assert workshop.minutes.status == Minutes.Status.APPROVED
    assert len(workshop.minutes.approved_sha256) == 64
    assert workshop.participants.filter(attendance="present").count() == 8
    decided = Action.objects.get(alliance__name=ALLIANCE_NAME, decided_in__isnull=False)
    assert decided.decided_in.minutes == workshop.minutes
    assert plenary.status == Meeting.Status.PLANNED and plenary.starts_at > timezone.now()
    assert plenary.agenda_items.count() == 6


@pytest.mark.django_db
def test_seed_demo_holds_an_approved_plan_with_a_second_version_in_draft():

    call_command("seed_demo", stdout=StringIO())
    plan = ActionPlan.objects.get(alliance__name=ALLIANCE_NAME)
    version = plan.versions.get()
    assert (plan.status, plan.version) == (ActionPlan.Status.DRAFT, 2)
    assert (version.number, version.is_approved) == (1, True)
    assert plan.actions.count() == 3
    assert plan.actions.filter(progress_percent__gt=0).count() == 2


@pytest.mark.django_db
def test_seed_demo_holds_a_published_agreement_with_answers():

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # safe to run again

    version = AgreementVersion.objects.get(agreement__alliance__name=ALLIANCE_NAME)
    assert version.number == 1 and version.is_current and version.countersignature
    assert version.translations.get().language == "sv"
    statuses = list(version.signatures.values_list("status", flat=True))
    assert len(statuses) == 9  # every seat but the observer's
    assert statuses.count(Signature.Status.SIGNED) == 6
    assert statuses.count(Signature.Status.DECLINED) == 1
    assert statuses.count(Signature.Status.PENDING) == 2
    assert version.signatures.filter(countersigned_at__isnull=False).count() == 2
    swedish = version.signatures.filter(membership__user__preferred_language="sv", status="signed")
    assert swedish.exists() and all(s.language == "sv" for s in swedish)


@pytest.mark.django_db
def test_seed_demo_holds_outreach_evaluation_and_a_journey_with_a_next_step():

    call_command("seed_demo", stdout=StringIO())
    call_command("seed_demo", stdout=StringIO())  # safe to run again

    alliance = Alliance.objects.get(name=ALLIANCE_NAME)
    assert InformationMaterial.objects.get().missing_parts() == []
    plan = CommunicationPlan.objects.get()
    assert plan.press_contact.user.email.startswith("johan.berg@")
    assert plan.entries.count() == 3
    assert alliance.profile_public and alliance.public_slug
    assert Swot.objects.count() == 2 and Evaluation.objects.get().swot is not None
    journey = journey_for(alliance)
    assert journey.steps_done == 4
    step, check = journey.next
    assert (step.number, check.key) == (5, "followed")
    assert "Local press and radio" in check.detail
