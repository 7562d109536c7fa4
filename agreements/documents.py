"""The signed agreement as a PDF: text, signature block and audit page, sealed by the portal.

The PDF is rendered through the one PDF helper and then sealed (PAdES). The seal embeds the
signature's public id, which the public verify page reads back from a document it has checked.
"""

from __future__ import annotations

from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from alliance_portal.pdf import pdf_response, render_pdf
from alliance_portal.seal import seal_pdf, timestamp_clock_label
from documents.registry import DocumentKind
from documents.services import document_pdf

from .models import Signature
from .selectors import displayed_text, signature_events


def signature_document_context(signature: Signature) -> dict:
    version = signature.version
    return {
        "signature": signature,
        "version": version,
        "alliance": version.agreement.alliance,
        "text": displayed_text(version, signature.language),
        "events": signature_events(signature),
        "timestamp_authority": timestamp_clock_label(),
        "printed_at": timezone.now(),
    }


def sealed_signature_pdf(signature: Signature) -> bytes:
    """The signed agreement in the language it was signed in, sealed by the portal."""
    with translation.override(signature.language or signature.version.language):
        context = signature_document_context(signature)
        pdf = render_pdf("agreements/pdf/signed.html", context)
        reason = _(
            "Commitment agreement of %(alliance)s, version %(number)d, signed by %(name)s"
        ) % {
            "alliance": context["alliance"].name,
            "number": signature.version.number,
            "name": signature.typed_name,
        }
    return seal_pdf(pdf, reference=signature.public_id.hex, reason=reason[:500])


def signed_pdf_response(signature: Signature):
    """The sealed PDF as a download; 404 for a request that was never signed."""
    if signature.signed_at is None:
        raise Http404
    alliance = signature.version.agreement.alliance
    name = f"{alliance.name} agreement v{signature.version.number} {signature.typed_name}"
    return pdf_response(document_pdf(SIGNATURE_KIND.name, signature), filename=name)


def _signature_to_print(signature_id: int) -> Signature | None:
    return (
        Signature.objects.select_related("version__agreement__alliance", "membership__user")
        .filter(pk=signature_id)
        .first()
    )


def _signature_state(signature: Signature) -> str:
    # The audit page lists every event, and a countersignature or a withdrawal adds one.
    events = signature.events.count()
    return f"{signature.status}:{signature.countersigned_at}:{signature.withdrawn_at}:{events}"


# A signature is sealed once, when it is signed, and kept (documents.services); a later
# countersignature or withdrawal seals the document again with its new events.
SIGNATURE_KIND = DocumentKind(
    name="signature",
    template="agreements/pdf/signed.html",
    load=_signature_to_print,
    render=sealed_signature_pdf,
    is_final=lambda signature: signature.signed_at is not None,
    state=_signature_state,
    language=lambda signature: signature.language or signature.version.language,
)
