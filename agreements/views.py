"""Agreement pages inside an alliance: drafting and publishing, versions and translations, the
status board, and a logged-in member's own signing, declining and withdrawing."""

from __future__ import annotations

import copy

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from alliance_portal.forms import add_service_errors, message_service_errors, saved_by_service
from alliance_portal.permissions import Capability
from alliance_portal.textdiff import word_diff
from alliances.permissions import get_alliance_for_user
from alliances.selectors import content_language
from alliances.signin import require_reauthentication

from . import selectors, services
from .board import board_rows
from .documents import signed_pdf_response
from .filters import BoardFilter
from .forms import (
    AgreementForm,
    CountersignForm,
    PublishForm,
    StartForm,
    TranslationForm,
)
from .models import ERR_ALREADY_SIGNED, ERR_SIGNATURE_WITHDRAWN, Agreement, Signature
from .permissions import (
    get_agreement_for_user,
    get_current_version_for_user,
    get_signature_for_user,
    get_version_for_user,
    require_own_signature,
)
from .services import ERR_DRAFT_CHANGED, RequestFacts
from .signing import (
    decline_texts,
    handle_sign_post,
    reading_language,
    reason_page,
    signing_page,
)

# Rows of the status board on one page.
BOARD_PAGE_SIZE = 50

# A signed or withdrawn signature cannot be given again: the signing page says why instead.
ANSWERED_FOR_GOOD = {
    Signature.Status.SIGNED: ERR_ALREADY_SIGNED,
    Signature.Status.WITHDRAWN: ERR_SIGNATURE_WITHDRAWN,
}


def agreement_url(alliance_id: int) -> str:
    return reverse("agreements:detail", args=[alliance_id])


def _context(access, **extra) -> dict:
    return {"access": access, "alliance": access.alliance, **extra}


def _draft_differs(agreement: Agreement, version) -> bool:
    return version is None or (
        agreement.sha256 != version.sha256
        or agreement.language != version.language
        or agreement.countersignature != version.countersignature
    )


@login_required
@require_safe
def agreement_detail(request, alliance_id: int):
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.VIEW_AGREEMENT)
    agreement = selectors.agreement_of(access.alliance)
    version = selectors.current_version(agreement)
    start_form = StartForm(initial={"language": content_language(access.alliance, request.user)})
    context = _context(access, agreement=agreement, version=version, start_form=start_form)
    if version is not None:
        context["text"] = selectors.displayed_text(version, reading_language(request, version))
        context["text_languages"] = selectors.text_languages(version)
        context["signature"] = selectors.member_signature(version, access.membership)
        context["earlier"] = selectors.earlier_signature(agreement, access.membership)
        context["my_signatures"] = selectors.member_signatures(agreement, access.membership)
    if agreement is not None:
        context["draft_differs"] = _draft_differs(agreement, version)
    return render(request, "agreements/detail.html", context)


# Drafting and publishing ----------------------------------------------------------------------


@login_required
@require_POST
def agreement_start(request, alliance_id: int):
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_AGREEMENT)
    form = StartForm(request.POST)
    if form.is_valid():
        try:
            services.agreement_start(
                alliance=access.alliance,
                actor=request.user,
                language=form.cleaned_data["language"],
            )
        except ValidationError as exc:
            message_service_errors(request, exc)
        else:
            messages.success(
                request,
                _("The draft starts from the guide's text, with the alliance's vision and goals."),
            )
            return redirect("agreements:edit", alliance_id)
    else:
        messages.error(request, _("Choose one of the languages offered for the text."))
    return redirect(agreement_url(alliance_id))


@login_required
@require_http_methods(["GET", "POST"])
def agreement_edit(request, alliance_id: int):
    access, agreement = get_agreement_for_user(
        request.user, alliance_id, need=Capability.MANAGE_AGREEMENT
    )
    # The form edits a copy, so a refused save leaves the loaded draft as it was.
    form = AgreementForm(request.POST or None, instance=copy.copy(agreement))
    if saved_by_service(
        request,
        form,
        lambda data: services.agreement_update(agreement=agreement, actor=request.user, **data),
        _("The draft was saved. Members see the text once you publish it as a version."),
    ):
        return redirect(agreement_url(alliance_id))
    return render(
        request,
        "agreements/edit.html",
        _context(access, agreement=agreement, form=form),
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_reset(request, alliance_id: int):
    access, agreement = get_agreement_for_user(
        request.user, alliance_id, need=Capability.MANAGE_AGREEMENT
    )
    if request.method == "POST":
        services.agreement_reset(agreement=agreement, actor=request.user)
        messages.success(request, _("The draft is the guide's text again."))
        return redirect("agreements:edit", alliance_id)
    return render(
        request,
        "agreements/confirm.html",
        _context(
            access,
            title=_("Start the draft again from the guide's text?"),
            explanation=_(
                "The draft's title and text are replaced by the guide's, with the alliance's "
                "vision and goals as they are now. Your edits to the draft are lost; "
                "published versions do not change."
            ),
            confirm_label=_("Replace the draft"),
            danger=True,
            cancel_url=reverse("agreements:edit", args=[alliance_id]),
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def agreement_publish(request, alliance_id: int):
    access, agreement = get_agreement_for_user(
        request.user, alliance_id, need=Capability.MANAGE_AGREEMENT
    )
    current = selectors.current_version(agreement)
    form = PublishForm(
        request.POST or None,
        initial={
            "sha256": agreement.sha256,
            "language": agreement.language,
            "countersignature": "1" if agreement.countersignature else "0",
        },
    )
    if request.method == "POST":
        if form.is_valid():
            try:
                version = services.agreement_publish(
                    agreement=agreement,
                    actor=request.user,
                    shown_sha256=form.cleaned_data["sha256"],
                    invite=form.cleaned_data["invite"],
                    shown_settings=form.shown_settings(),
                    facts=RequestFacts.of(request),
                )
            except ValidationError as exc:
                message_service_errors(request, exc)
            else:
                messages.success(request, _publish_message(version, form.cleaned_data["invite"]))
                return redirect(agreement_url(alliance_id))
        else:
            message_service_errors(
                request, ValidationError(form.errors.get("sha256", ERR_DRAFT_CHANGED))
            )
        return redirect("agreements:publish", alliance_id)
    changes = word_diff(current.body, agreement.body) if current else None
    return render(
        request,
        "agreements/publish.html",
        _context(
            access,
            agreement=agreement,
            current=current,
            changes=changes,
            form=form,
            next_number=(current.number + 1) if current else 1,
        ),
    )


def _publish_message(version, invited: bool) -> str:
    if invited:
        return _(
            "Version %(number)d is published, and every member with a seat has been invited "
            "to sign it."
        ) % {"number": version.number}
    return _(
        "Version %(number)d is published. Invite members from its status board when you are ready."
    ) % {"number": version.number}


# Versions and translations ----------------------------------------------------------------------


@login_required
@require_safe
def version_list(request, alliance_id: int):
    access, agreement = get_agreement_for_user(request.user, alliance_id)
    return render(
        request,
        "agreements/versions.html",
        _context(access, agreement=agreement, versions=selectors.agreement_versions(agreement)),
    )


@login_required
@require_safe
def version_detail(request, alliance_id: int, number: int):
    access, version = get_version_for_user(request.user, alliance_id, number)
    language = reading_language(request, version)
    return render(
        request,
        "agreements/version_detail.html",
        _context(
            access,
            version=version,
            text=selectors.displayed_text(version, language),
            text_languages=selectors.text_languages(version),
            missing_languages=_missing_languages(version),
        ),
    )


def _missing_languages(version) -> list[tuple[str, str]]:
    present = set(selectors.text_languages(version))
    return [(code, name) for code, name in settings.LANGUAGES if code not in present]


def _language_or_404(language: str) -> str:
    if language not in dict(settings.LANGUAGES):
        raise Http404
    return language


@login_required
@require_http_methods(["GET", "POST"])
def translation_edit(request, alliance_id: int, number: int, language: str):
    access, version = get_version_for_user(
        request.user, alliance_id, number, need=Capability.MANAGE_AGREEMENT
    )
    language = _language_or_404(language)
    existing = next((t for t in version.translations.all() if t.language == language), None)
    initial = {"title": existing.title, "body": existing.body} if existing else {}
    form = TranslationForm(request.POST or None, initial=initial)
    version_url = reverse("agreements:version", args=[alliance_id, number])
    if request.method == "POST" and form.is_valid():
        try:
            services.translation_save(
                version=version, actor=request.user, language=language, **form.cleaned_data
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                message_service_errors(request, exc)
                return redirect(version_url)
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The translation was saved."))
            return redirect(f"{version_url}?lang={language}")
    return render(
        request,
        "agreements/translation_form.html",
        _context(
            access,
            version=version,
            form=form,
            language_name=dict(settings.LANGUAGES)[language],
            cancel_url=version_url,
        ),
        status=400 if form.errors else 200,
    )


# Status board and invitations -------------------------------------------------------------------


@login_required
@require_safe
def status_board(request, alliance_id: int, number: int):
    """Who has answered the version: the counts of everyone, and a page of members, searchable
    by name or organisation and filterable by answer."""
    access, version = get_version_for_user(
        request.user, alliance_id, number, need=Capability.VIEW_SIGNATURES
    )
    board_filter = BoardFilter(
        request.GET or None,
        queryset=selectors.board_members(version, signing_roles=services.SIGNING_ROLES),
    )
    page = Paginator(board_filter.qs, BOARD_PAGE_SIZE).get_page(request.GET.get("page"))
    board = selectors.status_board(
        version, signing_roles=services.SIGNING_ROLES, members=page.object_list
    )
    return render(
        request,
        "agreements/board.html",
        _context(
            access,
            version=version,
            board=board,
            board_rows=board_rows(access, version, board),
            filter=board_filter,
            filtering=any(request.GET.get(name) for name in board_filter.filters),
            page=page,
        ),
    )


@login_required
@require_POST
def invite_unsigned(request, alliance_id: int, number: int):
    _access, version = get_version_for_user(
        request.user, alliance_id, number, need=Capability.MANAGE_AGREEMENT
    )
    try:
        count = services.signatures_invite_unsigned(
            version=version, actor=request.user, facts=RequestFacts.of(request)
        )
    except ValidationError as exc:
        message_service_errors(request, exc)
    else:
        if count:
            messages.success(
                request,
                ngettext(
                    "%(count)d member was sent an invitation to sign.",
                    "%(count)d members were sent an invitation to sign.",
                    count,
                )
                % {"count": count},
            )
        else:
            messages.info(request, _("Everyone has already answered; nobody was invited."))
    return redirect("agreements:board", alliance_id, number)


@login_required
@require_POST
def signature_invite(request, alliance_id: int, signature_id: int):
    _access, signature = get_signature_for_user(
        request.user, alliance_id, signature_id, need=Capability.MANAGE_AGREEMENT
    )
    try:
        services.signature_invite(
            signature=signature, actor=request.user, facts=RequestFacts.of(request)
        )
    except ValidationError as exc:
        message_service_errors(request, exc)
    else:
        messages.success(
            request,
            _("A new invitation was sent to %(name)s; the earlier link no longer works.")
            % {"name": signature.signer},
        )
    return redirect("agreements:board", alliance_id, signature.version.number)


# One signature ------------------------------------------------------------------------------------


@login_required
@require_safe
def signature_detail(request, alliance_id: int, signature_id: int):
    access, signature = get_signature_for_user(request.user, alliance_id, signature_id)
    return render(
        request,
        "agreements/signature_detail.html",
        _context(
            access,
            signature=signature,
            events=selectors.signature_events(signature),
            own=signature.membership_id == access.membership.pk,
        ),
    )


@login_required
@require_safe
def signature_pdf(request, alliance_id: int, signature_id: int):
    _access, signature = get_signature_for_user(request.user, alliance_id, signature_id)
    return signed_pdf_response(signature)


@login_required
@require_http_methods(["GET", "POST"])
def sign(request, alliance_id: int):
    """A logged-in member signs the current version: their login confirms who they are."""
    access, version = get_current_version_for_user(
        request.user, alliance_id, need=Capability.SIGN_AGREEMENT
    )
    signature = _own_signature(version, access)
    if request.method == "GET" and signature.status in ANSWERED_FOR_GOOD:
        messages.info(request, ANSWERED_FOR_GOOD[signature.status])
        return redirect(agreement_url(alliance_id))
    if request.method == "POST":
        return handle_sign_post(
            request,
            signature,
            identity=Signature.Identity.LOGIN,
            done_url=agreement_url(alliance_id),
            page_url=request.path,
            context=_context(access),
        )
    return signing_page(
        request,
        signature,
        identity=Signature.Identity.LOGIN,
        back_url=agreement_url(alliance_id),
        context=_context(access),
    )


def _own_signature(version, access) -> Signature:
    try:
        signature = services.signature_for_member(version=version, membership=access.membership)
    except ValidationError as exc:
        raise PermissionDenied from exc
    signature.version.agreement.alliance = access.alliance
    return signature


@login_required
@require_http_methods(["GET", "POST"])
def decline(request, alliance_id: int):
    access, version = get_current_version_for_user(
        request.user, alliance_id, need=Capability.SIGN_AGREEMENT
    )
    signature = _own_signature(version, access)
    return reason_page(
        request,
        signature,
        change=services.signature_decline,
        context=_context(access),
        done_url=agreement_url(alliance_id),
        cancel_url=agreement_url(alliance_id),
        **decline_texts(version),
    )


@login_required
@require_http_methods(["GET", "POST"])
def withdraw(request, alliance_id: int, signature_id: int):
    access, signature = get_signature_for_user(
        request.user, alliance_id, signature_id, need=Capability.SIGN_AGREEMENT
    )
    require_own_signature(access, signature)
    return reason_page(
        request,
        signature,
        change=services.signature_withdraw,
        context=_context(access),
        done_url=agreement_url(alliance_id),
        cancel_url=agreement_url(alliance_id),
        title=_("Withdraw your signature from version %(number)d?")
        % {"number": signature.version.number},
        explanation=_(
            "Your signature stays on record, marked as withdrawn, with the time and your "
            "reason if you give one. You cannot sign this version again."
        ),
        confirm_label=_("Withdraw my signature"),
        done_message=_("Your signature was withdrawn."),
    )


@login_required
@require_http_methods(["GET", "POST"])
def countersign(request, alliance_id: int, signature_id: int):
    access, signature = get_signature_for_user(
        request.user, alliance_id, signature_id, need=Capability.COUNTERSIGN_AGREEMENT
    )
    form = CountersignForm(
        request.POST or None, initial={"typed_name": request.user.get_full_name()}
    )
    board_url = reverse("agreements:board", args=[alliance_id, signature.version.number])
    confirmed_by = require_reauthentication(request)
    if request.method == "POST" and form.is_valid():
        try:
            services.signature_countersign(
                signature=signature,
                actor=request.user,
                typed_name=form.cleaned_data["typed_name"],
                facts=RequestFacts.of(request),
                confirmed_by=confirmed_by,
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                message_service_errors(request, exc)
                return redirect(board_url)
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("You countersigned the signature of %(name)s.") % {"name": signature.signer},
            )
            return redirect(board_url)
    return render(
        request,
        "agreements/countersign.html",
        _context(
            access,
            signature=signature,
            text=selectors.displayed_text(signature.version, signature.language),
            form=form,
            cancel_url=board_url,
        ),
        status=400 if form.errors else 200,
    )
