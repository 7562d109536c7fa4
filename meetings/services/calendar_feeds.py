"""Writes to the private calendar feed addresses."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from alliances.audit import audit_record
from alliances.models import Alliance, User

from ..models import CalendarFeed


@transaction.atomic
def calendar_feed_renew(*, user: User, alliance: Alliance | None = None) -> CalendarFeed:
    """A new private feed address; the previous one for the same calendar stops working."""
    # Locking the user's row makes two renewals at once (a double click) run one after the
    # other, so only one address stays live.
    User.objects.select_for_update().filter(pk=user.pk).first()
    calendar_feed_revoke(user=user, alliance=alliance)
    feed = CalendarFeed.objects.create(user=user, alliance=alliance)
    audit_record(actor=user, action="calendar.feed_created", alliance=alliance)
    return feed


@transaction.atomic
def calendar_feed_revoke(*, user: User, alliance: Alliance | None = None) -> int:
    revoked = CalendarFeed.objects.filter(
        user=user, alliance=alliance, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    if revoked:
        audit_record(actor=user, action="calendar.feed_revoked", alliance=alliance)
    return revoked
