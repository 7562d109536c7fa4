"""Reminders follow meetings through the signals meetings send inside their own transaction:
the change to the meeting and the reminder rows are saved together or not at all."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from alliances.models import AuditEntry
from meetings import services as meeting_services
from meetings import signals
from reminders import services
from reminders.models import Delivery, ReminderKind

from ..factories import make_meeting

pytestmark = pytest.mark.django_db


class ReminderWriteFailed(Exception):
    pass


def _fail(**kwargs) -> None:
    raise ReminderWriteFailed


@pytest.mark.parametrize(
    "signal",
    [
        signals.meeting_rescheduled,
        signals.meeting_cancelled,
        signals.agenda_published,
        signals.minutes_circulated,
    ],
)
def test_reminders_listen_to_every_meeting_signal(signal):
    assert signal.has_listeners()


def test_a_failure_while_dropping_the_reminders_leaves_the_meeting_planned(cast, monkeypatch):
    meeting = make_meeting(cast.alliance, cast.secretary)
    monkeypatch.setattr(services, "reminders_meeting_cancelled", _fail)

    with pytest.raises(ReminderWriteFailed):
        meeting_services.meeting_cancel(meeting=meeting, actor=cast.secretary)

    meeting.refresh_from_db()
    assert not meeting.is_cancelled
    assert not AuditEntry.objects.filter(action="meeting.cancelled").exists()


def test_agenda_reminders_lost_on_the_way_to_the_queue_are_picked_up_by_the_scheduler(
    cast, django_capture_on_commit_callbacks
):
    meeting = make_meeting(cast.alliance, cast.secretary)
    # As if the process died right after the commit: the queueing callbacks never run.
    with django_capture_on_commit_callbacks(execute=False):
        meeting_services.agenda_publish(meeting=meeting, actor=cast.secretary)

    written = Delivery.objects.filter(kind=ReminderKind.AGENDA_PUBLISHED, object_id=meeting.pk)
    expected = set(
        meeting.participants.exclude(user=None).exclude(email="").values_list("user_id", flat=True)
    )
    assert expected
    assert set(written.pending().values_list("recipient_id", flat=True)) == expected
    after_lease = timezone.now() + timedelta(seconds=settings.REMINDER_LEASE_SECONDS + 1)
    assert set(services.deliveries_claim_due(now=after_lease)) == set(
        written.values_list("pk", flat=True)
    )
