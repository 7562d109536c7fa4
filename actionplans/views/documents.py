"""The plan as a PDF, in the guide's "Regional action plan" layout: the draft or a frozen version.

A version's PDF is printed from its snapshot and its sign-off alone, never from the live rows, so
an approved version reads the same however the plan is edited afterwards.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse

from alliance_portal.pdf import pdf_response, render_pdf
from alliances.models import Alliance

from .. import selectors
from ..models import ActionPlan, PlanVersion
from ..permissions import get_plan_for_user, get_version_for_user

TEMPLATE = "actionplans/pdf/plan.html"


def _plan_document(
    request: HttpRequest,
    *,
    alliance: Alliance,
    content: dict,
    number: int,
    status: str,
    version: PlanVersion | None = None,
) -> HttpResponse:
    context = {
        # The alliance gives only the time zone the sign-off is printed in; the text is content's.
        "alliance": alliance,
        "content": content,
        "number": number,
        "status": status,
        "status_label": ActionPlan.Status(status).label,
        # Only a signed version is printed without the DRAFT mark.
        "is_approved": version is not None and version.is_approved,
        "version": version,
    }
    pdf = render_pdf(TEMPLATE, context, request=request)
    return pdf_response(pdf, filename=f"{content['plan']['title']} v{number}")


def _version_document(request: HttpRequest, plan: ActionPlan, version: PlanVersion):
    return _plan_document(
        request,
        alliance=plan.alliance,
        content=version.snapshot,
        number=version.number,
        status=selectors.version_status(plan, version),
        version=version,
    )


@login_required
def plan_pdf(request: HttpRequest, alliance_id: int, plan_id: int) -> HttpResponse:
    """The plan as it stands: its approved version, or else its live content marked DRAFT."""
    _access, plan = get_plan_for_user(request.user, alliance_id, plan_id)
    if plan.status == ActionPlan.Status.APPROVED:
        # An approved plan's current version is its latest approved one.
        version = selectors.latest_approved_version(plan)
        return _version_document(request, plan, version)
    return _plan_document(
        request,
        alliance=plan.alliance,
        content=selectors.plan_content(plan),
        number=plan.version,
        status=plan.status,
    )


@login_required
def version_pdf(request: HttpRequest, alliance_id: int, plan_id: int, number: int) -> HttpResponse:
    """One version as it was submitted (and signed, if it was), from its frozen snapshot."""
    _access, plan, version = get_version_for_user(request.user, alliance_id, plan_id, number)
    return _version_document(request, plan, version)
