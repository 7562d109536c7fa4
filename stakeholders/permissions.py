"""Access helpers for the stakeholder pages: fetch and authorise in one step.

An alliance reaches an organisation only through its own assessment of it, and a contact person
only in its own register, so another alliance's ids in a URL answer 404, exactly like ids that
do not exist, also when both alliances map the same organisation.
"""

from __future__ import annotations

from django.http import Http404

from alliance_portal.permissions import Capability
from alliances.permissions import AllianceAccess, get_alliance_for_user

from .models import Contact, Gap, Stakeholder, SupportProgramme


def get_stakeholder_for_user(
    user, alliance_id: int, stakeholder_id: int, *, need: Capability = Capability.VIEW_STAKEHOLDERS
) -> tuple[AllianceAccess, Stakeholder]:
    access = get_alliance_for_user(user, alliance_id, need=need)
    stakeholder = (
        Stakeholder.objects.select_related("organisation")
        .filter(pk=stakeholder_id, alliance=access.alliance)
        .first()
    )
    if stakeholder is None:
        raise Http404
    stakeholder.alliance = access.alliance
    return access, stakeholder


def get_contact_for_user(
    user, alliance_id: int, contact_id: int, *, need: Capability = Capability.VIEW_CONTACTS
) -> tuple[AllianceAccess, Stakeholder, Contact]:
    """The contact, in the alliance's own register, and the alliance's assessment of the
    organisation they work for."""
    access = get_alliance_for_user(user, alliance_id, need=Capability.VIEW_STAKEHOLDERS)
    contact = (
        Contact.objects.select_related("organisation")
        .filter(pk=contact_id, alliance=access.alliance)
        .first()
    )
    stakeholder = (
        Stakeholder.objects.select_related("organisation")
        .filter(alliance=access.alliance, organisation_id=contact.organisation_id)
        .first()
        if contact is not None
        else None
    )
    if stakeholder is None:
        raise Http404
    access.require(need)
    stakeholder.alliance = access.alliance
    contact.alliance = access.alliance
    return access, stakeholder, contact


def _get_alliance_item(user, alliance_id: int, model, item_id: int, need: Capability):
    """An object that belongs to the alliance directly (a programme, a gap)."""
    access = get_alliance_for_user(user, alliance_id, need=need)
    item = model.objects.filter(pk=item_id, alliance=access.alliance).first()
    if item is None:
        raise Http404
    return access, item


def get_programme_for_user(
    user, alliance_id: int, programme_id: int, *, need: Capability
) -> tuple[AllianceAccess, SupportProgramme]:
    return _get_alliance_item(user, alliance_id, SupportProgramme, programme_id, need)


def get_gap_for_user(
    user, alliance_id: int, gap_id: int, *, need: Capability
) -> tuple[AllianceAccess, Gap]:
    return _get_alliance_item(user, alliance_id, Gap, gap_id, need)
