"""Views of the alliances app: authorise → bind form → call service → message → redirect."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.forms.models import model_to_dict
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from alliance_portal.forms import add_service_errors, saved_by_service, service_error_messages
from alliance_portal.permissions import Capability, Role

from . import selectors, services
from .filters import MemberFilter
from .forms import (
    AcceptInvitationSignupForm,
    AllianceCreateForm,
    AllianceForm,
    ChairHandOverForm,
    InvitationForm,
    MembershipEndForm,
    MembershipRoleForm,
    PreferencesForm,
)
from .models import ERR_INVITATION_EXPIRED, Invitation, User
from .permissions import (
    can_create_alliance,
    get_alliance_for_user,
    get_invitation_for_user,
    get_membership_for_user,
)
from .services import ALLIANCE_EDITABLE_FIELDS
from .signin import require_reauthentication
from .tokens import ExpiredInvitationLink, InvalidInvitationLink, invitation_from_token

# Members a page of the members list shows.
MEMBERS_PAGE_SIZE = 50

ERR_INVITATION_LINK_INVALID = gettext_lazy(
    "This invitation link is not valid. Check that you copied the whole link."
)

TRANSITIONS = {
    "activate": services.alliance_activate,
    "close": services.alliance_close,
    "reopen": services.alliance_reopen,
}


@login_required
@require_safe
def alliance_list(request):
    memberships = selectors.alliance_list_for_user(user=request.user)
    return render(
        request,
        "alliances/list.html",
        {"memberships": memberships, "can_create": can_create_alliance(request.user)},
    )


@login_required
@require_http_methods(["GET", "POST"])
def alliance_create(request):
    if not can_create_alliance(request.user):
        raise PermissionDenied
    form = AllianceCreateForm(
        request.POST or None,
        initial=services.alliance_defaults(actor=request.user),
        submit_label=_("Create alliance"),
    )
    alliance = saved_by_service(
        request,
        form,
        lambda data: services.alliance_create(actor=request.user, **data),
        _("The alliance was created."),
    )
    if alliance:
        return redirect("dashboard:alliance", alliance.pk)
    return render(request, "alliances/form.html", {"form": form, "title": _("New alliance")})


@login_required
@require_http_methods(["GET", "POST"])
def alliance_edit(request, alliance_id: int):
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.EDIT_ALLIANCE)
    # The form gets a copy of the values, so the service still sees what changed.
    form = AllianceForm(
        request.POST or None,
        initial=model_to_dict(access.alliance, fields=ALLIANCE_EDITABLE_FIELDS),
    )
    if saved_by_service(
        request,
        form,
        lambda data: services.alliance_update(alliance=access.alliance, actor=request.user, **data),
        _("Your changes were saved."),
    ):
        return redirect("dashboard:alliance", access.alliance.pk)
    return render(
        request,
        "alliances/form.html",
        {"form": form, "access": access, "title": _("Edit %(name)s") % {"name": access.alliance}},
    )


@login_required
@require_http_methods(["GET", "POST"])
def alliance_transition(request, alliance_id: int, transition: str):
    access = get_alliance_for_user(
        request.user, alliance_id, need=Capability.CHANGE_ALLIANCE_STATUS
    )
    if transition not in TRANSITIONS:
        raise Http404
    if request.method == "POST":
        try:
            TRANSITIONS[transition](alliance=access.alliance, actor=request.user)
        except ValidationError as exc:
            for message in service_error_messages(exc):
                messages.error(request, message)
        else:
            messages.success(request, _("The alliance's status was changed."))
        return redirect("dashboard:alliance", access.alliance.pk)
    return render(
        request,
        "alliances/transition_confirm.html",
        {"access": access, "alliance": access.alliance, "transition": transition},
    )


@login_required
@require_safe
def member_list(request, alliance_id: int):
    """The alliance's members, searchable by name or organisation and filterable by role; those
    who manage members also see the pending invitations and former members."""
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.VIEW_MEMBERS)
    alliance = access.alliance
    can_manage = access.can(Capability.MANAGE_MEMBERS)
    member_filter = MemberFilter(
        request.GET or None, queryset=selectors.member_list(alliance=alliance)
    )
    page = Paginator(member_filter.qs, MEMBERS_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "alliances/members.html",
        {
            "access": access,
            "alliance": alliance,
            "filter": member_filter,
            "filtering": any(request.GET.get(name) for name in member_filter.filters),
            "page": page,
            "member_total": selectors.member_list(alliance=alliance).count(),
            "invitations": (
                selectors.pending_invitation_list(alliance=alliance) if can_manage else []
            ),
            "former_members": (
                selectors.former_member_list(alliance=alliance) if can_manage else []
            ),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_invite(request, alliance_id: int):
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_MEMBERS)
    language = selectors.invitation_default_language(alliance=access.alliance, inviter=request.user)
    form = InvitationForm(request.POST or None, initial={"language": language})
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invitation_create(
                alliance=access.alliance, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            # Its mail was queued once it was saved, and it was withdrawn then if the broker
            # could not be reached: the form stays filled in, to send again.
            invitation.refresh_from_db(fields=["revoked_at"])
            if invitation.revoked_at is not None:
                form.add_error(None, services.ERR_INVITATION_NOT_SENT)
                return render(
                    request,
                    "alliances/invite.html",
                    {"form": form, "access": access, "alliance": access.alliance},
                    status=503,
                )
            messages.success(
                request, _("An invitation was sent to %(email)s.") % {"email": invitation.email}
            )
            return redirect("alliances:members", access.alliance.pk)
    return render(
        request,
        "alliances/invite.html",
        {"form": form, "access": access, "alliance": access.alliance},
    )


@login_required
@require_POST
def invitation_revoke(request, alliance_id: int, invitation_id: int):
    access, invitation = get_invitation_for_user(
        request.user, alliance_id, invitation_id, need=Capability.MANAGE_MEMBERS
    )
    try:
        services.invitation_revoke(invitation=invitation, actor=request.user)
    except ValidationError as exc:
        for message in service_error_messages(exc):
            messages.error(request, message)
    else:
        messages.success(
            request, _("The invitation to %(email)s was withdrawn.") % {"email": invitation.email}
        )
    return redirect("alliances:members", access.alliance.pk)


@login_required
@require_http_methods(["GET", "POST"])
def member_edit(request, alliance_id: int, membership_id: int):
    access, membership = get_membership_for_user(
        request.user, alliance_id, membership_id, need=Capability.MANAGE_MEMBERS
    )
    if not membership.is_active:
        raise Http404
    form = MembershipRoleForm(
        request.POST or None,
        initial={"role": membership.role, "organisation_name": membership.organisation_name},
    )
    confirmed_by = require_reauthentication(request) if _changes_role(request, membership) else ""
    if saved_by_service(
        request,
        form,
        lambda data: services.membership_update(
            membership=membership, actor=request.user, confirmed_by=confirmed_by, **data
        ),
        _("The membership was updated."),
    ):
        return redirect("alliances:members", access.alliance.pk)
    return render(
        request,
        "alliances/member_edit.html",
        {"form": form, "access": access, "alliance": access.alliance, "membership": membership},
    )


def _changes_role(request, membership) -> bool:
    """A posted form that gives the member another role (not only another organisation name)."""
    return request.method == "POST" and request.POST.get("role", membership.role) != membership.role


@login_required
@require_http_methods(["GET", "POST"])
def member_end(request, alliance_id: int, membership_id: int):
    access, membership = get_membership_for_user(
        request.user, alliance_id, membership_id, need=Capability.MANAGE_MEMBERS
    )
    if not membership.is_active:
        raise Http404
    form = MembershipEndForm(request.POST or None)
    if saved_by_service(
        request,
        form,
        lambda data: services.membership_end(
            membership=membership, actor=request.user, reason=data["reason"]
        ),
        _("%(name)s's membership has ended.") % {"name": membership.user},
    ):
        return redirect("alliances:members", access.alliance.pk)
    return render(
        request,
        "alliances/member_end_confirm.html",
        {"form": form, "access": access, "alliance": access.alliance, "membership": membership},
    )


@login_required
@require_http_methods(["GET", "POST"])
def chair_hand_over(request, alliance_id: int):
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.HAND_OVER_CHAIR)
    candidates = selectors.member_list(alliance=access.alliance).exclude(role=Role.CHAIR)
    confirmed_by = require_reauthentication(request)
    form = ChairHandOverForm(request.POST or None, candidates=candidates)
    if saved_by_service(
        request,
        form,
        lambda data: services.chair_hand_over(
            alliance=access.alliance,
            actor=request.user,
            confirmed_by=confirmed_by,
            to_membership=data["new_chair"],
            previous_chair_role=data["previous_chair_role"],
        ),
        lambda new_chair: _("%(name)s is now the chair.") % {"name": new_chair.user},
    ):
        return redirect("dashboard:alliance", access.alliance.pk)
    return render(
        request,
        "alliances/hand_over.html",
        {
            "form": form,
            "access": access,
            "alliance": access.alliance,
            "has_candidates": candidates.exists(),
        },
    )


@login_required
@require_safe
def audit_log(request, alliance_id: int):
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.VIEW_AUDIT_LOG)
    paginator = Paginator(
        selectors.audit_entry_list(alliance=access.alliance), settings.AUDIT_PAGE_SIZE
    )
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "alliances/audit_log.html",
        {"access": access, "alliance": access.alliance, "page": page},
    )


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    """The emailed link. Works logged in (accept) and logged out (create account or log in)."""
    try:
        invitation = invitation_from_token(token)
    except (InvalidInvitationLink, Invitation.DoesNotExist):
        return _invitation_problem(request, ERR_INVITATION_LINK_INVALID, status=400)
    except ExpiredInvitationLink:
        return _invitation_problem(request, ERR_INVITATION_EXPIRED, status=410)
    try:
        invitation.ensure_usable()
    except ValidationError as exc:
        return _invitation_problem(request, exc.messages[0], status=410)

    user = request.user
    has_account = selectors.account_exists(email=invitation.email)
    _speak_invitations_language(request, invitation)
    signup_form = None
    if user.is_authenticated:
        if request.method == "POST":
            return _accept_as(request, invitation, user)
    elif not has_account:
        signup_form = AcceptInvitationSignupForm(request.POST or None)
        if request.method == "POST" and signup_form.is_valid():
            try:
                new_user, membership = services.invitation_accept_as_new_user(
                    invitation=invitation,
                    first_name=signup_form.cleaned_data["first_name"],
                    last_name=signup_form.cleaned_data["last_name"],
                    password=signup_form.cleaned_data["password1"],
                    preferred_language=translation.get_language(),
                )
            except ValidationError as exc:
                add_service_errors(signup_form, exc)
            else:
                login(request, new_user, backend="django.contrib.auth.backends.ModelBackend")
                return _welcome(request, membership)
    return render(
        request,
        "alliances/invitation_accept.html",
        {
            "invitation": invitation,
            "signup_form": signup_form,
            "has_account": has_account,
            "email_matches": user.is_authenticated and user.email == invitation.email,
            "login_url": f"{reverse('login')}?{urlencode({'next': request.path})}",
        },
    )


def _speak_invitations_language(request, invitation: Invitation) -> None:
    """A visitor with no saved language reads the page in the language the inviter chose for
    them, rather than the browser's (which may be a borrowed or shared computer's). A logged-in
    user's saved language and a choice made with the switcher still win."""
    if request.user.is_authenticated or settings.LANGUAGE_COOKIE_NAME in request.COOKIES:
        return
    translation.activate(invitation.guest_language)
    request.LANGUAGE_CODE = translation.get_language()


def _accept_as(request, invitation: Invitation, user: User):
    try:
        membership = services.invitation_accept(invitation=invitation, user=user)
    except ValidationError as exc:
        for message in service_error_messages(exc):
            messages.error(request, message)
        return redirect(request.path)
    return _welcome(request, membership)


def _welcome(request, membership):
    messages.success(
        request,
        _("Welcome to %(alliance)s! You joined as %(role)s.")
        % {"alliance": membership.alliance, "role": membership.get_role_display()},
    )
    return redirect("dashboard:alliance", membership.alliance_id)


def _invitation_problem(request, message: str, *, status: int):
    return render(request, "alliances/invitation_problem.html", {"message": message}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    form = PreferencesForm(
        request.POST or None,
        initial=model_to_dict(request.user, fields=PreferencesForm.Meta.fields),
    )
    if request.method == "POST" and form.is_valid():
        services.user_update_preferences(user=request.user, **form.cleaned_data)
        messages.success(request, _("Your preferences were saved."))
        return redirect("profile")
    return render(request, "alliances/profile.html", {"form": form})
