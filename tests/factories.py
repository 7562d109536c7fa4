"""factory_boy factories for the whole project."""

from __future__ import annotations

from datetime import date

import factory

from alliance_portal.permissions import Role
from alliances.models import Alliance, Invitation, Membership, User
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


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    organisation = factory.SubFactory(OrganisationFactory)
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
