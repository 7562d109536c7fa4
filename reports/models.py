"""Documents built in the background: the archive (one ZIP with every PDF of an alliance) and
large drafts (the stakeholder mapping, a draft action plan, the coordinator report). Each is
printed by a worker, kept in the portal's file storage for a while, and downloaded from there."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from alliance_portal.exceptions import InvalidTransition
from alliance_portal.permissions import Capability

ERR_ARCHIVE_NOT_RUNNING = _("This archive is not being built.")
ERR_ARCHIVE_FINISHED = _("This archive is already finished.")
ERR_PLAN_MISSING = _("Choose the action plan to print.")
ERR_PERIOD_MISSING = _("Choose the period the report covers.")
ERR_PERIOD_REVERSED = _("The period must end on or after the day it starts.")

# Where the finished files are kept in the storage. The names are random, so they cannot be
# guessed; the files are only ever sent through the download page, which checks who asks.
STORAGE_FOLDER = "exports"


class ArchiveExport(models.Model):
    class Kind(models.TextChoices):
        ARCHIVE = "archive", _("Archive of every document")
        MAPPING = "mapping", _("Stakeholder mapping")
        PLAN = "plan", _("Action plan")
        REPORT = "report", _("Coordinator report")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting to start")
        RUNNING = "running", _("Being built")
        READY = "ready", _("Ready to download")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Expired")

    ACTIVE_STATUSES = (Status.QUEUED, Status.RUNNING)
    # The large drafts a page may hand to a worker instead of printing them at once.
    DRAFT_KINDS = (Kind.MAPPING, Kind.PLAN, Kind.REPORT)
    # Who may ask for, follow and download an export of each kind: whoever may read the
    # document on its own page.
    CAPABILITY_BY_KIND = {
        Kind.ARCHIVE: Capability.EXPORT_REPORTS,
        Kind.MAPPING: Capability.VIEW_CONTACTS,
        Kind.PLAN: Capability.VIEW_PLANS,
        Kind.REPORT: Capability.EXPORT_REPORTS,
    }
    # The kinds that print contact people, which must go when one of them is erased.
    KINDS_WITH_CONTACTS = (Kind.ARCHIVE, Kind.MAPPING)

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
    kind = models.CharField(
        _("document"), max_length=16, choices=Kind.choices, default=Kind.ARCHIVE
    )
    # What the document covers: the plan (a plan), the period (a report), the filter the
    # mapping's list was narrowed by, as its query string (a mapping; empty for the whole).
    plan = models.ForeignKey(
        "actionplans.ActionPlan",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("action plan"),
    )
    period_start = models.DateField(_("period start"), null=True, blank=True)
    period_end = models.DateField(_("period end"), null=True, blank=True)
    query = models.TextField(_("filter"), blank=True)
    # Documents are printed in the language of the person who asked for them.
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.QUEUED
    )
    total = models.PositiveIntegerField(_("documents"), default=0)
    done = models.PositiveIntegerField(_("documents done"), default=0)
    # The file's name in the storage; random, so it cannot be guessed. Set while a stored file
    # may exist under it, and emptied once the file is deleted.
    file_name = models.CharField(max_length=100, blank=True, editable=False)
    # The name the download is saved under, chosen when the document is printed.
    download_name = models.CharField(max_length=200, blank=True, editable=False)
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
        if self.kind == self.Kind.ARCHIVE:
            return str(_("Archive of %(alliance)s") % {"alliance": self.alliance})
        return str(self.get_kind_display())

    def clean(self) -> None:
        errors = {}
        if self.kind == self.Kind.PLAN and self.plan_id is None:
            errors["plan"] = ERR_PLAN_MISSING
        if self.kind == self.Kind.REPORT:
            if self.period_start is None or self.period_end is None:
                errors["period_start"] = ERR_PERIOD_MISSING
            elif self.period_end < self.period_start:
                errors["period_end"] = ERR_PERIOD_REVERSED
        if errors:
            raise ValidationError(errors)

    @property
    def is_archive(self) -> bool:
        return self.kind == self.Kind.ARCHIVE

    @property
    def capability(self) -> Capability:
        return self.CAPABILITY_BY_KIND[self.kind]

    @property
    def content_type(self) -> str:
        return "application/zip" if self.is_archive else "application/pdf"

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
            extension = "zip" if self.is_archive else "pdf"
            self.file_name = f"{STORAGE_FOLDER}/{uuid.uuid4().hex}.{extension}"

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
