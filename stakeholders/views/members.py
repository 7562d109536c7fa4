"""Members and representation: which organisation each member speaks for, and the balance."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from alliance_portal.forms import saved_by_service
from alliance_portal.permissions import Capability
from alliances.permissions import get_alliance_for_user, get_membership_for_user

from .. import selectors, services
from ..forms import MemberLinkForm
from .common import page_context


@login_required
@require_safe
def balance(request: HttpRequest, alliance_id: int) -> HttpResponse:
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.VIEW_STAKEHOLDERS)
    return render(
        request,
        "stakeholders/balance.html",
        page_context(
            access, "balance", balance=selectors.representation_balance(alliance=access.alliance)
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_link(request: HttpRequest, alliance_id: int, membership_id: int) -> HttpResponse:
    access, membership = get_membership_for_user(
        request.user, alliance_id, membership_id, need=Capability.MANAGE_STAKEHOLDERS
    )
    if not membership.is_active:
        raise Http404
    form = MemberLinkForm(
        request.POST or None,
        alliance=access.alliance,
        initial={"organisation": membership.organisation_id, "contact": membership.contact_id},
    )
    if saved_by_service(
        request,
        form,
        lambda data: services.membership_link(membership=membership, actor=request.user, **data),
        _("The member's organisation was saved."),
    ):
        return redirect("stakeholders:balance", access.alliance.pk)
    return render(
        request,
        "stakeholders/member_link.html",
        page_context(access, "balance", form=form, membership=membership),
    )
