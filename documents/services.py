"""Final documents printed once and kept in the storage, and served from there.

A document becomes final (minutes approved or locked, a plan version approved, a signature
sealed) inside its app's service, which asks for it to be stored once the change commits; a
Celery task prints it then. Every download of a final document goes through document_pdf: the
kept file when its SHA-256 still matches, else the document printed now and kept again. A file
that is missing, unreadable or altered is logged and printed again; the download never fails
for it. Until the task has run, the first download prints the document and keeps it.
"""

from __future__ import annotations

import hashlib
import logging
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone, translation

from alliance_portal.queue import enqueue_on_commit

from .models import StoredDocument
from .registry import DocumentKind, document_kind

logger = logging.getLogger(__name__)

FOLDER = "documents"


def document_pdf(kind_name: str, obj: Any) -> bytes:
    """The document's PDF: the kept file of a final document, or printed now (and kept, when
    the document is final)."""
    kind = document_kind(kind_name)
    if not kind.is_final(obj):
        return kind.render(obj)
    language = _language(kind, obj)
    state = kind.state(obj)
    stored = StoredDocument.objects.filter(
        kind=kind.name, object_id=obj.pk, language=language
    ).first()
    if stored is not None and stored.state == state:
        content = _read_verified(stored)
        if content is not None:
            return content
    with translation.override(language):
        content = kind.render(obj)
    return _keep(kind, obj, language=language, state=state, content=content)


def document_store_when_committed(kind_name: str, obj: Any) -> None:
    """Asks for the document to be printed and kept once the caller's transaction commits, in
    the language it is read in now (a signed agreement always in its own)."""
    from .tasks import store_document

    kind = document_kind(kind_name)
    enqueue_on_commit(store_document, kind.name, obj.pk, _language(kind, obj))


def document_store(*, kind_name: str, object_id: int, language: str) -> StoredDocument | None:
    """Prints and keeps the document unless a valid copy is kept already; None when it is gone
    or not final (any more)."""
    kind = document_kind(kind_name)
    obj = kind.load(object_id)
    if obj is None or not kind.is_final(obj):
        return None
    with translation.override(language):
        document_pdf(kind_name, obj)
    return StoredDocument.objects.filter(
        kind=kind.name, object_id=object_id, language=_language(kind, obj)
    ).first()


def document_discard(kind_name: str, object_id: int) -> int:
    """Deletes every kept copy of the document (a mapping that named a person now erased);
    returns how many. The next print keeps a new one."""
    kind = document_kind(kind_name)
    kept = list(StoredDocument.objects.filter(kind=kind.name, object_id=object_id))
    for stored in kept:
        _delete_quietly(stored.file_name)
    StoredDocument.objects.filter(pk__in=[stored.pk for stored in kept]).delete()
    return len(kept)


def _language(kind: DocumentKind, obj: Any) -> str:
    return kind.language(obj) or translation.get_language() or settings.LANGUAGE_CODE


def _read_verified(stored: StoredDocument) -> bytes | None:
    """The kept file's bytes, or None (logged) when it is missing, unreadable or altered."""
    try:
        with default_storage.open(stored.file_name, "rb") as file:
            content = file.read()
    except Exception as exc:  # any storage failure only means printing again
        logger.warning(
            "Stored document %s could not be read (%s: %s); printing it again",
            stored,
            type(exc).__name__,
            exc,
        )
        return None
    if hashlib.sha256(content).hexdigest() != stored.sha256:
        logger.warning("Stored document %s does not match its SHA-256; printing it again", stored)
        return None
    return content


def _keep(
    kind: DocumentKind,
    obj: Any,
    *,
    language: str,
    state: str,
    content: bytes,
) -> bytes:
    """Saves the file and its row, and returns the bytes that are kept: the reader's own print,
    or the one another process kept at the same moment, so that every reader gets the same
    file. A storage that fails is logged: the reader still gets the printed document, and the
    next download tries again."""
    sha256 = hashlib.sha256(content).hexdigest()
    name = f"{FOLDER}/{kind.name}/{obj.pk}/{language}-{sha256[:16]}.pdf"
    try:
        # Saved under a name of its own even when an identical print is kept (the storage adds
        # a suffix): the file there may be the one that failed its check.
        name = default_storage.save(name, ContentFile(content))
    except Exception as exc:  # see the docstring
        logger.warning(
            "%s %s could not be stored (%s: %s)", kind.name, obj.pk, type(exc).__name__, exc
        )
        return content
    fields = {
        "state": state,
        "file_name": name,
        "sha256": sha256,
        "size": len(content),
        "template_version": kind.template_version,
        "printed_at": timezone.now(),
    }
    try:
        with transaction.atomic():
            previous = (
                StoredDocument.objects.select_for_update()
                .filter(kind=kind.name, object_id=obj.pk, language=language)
                .first()
            )
            # Kept by another process while this one printed: its copy stays, so that every
            # reader gets the same file.
            kept = _read_verified(previous) if previous and previous.state == state else None
            if kept is None:
                if previous is None:
                    StoredDocument.objects.create(
                        kind=kind.name, object_id=obj.pk, language=language, **fields
                    )
                else:
                    StoredDocument.objects.filter(pk=previous.pk).update(**fields)
    except IntegrityError:
        # Another process (the task, or a second download) kept the same document at the same
        # moment: its row stands, and its file is the one served from now on.
        _delete_quietly(name)
        winner = StoredDocument.objects.filter(
            kind=kind.name, object_id=obj.pk, language=language
        ).first()
        kept = _read_verified(winner) if winner is not None else None
        return kept if kept is not None else content
    if kept is not None:
        if previous.file_name != name:
            _delete_quietly(name)
        return kept
    # The file this one replaces: a stale or damaged copy.
    if previous is not None and previous.file_name != name:
        _delete_quietly(previous.file_name)
    return content


def _delete_quietly(name: str) -> None:
    try:
        default_storage.delete(name)
    except Exception as exc:  # an old copy left behind harms nothing
        logger.warning("Old stored document %s could not be deleted: %s", name, exc)
