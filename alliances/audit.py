"""The audit log's single entry point. Services call audit_record() for every write they make,
or save_and_audit() to create or update one record and audit it in one step."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from django.db import models

from alliance_portal.request_context import request_ip
from alliance_portal.services import assign_fields

from .models import Alliance, AuditEntry

M = TypeVar("M", bound=models.Model)


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


def _shown(value: Any) -> str:
    return "" if value is None else str(value)


def save_and_audit(
    instance: M,
    *,
    actor,
    fields: Mapping[str, Any],
    allowed: tuple[str, ...],
    created: bool,
    created_action: str,
    updated_action: str,
    alliance=None,
    with_values: bool = False,
    links: Mapping[str, Iterable[models.Model]] | None = None,
) -> M:
    """Sets the allowed fields, validates, saves, sets the many-to-many `links`, and audits a
    creation always and an update when something changed; returns the instance.

    The audit entry names the changed fields, or with `with_values` gives each one's old and new
    value; a changed link says how many there were before and after. Runs inside the caller's
    transaction.
    """
    # Old values are read only when the entry shows them.
    before = {name: getattr(instance, name) for name in fields if name in allowed and with_values}
    changed = assign_fields(instance, dict(fields), allowed)
    instance.full_clean()
    instance.save()
    if with_values:
        changes: dict[str, Any] = {
            name: {"from": _shown(before[name]), "to": _shown(fields[name])} for name in changed
        }
    else:
        changes = {"fields": ", ".join(sorted(changed))} if changed else {}
    for field, targets in (links or {}).items():
        linked = getattr(instance, field)
        old = set() if created else set(linked.values_list("pk", flat=True))
        new = {target.pk for target in targets}
        if old != new:
            linked.set(targets)
            changes[field] = {"from": len(old), "to": len(new)}
    if created or changes:
        audit_record(
            actor=actor,
            action=created_action if created else updated_action,
            obj=instance,
            alliance=alliance,
            changes=changes,
        )
    return instance
