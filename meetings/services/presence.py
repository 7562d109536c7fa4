"""Who has the minutes editor open: heartbeats from the editors' pages.

Presence is a courtesy notice, not a record: it is not audited, and losing a row only hides a
name for one poll.
"""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from alliances.models import User

from ..models import Minutes, MinutesPresence

# A page that never said goodbye (a browser that crashed, a laptop closed): its row is cleared
# the next time anyone has the same minutes open, so the table keeps only recent editors.
FORGOTTEN_AFTER = timedelta(hours=1)


@transaction.atomic
def minutes_presence_touch(*, minutes: Minutes, actor: User) -> MinutesPresence:
    """Records that the actor has the editor of these minutes open now."""
    now = timezone.now()
    MinutesPresence.objects.filter(minutes=minutes, seen_at__lt=now - FORGOTTEN_AFTER).delete()
    presence, _created = MinutesPresence.objects.update_or_create(
        minutes=minutes, user=actor, defaults={"seen_at": now}
    )
    return presence


@transaction.atomic
def minutes_presence_leave(*, minutes: Minutes, actor: User) -> None:
    """The actor left the editor: the others stop seeing their name at their next poll."""
    MinutesPresence.objects.filter(minutes=minutes, user=actor).delete()
