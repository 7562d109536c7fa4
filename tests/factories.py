"""factory_boy factories for the whole project."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import factory

from alliance_portal.permissions import Role
from alliances.models import Alliance, Invitation, Membership, User
from meetings.models import Meeting, Minutes
from stakeholders.models import (
    Category,
    Contact,
    Gap,
    Level,
    Organisation,
    Sector,
    Stakeholder,
    SupportProgramme,
)

TEST_PASSWORD = "a-long-test-password-42"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.Sequence(lambda n: f"person{n}@example.org")
    username = factory.SelfAttribute("email")
    preferred_language = "en"
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save_password(self, create, extracted, **kwargs):
        if create:
            self.save(update_fields=["password"])


class AllianceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Alliance

    name = factory.Sequence(lambda n: f"Regional alliance {n}")
    region = "Kronoberg County"
    purpose = "Better reception of newcomers."
    vision = "Everyone knows where to turn."
    goals = "Map support; train mediators."
    period_start = date(2026, 9, 1)
    period_end = date(2028, 2, 29)
    status = Alliance.Status.ACTIVE


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    alliance = factory.SubFactory(AllianceFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.MEMBER
    organisation_name = factory.Faker("company")


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation

    alliance = factory.SubFactory(AllianceFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.org")
    role = Role.MEMBER
    invited_by = factory.SubFactory(UserFactory)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    category = Category.NGO
    sector = Sector.NON_PROFIT
    municipality = "Växjö"


def _recording_alliance(contact) -> Alliance:
    """The alliance that maps the organisation first, as a contact is recorded by an alliance
    that maps it; a new alliance when nobody does."""
    stakeholder = (
        Stakeholder.objects.filter(organisation=contact.organisation).order_by("pk").first()
    )
    return stakeholder.alliance if stakeholder else AllianceFactory()


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    organisation = factory.SubFactory(OrganisationFactory)
    alliance = factory.LazyAttribute(_recording_alliance)
    name = factory.Faker("name")
    title = "Coordinator"
    email = factory.Sequence(lambda n: f"contact{n}@example.org")
    phone = "+46 470 12 34 56"


class StakeholderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Stakeholder

    alliance = factory.SubFactory(AllianceFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    contribution = "Meeting rooms and volunteers."
    impact = Level.MEDIUM
    interest = Level.HIGH


class SupportProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportProgramme

    alliance = factory.SubFactory(AllianceFactory)
    name = factory.Sequence(lambda n: f"Language café {n}")
    initiator = "Växjö library"


class GapFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Gap

    alliance = factory.SubFactory(AllianceFactory)
    problem_area = factory.Sequence(lambda n: f"Problem area {n}")


# Meetings are made through the service, so they have the guide's standing agenda and invitees.
MEETING_START = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)


def reschedule_meeting(meeting: Meeting, actor: User, starts_at: datetime) -> Meeting:
    """Moves a meeting to `starts_at` (two hours long) the way the secretary's form does."""
    from meetings import services

    return services.meeting_update(
        meeting=meeting,
        actor=actor,
        fields={"starts_at": starts_at, "ends_at": starts_at + timedelta(hours=2)},
    )


def make_meeting(alliance: Alliance, actor: User, **fields) -> Meeting:
    """A planned plenary meeting of the alliance, made the way the secretary makes one."""
    from meetings import services

    starts_at = fields.pop("starts_at", MEETING_START)
    values = {
        "kind": Meeting.Kind.PLENARY,
        "title": "Plenary meeting",
        "host_organisation": "Växjö municipality",
        "place": "City library, room 2",
        "address": "Västra Esplanaden 7, Växjö",
        "online_link": "",
        "starts_at": starts_at,
        "ends_at": starts_at + timedelta(hours=3),
        **fields,
    }
    return services.meeting_create(alliance=alliance, actor=actor, fields=values)


def make_minutes(meeting: Meeting, actor: User) -> Minutes:
    from meetings import services

    return services.minutes_start(meeting=meeting, actor=actor)


# Action plans are made through the services, the way a coordinator drafts one.
PLAN_START = date(2027, 1, 1)


def make_plan(alliance: Alliance, actor: User, **fields):
    """A draft action plan over the guide's 18 months."""
    from actionplans import services

    values = {
        "title": "Regional action plan 2027-2028",
        "period_start": PLAN_START,
        "period_end": date(2028, 6, 30),
        **fields,
    }
    return services.plan_create(alliance=alliance, actor=actor, fields=values)


def make_goal(plan, actor: User, **fields):
    from decimal import Decimal

    from actionplans import services

    values = {
        "title": "Mediators trained in every municipality",
        "target_value": Decimal("60"),
        "unit": "mediators",
        "current_value": Decimal("12"),
        "relevance": "Families reach services through people they trust.",
        "due_date": date(2028, 3, 31),
        **fields,
    }
    return services.goal_add(plan=plan, actor=actor, fields=values)


def make_action(plan, actor: User, *, goals=(), gaps=(), **fields):
    from decimal import Decimal

    from actionplans import services

    values = {
        "title": "Train community mediators",
        "local_problem": "Newly arrived families do not know where to turn.",
        "budget_amount": Decimal("125000.00"),
        "budget_currency": "SEK",
        "start_date": date(2027, 2, 1),
        "due_date": date(2027, 11, 30),
        **fields,
    }
    return services.action_add(plan=plan, actor=actor, fields=values, goals=goals, gaps=gaps)


def make_submitted_plan(alliance: Alliance, actor: User, *, actions: int = 2):
    """A plan with one goal and some actions, submitted for the chair's sign-off."""
    from actionplans import services

    plan = make_plan(alliance, actor)
    goal = make_goal(plan, actor)
    for number in range(1, actions + 1):
        make_action(plan, actor, goals=[goal], title=f"Action {number}")
    services.plan_submit(plan=plan, actor=actor)
    return plan
