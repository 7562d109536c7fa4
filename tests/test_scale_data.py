"""The benchmark data generator: its totals, its hashes, its seed, and what it refuses."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from actionplans.models import Action, ActionPlan, PlanVersion, ProgressUpdate
from agreements.models import AgreementVersion, Signature, text_sha256
from alliance_portal.canonical import canonical_sha256
from alliances.models import Alliance, Membership, User
from demo.management.commands.generate_scale_data import ERR_NOT_EMPTY, ERR_SCALE
from demo.scale_data import LARGE_ALLIANCE_PREFIX, PASSWORD, Generator, plan_sizes
from meetings.models import AgendaItem, Meeting, Minutes, MinutesItem
from meetings.selectors import minutes_content
from stakeholders.models import Contact, Organisation, Stakeholder

from .factories import AllianceFactory

pytestmark = pytest.mark.django_db

SMALL = 0.02  # 2 alliances: the large one and one other


class Rollback(Exception):
    pass


def _names_written(seed: int) -> list[str]:
    """The text a run writes, left out of the database afterwards."""
    try:
        with transaction.atomic():
            Generator(seed=seed, scale=SMALL).run()
            names = list(Organisation.objects.order_by("pk").values_list("name", flat=True))
            names += list(Action.objects.order_by("pk").values_list("title", flat=True))
            raise Rollback
    except Rollback:
        return names


def test_the_totals_follow_the_scale():
    call_command("generate_scale_data", scale=SMALL, seed=7, stdout=None)

    assert Alliance.objects.count() == 2
    assert Organisation.objects.count() == Stakeholder.objects.count() == 100
    assert Contact.objects.count() == 200
    assert Meeting.objects.filter(status=Meeting.Status.HELD).count() == 20
    assert AgendaItem.objects.count() == MinutesItem.objects.count() == 20 * 15
    assert Minutes.objects.count() == 20
    assert Action.objects.count() == 100
    assert ProgressUpdate.objects.count() == 300
    assert Signature.objects.count() == Membership.objects.count() == 40


def test_the_large_alliance_grows_with_the_scale():
    small, large = plan_sizes(1)[0], plan_sizes(10)[0]

    assert (small.members, small.stakeholders, small.meetings, small.actions) == (20, 25, 5, 20)
    assert (large.members, large.stakeholders, large.meetings, large.actions) == (
        200,
        250,
        50,
        200,
    )
    assert len(plan_sizes(10)) == 1000
    assert sum(sizes.actions for sizes in plan_sizes(10)) == 50_000


def test_hashes_are_those_the_portal_computes():
    Generator(seed=3, scale=SMALL).run()

    for minutes in Minutes.objects.exclude(status=Minutes.Status.DRAFT):
        assert minutes.approved_sha256 == canonical_sha256(minutes_content(minutes))
    for version in PlanVersion.objects.all():
        assert version.sha256 == canonical_sha256(version.snapshot)
        assert version.plan.status == ActionPlan.Status.APPROVED
    for version in AgreementVersion.objects.all():
        assert version.sha256 == text_sha256(version.title, version.body)
    # The latest meeting of each alliance keeps its minutes as a draft, to be edited.
    assert Minutes.objects.filter(status=Minutes.Status.DRAFT).count() == 2


def test_the_same_seed_writes_the_same_text_and_another_seed_other_text():
    first, again, other = _names_written(11), _names_written(11), _names_written(12)

    assert first == again
    assert first != other


def test_every_account_logs_in_and_the_large_alliances_pages_answer():
    Generator(seed=5, scale=SMALL).run()
    alliance = Alliance.objects.get(name__startswith=LARGE_ALLIANCE_PREFIX)
    chair = alliance.memberships.get(role="chair").user
    meeting = alliance.meetings.order_by("-starts_at").first()
    client = Client()

    # The login lockout (django-axes) counts per request, so authenticating needs one.
    assert client.login(request=HttpRequest(), email=chair.email, password=PASSWORD)
    for url in (
        reverse("dashboard:alliance", args=[alliance.pk]),
        reverse("stakeholders:list", args=[alliance.pk]),
        reverse("meetings:minutes", args=[alliance.pk, meeting.pk]),
        reverse("actionplans:plan", args=[alliance.pk, alliance.action_plans.get().pk]),
        reverse("agreements:board", args=[alliance.pk, 1]),
    ):
        assert client.get(url).status_code == 200, url
    assert User.objects.filter(email__endswith="@bench.alliance.example").count() == 40


def test_a_database_with_alliances_is_refused_and_left_as_it_was():
    AllianceFactory()

    with pytest.raises(CommandError, match=ERR_NOT_EMPTY[:40]):
        call_command("generate_scale_data", scale=SMALL)

    assert Alliance.objects.count() == 1
    assert not Organisation.objects.exists()


@pytest.mark.parametrize("scale", [0, 0.001, 101, -1])
def test_a_scale_out_of_range_is_refused(scale):
    with pytest.raises(CommandError, match=ERR_SCALE):
        call_command("generate_scale_data", scale=scale)

    assert not Alliance.objects.exists()
