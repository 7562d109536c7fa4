"""The guide's mapping tool as PDF bytes (landscape A4). The download view, for the filtered set,
and the alliance's archive, for the whole mapping, both print through this."""

from __future__ import annotations

from django.utils import timezone

from alliance_portal.pdf import render_pdf
from alliances.models import Alliance


def mapping_document(alliance: Alliance, stakeholders, *, filtered: bool = False) -> bytes:
    """`stakeholders` as stakeholder_list(with_contacts=True) gives them."""
    return render_pdf(
        "stakeholders/pdf/mapping.html",
        {
            "alliance": alliance,
            "stakeholders": stakeholders,
            "generated_at": timezone.now(),
            "filtered": filtered,
        },
    )
