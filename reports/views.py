"""Views of the reports pages: the coordinator report, the archive of every document, and the
large drafts other pages hand to a worker (their progress and download)."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from actionplans.permissions import get_plan_for_user
from alliance_portal.converters import is_id
from alliance_portal.forms import message_service_errors
from alliance_portal.pdf import pdf_response
from alliance_portal.permissions import Capability
from alliances.permissions import AllianceAccess, get_alliance_for_user
from alliances.selectors import alliance_today

from . import selectors, services
from .archive import archive_file_name
from .documents import document_name, render_context, report_rows
from .forms import DraftRequestForm, ReportPeriodForm
from .models import ArchiveExport
from .permissions import get_export_for_user, kinds_for
from .report import Period, default_period, report_context

logger = logging.getLogger(__name__)


def _context(access: AllianceAccess, section: str, **extra) -> dict:
    return {"access": access, "alliance": access.alliance, "section": section, **extra}


def _report_page(request, access, form, *, status: int = 200) -> HttpResponse:
    return render(
        request, "reports/index.html", _context(access, "report", form=form), status=status
    )


def _export_context(access: AllianceAccess, export: ArchiveExport) -> dict:
    return _context(
        access,
        "archives" if export.is_archive else "drafts",
        export=export,
        poll_seconds=settings.ARCHIVE_POLL_SECONDS,
        max_age_hours=settings.ARCHIVE_MAX_AGE_HOURS,
    )


def _export_page(export: ArchiveExport) -> HttpResponse:
    """Where an export's progress is followed: the archive page lists every archive."""
    if export.is_archive:
        return redirect("reports:archives", export.alliance_id)
    return redirect("reports:export", export.alliance_id, export.pk)


# The coordinator report ----------------------------------------------------------------------


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
    """The coordinator report for the period in the query, in the reader's language; a report
    of many rows is offered to be prepared in the background instead."""
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.EXPORT_REPORTS)
    form = ReportPeriodForm(request.GET)
    if not form.is_valid():
        return _report_page(request, access, form, status=400)
    period = Period(form.cleaned_data["start"], form.cleaned_data["end"])
    # Read first (a fixed number of queries), then decide: printing is what takes the time.
    context = report_context(access.alliance, period)
    rows = report_rows(context)
    if rows > settings.BACKGROUND_REPORT_ROWS:
        return render(
            request,
            "reports/report_background.html",
            _context(
                access,
                "report",
                period=period,
                rows=rows,
                max_age_hours=settings.ARCHIVE_MAX_AGE_HOURS,
            ),
        )
    pdf = render_context(context)
    services.report_exported(alliance=access.alliance, actor=request.user, period=period)
    return pdf_response(pdf, filename=document_name(access.alliance, period))


# The archive ---------------------------------------------------------------------------------


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


# Large drafts prepared in the background -----------------------------------------------------


@login_required
@require_POST
def export_create(request: HttpRequest, alliance_id: int) -> HttpResponse:
    """Hands a large draft to a worker, then shows its progress. The button that posts here is
    on the draft's own page, which offers it when the draft is too large to print at once."""
    access = get_alliance_for_user(request.user, alliance_id)
    form = DraftRequestForm(request.POST)
    if not form.is_valid():
        return _refused(request, access, _messages_of(form))
    kind = form.cleaned_data["kind"]
    access.require(ArchiveExport.CAPABILITY_BY_KIND[kind])
    covers: dict = {}
    if kind == ArchiveExport.Kind.PLAN:
        covers["plan"] = _plan_of(request, alliance_id, form.cleaned_data["plan"])
    elif kind == ArchiveExport.Kind.REPORT:
        period_form = ReportPeriodForm(request.POST)
        if not period_form.is_valid():
            return _refused(request, access, _messages_of(period_form))
        covers["period"] = Period(
            period_form.cleaned_data["start"], period_form.cleaned_data["end"]
        )
    elif kind == ArchiveExport.Kind.MAPPING:
        covers["query"] = form.cleaned_data["query"]
    try:
        export = services.draft_request(
            alliance=access.alliance,
            actor=request.user,
            language=get_language(),
            kind=kind,
            **covers,
        )
    except ValidationError as exc:
        return _refused(request, access, exc.messages)
    # Queued once the request was saved, and failed then if the broker could not be reached.
    export.refresh_from_db(fields=["status", "error"])
    if export.status == ArchiveExport.Status.FAILED:
        messages.error(request, export.error)
    else:
        messages.success(
            request,
            _(
                "The document is being prepared. This page shows its progress; you can leave "
                "it and come back."
            ),
        )
    return redirect("reports:export", access.alliance.pk, export.pk)


def _plan_of(request: HttpRequest, alliance_id: int, plan_id: str):
    """The alliance's plan the form names, if the person may read it: 404 as for its URL."""
    if not is_id(plan_id):
        raise Http404
    _access, plan = get_plan_for_user(request.user, alliance_id, int(plan_id))
    return plan


def _messages_of(form) -> list[str]:
    return [str(message) for errors in form.errors.values() for message in errors]


def _refused(request: HttpRequest, access: AllianceAccess, problems: list[str]) -> HttpResponse:
    """The form posted by a draft's button was not one the portal would send: say what is
    wrong, with a way back."""
    return render(
        request,
        "reports/export_refused.html",
        _context(access, "drafts", problems=problems),
        status=400,
    )


@login_required
@require_safe
def exports(request: HttpRequest, alliance_id: int) -> HttpResponse:
    """The drafts prepared in the background that the person may download."""
    access = get_alliance_for_user(request.user, alliance_id)
    drafts = selectors.recent_drafts(alliance=access.alliance, kinds=kinds_for(access))
    return render(
        request,
        "reports/exports.html",
        _context(
            access,
            "drafts",
            exports=list(drafts),
            max_age_hours=settings.ARCHIVE_MAX_AGE_HOURS,
            poll_seconds=settings.ARCHIVE_POLL_SECONDS,
        ),
    )


@login_required
@require_safe
def export_detail(request: HttpRequest, alliance_id: int, export_id: int) -> HttpResponse:
    """One export's page: what it prints, its progress while it is built, then its download."""
    access, export = get_export_for_user(request.user, alliance_id, export_id)
    return render(request, "reports/export.html", _export_context(access, export))


# Progress and download, for every kind -------------------------------------------------------


@login_required
@require_safe
def archive_status(request: HttpRequest, alliance_id: int, export_id: int) -> HttpResponse:
    """One export's progress: the part of its page that htmx asks for again while it is
    being built."""
    access, export = get_export_for_user(request.user, alliance_id, export_id)
    return render(request, "reports/_archive_status.html", _export_context(access, export))


@login_required
@require_safe
def archive_download(request: HttpRequest, alliance_id: int, export_id: int) -> HttpResponse:
    access, export = get_export_for_user(request.user, alliance_id, export_id)
    if export.has_expired or (export.status == ArchiveExport.Status.READY and not export.file_name):
        return _gone(request, access, export)
    if not export.is_ready:
        messages.info(
            request,
            _("This archive is not ready yet.")
            if export.is_archive
            else _("This document is not ready yet."),
        )
        return _export_page(export)
    try:
        stored = default_storage.open(export.file_name, "rb")
    except Exception as exc:
        if _is_missing(exc):
            return _gone(request, access, export)
        # The storage is down or refuses: say so rather than fail the page.
        logger.exception("Could not open the stored export %s", export.pk)
        return render(
            request,
            "reports/export_unavailable.html",
            _export_context(access, export),
            status=503,
        )
    services.export_downloaded(export=export, actor=request.user)
    return FileResponse(
        stored,
        as_attachment=True,
        filename=_download_name(export),
        content_type=export.content_type,
    )


def _gone(request: HttpRequest, access: AllianceAccess, export: ArchiveExport) -> HttpResponse:
    return render(request, "reports/archive_gone.html", _export_context(access, export), status=410)


def _is_missing(exc: Exception) -> bool:
    """Whether opening failed because the file is not there: the file system says so with
    FileNotFoundError, an S3 store with a 404 in its error response."""
    if isinstance(exc, FileNotFoundError):
        return True
    error = getattr(exc, "response", None)
    code = error.get("Error", {}).get("Code") if isinstance(error, dict) else None
    return code in {"404", "NoSuchKey", "NotFound"}


def _download_name(export: ArchiveExport) -> str:
    if export.is_archive:
        return archive_file_name(export.alliance)
    # The whole name is made a slug, as every PDF download's is (alliance_portal.pdf).
    return f"{slugify(export.download_name) or 'document'}.pdf"
