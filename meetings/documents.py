"""Agenda and minutes as PDF bytes, in the layout of the guide's templates. The download views
and the alliance's archive both print through these."""

from __future__ import annotations

from alliance_portal.pdf import render_pdf

from . import selectors
from .models import Meeting, Minutes


def agenda_document(meeting: Meeting) -> bytes:
    """The guide's "Dagordning": the meeting's facts and the timed agenda, portrait A4."""
    return render_pdf("meetings/pdf/agenda.html", selectors.agenda_context(meeting))


def minutes_document(minutes: Minutes) -> bytes:
    """The guide's "Mötesprotokoll": attendance, then item | comment | date for implementation."""
    context = selectors.minutes_context(minutes)
    alliance = context["alliance"]
    # Approval is a moment like the meeting's start, so it is printed in the alliance's zone too.
    context["approved_at_local"] = (
        selectors.local_time(alliance, minutes.approved_at) if minutes.approved_at else None
    )
    return render_pdf("meetings/pdf/minutes.html", context)


def document_name(document: str, meeting: Meeting) -> str:
    return f"{document}-{meeting.number}-{meeting.title}"
