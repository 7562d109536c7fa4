"""What the reports do when a lower app tells them something changed; connected in
ReportsConfig.ready()."""

from __future__ import annotations

from .services import archives_delete_for_erasure


def delete_archives_holding_contact(sender, *, contact, alliance, actor, **kwargs) -> int:
    return archives_delete_for_erasure(
        alliance=alliance, recorded_at=contact.created_at, actor=actor
    )
