"""The guide's mapping tool as PDF bytes (landscape A4). The download view, for the filtered set,
and the alliance's archive, for the whole mapping, both print through this."""

from __future__ import annotations

from django.utils import timezone

from alliance_portal.pdf import document_html, render_pdf
from alliances.models import Alliance
from documents.registry import AsOfNow, as_of_now_kind
from documents.services import document_pdf

TEMPLATE = "stakeholders/pdf/mapping.html"
# The whole mapping in the archive, kept until what it shows changes (documents.registry).
MAPPING_KIND = as_of_now_kind("mapping", TEMPLATE)


def _context(alliance: Alliance, stakeholders, *, filtered: bool) -> dict:
    return {
        "alliance": alliance,
        "stakeholders": stakeholders,
        "generated_at": timezone.now(),
        "filtered": filtered,
    }


def mapping_document(alliance: Alliance, stakeholders, *, filtered: bool = False) -> bytes:
    """`stakeholders` as stakeholder_list(with_contacts=True) gives them."""
    return render_pdf(TEMPLATE, _context(alliance, stakeholders, filtered=filtered))


def whole_mapping_document(alliance: Alliance, stakeholders) -> bytes:
    """The whole mapping, the kept copy while it still shows what the register holds."""
    html = document_html(TEMPLATE, _context(alliance, stakeholders, filtered=False))
    return document_pdf(MAPPING_KIND.name, AsOfNow(alliance.pk, html))
