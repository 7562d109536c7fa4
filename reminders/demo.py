"""Demo reminders: the schedule written ahead, and one reminder the mail server refused, so the
coordinator's page and the alliance's banner have something to show."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from agreements.models import Signature
from alliances.models import Alliance

from .models import Delivery, ReminderKind
from .services import reminders_plan

REFUSED = "SMTPRecipientsRefused: 550 5.1.1 Mailbox unavailable (demo)"


def seed_reminders(*, alliance: Alliance) -> None:
    """Safe to run again: the refused reminder is written once, and planning is idempotent."""

    now = timezone.now()
    waiting = (
        Signature.objects.filter(
            version__agreement__alliance=alliance, status=Signature.Status.PENDING
        )
        .select_related("membership")
        .order_by("pk")
        .first()
    )
    if waiting is not None:
        Delivery.objects.get_or_create(
            kind=ReminderKind.AGREEMENT_UNSIGNED,
            object_id=waiting.pk,
            recipient_id=waiting.membership.user_id,
            slot="1",
            defaults={
                "alliance": alliance,
                "due_at": now - timedelta(hours=3),
                "status": Delivery.Status.FAILED,
                "attempts": 5,
                "last_error": REFUSED,
                "failed_at": now - timedelta(minutes=20),
            },
        )
    reminders_plan(now=now)
