"""The audit log's single entry point. Services call audit_record() for every write they make."""

from __future__ import annotations

from typing import Any

from django.db import models

from alliance_portal.request_context import request_ip

from .models import Alliance, AuditEntry


def audit_record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    alliance=None,
    changes: dict[str, Any] | None = None,
):
    """Append an entry to the audit log; `alliance` defaults to the object's own alliance."""
    if alliance is None and obj is not None:
        alliance = obj if isinstance(obj, Alliance) else getattr(obj, "alliance", None)
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEntry.objects.create(
        alliance=alliance,
        actor=actor if is_person else None,
        actor_label=(actor.email or actor.username) if is_person else "system",
        action=action,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_label=str(obj)[:300] if obj is not None else "",
        changes=changes or {},
        ip_address=request_ip.get(),
    )
