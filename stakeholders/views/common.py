"""What every stakeholder page shares: its context and the filtered register."""

from __future__ import annotations

from django.http import HttpRequest

from alliances.permissions import AllianceAccess

from .. import selectors
from ..filters import StakeholderFilter

PAGE_SIZE = 25


def page_context(access: AllianceAccess, section: str, **extra) -> dict:
    return {"access": access, "alliance": access.alliance, "section": section, **extra}


def filtered_stakeholders(
    request: HttpRequest, access: AllianceAccess, *, with_contacts: bool = False
) -> StakeholderFilter:
    return StakeholderFilter(
        request.GET or None,
        queryset=selectors.stakeholder_list(alliance=access.alliance, with_contacts=with_contacts),
        alliance=access.alliance,
    )
