"""Every write in the alliances app: validated, atomic and written to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from alliance_portal.permissions import Role
from alliance_portal.queue import enqueue
from alliances.audit import audit_record

from .models import (
    ERR_ALREADY_MEMBER,
    ERR_MEMBERSHIP_ENDED,
    ERR_SECOND_CHAIR,
    Alliance,
    Invitation,
    Membership,
    User,
)

ALLIANCE_EDITABLE_FIELDS = (
    "name",
    "region",
    "purpose",
    "vision",
    "goals",
    "rules_of_operation",
    "period_start",
    "period_end",
    "public_profile",
    "timezone",
    "language",
    "currency",
    "login_provider",
    "quorum_percent",
)
# A new alliance's currency follows its creator's language where the language names a country's
# currency; English and Arabic say nothing about where the alliance is, so the default stays.
CURRENCY_OF_LANGUAGE = {"sv": "SEK", "da": "DKK", "fr": "EUR", "nl": "EUR"}
CREATOR_ROLES = (Role.CHAIR, Role.COORDINATOR)
ERR_CREATOR_ROLE = _("The person creating an alliance becomes its chair or coordinator.")
ERR_INVITE_AS_CHAIR = _(
    "Invite the person as another role; the chair can then hand over the chair."
)
ERR_INVITATION_EMAIL_MISMATCH = _(
    "This invitation was sent to another email address. Log in with that address to accept it."
)
ERR_ALREADY_INVITED = _("A pending invitation to this address already exists.")
ERR_INVITATION_NOT_SENT = _(
    "The invitation could not be sent: the background worker cannot be reached. Try again in a "
    "few minutes."
)
ERR_NOT_CHAIR = _("Only the current chair can hand over the chair.")
ERR_HAND_OVER_TO_SELF = _("Choose another member to take over the chair.")


def _lock_alliance(alliance: Alliance) -> Alliance:
    """Serialise membership changes per alliance, so two concurrent edits cannot both pass."""
    return Alliance.objects.select_for_update().get(pk=alliance.pk)


def _has_chair(alliance: Alliance) -> bool:
    return Membership.objects.active().filter(alliance=alliance, role=Role.CHAIR).exists()


def _check_leadership(alliance: Alliance) -> None:
    problems = alliance.leadership_problems(alliance.active_roles())
    if problems:
        raise ValidationError(problems)


def alliance_defaults(*, actor: User) -> dict[str, str]:
    """A new alliance's language and currency when its creator gives none: the creator's
    language, and the currency that language suggests."""
    language = actor.preferred_language
    currency = CURRENCY_OF_LANGUAGE.get(language, Alliance._meta.get_field("currency").default)
    return {"language": language, "currency": currency}


@transaction.atomic
def alliance_create(*, actor: User, creator_role: str = Role.CHAIR, **fields: Any) -> Alliance:
    if creator_role not in CREATOR_ROLES:
        raise ValidationError(ERR_CREATOR_ROLE)
    fields = {**alliance_defaults(actor=actor), **fields}
    alliance = Alliance(
        **{name: fields[name] for name in ALLIANCE_EDITABLE_FIELDS if name in fields}
    )
    alliance.full_clean()
    alliance.save()
    membership = Membership(
        alliance=alliance,
        user=actor,
        role=creator_role,
        organisation_name=fields.get("organisation_name", ""),
    )
    membership.full_clean()
    membership.save()
    audit_record(actor=actor, action="alliance.created", obj=alliance)
    audit_record(
        actor=actor, action="membership.created", obj=membership, changes={"role": creator_role}
    )
    return alliance


@transaction.atomic
def alliance_update(*, alliance: Alliance, actor: User, **fields: Any) -> Alliance:
    changes = {}
    for name, value in fields.items():
        if name not in ALLIANCE_EDITABLE_FIELDS:
            raise ValueError(f"{name} is not an editable alliance field")
        old = getattr(alliance, name)
        if old != value:
            changes[name] = {"from": str(old or ""), "to": str(value or "")}
            setattr(alliance, name, value)
    if not changes:
        return alliance
    alliance.full_clean()
    alliance.save()
    audit_record(actor=actor, action="alliance.updated", obj=alliance, changes=changes)
    return alliance


def _transition(alliance: Alliance, actor: User, method: str, action: str) -> Alliance:
    alliance = _lock_alliance(alliance)
    old = alliance.status
    getattr(alliance, method)()  # raises InvalidTransition
    alliance.save(update_fields=["status", "updated_at"])
    audit_record(
        actor=actor,
        action=action,
        obj=alliance,
        changes={"status": {"from": old, "to": alliance.status}},
    )
    return alliance


@transaction.atomic
def alliance_activate(*, alliance: Alliance, actor: User) -> Alliance:
    return _transition(alliance, actor, "activate", "alliance.activated")


@transaction.atomic
def alliance_close(*, alliance: Alliance, actor: User) -> Alliance:
    return _transition(alliance, actor, "close", "alliance.closed")


@transaction.atomic
def alliance_reopen(*, alliance: Alliance, actor: User) -> Alliance:
    return _transition(alliance, actor, "reopen", "alliance.reopened")


@transaction.atomic
def invitation_create(
    *,
    alliance: Alliance,
    actor: User,
    email: str,
    role: str,
    organisation_name: str = "",
    language: str = "",
) -> Invitation:
    """`language` is that of the mail and of the pages opened from it; empty is the actor's."""
    email = email.strip().lower()
    if role == Role.CHAIR:
        raise ValidationError({"role": ERR_INVITE_AS_CHAIR})
    if Membership.objects.active().filter(alliance=alliance, user__email=email).exists():
        raise ValidationError({"email": ERR_ALREADY_MEMBER})
    if Invitation.objects.pending().filter(alliance=alliance, email=email).exists():
        raise ValidationError({"email": ERR_ALREADY_INVITED})
    invitation = Invitation(
        alliance=alliance,
        email=email,
        role=role,
        organisation_name=organisation_name,
        language=language,
        invited_by=actor,
    )
    invitation.full_clean()  # also refuses a language the portal does not offer
    invitation.save()
    audit_record(
        actor=actor,
        action="invitation.created",
        obj=invitation,
        changes={"email": email, "role": role, "language": invitation.guest_language},
    )
    transaction.on_commit(lambda: _send_or_withdraw(invitation.pk, actor=actor))
    return invitation


def _send_or_withdraw(invitation_id: int, *, actor: User) -> None:
    """Queues the invitation's mail; withdraws the invitation when the broker cannot be
    reached, since a pending invitation nobody received would refuse inviting the address
    again."""
    from .tasks import send_invitation_email

    if enqueue(send_invitation_email, invitation_id):
        return
    with transaction.atomic():
        invitation = Invitation.objects.select_for_update().filter(pk=invitation_id).first()
        if invitation is None or invitation.status != Invitation.Status.PENDING:
            return
        invitation.revoke()
        invitation.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="invitation.not_sent", obj=invitation)


@transaction.atomic
def invitation_revoke(*, invitation: Invitation, actor: User) -> Invitation:
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    invitation.revoke()
    invitation.save(update_fields=["revoked_at"])
    audit_record(actor=actor, action="invitation.revoked", obj=invitation)
    return invitation


@transaction.atomic
def invitation_accept(*, invitation: Invitation, user: User) -> Membership:
    """Preconditions: the link's signature was checked; `user` is the invited address's owner."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if user.email.lower() != invitation.email:
        raise ValidationError(ERR_INVITATION_EMAIL_MISMATCH)
    invitation.accept(by=user)  # raises if used, withdrawn or expired
    alliance = _lock_alliance(invitation.alliance)
    if Membership.objects.active().filter(alliance=alliance, user=user).exists():
        raise ValidationError(ERR_ALREADY_MEMBER)
    membership = Membership(
        alliance=alliance,
        user=user,
        role=invitation.role,
        organisation_name=invitation.organisation_name,
    )
    membership.full_clean()  # also checks the one-chair constraint
    membership.save()
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    audit_record(actor=user, action="invitation.accepted", obj=invitation)
    audit_record(
        actor=user, action="membership.created", obj=membership, changes={"role": invitation.role}
    )
    return membership


@transaction.atomic
def invitation_accept_as_new_user(
    *,
    invitation: Invitation,
    first_name: str,
    last_name: str,
    password: str,
    preferred_language: str = "",
) -> tuple[User, Membership]:
    """Creates the account for an invited address that has none yet, then accepts.

    The account keeps `preferred_language` (the language the person read the page in), else
    the invitation's.
    """
    user = User(
        username=invitation.email,
        email=invitation.email,
        first_name=first_name,
        last_name=last_name,
        preferred_language=preferred_language or invitation.guest_language,
    )
    validate_password(password, user)
    user.set_password(password)
    user.full_clean()
    user.save()
    audit_record(actor=user, action="user.registered", obj=user, alliance=invitation.alliance)
    return user, invitation_accept(invitation=invitation, user=user)


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    actor: User,
    role: str,
    organisation_name: str | None = None,
    confirmed_by: str = "",
) -> Membership:
    """Changes a member's role and organisation; refuses what would break the leadership rules.
    `confirmed_by`: how the actor proved it was them before a change of role (audit log)."""
    alliance = _lock_alliance(membership.alliance)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.ended_at is not None:
        raise ValidationError(ERR_MEMBERSHIP_ENDED)
    changes = {}
    if role != membership.role:
        if role == Role.CHAIR and _has_chair(alliance):
            raise ValidationError(ERR_SECOND_CHAIR)
        changes["role"] = {"from": membership.role, "to": role}
        membership.role = role
    if organisation_name is not None and organisation_name != membership.organisation_name:
        changes["organisation_name"] = {
            "from": membership.organisation_name,
            "to": organisation_name,
        }
        membership.organisation_name = organisation_name
    if not changes:
        return membership
    membership.full_clean()
    membership.save(update_fields=list(changes))
    _check_leadership(alliance)
    action = "membership.role_changed" if "role" in changes else "membership.updated"
    if "role" in changes and confirmed_by:
        changes = {**changes, "confirmed_by": confirmed_by}
    audit_record(actor=actor, action=action, obj=membership, changes=changes)
    return membership


@transaction.atomic
def membership_end(*, membership: Membership, actor: User, reason: str = "") -> Membership:
    alliance = _lock_alliance(membership.alliance)
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    membership.end(by=actor, reason=reason)  # raises if already ended
    membership.full_clean()
    membership.save(update_fields=["ended_at", "ended_by", "end_reason"])
    _check_leadership(alliance)
    audit_record(actor=actor, action="membership.ended", obj=membership, changes={"reason": reason})
    return membership


@transaction.atomic
def chair_hand_over(
    *,
    alliance: Alliance,
    actor: User,
    to_membership: Membership,
    previous_chair_role: str,
    confirmed_by: str = "",
) -> Membership:
    """The current chair passes the chair on and takes `previous_chair_role`, in one step.
    `confirmed_by`: how they proved it was them just before (audit log)."""
    alliance = _lock_alliance(alliance)
    current = Membership.objects.active().filter(alliance=alliance, role=Role.CHAIR).first()
    if current is None or current.user_id != actor.pk:
        raise ValidationError(ERR_NOT_CHAIR)
    to_membership = Membership.objects.select_for_update().get(pk=to_membership.pk)
    if (
        to_membership.pk == current.pk
        or to_membership.alliance_id != alliance.pk
        or not to_membership.is_active
    ):
        raise ValidationError(ERR_HAND_OVER_TO_SELF)
    if previous_chair_role == Role.CHAIR:
        raise ValidationError(ERR_SECOND_CHAIR)
    old_role_of_new_chair = to_membership.role
    # Step down first: the database allows one active chair per alliance at any moment.
    current.role = previous_chair_role
    current.save(update_fields=["role"])
    to_membership.role = Role.CHAIR
    to_membership.save(update_fields=["role"])
    _check_leadership(alliance)
    audit_record(
        actor=actor,
        action="chair.handed_over",
        obj=to_membership,
        changes={
            "new_chair_previous_role": old_role_of_new_chair,
            "previous_chair_new_role": previous_chair_role,
            **({"confirmed_by": confirmed_by} if confirmed_by else {}),
        },
    )
    return to_membership


@transaction.atomic
def user_update_preferences(
    *, user: User, first_name: str, last_name: str, preferred_language: str
) -> User:
    changes = {}
    for name, value in (
        ("first_name", first_name),
        ("last_name", last_name),
        ("preferred_language", preferred_language),
    ):
        if getattr(user, name) != value:
            changes[name] = {"from": getattr(user, name), "to": value}
            setattr(user, name, value)
    if changes:
        user.full_clean()
        user.save(update_fields=list(changes))
        audit_record(actor=user, action="user.preferences_updated", obj=user, changes=changes)
    return user


def user_set_language(*, user: User, language: str) -> User:
    return user_update_preferences(
        user=user, first_name=user.first_name, last_name=user.last_name, preferred_language=language
    )
