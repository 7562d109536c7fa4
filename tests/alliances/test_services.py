from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from alliance_portal.exceptions import InvalidTransition
from alliance_portal.permissions import Role
from alliances import services
from alliances.models import (
    ERR_ACTIVE_NEEDS_CHAIR,
    ERR_ACTIVE_NEEDS_SECRETARY,
    ERR_INVITATION_USED,
    ERR_PERIOD_ORDER,
    ERR_SECOND_CHAIR,
    Alliance,
    AuditEntry,
    Membership,
)
from tests.factories import AllianceFactory, InvitationFactory, MembershipFactory, UserFactory


def _messages(exc_info) -> list[str]:
    return [str(m) for m in exc_info.value.messages]


@pytest.mark.django_db
def test_alliance_create_makes_creator_chair_and_records_audit():
    user = UserFactory()
    alliance = services.alliance_create(
        actor=user,
        name="Norrbotten Alliance",
        region="Norrbotten County",
        organisation_name="Luleå",
    )
    membership = Membership.objects.get(alliance=alliance)
    assert (membership.user, membership.role, membership.organisation_name) == (
        user,
        Role.CHAIR,
        "Luleå",
    )
    assert alliance.status == Alliance.Status.FORMING
    assert list(AuditEntry.objects.filter(alliance=alliance).values_list("action", flat=True)) == [
        "membership.created",
        "alliance.created",
    ]


@pytest.mark.django_db
def test_alliance_create_refuses_period_ending_before_start():
    with pytest.raises(ValidationError) as exc_info:
        services.alliance_create(
            actor=UserFactory(),
            name="X",
            region="Y",
            period_start=date(2027, 1, 1),
            period_end=date(2026, 1, 1),
        )
    assert exc_info.value.message_dict["period_end"] == [str(ERR_PERIOD_ORDER)]
    assert not Alliance.objects.exists()


@pytest.mark.django_db
def test_alliance_create_refuses_member_as_creator_role():
    with pytest.raises(ValidationError):
        services.alliance_create(
            actor=UserFactory(), creator_role=Role.MEMBER, name="X", region="Y"
        )


@pytest.mark.django_db
def test_alliance_update_records_only_changed_fields(cast):
    services.alliance_update(
        alliance=cast.alliance, actor=cast.chair, vision="A new vision", region=cast.alliance.region
    )
    entry = AuditEntry.objects.get(action="alliance.updated")
    assert entry.changes == {
        "vision": {"from": "Everyone knows where to turn.", "to": "A new vision"}
    }
    assert entry.actor == cast.chair


@pytest.mark.django_db
def test_second_chair_is_refused(cast):
    with pytest.raises(ValidationError) as exc_info:
        services.membership_update(
            membership=cast.membership(cast.member), actor=cast.chair, role=Role.CHAIR
        )
    assert _messages(exc_info) == [str(ERR_SECOND_CHAIR)]
    assert cast.membership(cast.member).role == Role.MEMBER


@pytest.mark.django_db
def test_database_also_refuses_second_active_chair(cast):
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.filter(pk=cast.membership(cast.member).pk).update(role=Role.CHAIR)


@pytest.mark.django_db
def test_active_alliance_cannot_lose_its_chair(cast):
    with pytest.raises(ValidationError) as exc_info:
        services.membership_update(
            membership=cast.membership(cast.chair), actor=cast.coordinator, role=Role.MEMBER
        )
    assert _messages(exc_info) == [str(ERR_ACTIVE_NEEDS_CHAIR)]
    with pytest.raises(ValidationError):
        services.membership_end(membership=cast.membership(cast.chair), actor=cast.coordinator)
    assert cast.membership(cast.chair).role == Role.CHAIR


@pytest.mark.django_db
def test_active_alliance_cannot_lose_its_last_secretary(cast):
    with pytest.raises(ValidationError) as exc_info:
        services.membership_end(membership=cast.membership(cast.secretary), actor=cast.chair)
    assert _messages(exc_info) == [str(ERR_ACTIVE_NEEDS_SECRETARY)]
    assert cast.membership(cast.secretary).ended_at is None


@pytest.mark.django_db
def test_second_secretary_can_leave_when_one_remains(cast):
    extra = MembershipFactory(alliance=cast.alliance, role=Role.SECRETARY)
    services.membership_end(membership=extra, actor=cast.chair, reason="Moved away")
    extra.refresh_from_db()
    assert extra.ended_at is not None and extra.ended_by == cast.chair
    assert extra.end_reason == "Moved away"
    assert Membership.objects.filter(pk=extra.pk).exists()  # history kept


@pytest.mark.django_db
def test_forming_alliance_may_lack_secretary_but_not_activate():
    alliance = AllianceFactory(status=Alliance.Status.FORMING)
    chair = MembershipFactory(alliance=alliance, role=Role.CHAIR).user
    with pytest.raises(InvalidTransition) as exc_info:
        services.alliance_activate(alliance=alliance, actor=chair)
    assert _messages(exc_info) == [str(ERR_ACTIVE_NEEDS_SECRETARY)]
    alliance.refresh_from_db()
    assert alliance.status == Alliance.Status.FORMING

    MembershipFactory(alliance=alliance, role=Role.SECRETARY)
    services.alliance_activate(alliance=alliance, actor=chair)
    alliance.refresh_from_db()
    assert alliance.status == Alliance.Status.ACTIVE
    assert AuditEntry.objects.filter(action="alliance.activated", alliance=alliance).exists()


@pytest.mark.django_db
def test_close_and_reopen(cast):
    services.alliance_close(alliance=cast.alliance, actor=cast.chair)
    cast.alliance.refresh_from_db()
    assert cast.alliance.status == Alliance.Status.CLOSED
    with pytest.raises(InvalidTransition):
        services.alliance_close(alliance=cast.alliance, actor=cast.chair)
    services.alliance_reopen(alliance=cast.alliance, actor=cast.chair)
    cast.alliance.refresh_from_db()
    assert cast.alliance.status == Alliance.Status.ACTIVE


@pytest.mark.django_db
def test_chair_hand_over_swaps_roles_in_one_step(cast):
    services.chair_hand_over(
        alliance=cast.alliance,
        actor=cast.chair,
        to_membership=cast.membership(cast.member),
        previous_chair_role=Role.COORDINATOR,
    )
    assert cast.membership(cast.member).role == Role.CHAIR
    assert cast.membership(cast.chair).role == Role.COORDINATOR


@pytest.mark.django_db
def test_only_the_chair_can_hand_over(cast):
    with pytest.raises(ValidationError):
        services.chair_hand_over(
            alliance=cast.alliance,
            actor=cast.coordinator,
            to_membership=cast.membership(cast.coordinator),
            previous_chair_role=Role.MEMBER,
        )
    assert cast.membership(cast.chair).role == Role.CHAIR


@pytest.mark.django_db
def test_hand_over_cannot_leave_alliance_without_secretary(cast):
    with pytest.raises(ValidationError) as exc_info:
        services.chair_hand_over(
            alliance=cast.alliance,
            actor=cast.chair,
            to_membership=cast.membership(cast.secretary),
            previous_chair_role=Role.MEMBER,
        )
    assert _messages(exc_info) == [str(ERR_ACTIVE_NEEDS_SECRETARY)]
    assert cast.membership(cast.chair).role == Role.CHAIR


@pytest.mark.django_db
def test_user_can_hold_different_roles_in_different_alliances(cast):
    MembershipFactory(alliance=cast.other_alliance, user=cast.member, role=Role.COORDINATOR)
    roles = dict(
        Membership.objects.active().filter(user=cast.member).values_list("alliance__name", "role")
    )
    assert roles == {"Kronoberg Alliance": Role.MEMBER, "Skåne Alliance": Role.COORDINATOR}


@pytest.mark.django_db
def test_invitation_accept_creates_membership_once(cast):
    invitation = InvitationFactory(
        alliance=cast.alliance,
        role=Role.SECRETARY,
        organisation_name="Red Cross",
        invited_by=cast.chair,
    )
    user = UserFactory(email=invitation.email)
    membership = services.invitation_accept(invitation=invitation, user=user)
    assert (membership.role, membership.organisation_name) == (Role.SECRETARY, "Red Cross")
    with pytest.raises(ValidationError) as exc_info:
        services.invitation_accept(invitation=invitation, user=user)
    assert _messages(exc_info) == [str(ERR_INVITATION_USED)]
    assert Membership.objects.filter(user=user).count() == 1


@pytest.mark.django_db
def test_invitation_accept_refuses_another_address(cast):
    invitation = InvitationFactory(alliance=cast.alliance, invited_by=cast.chair)
    with pytest.raises(ValidationError):
        services.invitation_accept(invitation=invitation, user=cast.outsider)
    assert not Membership.objects.filter(user=cast.outsider).exists()


@pytest.mark.django_db
def test_invitation_as_chair_is_refused(cast):
    with pytest.raises(ValidationError):
        services.invitation_create(
            alliance=cast.alliance, actor=cast.chair, email="x@example.org", role=Role.CHAIR
        )


@pytest.mark.django_db
def test_invitation_for_existing_member_is_refused(cast):
    with pytest.raises(ValidationError):
        services.invitation_create(
            alliance=cast.alliance,
            actor=cast.chair,
            email=cast.member.email.upper(),
            role=Role.MEMBER,
        )


@pytest.mark.django_db
def test_new_user_signup_through_invitation_validates_password(cast):
    invitation = InvitationFactory(alliance=cast.alliance, invited_by=cast.chair)
    with pytest.raises(ValidationError):
        services.invitation_accept_as_new_user(
            invitation=invitation, first_name="Ali", last_name="Demir", password="123"
        )
    assert not Membership.objects.filter(user__email=invitation.email).exists()


@pytest.mark.django_db
def test_expired_invitation_does_not_block_a_new_one(cast):
    from datetime import timedelta

    from django.utils import timezone

    InvitationFactory(
        alliance=cast.alliance,
        email="late@example.org",
        invited_by=cast.chair,
        expires_at=timezone.now() - timedelta(days=1),
    )
    services.invitation_create(
        alliance=cast.alliance, actor=cast.chair, email="late@example.org", role=Role.MEMBER
    )
    assert cast.alliance.invitations.pending().filter(email="late@example.org").count() == 1
