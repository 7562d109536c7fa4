"""Views of the meeting pages, one module per screen family; urls.py imports them from here."""

from .agenda import (
    agenda_item_add,
    agenda_item_edit,
    agenda_item_move,
    agenda_item_remove,
    meeting_create,
    meeting_detail,
    meeting_edit,
    meeting_list,
    meeting_transition,
)
from .attendance import answer, answer_by_link, guest_invite, participants
from .calendar import (
    calendar_feed,
    calendar_feed_renew,
    calendar_feed_revoke,
    calendar_feeds,
    meeting_ics,
)
from .documents import agenda_pdf, minutes_pdf
from .minutes import (
    decided_action_add,
    decided_action_remove,
    member_comment_add,
    minutes_correct,
    minutes_history,
    minutes_page,
    minutes_record_approval,
    minutes_revision,
    minutes_save,
    minutes_start,
    minutes_transition,
)
from .presence import minutes_presence, minutes_presence_leave

__all__ = [
    "agenda_item_add",
    "agenda_item_edit",
    "agenda_item_move",
    "agenda_item_remove",
    "agenda_pdf",
    "answer",
    "answer_by_link",
    "calendar_feed",
    "calendar_feed_renew",
    "calendar_feed_revoke",
    "calendar_feeds",
    "decided_action_add",
    "decided_action_remove",
    "guest_invite",
    "meeting_create",
    "meeting_detail",
    "meeting_edit",
    "meeting_ics",
    "meeting_list",
    "meeting_transition",
    "member_comment_add",
    "minutes_correct",
    "minutes_history",
    "minutes_page",
    "minutes_pdf",
    "minutes_presence",
    "minutes_presence_leave",
    "minutes_record_approval",
    "minutes_revision",
    "minutes_save",
    "minutes_start",
    "minutes_transition",
    "participants",
]
