"""A final document as it was printed once and kept: where its file lies in the storage, and
what the file must hash to."""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class StoredDocument(models.Model):
    """One printed PDF of one document, in one language.

    `state` is what the document showed when it was printed (its status, its sign-off, its
    events), as its kind describes it: a document whose state has moved on since is printed
    again rather than served stale."""

    kind = models.CharField(_("kind"), max_length=32)
    object_id = models.PositiveBigIntegerField(_("object"))
    language = models.CharField(_("language"), max_length=8)
    state = models.CharField(_("state"), max_length=200)
    # The file's name in the storage (STORAGES["default"]): the local disk or an object store.
    file_name = models.CharField(_("file"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveBigIntegerField(_("size"))
    # A digest of the template's source the file was printed with.
    template_version = models.CharField(_("template version"), max_length=32)
    printed_at = models.DateTimeField(_("printed"), default=timezone.now)

    class Meta:
        verbose_name = _("stored document")
        verbose_name_plural = _("stored documents")
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "object_id", "language"], name="stored_document_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id} ({self.language})"
