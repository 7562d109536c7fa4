"""The status board's rows, drawn from the fragment cache (alliance_portal/fragments.py)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.safestring import SafeString

from alliance_portal.fragments import render_rows
from alliance_portal.permissions import Capability


def board_rows(access, version, board) -> SafeString:
    """The board's rows, each from the fragment cache unless something it shows has changed: its
    key holds the member's name and organisation, the signature's answer, dates and reasons, its
    newest event, what the reader may do on it and the time zone its dates are shown in; the
    cache adds the language."""
    can_countersign = access.can(Capability.COUNTERSIGN_AGREEMENT)
    can_invite = access.can(Capability.MANAGE_AGREEMENT) and version.is_current
    zone = timezone.get_current_timezone_name()
    shown_in = (access.alliance.pk, can_countersign, can_invite, zone)
    keys = [(*_board_row_key(row), *shown_in) for row in board.rows]

    def contexts(missing: list[int]) -> dict[int, dict]:
        return {
            index: {
                "row": board.rows[index],
                "alliance_id": access.alliance.pk,
                "can_countersign": can_countersign,
                "can_invite": can_invite,
            }
            for index in missing
        }

    return render_rows(
        "agreements/_board_row.html",
        keys,
        contexts,
        name="board-row",
        includes=("agreements/_signature_status.html",),
    )


def _board_row_key(row) -> tuple:
    membership, signature, event = row.membership, row.signature, row.last_event
    answer = signature and (
        signature.pk,
        signature.status,
        signature.invited_at,
        signature.signed_at,
        signature.declined_at,
        signature.decline_reason,
        signature.withdrawn_at,
        signature.withdraw_reason,
        signature.countersigned_at,
        signature.awaits_countersignature,
    )
    return (
        membership.pk,
        str(membership.user),
        membership.organisation_name,
        row.left_alliance,
        answer,
        event and (event.pk, event.kind, event.at),
    )
