"""The coordinator report as PDF bytes. The download view and the alliance's archive both print
through this."""

from __future__ import annotations

from datetime import datetime

from alliance_portal.pdf import render_pdf
from alliances.models import Alliance

from .report import Period, report_context


def report_document(alliance: Alliance, period: Period, *, now: datetime | None = None) -> bytes:
    return render_pdf(
        "reports/pdf/coordinator_report.html", report_context(alliance, period, now=now)
    )


def document_name(alliance: Alliance, period: Period) -> str:
    return f"{alliance.name} report {period.start.isoformat()} {period.end.isoformat()}"
