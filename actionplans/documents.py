"""The plan as PDF bytes, in the guide's "Regional action plan" layout: the draft or a frozen
version. The download views and the alliance's archive both print through these.

A version's PDF is printed from its snapshot and its sign-off alone, never from the live rows, so
an approved version reads the same however the plan is edited afterwards.
"""

from __future__ import annotations

from alliance_portal.pdf import render_pdf
from alliances.models import Alliance
from documents.registry import DocumentKind

from . import selectors
from .models import ActionPlan, PlanVersion

TEMPLATE = "actionplans/pdf/plan.html"


def plan_document(
    *,
    alliance: Alliance,
    content: dict,
    number: int,
    status: str,
    version: PlanVersion | None = None,
) -> bytes:
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
    return render_pdf(TEMPLATE, context)


def version_document(plan: ActionPlan, version: PlanVersion) -> bytes:
    return plan_document(
        alliance=plan.alliance,
        content=version.snapshot,
        number=version.number,
        status=selectors.version_status(plan, version),
        version=version,
    )


def document_name(content: dict, number: int) -> str:
    return version_file_name(content["plan"]["title"], number)


def version_file_name(title: str, number: int) -> str:
    return f"{title} v{number}"


def _version_to_print(version_id: int) -> PlanVersion | None:
    return (
        PlanVersion.objects.select_related("plan__alliance", "approved_by")
        .filter(pk=version_id)
        .first()
    )


# An approved version is printed once and kept (documents.services): its snapshot and sign-off
# never change.
PLAN_VERSION_KIND = DocumentKind(
    name="plan_version",
    template=TEMPLATE,
    load=_version_to_print,
    render=lambda version: version_document(version.plan, version),
    is_final=lambda version: version.is_approved,
    state=lambda version: f"approved:{version.approved_at}",
)
