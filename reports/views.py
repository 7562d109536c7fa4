"""Views of the reports pages: the coordinator report and the archive of every document."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from alliance_portal.forms import message_service_errors
from alliance_portal.pdf import pdf_response
from alliance_portal.permissions import Capability
from alliances.permissions import AllianceAccess, get_alliance_for_user
from alliances.selectors import alliance_today

from . import selectors, services
from .archive import archive_file_name
from .documents import document_name, report_document
from .forms import ReportPeriodForm
from .models import ArchiveExport
from .permissions import get_export_for_user
from .report import Period, default_period


def _context(access: AllianceAccess, section: str, **extra) -> dict:
    return {"access": access, "alliance": access.alliance, "section": section, **extra}


def _report_page(request, access, form, *, status: int = 200) -> HttpResponse:
    return render(
        request, "reports/index.html", _context(access, "report", form=form), status=status
    )


@login_required
@require_safe
def index(request: HttpRequest, alliance_id: int) -> HttpResponse:
    """The coordinator report's period, chosen before the PDF is made."""
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.EXPORT_REPORTS)
    period = default_period(access.alliance, alliance_today(access.alliance))
    form = ReportPeriodForm(initial={"start": period.start, "end": period.end})
    return _report_page(request, access, form)


@login_required
@require_safe
def report_pdf(request: HttpRequest, alliance_id: int) -> HttpResponse:
    """The coordinator report for the period in the query, in the reader's language."""
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.EXPORT_REPORTS)
    form = ReportPeriodForm(request.GET)
    if not form.is_valid():
        return _report_page(request, access, form, status=400)
    period = Period(form.cleaned_data["start"], form.cleaned_data["end"])
    pdf = report_document(access.alliance, period)
    services.report_exported(alliance=access.alliance, actor=request.user, period=period)
    return pdf_response(pdf, filename=document_name(access.alliance, period))


@login_required
@require_safe
def archives(request: HttpRequest, alliance_id: int) -> HttpResponse:
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.EXPORT_REPORTS)
    return render(
        request,
        "reports/archives.html",
        _context(
            access,
            "archives",
            exports=list(selectors.recent_exports(alliance=access.alliance)),
            max_age_hours=settings.ARCHIVE_MAX_AGE_HOURS,
            poll_seconds=settings.ARCHIVE_POLL_SECONDS,
        ),
    )


@login_required
@require_POST
def archive_create(request: HttpRequest, alliance_id: int) -> HttpResponse:
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.EXPORT_REPORTS)
    try:
        export = services.archive_request(
            alliance=access.alliance, actor=request.user, language=get_language()
        )
    except ValidationError as exc:
        message_service_errors(request, exc)
    else:
        # It was queued once the request was saved, and failed then if the broker could not be
        # reached: the page says so instead of promising progress.
        export.refresh_from_db(fields=["status", "error"])
        if export.status == ArchiveExport.Status.FAILED:
            messages.error(request, export.error)
            return redirect("reports:archives", access.alliance.pk)
        messages.success(
            request,
            _(
                "The archive is being built. This page shows its progress; you can leave it and "
                "come back."
            ),
        )
    return redirect("reports:archives", access.alliance.pk)


@login_required
@require_safe
def archive_status(request: HttpRequest, alliance_id: int, export_id: int) -> HttpResponse:
    """One export's progress: the part of the archive page that htmx asks for again while the
    archive is being built."""
    access, export = get_export_for_user(request.user, alliance_id, export_id)
    return render(
        request,
        "reports/_archive_status.html",
        {
            "access": access,
            "alliance": access.alliance,
            "export": export,
            "poll_seconds": settings.ARCHIVE_POLL_SECONDS,
        },
    )


@login_required
@require_safe
def archive_download(request: HttpRequest, alliance_id: int, export_id: int) -> HttpResponse:
    access, export = get_export_for_user(request.user, alliance_id, export_id)
    path = services.archive_path(export) if export.file_name else None
    if export.has_expired or (export.status == ArchiveExport.Status.READY and not path.exists()):
        return render(
            request,
            "reports/archive_gone.html",
            _context(access, "archives", export=export),
            status=410,
        )
    if not export.is_ready:
        messages.info(request, _("This archive is not ready yet."))
        return redirect("reports:archives", access.alliance.pk)
    services.archive_downloaded(export=export, actor=request.user)
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=archive_file_name(access.alliance),
        content_type="application/zip",
    )
