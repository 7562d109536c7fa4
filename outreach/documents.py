"""The information material and invitation for new members as PDF bytes. The download view and
the alliance's archive both print through this."""

from __future__ import annotations

from alliance_portal.pdf import render_pdf
from alliances.models import Alliance

from .selectors import information_context


def information_document(alliance: Alliance, context: dict | None = None) -> bytes:
    return render_pdf("outreach/pdf/information.html", context or information_context(alliance))


def document_name(alliance: Alliance) -> str:
    return f"{alliance.name}-information-for-new-members"
