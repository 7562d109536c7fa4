"""Outreach records in the states tests start from: complete information material, rows of the
communication plan, a communication carried out, a profile ready to publish."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from alliances import services as alliance_services
from alliances.models import AuditEntry
from outreach import services
from outreach.models import CommunicationEntry, CommunicationLog, InformationMaterial

REASONS = (
    "Meet the people who run support programmes in the county",
    "Shape the regional action plan",
    "Reach families through trained community mediators",
    "Share knowledge, contacts and venues",
    "Find partners for joint funding applications",
)
COMPLETE_MATERIAL = {
    "why_alliance": "Newcomers meet many services, each on its own.",
    "regional_situation": "Eight municipalities, few newcomers know where to turn.",
    "reasons_to_join": "\n".join(REASONS),
    "time_commitment": "Five plenary meetings over 18 months.",
    "target_group": "Municipal services and associations",
    "registration": "Answer in the portal by 1 March.",
    "practical_details": "Free of charge; travel is paid.",
    "contact": "The coordinator at the county region",
}
PROFILE_TEXT = "A regional alliance for community mediation in Kronoberg."


def write_material(cast, **overrides) -> InformationMaterial:
    """The coordinator writes complete information material, with any fields overridden."""
    return services.information_save(
        alliance=cast.alliance, actor=cast.coordinator, **{**COMPLETE_MATERIAL, **overrides}
    )


def add_entry(alliance, actor, **fields) -> CommunicationEntry:
    values = {
        "audience": "Newly arrived parents",
        "purpose": "Come to the drop-in.",
        "message": "Where to turn, in their own language.",
        "delivery": "Community mediators and chat groups.",
        "frequency": "monthly",
        "timing": "The first week of each month",
        **fields,
    }
    return services.entry_save(alliance=alliance, actor=actor, **values)


def carried_out(entry, actor, *, days_ago: int, note: str = "") -> CommunicationLog:
    return services.entry_carried_out(
        entry=entry,
        actor=actor,
        carried_out_on=timezone.localdate() - timedelta(days=days_ago),
        note=note,
    )


def write_profile(alliance, actor, text: str = PROFILE_TEXT) -> None:
    alliance_services.alliance_update(alliance=alliance, actor=actor, public_profile=text)
    alliance.refresh_from_db()


def days_ahead(days: int) -> datetime:
    """Nine in the morning (UTC), some days from now: a meeting still to come."""
    moment = timezone.now() + timedelta(days=days)
    return moment.replace(hour=9, minute=0, second=0, microsecond=0)


def audit_actions(alliance, prefix: str = "") -> list[str]:
    entries = AuditEntry.objects.filter(alliance=alliance, action__startswith=prefix)
    return list(entries.order_by("created_at", "id").values_list("action", flat=True))
