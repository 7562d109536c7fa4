"""The writes of the reports pages: asking for an archive or a large draft, building it in a
worker, keeping it in the portal's file storage, and removing it when it expires or when a
person it could hold is erased.

A finished file lives only in the storage (`default_storage`): every web server and worker
reaches the same files, so a document built by any worker downloads from any web server. A
worker writes an archive to a local working file first and removes it in every case.
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from actionplans.models import ActionPlan
from alliance_portal.queue import enqueue
from alliances.audit import audit_record
from alliances.models import Alliance, User

from .archive import archive_documents, write_archive
from .drafts import DraftGone, print_draft
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
ERR_DRAFT_NOT_QUEUED = _(
    "The document could not be started: the background worker cannot be reached. Try again in "
    "a few minutes."
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
ERR_NOT_STORED = _(
    "The document was printed but could not be saved: the file storage cannot be reached. Try "
    "again in a few minutes."
)
ERR_NOT_A_DRAFT = _("Choose a document that can be prepared in the background.")
# A worker's local working files are named so, in a folder of VAR_DIR kept for them.
PARTIAL_SUFFIX = ".partial"


class StorageUnavailable(Exception):
    """The file storage refused or could not be reached."""


def work_dir() -> Path:
    """Where this machine's worker writes an archive before handing it to the storage."""
    return Path(settings.VAR_DIR) / "tmp" / "exports"


def _stale_before(now: datetime) -> datetime:
    return now - timedelta(minutes=settings.ARCHIVE_STALE_MINUTES)


# Asking --------------------------------------------------------------------------------------


@transaction.atomic
def archive_request(*, alliance: Alliance, actor: User, language: str) -> ArchiveExport:
    """Asks for a new archive; it is queued once this transaction commits. One archive of an
    alliance is built at a time."""
    # Two people asking at the same moment are served one after the other, so only one build
    # starts.
    Alliance.objects.select_for_update().filter(pk=alliance.pk).first()
    busy = ArchiveExport.objects.filter(
        alliance=alliance,
        kind=ArchiveExport.Kind.ARCHIVE,
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


@transaction.atomic
def draft_request(
    *,
    alliance: Alliance,
    actor: User,
    language: str,
    kind: str,
    plan: ActionPlan | None = None,
    period: Period | None = None,
    query: str = "",
) -> ArchiveExport:
    """Asks for a large draft (the mapping, a plan, the coordinator report) to be printed in the
    background; it is queued once this transaction commits. The same draft asked for again
    while it is being printed, in the same language, is the one already under way.

    The caller has checked that `actor` may read the document and that `plan` is the
    alliance's."""
    export = ArchiveExport(
        alliance=alliance,
        requested_by=actor,
        language=language,
        kind=kind,
        plan=plan,
        period_start=period.start if period else None,
        period_end=period.end if period else None,
        query=query,
    )
    if kind not in ArchiveExport.DRAFT_KINDS:
        raise ValidationError({"kind": ERR_NOT_A_DRAFT})
    export.full_clean()
    Alliance.objects.select_for_update().filter(pk=alliance.pk).first()
    under_way = ArchiveExport.objects.filter(
        alliance=alliance,
        kind=kind,
        plan=plan,
        period_start=export.period_start,
        period_end=export.period_end,
        query=query,
        language=language,
        status__in=ArchiveExport.ACTIVE_STATUSES,
        created_at__gte=_stale_before(timezone.now()),
    ).first()
    if under_way is not None:
        return under_way
    export.save()
    transaction.on_commit(lambda: _queue_or_fail(export.pk, error=ERR_DRAFT_NOT_QUEUED))
    return export


def _queue_or_fail(export_id: int, *, error=ERR_NOT_QUEUED) -> None:
    from .tasks import build_archive

    if not enqueue(build_archive, export_id):
        _finish_with_error(export_id, str(error))


def _finish_with_error(export_id: int, error: str) -> None:
    with transaction.atomic():
        export = ArchiveExport.objects.select_for_update().filter(pk=export_id).first()
        if export is not None and export.is_active:
            export.fail(error=error)
            export.save(update_fields=["status", "error", "finished_at"])


# Building ------------------------------------------------------------------------------------


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
        documents = (
            archive_documents(export.alliance, today=timezone.localdate())
            if export.is_archive
            else []
        )
        export.start(total=len(documents) if export.is_archive else 1)
        export.save(update_fields=["status", "total", "done", "started_at", "file_name"])
    return export, documents


def archive_build(*, export_id: int) -> ArchiveExport | None:
    """Prints the export's document (every document of the alliance into a ZIP, for an
    archive), counting progress as it goes, and keeps the file in the storage. Safe to run
    twice: a finished export is left alone, a lost run starts again."""
    with translation.override(_language_of(export_id)):
        begun = _begin(export_id)
        if begun is None:
            return None
        export, documents = begun
        running = ArchiveExport.objects.filter(pk=export.pk, status=ArchiveExport.Status.RUNNING)
        try:
            if export.is_archive:
                stored, size = _store_archive(
                    export, documents, on_progress=lambda done: running.update(done=done)
                )
                download_name = ""  # dated on the day it is downloaded (archive_file_name)
            else:
                draft = print_draft(export)
                stored, size = _store(export.file_name, ContentFile(draft.content))
                download_name = draft.download_name
        except DraftGone as gone:
            _finish_with_error(export.pk, str(gone))
            return None
        except StorageUnavailable:
            logger.exception("Export %s could not be stored", export.pk)
            _finish_with_error(export.pk, str(ERR_NOT_STORED))
            return None
        except Exception:
            # Whatever went wrong, the page must stop showing "being built"; the traceback is
            # for the administrator, not for the page.
            logger.exception("Archive export %s failed", export.pk)
            _finish_with_error(export.pk, str(ERR_BUILD_FAILED))
            return None
    return _finish(export.pk, stored=stored, size=size, download_name=download_name)


def _store_archive(export: ArchiveExport, documents: list, *, on_progress) -> tuple[str, int]:
    """Writes the ZIP to a local working file and hands it to the storage; the working file is
    removed in every case."""
    folder = work_dir()
    folder.mkdir(parents=True, exist_ok=True)
    _remove_stale_partials(folder, timezone.now())
    handle, name = tempfile.mkstemp(
        dir=folder, prefix=f".export-{export.pk}-", suffix=f".zip{PARTIAL_SUFFIX}"
    )
    os.close(handle)
    path = Path(name)
    try:
        write_archive(path, documents, on_progress=on_progress)
        with path.open("rb") as local:
            return _store(export.file_name, File(local))
    finally:
        path.unlink(missing_ok=True)


def _store(name: str, content: File) -> tuple[str, int]:
    """Saves the file under `name` (or the name the storage chose instead); returns that name
    and the file's size."""
    size = content.size
    try:
        return default_storage.save(name, content), size
    except Exception as exc:
        # Each storage raises its own errors (OSError, botocore's); all mean the same here.
        raise StorageUnavailable(str(exc)) from exc


def _finish(export_id: int, *, stored: str, size: int, download_name: str) -> ArchiveExport:
    with transaction.atomic():
        export = ArchiveExport.objects.select_for_update().get(pk=export_id)
        if export.status == ArchiveExport.Status.RUNNING:
            export.file_name = stored
            export.download_name = download_name[:200]
            export.finish(size=size)
            export.save(
                update_fields=[
                    "status",
                    "done",
                    "size",
                    "finished_at",
                    "expires_at",
                    "file_name",
                    "download_name",
                ]
            )
            return export
        # Given up while it was built (its worker taken for lost, or a person erased): nothing
        # would ever offer this file. A ready one was finished by another run and keeps its own.
        if export.status == ArchiveExport.Status.READY and export.file_name == stored:
            return export
        if not _delete_stored(stored) and export.status != ArchiveExport.Status.READY:
            # Left for the purge to try again.
            export.file_name = stored
            export.save(update_fields=["file_name"])
    return export


def _language_of(export_id: int) -> str:
    language = ArchiveExport.objects.filter(pk=export_id).values_list("language", flat=True).first()
    return language or settings.LANGUAGE_CODE


# Downloading ---------------------------------------------------------------------------------


def export_downloaded(*, export: ArchiveExport, actor: User) -> None:
    """Records the download where the immediate download of the same document is recorded."""
    if export.is_archive:
        audit_record(actor=actor, action="archive.downloaded", obj=export, alliance=export.alliance)
    elif export.kind == ArchiveExport.Kind.REPORT:
        report_exported(
            alliance=export.alliance,
            actor=actor,
            period=Period(export.period_start, export.period_end),
        )


def report_exported(*, alliance: Alliance, actor: User, period: Period) -> None:
    audit_record(
        actor=actor,
        action="report.exported",
        obj=alliance,
        changes={"period": f"{period.start.isoformat()}/{period.end.isoformat()}"},
    )


# Removing ------------------------------------------------------------------------------------


def _delete_stored(name: str) -> bool:
    """Deletes a stored file (one already gone is fine); False when the storage failed, which
    is logged."""
    if not name:
        return True
    try:
        default_storage.delete(name)
    except Exception:
        logger.exception("Could not delete the stored export %s", name)
        return False
    return True


def archives_purge(*, now: datetime | None = None) -> dict[str, int]:
    """Deletes the files of exports past their expiry, fails builds whose worker was lost
    (waiting or running for longer than ARCHIVE_STALE_MINUTES), deletes files a failed delete
    left behind, and this machine's stale working files."""
    now = now or timezone.now()
    expired = 0
    for export in ArchiveExport.objects.filter(
        status=ArchiveExport.Status.READY, expires_at__lte=now
    ):
        export.expire()
        if _delete_stored(export.file_name):
            export.file_name = ""
        export.save(update_fields=["status", "file_name"])
        expired += 1
    lost = 0
    for export_id in ArchiveExport.objects.filter(
        status__in=ArchiveExport.ACTIVE_STATUSES, created_at__lt=_stale_before(now)
    ).values_list("pk", flat=True):
        _finish_with_error(export_id, str(ERR_BUILD_LOST))
        lost += 1
    return {
        "expired": expired,
        "lost": lost,
        "leftovers": _delete_leftovers(),
        "partials": _remove_stale_partials(work_dir(), now),
    }


def _delete_leftovers() -> int:
    """Deletes the stored files of finished exports that may still have one: a delete that
    failed, or a build that failed or was given up after it named its file."""
    removed = 0
    leftovers = ArchiveExport.objects.filter(
        status__in=[ArchiveExport.Status.FAILED, ArchiveExport.Status.EXPIRED]
    ).exclude(file_name="")
    for export in leftovers:
        if _delete_stored(export.file_name):
            ArchiveExport.objects.filter(pk=export.pk).update(file_name="")
            removed += 1
    return removed


def _remove_stale_partials(folder: Path, now: datetime) -> int:
    """Deletes working files that a killed worker left on this machine; they hold personal data.
    Each worker's machine is cleaned when it next builds an archive, and by the purge."""
    if not folder.exists():
        return 0
    before = _stale_before(now).timestamp()
    removed = 0
    for partial in folder.glob(f"*{PARTIAL_SUFFIX}"):
        try:
            if partial.stat().st_mtime < before:
                partial.unlink(missing_ok=True)
                removed += 1
        except FileNotFoundError:
            continue  # removed meanwhile by the worker that wrote it
    return removed


@transaction.atomic
def archives_delete_for_erasure(*, alliance: Alliance, recorded_at: datetime, actor: User) -> int:
    """Deletes the alliance's finished exports that could hold a person erased just now (those
    that print contact people, finished after the person was recorded) and stops a build under
    way; returns how many.

    Call inside the erasure's transaction. The alliance's builds waiting to start are locked
    too, so none of them begins printing before the erasure is committed."""
    exports = list(
        ArchiveExport.objects.select_for_update()
        .filter(alliance=alliance, kind__in=ArchiveExport.KINDS_WITH_CONTACTS)
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
            _delete_for_erasure(export, actor=actor)
        removed += 1
    return removed


def _delete_for_erasure(export: ArchiveExport, *, actor: User) -> None:
    # At once, not on commit: should the erasure fail after this, a missing file only makes
    # the download answer "gone", while a file left behind would keep the person. A storage
    # that fails keeps the row, expired so nobody downloads it, for the purge to try again.
    audit_record(
        actor=actor,
        action="archive.deleted",
        obj=export,
        alliance=export.alliance,
        changes={"reason": "erasure"},
    )
    if _delete_stored(export.file_name):
        export.delete()
    else:
        export.expire()
        export.save(update_fields=["status"])
