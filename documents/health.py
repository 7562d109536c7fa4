"""The storage's health check: the stored documents and the archives live there, so a store that
cannot be written or read (a wrong key, a bucket gone, a full disk) is shown on the health page
and fails /health.json. `DocumentsConfig.ready()` adds it to the portal's health report."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _

from alliance_portal.health import register_check

FOLDER = "health"
# Monitoring reads this as it is, so it stays in English.
READ_BACK_DIFFERS = "The storage gave back other bytes than were written."


def storage_check() -> dict[str, Any]:
    """Writes a small file, reads it back and deletes it: what keeping a document does."""
    probe = uuid.uuid4().hex.encode()
    name = default_storage.save(f"{FOLDER}/{uuid.uuid4().hex}.txt", ContentFile(probe))
    try:
        with default_storage.open(name, "rb") as file:
            read = file.read()
    finally:
        default_storage.delete(name)
    details = {"backend": default_storage.__class__.__name__}
    if read != probe:
        return {**details, "ok": False, "error": READ_BACK_DIFFERS}
    return details


def register_health_checks() -> None:
    register_check(
        "storage",
        storage_check,
        label=_("File storage (documents and archives)"),
        details_template="documents/health_storage.html",
    )
