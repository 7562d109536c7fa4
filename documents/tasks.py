"""Background work for stored documents. Tasks are thin: load by id, call the real code."""

from __future__ import annotations

from celery import shared_task


@shared_task(name="documents.store", acks_late=True)
def store_document(kind_name: str, object_id: int, language: str) -> str:
    """Prints a final document and keeps it; safe to run twice (a kept copy is left alone)."""
    from .services import document_store

    stored = document_store(kind_name=kind_name, object_id=object_id, language=language)
    return stored.sha256 if stored is not None else "skipped"
