"""What the stakeholder register tells the apps above it, which it must not import."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the erasure's transaction with contact, alliance and actor. A receiver removes
# copies of the person's data that its app keeps (the archive exports) and returns how many it
# removed, so the page can say so.
contact_erased = Signal()
