"""Agenda and minutes as PDF bytes, in the layout of the guide's templates. The download views
and the alliance's archive both print through these."""

from __future__ import annotations

import hashlib

from django.template.loader import render_to_string
from django.utils import timezone

from alliance_portal.pdf import render_pdf
from documents.registry import DocumentKind

from . import selectors
from .models import Meeting, Minutes

AGENDA_TEMPLATE = "meetings/pdf/agenda.html"


def agenda_document(meeting: Meeting) -> bytes:
    """The guide's "Dagordning": the meeting's facts and the timed agenda, portrait A4."""
    return render_pdf(AGENDA_TEMPLATE, selectors.agenda_context(meeting))


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


def _minutes_to_print(minutes_id: int) -> Minutes | None:
    return Minutes.objects.select_related("meeting__alliance").filter(pk=minutes_id).first()


# Approved and locked minutes are printed once and kept (documents.services); locking approved
# minutes changes their status line, so they are printed again then.
MINUTES_KIND = DocumentKind(
    name="minutes",
    template="meetings/pdf/minutes.html",
    load=_minutes_to_print,
    render=minutes_document,
    is_final=lambda minutes: minutes.status in Minutes.FINAL_STATUSES,
    state=lambda minutes: f"{minutes.status}:{minutes.approved_at}:{minutes.locked_at}",
)


def _meeting_to_print(meeting_id: int) -> Meeting | None:
    return Meeting.objects.select_related("alliance").filter(pk=meeting_id).first()


def _agenda_is_final(meeting: Meeting) -> bool:
    """Held (marked, or planned and over, as Meeting.objects.held counts it) or cancelled."""
    if meeting.status == Meeting.Status.PLANNED:
        return meeting.ends_at <= timezone.now()
    return True


def _agenda_state(meeting: Meeting) -> str:
    # The agenda also prints the meetings before and after it, which may be planned or moved
    # after this one is over: the state is a digest of the page as it would be printed now.
    # Drawing the HTML takes milliseconds; printing it takes the better part of a second.
    html = render_to_string(AGENDA_TEMPLATE, selectors.agenda_context(meeting))
    return f"{meeting.status}:{hashlib.sha256(html.encode()).hexdigest()}"


# The agenda of a meeting that is over is printed once and kept (documents.services); a change
# to anything it shows prints it again.
AGENDA_KIND = DocumentKind(
    name="agenda",
    template=AGENDA_TEMPLATE,
    load=_meeting_to_print,
    render=agenda_document,
    is_final=_agenda_is_final,
    state=_agenda_state,
)
