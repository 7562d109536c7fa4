"""The signing page, shared by logged-in members and by members who follow an emailed link.

Someone who follows a link must first show they are the member it was sent to: by logging in,
or by entering a one-time code mailed to the member's address. A confirmed code is remembered
in the session for a short while, for this one signature request only.
"""

from __future__ import annotations

import time

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from alliance_portal.forms import add_service_errors, message_service_errors
from alliance_portal.throttle import THROTTLED, over_limit

from . import selectors, services
from .documents import signed_pdf_response
from .forms import CodeForm, ReasonForm, SignForm
from .models import ERR_SUPERSEDED, Signature
from .services import RequestFacts
from .tokens import ExpiredSigningLink, InvalidSigningLink, signature_from_token

IDENTITY_SESSION_KEY = "agreement_signers"
IDENTITY_SECONDS = 30 * 60

ERR_LINK_INVALID = gettext_lazy(
    "This signing link is not valid. Check that you copied the whole link from the email."
)
ERR_LINK_EXPIRED = gettext_lazy(
    "This signing link has expired. Ask the alliance's coordinator to send a new invitation, or "
    "log in and sign from the agreement page."
)
ERR_LINK_USED = gettext_lazy(
    "This link has already been used to answer the invitation. Log in to see your answer."
)
ERR_LINK_REPLACED = gettext_lazy(
    "A newer invitation replaced this link. Use the link in the latest email."
)
ERR_LINK_OTHER_PERSON = gettext_lazy(
    "This link was sent to another member. Log out, then open it again, or ask for your own "
    "invitation."
)

# Refusals after which the signing form makes no sense any more: show the reason, not the form.
FINAL_REFUSALS = {"superseded", "signed", "withdrawn"}


def reading_language(request, version) -> str:
    available = selectors.text_languages(version)
    for language in (request.GET.get("lang", ""), request.LANGUAGE_CODE):
        if language in available:
            return language
    return version.language


def _initial(signature: Signature, text) -> dict:
    membership = signature.membership
    return {
        "typed_name": membership.user.get_full_name(),
        "organisation": membership.organisation_name,
        "contact": membership.user.email,
        "language": text.language,
        "shown_sha256": text.sha256,
    }


def signing_page(request, signature, *, identity, back_url, form=None, status=200, context=None):
    """The exact text of the version in the reader's language, its hash, and the form.
    `context` adds what the page around it needs (the alliance's menu for a logged-in member)."""
    version = signature.version
    if request.method == "GET":
        services.signature_viewed(
            signature=signature, actor=signature.membership.user, facts=RequestFacts.of(request)
        )
    text = selectors.displayed_text(version, reading_language(request, version))
    form = form or SignForm(initial=_initial(signature, text))
    if form.is_bound:
        # A refused form shows the text it was signed against, not a newer one.
        text = selectors.displayed_text(version, form.data.get("language", ""))
    return render(
        request,
        "agreements/sign.html",
        {
            **(context or {}),
            "signature": signature,
            "version": version,
            "alliance": version.agreement.alliance,
            "text": text,
            "text_languages": selectors.text_languages(version),
            "form": form,
            "identity": identity,
            "back_url": back_url,
        },
        status=status,
    )


def handle_sign_post(request, signature, *, identity, done_url, page_url, context=None):
    form = SignForm(request.POST)
    if form.is_valid():
        try:
            services.signature_sign(
                signature=signature,
                identity=identity,
                facts=RequestFacts.of(request),
                **form.cleaned_data,
            )
        except ValidationError as exc:
            if getattr(exc, "code", None) in FINAL_REFUSALS or not hasattr(exc, "error_dict"):
                message_service_errors(request, exc)
                return redirect(page_url if exc.code not in FINAL_REFUSALS else done_url)
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "You signed version %(number)d of the agreement. You can download the "
                    "signed PDF at any time."
                )
                % {"number": signature.version.number},
            )
            return redirect(done_url)
    return signing_page(
        request,
        signature,
        identity=identity,
        back_url=done_url,
        form=form,
        status=400,
        context=context,
    )


# Identity confirmed by code, kept in the session ------------------------------------------------


def _confirmed(request, signature: Signature) -> bool:
    expiry = request.session.get(IDENTITY_SESSION_KEY, {}).get(signature.public_id.hex, 0)
    return expiry > time.time()


def _remember_confirmed(request, signature: Signature) -> None:
    confirmed = request.session.get(IDENTITY_SESSION_KEY, {})
    confirmed = {key: exp for key, exp in confirmed.items() if exp > time.time()}
    confirmed[signature.public_id.hex] = time.time() + IDENTITY_SECONDS
    request.session[IDENTITY_SESSION_KEY] = confirmed


def _is_signer(request, signature: Signature) -> bool:
    return request.user.is_authenticated and request.user.pk == signature.membership.user_id


def _problem(request, message, *, status: int, signature=None):
    return render(
        request,
        "agreements/link_problem.html",
        {"message": message, "signature": signature},
        status=status,
    )


def _link(request, token: str):
    """(signature, None) for a link that may still be used, else (None, a problem response)."""
    try:
        signature, nonce = signature_from_token(token)
    except InvalidSigningLink:
        return None, _problem(request, ERR_LINK_INVALID, status=404)
    except ExpiredSigningLink:
        return None, _problem(request, ERR_LINK_EXPIRED, status=410)
    if request.user.is_authenticated and not _is_signer(request, signature):
        return None, _problem(request, ERR_LINK_OTHER_PERSON, status=403)
    if not signature.version.is_current:
        return None, _problem(request, ERR_SUPERSEDED, status=410, signature=signature)
    if not services.is_signer(signature.membership):
        return None, _problem(request, services.ERR_NOT_A_SIGNER, status=410)
    if nonce != signature.link_nonce:
        answered = signature.status != Signature.Status.PENDING
        if answered and (_is_signer(request, signature) or _confirmed(request, signature)):
            return None, redirect("signing:done", signature.public_id)
        return None, _problem(request, ERR_LINK_USED if answered else ERR_LINK_REPLACED, status=410)
    return signature, None


def _identity_page(request, signature, token, *, code_form=None, status=200):
    return render(
        request,
        "agreements/identity.html",
        {
            "signature": signature,
            "alliance": signature.version.agreement.alliance,
            "version": signature.version,
            "token": token,
            "code_form": code_form or CodeForm(),
            "code_sent": bool(signature.code_hash),
            "login_url": f"{reverse('login')}?next={request.path}",
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
def sign_by_link(request, token: str):
    signature, problem = _link(request, token)
    if problem:
        return problem
    if _is_signer(request, signature):
        return redirect("agreements:sign", signature.version.agreement.alliance_id)
    if not _confirmed(request, signature):
        if request.method == "POST":
            messages.error(request, _("Confirm your email address before signing."))
        return _identity_page(request, signature, token)
    done_url = reverse("signing:done", args=[signature.public_id])
    if request.method == "POST":
        return handle_sign_post(
            request,
            signature,
            identity=Signature.Identity.EMAIL_CODE,
            done_url=done_url,
            page_url=request.path,
        )
    return signing_page(
        request, signature, identity=Signature.Identity.EMAIL_CODE, back_url=request.path
    )


@require_POST
def code_send(request, token: str):
    signature, problem = _link(request, token)
    if problem:
        return problem
    if throttled := over_limit(request, "signing_code"):
        messages.error(request, throttled)
        return _identity_page(request, signature, token, status=429)
    try:
        services.signature_code_send(signature=signature, facts=RequestFacts.of(request))
    except ValidationError as exc:
        message_service_errors(request, exc)
    else:
        messages.success(
            request,
            _("A 6-digit code is on its way to %(email)s. It works for 10 minutes.")
            % {"email": signature.membership.user.email},
        )
    return redirect("signing:sign", token)


@require_POST
def code_confirm(request, token: str):
    signature, problem = _link(request, token)
    if problem:
        return problem
    form = CodeForm(request.POST)
    # Each invitation allows a few wrong codes; this also stops one address trying many.
    if throttled := over_limit(request, "signing_code"):
        form.add_error(None, ValidationError(throttled, code=THROTTLED))
        return _identity_page(request, signature, token, code_form=form, status=429)
    if form.is_valid():
        try:
            services.signature_code_confirm(
                signature=signature, code=form.cleaned_data["code"], facts=RequestFacts.of(request)
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            _remember_confirmed(request, signature)
            messages.success(request, _("Thank you: your email address is confirmed."))
            return redirect("signing:sign", token)
    return _identity_page(request, signature, token, code_form=form, status=400)


@require_http_methods(["GET", "POST"])
def decline_by_link(request, token: str):
    signature, problem = _link(request, token)
    if problem:
        return problem
    if not (_confirmed(request, signature) or _is_signer(request, signature)):
        return redirect("signing:sign", token)
    return reason_page(
        request,
        signature,
        change=services.signature_decline,
        context={"alliance": signature.version.agreement.alliance},
        done_url=reverse("signing:done", args=[signature.public_id]),
        cancel_url=reverse("signing:sign", args=[token]),
        **decline_texts(signature.version),
    )


def decline_texts(version) -> dict:
    return {
        "title": _("Decline version %(number)d of the agreement?") % {"number": version.number},
        "explanation": _(
            "The alliance sees that you declined, with your reason if you give one. You can "
            "still sign this version later."
        ),
        "confirm_label": _("Decline"),
        "done_message": _("You declined the agreement."),
    }


def reason_page(
    request, signature, *, change, context, done_url, cancel_url, done_message, **texts
):
    """A confirmation page with an optional reason, for declining and withdrawing."""
    form = ReasonForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            change(
                signature=signature,
                facts=RequestFacts.of(request),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            message_service_errors(request, exc)
        else:
            messages.success(request, done_message)
        return redirect(done_url)
    return render(
        request,
        "agreements/reason_confirm.html",
        {**context, "signature": signature, "form": form, "cancel_url": cancel_url, **texts},
        status=400 if form.errors else 200,
    )


def _own_by_session(request, public_id) -> Signature:
    signature = (
        Signature.objects.select_related("version__agreement__alliance", "membership__user")
        .filter(public_id=public_id)
        .first()
    )
    if signature is None or not (_is_signer(request, signature) or _confirmed(request, signature)):
        raise Http404
    return signature


@require_safe
def signed_done(request, public_id):
    """After answering through a link: the answer, and the signed PDF to download."""
    signature = _own_by_session(request, public_id)
    return render(request, "agreements/done.html", {"signature": signature})


@require_safe
def signed_pdf(request, public_id):
    return signed_pdf_response(_own_by_session(request, public_id))
