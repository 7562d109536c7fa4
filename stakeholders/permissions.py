"""Access helpers for the stakeholder pages: fetch and authorise in one step.

An alliance reaches an organisation only through its own assessment of it, so another alliance's
ids in a URL answer 404, exactly like ids that do not exist.
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
    """The contact and the alliance's assessment of the organisation they work for."""
    access = get_alliance_for_user(user, alliance_id, need=Capability.VIEW_STAKEHOLDERS)
    contact = Contact.objects.select_related("organisation").filter(pk=contact_id).first()
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
    return access, stakeholder, contact


def get_programme_for_user(
    user, alliance_id: int, programme_id: int, *, need: Capability
) -> tuple[AllianceAccess, SupportProgramme]:
    access = get_alliance_for_user(user, alliance_id, need=need)
    programme = SupportProgramme.objects.filter(pk=programme_id, alliance=access.alliance).first()
    if programme is None:
        raise Http404
    return access, programme


def get_gap_for_user(
    user, alliance_id: int, gap_id: int, *, need: Capability
) -> tuple[AllianceAccess, Gap]:
    access = get_alliance_for_user(user, alliance_id, need=need)
    gap = Gap.objects.filter(pk=gap_id, alliance=access.alliance).first()
    if gap is None:
        raise Http404
    return access, gap
