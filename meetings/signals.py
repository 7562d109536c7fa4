"""What happens to meetings, for the apps above that react to it (reminders).

Meetings sit below the apps that react, so they announce events instead of calling them. Every
signal is sent inside the service's transaction, after the change is saved: what a receiver
writes commits or rolls back together with the change. A process that dies between the commit
and the reaction therefore loses nothing, and a receiver that raises undoes the change. Work that
must wait for the commit (queueing mail) is the receiver's to defer with `transaction.on_commit`.

Every signal is sent with `sender` set to the model class.
"""

from __future__ import annotations

from django.dispatch import Signal

# The meeting's start moved. Sent with `meeting`.
meeting_rescheduled = Signal()

# The meeting was cancelled. Sent with `meeting`.
meeting_cancelled = Signal()

# The agenda was published. Sent with `meeting` and `recipient_ids`: the invited members who
# have an account and an address (guests are mailed by meetings itself).
agenda_published = Signal()

# The minutes were circulated for comment. Sent with `minutes` and `recipient_ids`: the active
# members, other than the one who circulated them, whose role may comment on minutes.
minutes_circulated = Signal()
