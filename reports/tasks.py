"""Background work for exports (archives and large drafts). Tasks are thin: load by id, call the
real code."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="archives.build", acks_late=True)
def build_archive(export_id: int) -> str:
    """Builds one export, of any kind; safe to run twice (a finished export is left alone)."""
    from .services import archive_build

    export = archive_build(export_id=export_id)
    return export.status if export is not None else "skipped"


@shared_task(name="archives.purge", acks_late=True)
def purge_archives() -> dict:
    """Run by celery beat: removes expired exports and fails builds whose worker was lost."""
    from .services import archives_purge

    return archives_purge()
