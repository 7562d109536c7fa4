"""Reminders follow what meetings announce; connected in RemindersConfig.ready().

The signals are sent inside the meeting service's transaction, so the deliveries written or
dropped here commit together with the change to the meeting, or not at all.
"""

from __future__ import annotations

from django.dispatch import receiver

from meetings import signals

from . import services


@receiver(signals.meeting_rescheduled, dispatch_uid="reminders.meeting_rescheduled")
def on_meeting_rescheduled(sender, *, meeting, **kwargs) -> None:
    services.reminders_meeting_rescheduled(meeting=meeting)


@receiver(signals.meeting_cancelled, dispatch_uid="reminders.meeting_cancelled")
def on_meeting_cancelled(sender, *, meeting, **kwargs) -> None:
    services.reminders_meeting_cancelled(meeting=meeting)


@receiver(signals.agenda_published, dispatch_uid="reminders.agenda_published")
def on_agenda_published(sender, *, meeting, recipient_ids, **kwargs) -> None:
    services.reminders_agenda_published(meeting=meeting, recipient_ids=recipient_ids)


@receiver(signals.minutes_circulated, dispatch_uid="reminders.minutes_circulated")
def on_minutes_circulated(sender, *, minutes, recipient_ids, **kwargs) -> None:
    services.reminders_minutes_circulated(minutes=minutes, recipient_ids=recipient_ids)
