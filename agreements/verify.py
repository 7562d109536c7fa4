"""The public verify page: is this PDF an unmodified agreement sealed by this portal?

Anyone may ask, without logging in. The answer names the alliance, the agreement version and
the signer of a genuine document, and the date the signer withdrew it if they did, and nothing
else: no contact details, no evidence, no reason, and for any other file only why it does not
verify.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_safe

from alliance_portal.seal import (
    SealCheck,
    certificate_fingerprint,
    seal_certificate,
    seal_certificate_pem,
    verify_sealed_pdf,
)
from alliance_portal.throttle import over_limit

from .forms import VerifyForm
from .models import Signature

OUTCOME_MESSAGES = {
    SealCheck.NOT_PDF: _("This file is not a PDF the portal can read."),
    SealCheck.NOT_SEALED: _("This PDF carries no seal, so the portal cannot vouch for it."),
    SealCheck.MODIFIED: _(
        "This PDF has been changed since the portal sealed it, or its seal was copied from "
        "another document. Do not rely on it."
    ),
    SealCheck.NOT_PORTAL: _("This PDF is sealed, but not by this portal."),
    SealCheck.INVALID: _("The seal on this PDF is broken, so the portal cannot vouch for it."),
}
UNKNOWN_REFERENCE = _(
    "This PDF is sealed by this portal and unchanged, but it belongs to no signature the "
    "portal holds."
)


def _genuine_signature(check: SealCheck) -> Signature | None:
    if not check.reference:
        return None
    return (
        Signature.objects.select_related("version__agreement__alliance")
        .filter(public_id=check.reference, signed_at__isnull=False)
        .first()
    )


@require_http_methods(["GET", "POST"])
def verify(request):
    form = VerifyForm(request.POST or None, request.FILES or None)
    result = None
    throttled = None
    status = 200
    if request.method == "POST":
        # Checking a seal costs the server far more than sending a file costs anyone.
        throttled = over_limit(request, "verify")
        if throttled:
            form, status = VerifyForm(), 429
        elif form.is_valid():
            check = verify_sealed_pdf(form.cleaned_data["document"])
            result = _result(check)
            status = 200 if result["valid"] else 422
        else:
            status = 400
    context = {
        "form": form,
        "result": result,
        "throttled": throttled,
        "fingerprint": certificate_fingerprint(seal_certificate()),
    }
    return render(request, "agreements/verify.html", context, status=status)


@require_safe
def certificate(request):
    """The portal's sealing certificate, so anyone can check a document with their own tools."""
    response = HttpResponse(seal_certificate_pem(), content_type="application/x-pem-file")
    response["Content-Disposition"] = 'attachment; filename="alliance-portal-seal.pem"'
    return response


def _result(check: SealCheck) -> dict:
    if not check.is_valid:
        return {
            "valid": False,
            "message": OUTCOME_MESSAGES.get(check.outcome, OUTCOME_MESSAGES[SealCheck.INVALID]),
        }
    signature = _genuine_signature(check)
    if signature is None:
        return {"valid": False, "message": UNKNOWN_REFERENCE}
    withdrawn = signature.status == Signature.Status.WITHDRAWN
    return {
        "valid": True,
        "alliance": signature.version.agreement.alliance.name,
        "version": signature.version.number,
        "signer": signature.typed_name,
        "sealed_at": check.sealed_at,
        # The document is still genuine, but the alliance's record no longer counts it.
        "withdrawn_at": signature.withdrawn_at if withdrawn else None,
    }
