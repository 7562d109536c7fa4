"""The plan as a PDF download: the draft or a frozen version (see actionplans.documents)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_safe

from alliance_portal.pdf import pdf_response

from .. import selectors
from ..documents import document_name, plan_document, version_document
from ..models import ActionPlan, PlanVersion
from ..permissions import get_plan_for_user, get_version_for_user


def _version_response(plan: ActionPlan, version: PlanVersion) -> HttpResponse:
    return pdf_response(
        version_document(plan, version), filename=document_name(version.snapshot, version.number)
    )


@login_required
@require_safe
def plan_pdf(request: HttpRequest, alliance_id: int, plan_id: int) -> HttpResponse:
    """The plan as it stands: its approved version, or else its live content marked DRAFT."""
    _access, plan = get_plan_for_user(request.user, alliance_id, plan_id)
    if plan.status == ActionPlan.Status.APPROVED:
        # An approved plan's current version is its latest approved one.
        return _version_response(plan, selectors.latest_approved_version(plan))
    content = selectors.plan_content(plan)
    pdf = plan_document(
        alliance=plan.alliance, content=content, number=plan.version, status=plan.status
    )
    return pdf_response(pdf, filename=document_name(content, plan.version))


@login_required
@require_safe
def version_pdf(request: HttpRequest, alliance_id: int, plan_id: int, number: int) -> HttpResponse:
    """One version as it was submitted (and signed, if it was), from its frozen snapshot."""
    _access, plan, version = get_version_for_user(request.user, alliance_id, plan_id, number)
    return _version_response(plan, version)
