"""Reads for the stakeholder pages, scoped to one alliance; query counts do not grow with rows."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from alliance_portal.permissions import Role
from alliances.models import Alliance, AuditEntry, Membership

from .models import (
    Category,
    Contact,
    Gap,
    Level,
    Organisation,
    Sector,
    Stakeholder,
    SupportProgramme,
)

# The guide: "8-12 representatives is ideal".
RECOMMENDED_REPRESENTATIVES = (8, 12)


def _current_contacts(alliance: Alliance) -> Prefetch:
    return Prefetch(
        "organisation__contacts",
        queryset=Contact.objects.filter(alliance=alliance, erased_at__isnull=True).order_by("name"),
        to_attr="current_contacts",
    )


def stakeholder_list(*, alliance: Alliance, with_contacts: bool = False) -> QuerySet[Stakeholder]:
    """The alliance's mapping, one row per organisation, with the number of contact people the
    alliance has recorded there (other alliances' contacts at the same organisation are theirs)."""
    qs = (
        Stakeholder.objects.filter(alliance=alliance)
        .select_related("organisation")
        .annotate(
            contact_count=Count(
                "organisation__contacts",
                filter=Q(
                    organisation__contacts__alliance=alliance,
                    organisation__contacts__erased_at__isnull=True,
                ),
            )
        )
        .order_by("organisation__name", "pk")
    )
    if with_contacts:
        qs = qs.prefetch_related(_current_contacts(alliance))
    return qs


def municipality_choices(*, alliance: Alliance) -> list[tuple[str, str]]:
    names = (
        Stakeholder.objects.filter(alliance=alliance)
        .exclude(organisation__municipality="")
        .values_list("organisation__municipality", flat=True)
        .distinct()
        .order_by("organisation__municipality")
    )
    return [(name, name) for name in names]


@dataclass
class GridRow:
    impact: Level
    cells: list[list[Stakeholder]]


def impact_interest_grid(stakeholders) -> list[GridRow]:
    """The 3 x 3 grid: impact from high (top) to low, interest from low (left) to high."""
    cells: dict[tuple[int, int], list[Stakeholder]] = {}
    for stakeholder in stakeholders:
        cells.setdefault((stakeholder.impact, stakeholder.interest), []).append(stakeholder)
    return [
        GridRow(impact=impact, cells=[cells.get((impact, interest), []) for interest in Level])
        for impact in reversed(Level)
    ]


def contact_list(*, alliance: Alliance, organisation: Organisation) -> QuerySet[Contact]:
    """The contact people the alliance has recorded at the organisation, erased ones last."""
    return Contact.objects.filter(alliance=alliance, organisation=organisation).order_by(
        "erased_at", "name"
    )


# What the register's shared facts were changed by: the audit entries of organisation_update and
# stakeholder_create (and the import), each recording the alliance that made the change.
SHARED_CHANGE_ACTIONS = ("organisation.created", "organisation.updated")


@dataclass(frozen=True)
class SharedChange:
    alliance: str
    at: datetime
    created: bool
    fields: list[str]


def _field_label(name: str) -> str:
    try:
        return str(Organisation._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name


def organisation_changes(*, organisation: Organisation, limit: int = 5) -> list[SharedChange]:
    """The latest changes to the organisation's shared facts, newest first, each with the
    alliance that made it; never the person, who belongs to that alliance."""
    entries = (
        AuditEntry.objects.filter(
            action__in=SHARED_CHANGE_ACTIONS,
            object_type=Organisation._meta.label_lower,
            object_id=str(organisation.pk),
        )
        .select_related("alliance")
        .order_by("-created_at", "-pk")[:limit]
    )
    return [
        SharedChange(
            alliance=entry.alliance.name if entry.alliance else "",
            at=entry.created_at,
            created=entry.action == "organisation.created",
            fields=[_field_label(name) for name in entry.changes if name != "fields"],
        )
        for entry in entries
    ]


def programme_list(*, alliance: Alliance) -> QuerySet[SupportProgramme]:
    return SupportProgramme.objects.filter(alliance=alliance).prefetch_related(
        "organisations", "gaps"
    )


def gap_list(*, alliance: Alliance) -> QuerySet[Gap]:
    return Gap.objects.filter(alliance=alliance).prefetch_related("programmes")


def programmes_for_organisation(*, alliance: Alliance, organisation: Organisation):
    return SupportProgramme.objects.filter(alliance=alliance, organisations=organisation)


@dataclass
class Balance:
    representatives: int
    by_sector: list[tuple[str, int]]
    by_category: list[tuple[str, int]]
    unlinked: int
    warnings: list[str] = field(default_factory=list)
    members: list[Membership] = field(default_factory=list)


def _balance_warnings(total: int, sectors: Counter, categories: Counter) -> list[str]:
    low, high = RECOMMENDED_REPRESENTATIVES
    warnings = []
    if total < low or total > high:
        warnings.append(
            ngettext(
                "The alliance has %(count)d representative; the guide advises %(low)d to %(high)d.",
                "The alliance has %(count)d representatives; "
                "the guide advises %(low)d to %(high)d.",
                total,
            )
            % {"count": total, "low": low, "high": high}
        )
    if not categories[Category.MIGRANT_ORGANISATION]:
        warnings.append(
            _(
                "No representative comes from a migrant or refugee organisation. The guide asks "
                "for the migrant community to have a voice in the alliance."
            )
        )
    if len(sectors) == 1 and sum(sectors.values()) > 1:
        sector = Sector(next(iter(sectors))).label
        warnings.append(
            _("Every linked representative comes from one sector (%(sector)s).")
            % {"sector": sector}
        )
    return warnings


def representation_balance(*, alliance: Alliance) -> Balance:
    """Members who represent organisations, counted by sector and category, with the guide's
    advice checked. Observers hold no seat, so they are not counted."""
    members = list(
        Membership.objects.active()
        .filter(alliance=alliance)
        .exclude(role=Role.OBSERVER)
        .select_related("user", "organisation", "contact")
        .order_by("user__first_name", "user__last_name", "user__email")
    )
    linked = [m.organisation for m in members if m.organisation is not None]
    sectors = Counter(org.sector for org in linked)
    categories = Counter(org.category for org in linked)
    return Balance(
        representatives=len(members),
        by_sector=[(label, sectors[value]) for value, label in Sector.choices],
        by_category=[(label, categories[value]) for value, label in Category.choices],
        unlinked=len(members) - len(linked),
        warnings=_balance_warnings(len(members), sectors, categories),
        members=members,
    )


def representatives_not_linked(*, alliance_ids) -> QuerySet[Membership]:
    """Seated members of the given alliances who name an organisation that is not linked to
    the register: the "not linked" rows of the representation balance. A personal member names
    none, so has nothing to link."""
    return (
        Membership.objects.active()
        .filter(alliance__in=alliance_ids, organisation__isnull=True)
        .exclude(role=Role.OBSERVER)
        .exclude(organisation_name="")
        .select_related("alliance", "user")
        .order_by("alliance__name", "user__first_name", "user__last_name", "pk")
    )


def contact_personal_data(*, contact: Contact) -> dict:
    """Everything the alliance holds about one contact person, for a subject access request."""
    memberships = Membership.objects.filter(
        contact=contact, alliance_id=contact.alliance_id
    ).select_related("alliance", "user")
    entries = (
        AuditEntry.objects.filter(
            changes__contact=contact.audit_label, alliance_id=contact.alliance_id
        )
        .select_related("alliance")
        .order_by("created_at")
    )
    return {
        "contact": {
            "id": contact.pk,
            "name": contact.name,
            "title": contact.title,
            "phone": contact.phone,
            "email": contact.email,
            "preferred_language": contact.preferred_language,
            "authority_to_commit": contact.get_authority_to_commit_display(),
            "authority_holder": contact.authority_holder,
            "consent_basis": contact.get_consent_basis_display(),
            "consent_date": contact.consent_date.isoformat() if contact.consent_date else None,
            "created_at": contact.created_at.isoformat(),
            "updated_at": contact.updated_at.isoformat(),
            "erased_at": contact.erased_at.isoformat() if contact.erased_at else None,
        },
        "organisation": {
            "name": contact.organisation.name,
            "municipality": contact.organisation.municipality,
            "website": contact.organisation.website,
        },
        "memberships": [
            {
                "alliance": m.alliance.name,
                "role": m.get_role_display(),
                "account_email": m.user.email,
                "started_at": m.started_at.isoformat(),
                "ended_at": m.ended_at.isoformat() if m.ended_at else None,
            }
            for m in memberships
        ],
        "history": [
            # Who made each change is someone else's personal data, so it is left out.
            {
                "time": entry.created_at.isoformat(),
                "alliance": entry.alliance.name if entry.alliance else "",
                "action": entry.action_label,
                "fields": entry.changes.get("fields", ""),
            }
            for entry in entries
        ],
    }
