"""The guide's mapping tool as a PDF."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from alliance_portal.pdf import pdf_response
from alliance_portal.permissions import Capability
from alliances.permissions import get_alliance_for_user

from ..documents import mapping_document
from .common import filtered_stakeholders, page_context


@login_required
@require_safe
def mapping_pdf(request: HttpRequest, alliance_id: int) -> HttpResponse:
    """The guide's mapping tool as a landscape A4 table, for the filtered set. A mapping of more
    organisations than BACKGROUND_MAPPING_ORGANISATIONS is offered to be printed in the
    background instead (by the reports app, which the page's button posts to)."""
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.VIEW_CONTACTS)
    stakeholder_filter = filtered_stakeholders(request, access, with_contacts=True)
    # Read once: counted here, printed below.
    stakeholders = list(stakeholder_filter.qs)
    if len(stakeholders) > settings.BACKGROUND_MAPPING_ORGANISATIONS:
        return render(
            request,
            "stakeholders/mapping_background.html",
            page_context(
                access,
                "register",
                organisations=len(stakeholders),
                query=request.GET.urlencode(),
            ),
        )
    pdf = mapping_document(
        access.alliance,
        stakeholders,
        filtered=any(value for key, value in request.GET.items() if key not in ("sort", "page")),
    )
    return pdf_response(pdf, filename=f"{access.alliance.name}-stakeholder-mapping")
