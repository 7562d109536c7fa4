"""The plan as a PDF download: the draft or a frozen version (see actionplans.documents)."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from alliance_portal.pdf import pdf_response
from documents.services import document_pdf

from .. import selectors
from ..documents import PLAN_VERSION_KIND, document_name, plan_document, version_file_name
from ..models import ActionPlan, PlanVersion
from ..permissions import get_plan_for_user, get_version_for_user


def _version_response(plan: ActionPlan, version: PlanVersion) -> HttpResponse:
    """The version's kept PDF. The version comes without its snapshot, which only printing it
    again reads, so the file is named with the plan's title."""
    version.plan = plan
    return pdf_response(
        document_pdf(PLAN_VERSION_KIND.name, version),
        filename=version_file_name(plan.title, version.number),
    )


@login_required
@require_safe
def plan_pdf(request: HttpRequest, alliance_id: int, plan_id: int) -> HttpResponse:
    """The plan as it stands: its approved version, or else its live content marked DRAFT."""
    access, plan = get_plan_for_user(request.user, alliance_id, plan_id)
    if plan.status == ActionPlan.Status.APPROVED:
        # An approved plan's current version is its latest approved one.
        return _version_response(plan, selectors.latest_approved_version(plan, with_snapshot=False))
    content = selectors.plan_content(plan)
    if len(content["actions"]) > settings.BACKGROUND_PLAN_ACTIONS:
        # Too long to print while the browser waits: the page offers to print it in the
        # background (the reports app, which its button posts to).
        return render(
            request,
            "actionplans/plan_pdf_background.html",
            {
                "access": access,
                "alliance": access.alliance,
                "plan": plan,
                "actions": len(content["actions"]),
            },
        )
    pdf = plan_document(
        alliance=plan.alliance, content=content, number=plan.version, status=plan.status
    )
    return pdf_response(pdf, filename=document_name(content, plan.version))


@login_required
@require_safe
def version_pdf(request: HttpRequest, alliance_id: int, plan_id: int, number: int) -> HttpResponse:
    """One version as it was submitted (and signed, if it was), from its frozen snapshot."""
    _access, plan, version = get_version_for_user(
        request.user, alliance_id, plan_id, number, with_snapshot=False
    )
    return _version_response(plan, version)
