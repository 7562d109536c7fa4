"""The archive export: one ZIP with every PDF of an alliance, built in the background."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance_portal.exceptions import InvalidTransition

ERR_ARCHIVE_NOT_RUNNING = _("This archive is not being built.")
ERR_ARCHIVE_FINISHED = _("This archive is already finished.")


class ArchiveExport(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Being built")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)

    alliance = models.ForeignKey(
        "alliances.Alliance",
        on_delete=models.CASCADE,
        related_name="archive_exports",
        verbose_name=_("alliance"),
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("requested by"),
    )
    # Documents are printed in the language of the person who asked for them.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("documents"), default=0)
    done = models.PositiveIntegerField(_("documents done"), default=0)
    # The file's name inside ARCHIVE_DIR; random, so it cannot be guessed.
    file_name = models.CharField(max_length=100, blank=True, editable=False)
    size = models.PositiveBigIntegerField(_("size"), default=0)
    error = models.CharField(_("error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("requested"), default=timezone.now)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)

    class Meta:
        # The table keeps the name it had when the model lived in alliances/.
        db_table = "alliances_archiveexport"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("archive export")
        verbose_name_plural = _("archive exports")
        indexes = [models.Index(fields=["status", "expires_at"], name="archive_status_expiry")]

    def __str__(self) -> str:
        return str(_("Archive of %(alliance)s") % {"alliance": self.alliance})

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY and not self.has_expired

    @property
    def has_expired(self) -> bool:
        return self.status == self.Status.EXPIRED or (
            self.expires_at is not None and timezone.now() >= self.expires_at
        )

    @property
    def percent(self) -> int:
        if self.status == self.Status.READY:
            return 100
        return round(100 * self.done / self.total) if self.total else 0

    def start(self, *, total: int) -> None:
        """Begins (or, after a worker was lost, begins again) building with `total` documents."""
        if not self.is_active:
            raise InvalidTransition(ERR_ARCHIVE_FINISHED)
        self.status = self.Status.RUNNING
        self.total = total
        self.done = 0
        self.started_at = timezone.now()
        if not self.file_name:
            self.file_name = f"{uuid.uuid4().hex}.zip"

    def finish(self, *, size: int) -> None:
        if self.status != self.Status.RUNNING:
            raise InvalidTransition(ERR_ARCHIVE_NOT_RUNNING)
        self.status = self.Status.READY
        self.done = self.total
        self.size = size
        self.finished_at = timezone.now()
        self.expires_at = self.finished_at + timedelta(hours=settings.ARCHIVE_MAX_AGE_HOURS)

    def fail(self, *, error: str) -> None:
        if not self.is_active:
            raise InvalidTransition(ERR_ARCHIVE_FINISHED)
        self.status = self.Status.FAILED
        self.error = error[:500]
        self.finished_at = timezone.now()

    def expire(self) -> None:
        self.status = self.Status.EXPIRED
