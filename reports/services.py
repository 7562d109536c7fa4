"""The writes of the reports pages: asking for an archive, building it, and removing expired
ones. Building runs in a worker; the page follows its progress."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from alliance_portal.queue import enqueue
from alliances.audit import audit_record
from alliances.models import Alliance, User

from .archive import PARTIAL_SUFFIX, archive_documents, write_archive
from .models import ArchiveExport
from .report import Period

logger = logging.getLogger(__name__)

ERR_ARCHIVE_RUNNING = _(
    "An archive of this alliance is already being built. Wait for it to finish; its progress "
    "is shown below."
)
ERR_NOT_QUEUED = _(
    "The archive could not be started: the background worker cannot be reached. Try again in a "
    "few minutes."
)
ERR_BUILD_FAILED = _(
    "The archive could not be built. The error was logged; try again, and if it fails again "
    "tell the portal's administrator."
)
ERR_BUILD_LOST = _("The archive was not finished: its worker stopped. Ask for a new one.")
ERR_BUILD_ERASED = _(
    "The archive was stopped: a person's data was erased while it was being built. Ask for a "
    "new one."
)


def archive_path(export: ArchiveExport):
    return settings.ARCHIVE_DIR / export.file_name


def _stale_before(now: datetime) -> datetime:
    return now - timedelta(minutes=settings.ARCHIVE_STALE_MINUTES)


@transaction.atomic
def archive_request(*, alliance: Alliance, actor: User, language: str) -> ArchiveExport:
    """Asks for a new archive; it is queued once this transaction commits. One archive of an
    alliance is built at a time."""
    # Two people asking at the same moment are served one after the other, so only one build
    # starts.
    Alliance.objects.select_for_update().filter(pk=alliance.pk).first()
    busy = ArchiveExport.objects.filter(
        alliance=alliance,
        status__in=ArchiveExport.ACTIVE_STATUSES,
        created_at__gte=_stale_before(timezone.now()),
    )
    if busy.exists():
        raise ValidationError(ERR_ARCHIVE_RUNNING, code="running")
    export = ArchiveExport(alliance=alliance, requested_by=actor, language=language)
    export.full_clean()
    export.save()
    audit_record(actor=actor, action="archive.requested", obj=export, alliance=alliance)
    transaction.on_commit(lambda: _queue_or_fail(export.pk))
    return export


def _queue_or_fail(export_id: int) -> None:
    from .tasks import build_archive

    if not enqueue(build_archive, export_id):
        _finish_with_error(export_id, str(ERR_NOT_QUEUED))


def _finish_with_error(export_id: int, error: str) -> None:
    with transaction.atomic():
        export = ArchiveExport.objects.select_for_update().filter(pk=export_id).first()
        if export is not None and export.is_active:
            export.fail(error=error)
            export.save(update_fields=["status", "error", "finished_at"])


def _begin(export_id: int) -> tuple[ArchiveExport, list] | None:
    """Locks the export, lists its documents and records how many there are. None when there is
    nothing to do: the export is gone or already finished (a task that ran twice)."""
    with transaction.atomic():
        export = (
            ArchiveExport.objects.select_for_update()
            .select_related("alliance")
            .filter(pk=export_id)
            .first()
        )
        if export is None or not export.is_active:
            return None
        documents = archive_documents(export.alliance, today=timezone.localdate())
        export.start(total=len(documents))
        export.save(update_fields=["status", "total", "done", "started_at", "file_name"])
    return export, documents


def archive_build(*, export_id: int) -> ArchiveExport | None:
    """Prints every document of the alliance into the export's ZIP, counting progress as it
    goes. Safe to run twice: a finished export is left alone, a lost run starts again."""
    with translation.override(_language_of(export_id)):
        begun = _begin(export_id)
        if begun is None:
            return None
        export, documents = begun
        settings.ARCHIVE_DIR.mkdir(parents=True, exist_ok=True)
        running = ArchiveExport.objects.filter(pk=export.pk, status=ArchiveExport.Status.RUNNING)
        try:
            size = write_archive(
                archive_path(export),
                documents,
                on_progress=lambda done: running.update(done=done),
            )
        except Exception:
            # Whatever went wrong, the page must stop showing "being built"; the traceback is
            # for the administrator, not for the page.
            logger.exception("Archive export %s failed", export.pk)
            archive_path(export).unlink(missing_ok=True)
            _finish_with_error(export.pk, str(ERR_BUILD_FAILED))
            return None
    with transaction.atomic():
        export = ArchiveExport.objects.select_for_update().get(pk=export.pk)
        if export.status != ArchiveExport.Status.RUNNING:
            # Given up while it was built (its worker taken for lost): nothing would ever offer
            # or delete this file. A ready one was finished by another run and keeps its file.
            if export.status != ArchiveExport.Status.READY:
                archive_path(export).unlink(missing_ok=True)
            return export
        export.finish(size=size)
        export.save(update_fields=["status", "done", "size", "finished_at", "expires_at"])
    return export


def _language_of(export_id: int) -> str:
    language = ArchiveExport.objects.filter(pk=export_id).values_list("language", flat=True).first()
    return language or settings.LANGUAGE_CODE


def archive_downloaded(*, export: ArchiveExport, actor: User) -> None:
    audit_record(actor=actor, action="archive.downloaded", obj=export, alliance=export.alliance)


def report_exported(*, alliance: Alliance, actor: User, period: Period) -> None:
    audit_record(
        actor=actor,
        action="report.exported",
        obj=alliance,
        changes={"period": f"{period.start.isoformat()}/{period.end.isoformat()}"},
    )


def archives_purge(*, now: datetime | None = None) -> dict[str, int]:
    """Deletes the files of archives past their expiry, and fails builds whose worker was lost
    (waiting or running for longer than ARCHIVE_STALE_MINUTES)."""
    now = now or timezone.now()
    expired = 0
    for export in ArchiveExport.objects.filter(
        status=ArchiveExport.Status.READY, expires_at__lte=now
    ):
        archive_path(export).unlink(missing_ok=True)
        export.expire()
        export.save(update_fields=["status"])
        expired += 1
    lost = 0
    for export_id in ArchiveExport.objects.filter(
        status__in=ArchiveExport.ACTIVE_STATUSES, created_at__lt=_stale_before(now)
    ).values_list("pk", flat=True):
        _finish_with_error(export_id, str(ERR_BUILD_LOST))
        lost += 1
    return {"expired": expired, "lost": lost, "partials": _remove_stale_partials(now)}


def _remove_stale_partials(now: datetime) -> int:
    """Deletes half-written ZIPs that a killed worker left behind; they hold personal data."""
    if not settings.ARCHIVE_DIR.exists():
        return 0
    before = _stale_before(now).timestamp()
    removed = 0
    for partial in settings.ARCHIVE_DIR.glob(f".*{PARTIAL_SUFFIX}"):
        if partial.stat().st_mtime < before:
            partial.unlink(missing_ok=True)
            removed += 1
    return removed


@transaction.atomic
def archives_delete_for_erasure(*, alliance: Alliance, recorded_at: datetime, actor: User) -> int:
    """Deletes the alliance's finished archives that could hold a person erased just now (those
    finished after the person was recorded) and stops a build under way; returns how many.

    Call inside the erasure's transaction. The alliance's builds waiting to start are locked
    too, so none of them begins printing before the erasure is committed."""
    exports = list(
        ArchiveExport.objects.select_for_update()
        .filter(alliance=alliance)
        .filter(
            Q(status=ArchiveExport.Status.READY, finished_at__gt=recorded_at)
            | Q(status__in=ArchiveExport.ACTIVE_STATUSES)
        )
    )
    removed = 0
    for export in exports:
        if export.status == ArchiveExport.Status.QUEUED:
            continue
        if export.status == ArchiveExport.Status.RUNNING:
            # Its documents may have been printed before the erasure; the build notices the
            # failure when it finishes and deletes its file (see archive_build).
            export.fail(error=str(ERR_BUILD_ERASED))
            export.save(update_fields=["status", "error", "finished_at"])
        else:
            # At once, not on commit: should the erasure fail after this, a missing file only
            # makes the download answer "gone", while a file left behind would keep the person.
            archive_path(export).unlink(missing_ok=True)
            audit_record(
                actor=actor,
                action="archive.deleted",
                obj=export,
                alliance=alliance,
                changes={"reason": "erasure"},
            )
            export.delete()
        removed += 1
    return removed
