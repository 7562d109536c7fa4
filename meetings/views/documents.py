"""Agenda and minutes as PDFs, in the layout of the guide's templates."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from alliance_portal.pdf import pdf_response, render_pdf

from .. import selectors
from ..models import Meeting
from ..permissions import get_meeting_for_user, get_minutes_for_user, require_readable_minutes


def _file_name(document: str, meeting: Meeting) -> str:
    return f"{document}-{meeting.number}-{meeting.title}"


@login_required
def agenda_pdf(request: HttpRequest, alliance_id: int, meeting_id: int) -> HttpResponse:
    """The guide's "Dagordning": the meeting's facts and the timed agenda, portrait A4."""
    _access, meeting = get_meeting_for_user(request.user, alliance_id, meeting_id)
    pdf = render_pdf("meetings/pdf/agenda.html", selectors.agenda_context(meeting), request=request)
    return pdf_response(pdf, filename=_file_name("agenda", meeting))


@login_required
def minutes_pdf(request: HttpRequest, alliance_id: int, meeting_id: int) -> HttpResponse:
    """The guide's "Mötesprotokoll": attendance, then item | comment | date for implementation."""
    access, minutes = get_minutes_for_user(request.user, alliance_id, meeting_id)
    require_readable_minutes(access, minutes)
    context = selectors.minutes_context(minutes)
    alliance = context["alliance"]
    # Approval is a moment like the meeting's start, so it is printed in the alliance's zone too.
    context["approved_at_local"] = (
        selectors.local_time(alliance, minutes.approved_at) if minutes.approved_at else None
    )
    pdf = render_pdf("meetings/pdf/minutes.html", context, request=request)
    return pdf_response(pdf, filename=_file_name("minutes", minutes.meeting))
