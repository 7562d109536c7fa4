"""iCalendar for meetings: one event, an alliance's feed or a person's feed."""

from __future__ import annotations


def meeting_ics_bytes(meeting) -> bytes:
    """The meeting as a one-event .ics file (placeholder until the calendar module is built)."""
    raise NotImplementedError
