"""The two steps every import shares: between the preview and the confirmation the file's rows
wait in the session, and confirming applies them whole or not at all."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _

from .forms import message_service_errors

CANCELLED, REFUSED, DONE = "cancelled", "refused", "done"


def hold_rows(request, key: str, *, filename: str, columns: list[str], rows: list) -> str:
    """Keeps the previewed rows until the user confirms; returns the preview's token."""
    token = uuid.uuid4().hex
    # Only the rows wait in the session, one pending file per key, never the upload itself.
    request.session[key] = {"token": token, "filename": filename, "columns": columns, "rows": rows}
    return token


def confirm_held_rows(request, key: str, apply: Callable[[dict], Any]) -> tuple[str, Any]:
    """(CANCELLED | REFUSED | DONE, apply's result): cancels, refuses a preview that is no
    longer current or that the data no longer allows (saying so in a message), or applies it.

    `apply(pending)` gets the held filename, columns and rows and must write all or nothing.
    """
    pending = request.session.get(key)
    if request.POST.get("cancel"):
        request.session.pop(key, None)
        messages.info(request, _("The import was cancelled; nothing was saved."))
        return CANCELLED, None
    if not pending or pending.get("token") != request.POST.get("token"):
        messages.error(
            request,
            _("This preview is no longer current. Upload the file again to see a new preview."),
        )
        return REFUSED, None
    try:
        result = apply(pending)
    except (ValidationError, IntegrityError) as exc:
        # The data changed between the preview and the confirmation; nothing was written.
        if isinstance(exc, ValidationError):
            message_service_errors(request, exc)
        messages.error(
            request, _("The data changed since the preview. Upload the file again to check it.")
        )
        return REFUSED, None
    request.session.pop(key, None)
    return DONE, result
