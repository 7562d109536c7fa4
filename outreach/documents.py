"""The information material and invitation for new members as PDF bytes. The download view and
the alliance's archive both print through this."""

from __future__ import annotations

from alliance_portal.pdf import document_html, render_pdf
from alliances.models import Alliance
from documents.registry import AsOfNow, as_of_now_kind
from documents.services import document_pdf

from .selectors import information_context

TEMPLATE = "outreach/pdf/information.html"
# The copy in the archive, kept until what it shows changes (documents.registry).
INFORMATION_KIND = as_of_now_kind("information", TEMPLATE)


def information_document(alliance: Alliance, context: dict | None = None) -> bytes:
    return render_pdf(TEMPLATE, context or information_context(alliance))


def kept_information_document(alliance: Alliance) -> bytes:
    """The information material, the kept copy while it still shows what it would now."""
    html = document_html(TEMPLATE, information_context(alliance))
    return document_pdf(INFORMATION_KIND.name, AsOfNow(alliance.pk, html))


def document_name(alliance: Alliance) -> str:
    return f"{alliance.name}-information-for-new-members"
