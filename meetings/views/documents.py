"""Agenda and minutes as PDFs, in the layout of the guide's templates."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from alliance_portal.pdf import pdf_response
from documents.services import document_pdf

from ..documents import AGENDA_KIND, MINUTES_KIND, document_name
from ..permissions import get_meeting_for_user, get_minutes_for_user, require_readable_minutes


@login_required
@require_safe
def agenda_pdf(request: HttpRequest, alliance_id: int, meeting_id: int) -> HttpResponse:
    _access, meeting = get_meeting_for_user(request.user, alliance_id, meeting_id)
    return pdf_response(
        document_pdf(AGENDA_KIND.name, meeting), filename=document_name("agenda", meeting)
    )


@login_required
@require_safe
def minutes_pdf(request: HttpRequest, alliance_id: int, meeting_id: int) -> HttpResponse:
    access, minutes = get_minutes_for_user(request.user, alliance_id, meeting_id)
    require_readable_minutes(access, minutes)
    return pdf_response(
        document_pdf(MINUTES_KIND.name, minutes),
        filename=document_name("minutes", minutes.meeting),
    )
