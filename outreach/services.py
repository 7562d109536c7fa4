"""Every write of the outreach pages: validated, atomic and written to the audit log."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from alliance_portal.services import assign_fields
from alliances.audit import audit_record, save_and_audit
from alliances.models import Alliance, Membership, User

from .models import (
    CommunicationEntry,
    CommunicationLog,
    CommunicationPlan,
    InformationMaterial,
)

MATERIAL_FIELDS = (
    "why_alliance",
    "regional_situation",
    "reasons_to_join",
    "time_commitment",
    "target_group",
    "registration",
    "practical_details",
    "contact",
)
ENTRY_FIELDS = ("audience", "purpose", "message", "delivery", "frequency", "timing")
ERR_PROFILE_EMPTY = _(
    "Write the public profile first (Edit alliance → Public profile): the page shows it."
)
ERR_PUBLIC_ADDRESS = _("No free address could be found for the public page. Try again.")
# The public page's address is made from the name; this many tries find a free one.
SLUG_ATTEMPTS = 50


def _changed(names: list[str]) -> dict[str, str]:
    return {"fields": ", ".join(sorted(names))} if names else {}


@transaction.atomic
def information_save(*, alliance: Alliance, actor: User, **fields: Any) -> InformationMaterial:
    """Creates or updates the alliance's information material for new members."""
    material = InformationMaterial.objects.filter(alliance=alliance).first()
    created = material is None
    if created:
        material = InformationMaterial(alliance=alliance)
    material.updated_by = actor
    return save_and_audit(
        material,
        actor=actor,
        alliance=alliance,
        fields=fields,
        allowed=MATERIAL_FIELDS,
        created=created,
        created_action="information.created",
        updated_action="information.updated",
    )


def communication_plan_for(alliance: Alliance) -> CommunicationPlan:
    """The alliance's communication plan, made empty the first time it is written to."""
    plan, _created = CommunicationPlan.objects.get_or_create(alliance=alliance)
    plan.alliance = alliance
    return plan


@transaction.atomic
def communication_settings_save(
    *, alliance: Alliance, actor: User, press_contact: Membership | None, strategy: str
) -> CommunicationPlan:
    plan = communication_plan_for(alliance)
    changed = assign_fields(
        plan, {"press_contact": press_contact, "strategy": strategy}, ("press_contact", "strategy")
    )
    plan.full_clean()
    plan.save()
    if changed:
        audit_record(
            actor=actor,
            action="communication.updated",
            obj=plan,
            alliance=alliance,
            changes={
                **_changed(changed),
                **({"press_contact": str(press_contact.user)} if press_contact else {}),
            },
        )
    return plan


@transaction.atomic
def entry_save(
    *,
    alliance: Alliance,
    actor: User,
    entry: CommunicationEntry | None = None,
    **fields: Any,
) -> CommunicationEntry:
    """Adds a row to the communication plan (at the end), or updates the row given."""
    created = entry is None
    if created:
        plan = communication_plan_for(alliance)
        last = plan.entries.aggregate(last=Max("position"))["last"]
        entry = CommunicationEntry(plan=plan, position=(last or 0) + 1)
    return save_and_audit(
        entry,
        actor=actor,
        alliance=alliance,
        fields=fields,
        allowed=ENTRY_FIELDS,
        created=created,
        created_action="communication.entry_added",
        updated_action="communication.entry_updated",
    )


@transaction.atomic
def entry_delete(*, entry: CommunicationEntry, actor: User) -> None:
    audit_record(
        actor=actor, action="communication.entry_removed", obj=entry, alliance=entry.plan.alliance
    )
    entry.delete()


@transaction.atomic
def entry_carried_out(
    *, entry: CommunicationEntry, actor: User, carried_out_on: date, note: str
) -> CommunicationLog:
    """Records that a row of the communication plan was carried out."""
    log = CommunicationLog(entry=entry, date=carried_out_on, note=note, recorded_by=actor)
    log.full_clean()
    log.save()
    audit_record(
        actor=actor,
        action="communication.carried_out",
        obj=entry,
        alliance=entry.plan.alliance,
        changes={"date": carried_out_on.isoformat()},
    )
    return log


def _free_slug(alliance: Alliance) -> str:
    base = slugify(alliance.name)[:70].strip("-") or "alliance"
    taken = set(
        Alliance.objects.filter(public_slug__startswith=base)
        .exclude(pk=alliance.pk)
        .values_list("public_slug", flat=True)
    )
    for number in range(1, SLUG_ATTEMPTS + 1):
        candidate = base if number == 1 else f"{base}-{number}"
        if candidate not in taken:
            return candidate
    raise ValidationError(ERR_PUBLIC_ADDRESS)


@transaction.atomic
def profile_publish(*, alliance: Alliance, actor: User) -> Alliance:
    """Opens the public profile page. Its address is kept from the first time it was opened."""
    if not alliance.public_profile.strip():
        raise ValidationError(ERR_PROFILE_EMPTY)
    alliance.profile_public = True
    fields = ["profile_public"]
    if not alliance.public_slug:
        alliance.public_slug = _free_slug(alliance)
        fields.append("public_slug")
    try:
        # Two alliances published at the same moment may pick the same address; the database's
        # unique constraint decides and the loser is told to try again.
        with transaction.atomic():
            alliance.save(update_fields=[*fields, "updated_at"])
    except IntegrityError as exc:
        raise ValidationError(ERR_PUBLIC_ADDRESS) from exc
    audit_record(
        actor=actor,
        action="profile.published",
        obj=alliance,
        changes={"address": alliance.public_slug},
    )
    return alliance


@transaction.atomic
def profile_unpublish(*, alliance: Alliance, actor: User) -> Alliance:
    alliance.profile_public = False
    alliance.save(update_fields=["profile_public", "updated_at"])
    audit_record(actor=actor, action="profile.unpublished", obj=alliance)
    return alliance
