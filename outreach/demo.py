"""Demo outreach: complete information material, a published public profile, and a
communication plan with a press contact and three rows, one of them not carried out yet."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from alliances.models import Alliance, Membership, User

from . import services
from .models import CommunicationPlan, Frequency

INFORMATION = {
    "why_alliance": (
        "Newly arrived families in Kronoberg meet many services, each on its own. The alliance "
        "brings those services and the migrant community's own organisations to one table, so "
        "that support is easier to find and gaps are closed together."
    ),
    "regional_situation": (
        "Eight municipalities, a county region and many associations offer support, but few "
        "newcomers know of it. Language, distance and trust keep people away."
    ),
    "reasons_to_join": (
        "Meet the people who run support programmes in the whole county\n"
        "Shape the regional action plan\n"
        "Reach families through trained community mediators\n"
        "Share knowledge, contacts and venues\n"
        "Find partners for joint applications for funding\n"
        "Give the migrant community a voice in regional decisions"
    ),
    "time_commitment": (
        "Five plenary meetings over 18 months, about three hours each, and help to draft and "
        "follow the regional action plan between them."
    ),
    "target_group": "Municipal services, public agencies and associations in Kronoberg",
    "registration": "Answer the invitation in the portal, or write to the coordinator.",
    "practical_details": "Free of charge. Travel by public transport is paid on request.",
    "contact": "The alliance's coordinator at Region Kronoberg",
}

ROWS = (
    {
        "audience": "Newly arrived parents",
        "purpose": "Come to the drop-in and ask about school and health care.",
        "message": "Where to turn, in their own language.",
        "delivery": "Community mediators, the parents' networks' chat groups.",
        "frequency": Frequency.MONTHLY,
        "timing": "The first week of each month",
    },
    {
        "audience": "Municipal decision-makers",
        "purpose": "Support the action plan and fund the mediators.",
        "message": "What the alliance achieved and what it needs next.",
        "delivery": "A short report at the municipal boards' meetings.",
        "frequency": Frequency.HALF_YEARLY,
        "timing": "After each second plenary meeting",
    },
    {
        "audience": "Local press and radio",
        "purpose": "Report on the alliance's work and good examples.",
        "message": "Stories of mediators and families, with their consent.",
        "delivery": "Press releases and an invitation to each plenary meeting.",
        "frequency": Frequency.QUARTERLY,
        "timing": "",
    },
)


def has_outreach(alliance: Alliance) -> bool:
    return CommunicationPlan.objects.filter(alliance=alliance).exists()


def seed_outreach(*, alliance: Alliance, coordinator: User) -> None:
    services.information_save(alliance=alliance, actor=coordinator, **INFORMATION)
    press_contact = Membership.objects.active().get(alliance=alliance, user=coordinator)
    services.communication_settings_save(
        alliance=alliance,
        actor=coordinator,
        press_contact=press_contact,
        strategy="Reach newcomers through people they trust, and decision-makers through results.",
    )
    today = timezone.localdate()
    entries = [services.entry_save(alliance=alliance, actor=coordinator, **row) for row in ROWS]
    for days_ago, note in ((40, "Mediators visited three language cafés."), (9, "Chat groups.")):
        services.entry_carried_out(
            entry=entries[0],
            actor=coordinator,
            carried_out_on=today - timedelta(days=days_ago),
            note=note,
        )
    services.entry_carried_out(
        entry=entries[1],
        actor=coordinator,
        carried_out_on=today - timedelta(days=20),
        note="Reported to the social services board in Växjö.",
    )
    services.profile_publish(alliance=alliance, actor=coordinator)
