"""factory_boy factories for the whole project."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import factory
from django.utils import timezone

from actionplans import services as plan_services
from actionplans.models import ActionPlan, PlanVersion
from agreements import services as agreement_services
from agreements.models import Agreement, AgreementVersion, Signature
from agreements.selectors import displayed_text
from alliance_portal.permissions import Role
from alliances.models import Alliance, Invitation, Membership, User
from meetings import services as meeting_services
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
    return meeting_services.meeting_update(
        meeting=meeting,
        actor=actor,
        fields={"starts_at": starts_at, "ends_at": starts_at + timedelta(hours=2)},
    )


def make_meeting(alliance: Alliance, actor: User, **fields) -> Meeting:
    """A planned plenary meeting of the alliance, made the way the secretary makes one."""
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
    return meeting_services.meeting_create(alliance=alliance, actor=actor, fields=values)


def make_held_meeting(
    alliance: Alliance, actor: User, *, days_ago: int = 30, marked_held: bool = True, **fields
) -> Meeting:
    """A meeting that started `days_ago` days ago (or at `starts_at`), marked as held by `actor`
    the way the secretary does after it. With `marked_held=False` it is only over by the clock,
    still planned, as when nobody has marked it yet."""
    fields.setdefault("starts_at", timezone.now() - timedelta(days=days_ago))
    meeting = make_meeting(alliance, actor, **fields)
    if marked_held:
        meeting = meeting_services.meeting_mark_held(meeting=meeting, actor=actor)
    return meeting


def make_minutes(meeting: Meeting, actor: User) -> Minutes:
    return meeting_services.minutes_start(meeting=meeting, actor=actor)


# Action plans are made through the services, the way a coordinator drafts one.
PLAN_START = date(2027, 1, 1)


def make_plan(alliance: Alliance, actor: User, **fields) -> ActionPlan:
    """A draft action plan over the guide's 18 months."""
    values = {
        "title": "Regional action plan 2027-2028",
        "period_start": PLAN_START,
        "period_end": date(2028, 6, 30),
        **fields,
    }
    return plan_services.plan_create(alliance=alliance, actor=actor, fields=values)


def make_goal(plan: ActionPlan, actor: User, **fields):
    values = {
        "title": "Mediators trained in every municipality",
        "target_value": Decimal("60"),
        "unit": "mediators",
        "current_value": Decimal("12"),
        "relevance": "Families reach services through people they trust.",
        "due_date": date(2028, 3, 31),
        **fields,
    }
    return plan_services.goal_add(plan=plan, actor=actor, fields=values)


def make_action(plan: ActionPlan, actor: User, *, goals=(), gaps=(), **fields):
    values = {
        "title": "Train community mediators",
        "local_problem": "Newly arrived families do not know where to turn.",
        "budget_amount": Decimal("125000.00"),
        "budget_currency": "SEK",
        "start_date": date(2027, 2, 1),
        "due_date": date(2027, 11, 30),
        **fields,
    }
    return plan_services.action_add(plan=plan, actor=actor, fields=values, goals=goals, gaps=gaps)


def make_submitted_plan(
    alliance: Alliance,
    actor: User,
    *,
    actions: int = 2,
    action_title: str = "Action {number}",
    **fields,
) -> ActionPlan:
    """A plan with one goal and `actions` actions (titled from `action_title`), submitted for
    the chair's sign-off."""
    plan = make_plan(alliance, actor, **fields)
    goal = make_goal(plan, actor)
    for number in range(1, actions + 1):
        make_action(plan, actor, goals=[goal], title=action_title.format(number=number))
    plan_services.plan_submit(plan=plan, actor=actor)
    return plan


def approve_plan(plan: ActionPlan, chair: User, *, submitted_by: User | None = None) -> PlanVersion:
    """The chair signs off the plan's current version with their password. The plan must be
    submitted already, or `submitted_by` submits it first."""
    if submitted_by is not None:
        plan_services.plan_submit(plan=plan, actor=submitted_by)
    plan.refresh_from_db()
    version = plan.versions.get(number=plan.version)
    return plan_services.plan_approve(
        plan=plan, actor=chair, shown_sha256=version.sha256, password=TEST_PASSWORD
    )


def make_approved_plan(alliance: Alliance, drafter: User, chair: User, **plan) -> ActionPlan:
    """A plan drafted and submitted by `drafter` (see make_submitted_plan for `plan`'s keywords)
    and signed off by `chair`."""
    approved = make_submitted_plan(alliance, drafter, **plan)
    approve_plan(approved, chair)
    approved.refresh_from_db()
    return approved


# Agreements are started from the guide's text and published the way the coordinator does it.
SIGNING_FACTS = agreement_services.RequestFacts(
    ip_address="198.51.100.7", user_agent="Mozilla/5.0 (X11; Linux) Test/1.0"
)


def start_agreement(
    alliance: Alliance, actor: User, *, countersignature: bool = False
) -> Agreement:
    """A draft in English from the guide's text; with `countersignature`, the chair countersigns."""
    agreement = agreement_services.agreement_start(alliance=alliance, actor=actor, language="en")
    if countersignature:
        agreement_services.agreement_update(agreement=agreement, actor=actor, countersignature=True)
    return agreement


def publish_agreement(
    agreement: Agreement, actor: User, *, invite: bool = False
) -> AgreementVersion:
    """The draft as shown, published as the next version; `invite` mails everyone with a seat."""
    return agreement_services.agreement_publish(
        agreement=agreement, actor=actor, shown_sha256=agreement.sha256, invite=invite
    )


def make_published_agreement(
    alliance: Alliance, actor: User, *, countersignature: bool = False, invite: bool = False
) -> AgreementVersion:
    """Version 1 of the alliance's agreement, started and published by `actor`."""
    agreement = start_agreement(alliance, actor, countersignature=countersignature)
    return publish_agreement(agreement, actor, invite=invite)


def sign_agreement(
    version: AgreementVersion,
    membership: Membership,
    *,
    identity: str = Signature.Identity.LOGIN,
    facts: agreement_services.RequestFacts = SIGNING_FACTS,
    **answers,
) -> Signature:
    """The member's signature on the version as shown in its own language. The signing form's
    answers are the member's own name, organisation and address unless `answers` say otherwise;
    a member without an organisation signs as a person."""
    text = displayed_text(version, "")
    values = {
        "typed_name": membership.user.get_full_name() or "A Member",
        "organisation": membership.organisation_name,
        "personal_member": not membership.organisation_name,
        "contact": membership.user.email,
        "consent": True,
        "language": text.language,
        "shown_sha256": text.sha256,
        **answers,
    }
    signature = agreement_services.signature_for_member(version=version, membership=membership)
    return agreement_services.signature_sign(
        signature=signature, identity=identity, facts=facts, **values
    )
