"""What a draft export prints: the stakeholder mapping, an action plan or the coordinator
report, through the same functions as their download pages, with the name the download is
saved under. A worker calls these; the pages print small drafts at once themselves."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from actionplans import selectors as plan_selectors
from actionplans.documents import document_name as plan_document_name
from actionplans.documents import plan_document
from actionplans.models import ActionPlan
from documents.services import document_pdf
from stakeholders.documents import mapping_document
from stakeholders.filters import StakeholderFilter
from stakeholders.selectors import stakeholder_list

from .documents import document_name as report_document_name
from .documents import report_document
from .models import ArchiveExport
from .report import Period

ERR_PLAN_GONE = _("The action plan was deleted before its PDF was printed.")
# The mapping's list ignores these when it says whether the list was narrowed.
NOT_A_FILTER = ("sort", "page")


class DraftGone(Exception):
    """What the draft prints no longer exists; the message says so to the person."""


@dataclass(frozen=True)
class PrintedDraft:
    content: bytes
    download_name: str


def print_draft(export: ArchiveExport) -> PrintedDraft:
    printers = {
        ArchiveExport.Kind.MAPPING: _mapping,
        ArchiveExport.Kind.PLAN: _plan,
        ArchiveExport.Kind.REPORT: _report,
    }
    return printers[export.kind](export)


def _mapping(export: ArchiveExport) -> PrintedDraft:
    """The mapping as its list showed it, filtered and sorted by the query it was asked with."""
    alliance = export.alliance
    query = QueryDict(export.query)
    stakeholders = StakeholderFilter(
        query or None,
        queryset=stakeholder_list(alliance=alliance, with_contacts=True),
        alliance=alliance,
    ).qs
    filtered = any(value for key, value in query.items() if key not in NOT_A_FILTER)
    return PrintedDraft(
        mapping_document(alliance, stakeholders, filtered=filtered),
        f"{alliance.name}-stakeholder-mapping",
    )


def _plan(export: ArchiveExport) -> PrintedDraft:
    """The plan as its download page prints it now: its approved version once the chair signed
    it off, else its live content marked DRAFT."""
    plan = export.plan
    if plan is None:
        raise DraftGone(str(ERR_PLAN_GONE))
    plan.alliance = export.alliance
    if plan.status == ActionPlan.Status.APPROVED:
        version = plan_selectors.latest_approved_version(plan)
        return PrintedDraft(
            document_pdf("plan_version", version),
            plan_document_name(version.snapshot, version.number),
        )
    content = plan_selectors.plan_content(plan)
    return PrintedDraft(
        plan_document(
            alliance=plan.alliance, content=content, number=plan.version, status=plan.status
        ),
        plan_document_name(content, plan.version),
    )


def _report(export: ArchiveExport) -> PrintedDraft:
    period = Period(export.period_start, export.period_end)
    return PrintedDraft(
        report_document(export.alliance, period), report_document_name(export.alliance, period)
    )
