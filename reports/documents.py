"""The coordinator report as PDF bytes. The download view, the worker that prints large reports
and the alliance's archive all print through this."""

from __future__ import annotations

from datetime import datetime

from alliance_portal.pdf import document_html, render_pdf
from alliances.models import Alliance
from documents.registry import AsOfNow, as_of_now_kind
from documents.services import document_pdf

from .report import Period, report_context

TEMPLATE = "reports/pdf/coordinator_report.html"
# The archive's report of the whole period, kept until what it shows changes (a new day at
# the latest: it reports up to today).
REPORT_KIND = as_of_now_kind("report", TEMPLATE)


def report_document(alliance: Alliance, period: Period, *, now: datetime | None = None) -> bytes:
    return render_context(report_context(alliance, period, now=now))


def kept_report_document(alliance: Alliance, period: Period) -> bytes:
    """The report, the kept copy while it still shows what it would now."""
    html = document_html(TEMPLATE, report_context(alliance, period))
    return document_pdf(REPORT_KIND.name, AsOfNow(alliance.pk, html))


def render_context(context: dict) -> bytes:
    return render_pdf(TEMPLATE, context)


def report_rows(context: dict) -> int:
    """How many table rows the report prints: the meetings held, the actions decided in them,
    the plan's actions and the communication plan's rows. Its printing time grows with these;
    the rest (the profile, the balance, the agreement, the journey) is about a page."""
    plan = context["plan_status"]
    return (
        len(context["meetings"])
        + len(context["decisions"]["actions"])
        + (len(plan["board"].actions) if plan else 0)
        + len(context["communication"]["rows"])
    )


def document_name(alliance: Alliance, period: Period) -> str:
    return f"{alliance.name} report {period.start.isoformat()} {period.end.isoformat()}"
