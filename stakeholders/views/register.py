"""The register and the mapping: the alliance's organisations and its assessment of each."""

from __future__ import annotations

import copy

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from alliance_portal.forms import add_service_errors, saved_by_service
from alliance_portal.permissions import Capability
from alliances.permissions import get_alliance_for_user

from .. import selectors, services
from ..forms import AssessmentForm, NewOrganisationForm, OrganisationForm
from ..permissions import get_stakeholder_for_user
from ..services import ASSESSMENT_FIELDS
from .common import PAGE_SIZE, filtered_stakeholders, page_context

SORTABLE_COLUMNS = (
    ("name", gettext_lazy("Organisation")),
    ("category", gettext_lazy("Category")),
    ("sector", gettext_lazy("Sector")),
    ("municipality", gettext_lazy("Municipality")),
    ("impact", gettext_lazy("Impact")),
    ("interest", gettext_lazy("Interest")),
    ("status", gettext_lazy("Status")),
)


def _sort_columns(current: str) -> list[dict]:
    """Table headings that sort by their column; a second click reverses the order."""
    columns = []
    for key, label in SORTABLE_COLUMNS:
        ascending, descending = current == key, current == f"-{key}"
        columns.append(
            {
                "key": key,
                "label": label,
                "next": f"-{key}" if ascending else key,
                "aria_sort": "ascending" if ascending else "descending" if descending else "none",
            }
        )
    return columns


@login_required
@require_safe
def stakeholder_list(request: HttpRequest, alliance_id: int) -> HttpResponse:
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.VIEW_STAKEHOLDERS)
    stakeholder_filter = filtered_stakeholders(request, access)
    page = Paginator(stakeholder_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "stakeholders/list.html",
        page_context(
            access,
            "register",
            filter=stakeholder_filter,
            page=page,
            sort_columns=_sort_columns(request.GET.get("sort", "")),
            has_any=access.alliance.stakeholders.exists(),
        ),
    )


@login_required
@require_safe
def stakeholder_grid(request: HttpRequest, alliance_id: int) -> HttpResponse:
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.VIEW_STAKEHOLDERS)
    stakeholder_filter = filtered_stakeholders(request, access)
    return render(
        request,
        "stakeholders/grid.html",
        page_context(
            access,
            "grid",
            filter=stakeholder_filter,
            grid=selectors.impact_interest_grid(stakeholder_filter.qs),
        ),
    )


def _stakeholder_forms(request: HttpRequest, stakeholder=None):
    data = request.POST if request.method == "POST" else None
    if stakeholder is None:
        organisation_form = NewOrganisationForm(data, prefix="org")
        assessment_form = AssessmentForm(data, prefix="assessment")
    else:
        # A bound instance lets the register's uniqueness check skip the organisation itself;
        # the service loads its own copy, so it still sees what changed.
        organisation_form = OrganisationForm(
            data, prefix="org", instance=copy.copy(stakeholder.organisation)
        )
        assessment_form = AssessmentForm(
            data, prefix="assessment", initial=model_to_dict(stakeholder, fields=ASSESSMENT_FIELDS)
        )
    return organisation_form, assessment_form


# Says one of two messages depending on what the service found, so it handles the service's
# errors itself instead of through saved_by_service.
@login_required
@require_http_methods(["GET", "POST"])
def stakeholder_create(request: HttpRequest, alliance_id: int) -> HttpResponse:
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_STAKEHOLDERS)
    organisation_form, assessment_form = _stakeholder_forms(request)
    if request.method == "POST" and organisation_form.is_valid() and assessment_form.is_valid():
        try:
            stakeholder, joined = services.stakeholder_create(
                alliance=access.alliance,
                actor=request.user,
                organisation=organisation_form.cleaned_data,
                assessment=assessment_form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(organisation_form, exc)
        else:
            if joined:
                messages.info(
                    request,
                    _(
                        "%(organisation)s was already in the portal's register. It is now in "
                        "your mapping; check its details below."
                    )
                    % {"organisation": stakeholder.organisation},
                )
            else:
                messages.success(request, _("The organisation was added to the mapping."))
            return redirect("stakeholders:detail", access.alliance.pk, stakeholder.pk)
    return render(
        request,
        "stakeholders/stakeholder_form.html",
        page_context(
            access,
            "register",
            organisation_form=organisation_form,
            assessment_form=assessment_form,
            title=_("Add an organisation"),
        ),
    )


@login_required
@require_safe
def stakeholder_detail(request: HttpRequest, alliance_id: int, stakeholder_id: int) -> HttpResponse:
    access, stakeholder = get_stakeholder_for_user(request.user, alliance_id, stakeholder_id)
    organisation = stakeholder.organisation
    return render(
        request,
        "stakeholders/detail.html",
        page_context(
            access,
            "register",
            stakeholder=stakeholder,
            organisation=organisation,
            contacts=(
                selectors.contact_list(alliance=access.alliance, organisation=organisation)
                if access.can(Capability.VIEW_CONTACTS)
                else None
            ),
            shared_changes=selectors.organisation_changes(organisation=organisation),
            programmes=selectors.programmes_for_organisation(
                alliance=access.alliance, organisation=organisation
            ),
            other_alliances=organisation.assessments.exclude(alliance=access.alliance).count(),
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def stakeholder_edit(request: HttpRequest, alliance_id: int, stakeholder_id: int) -> HttpResponse:
    access, stakeholder = get_stakeholder_for_user(
        request.user, alliance_id, stakeholder_id, need=Capability.MANAGE_STAKEHOLDERS
    )
    organisation_form, assessment_form = _stakeholder_forms(request, stakeholder)
    if organisation_form.is_valid() and saved_by_service(
        request,
        assessment_form,
        lambda assessment: services.stakeholder_edit(
            stakeholder=stakeholder,
            actor=request.user,
            organisation=organisation_form.cleaned_data,
            assessment=assessment,
        ),
        _("Your changes were saved."),
    ):
        return redirect("stakeholders:detail", access.alliance.pk, stakeholder.pk)
    return render(
        request,
        "stakeholders/stakeholder_form.html",
        page_context(
            access,
            "register",
            organisation_form=organisation_form,
            assessment_form=assessment_form,
            stakeholder=stakeholder,
            title=_("Edit %(organisation)s") % {"organisation": stakeholder.organisation.name},
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def stakeholder_remove(request: HttpRequest, alliance_id: int, stakeholder_id: int) -> HttpResponse:
    access, stakeholder = get_stakeholder_for_user(
        request.user, alliance_id, stakeholder_id, need=Capability.MANAGE_STAKEHOLDERS
    )
    if request.method == "POST":
        services.stakeholder_remove(stakeholder=stakeholder, actor=request.user)
        messages.success(
            request,
            _("%(organisation)s was removed from the mapping.")
            % {"organisation": stakeholder.organisation},
        )
        return redirect("stakeholders:list", access.alliance.pk)
    return render(
        request,
        "stakeholders/confirm.html",
        page_context(
            access,
            "register",
            title=_("Remove %(organisation)s from the mapping?")
            % {"organisation": stakeholder.organisation},
            explanation=_(
                "The alliance's assessment of this organisation is deleted and the organisation "
                "is unlinked from support programmes and members. The organisation and its "
                "contact people stay in the portal's register."
            ),
            confirm_label=_("Remove from the mapping"),
            cancel_url=reverse("stakeholders:detail", args=[access.alliance.pk, stakeholder.pk]),
        ),
    )
