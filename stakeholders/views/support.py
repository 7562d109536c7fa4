"""Support programmes and the gaps they may fill: the same list, form and delete pages twice."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from alliance_portal.forms import saved_by_service
from alliance_portal.permissions import Capability
from alliances.permissions import AllianceAccess, get_alliance_for_user

from .. import selectors, services
from ..forms import GapForm, ProgrammeForm
from ..permissions import get_gap_for_user, get_programme_for_user
from .common import PAGE_SIZE, page_context


@dataclass(frozen=True)
class LinkedItemKind:
    """What differs between the programme pages and the gap pages."""

    section: str  # also the list's URL name in this app
    form: type
    fields: tuple[str, ...]
    links_field: str
    save: Callable
    delete: Callable
    saved_message: str
    deleted_message: str
    add_title: str
    edit_title: str


PROGRAMMES = LinkedItemKind(
    section="programmes",
    form=ProgrammeForm,
    fields=services.PROGRAMME_FIELDS,
    links_field="organisations",
    save=lambda item, **kwargs: services.programme_save(programme=item, **kwargs),
    delete=lambda item, actor: services.programme_delete(programme=item, actor=actor),
    saved_message=gettext_lazy("The support programme was saved."),
    deleted_message=gettext_lazy("The support programme was deleted."),
    add_title=gettext_lazy("Add a support programme"),
    edit_title=gettext_lazy("Edit support programme"),
)
GAPS = LinkedItemKind(
    section="gaps",
    form=GapForm,
    fields=services.GAP_FIELDS,
    links_field="programmes",
    save=lambda item, **kwargs: services.gap_save(gap=item, **kwargs),
    delete=lambda item, actor: services.gap_delete(gap=item, actor=actor),
    saved_message=gettext_lazy("The gap was saved."),
    deleted_message=gettext_lazy("The gap was deleted."),
    add_title=gettext_lazy("Add a gap"),
    edit_title=gettext_lazy("Edit gap"),
)


def _list_page(
    request: HttpRequest, alliance_id: int, kind: LinkedItemKind, items, template: str
) -> HttpResponse:
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.VIEW_STAKEHOLDERS)
    page = Paginator(items(alliance=access.alliance), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, template, page_context(access, kind.section, page=page))


def _save_item(
    request: HttpRequest, access: AllianceAccess, kind: LinkedItemKind, item=None
) -> HttpResponse:
    initial = None
    if item is not None:
        initial = model_to_dict(item, fields=kind.fields)
        initial[kind.links_field] = list(
            getattr(item, kind.links_field).values_list("pk", flat=True)
        )
    form = kind.form(request.POST or None, alliance=access.alliance, initial=initial)
    if saved_by_service(
        request,
        form,
        lambda data: kind.save(item, alliance=access.alliance, actor=request.user, **data),
        kind.saved_message,
    ):
        return redirect(f"stakeholders:{kind.section}", access.alliance.pk)
    return render(
        request,
        "stakeholders/item_form.html",
        page_context(
            access,
            kind.section,
            form=form,
            title=kind.edit_title if item else kind.add_title,
            cancel=f"stakeholders:{kind.section}",
        ),
    )


def _delete_item(
    request: HttpRequest,
    access: AllianceAccess,
    kind: LinkedItemKind,
    item,
    *,
    title: str,
    explanation: str,
) -> HttpResponse:
    if request.method == "POST":
        kind.delete(item, actor=request.user)
        messages.success(request, kind.deleted_message)
        return redirect(f"stakeholders:{kind.section}", access.alliance.pk)
    return render(
        request,
        "stakeholders/confirm.html",
        page_context(
            access,
            kind.section,
            title=title,
            explanation=explanation,
            confirm_label=_("Delete"),
            cancel_url=reverse(f"stakeholders:{kind.section}", args=[access.alliance.pk]),
        ),
    )


@login_required
@require_safe
def programme_list(request: HttpRequest, alliance_id: int) -> HttpResponse:
    return _list_page(
        request,
        alliance_id,
        PROGRAMMES,
        selectors.programme_list,
        "stakeholders/programme_list.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_create(request: HttpRequest, alliance_id: int) -> HttpResponse:
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_STAKEHOLDERS)
    return _save_item(request, access, PROGRAMMES)


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request: HttpRequest, alliance_id: int, programme_id: int) -> HttpResponse:
    access, programme = get_programme_for_user(
        request.user, alliance_id, programme_id, need=Capability.MANAGE_STAKEHOLDERS
    )
    return _save_item(request, access, PROGRAMMES, programme)


@login_required
@require_http_methods(["GET", "POST"])
def programme_delete(request: HttpRequest, alliance_id: int, programme_id: int) -> HttpResponse:
    access, programme = get_programme_for_user(
        request.user, alliance_id, programme_id, need=Capability.MANAGE_STAKEHOLDERS
    )
    return _delete_item(
        request,
        access,
        PROGRAMMES,
        programme,
        title=_("Delete the support programme “%(name)s”?") % {"name": programme.name},
        explanation=_("Gaps linked to it stay, without the link."),
    )


@login_required
@require_safe
def gap_list(request: HttpRequest, alliance_id: int) -> HttpResponse:
    return _list_page(request, alliance_id, GAPS, selectors.gap_list, "stakeholders/gap_list.html")


@login_required
@require_http_methods(["GET", "POST"])
def gap_create(request: HttpRequest, alliance_id: int) -> HttpResponse:
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_STAKEHOLDERS)
    return _save_item(request, access, GAPS)


@login_required
@require_http_methods(["GET", "POST"])
def gap_edit(request: HttpRequest, alliance_id: int, gap_id: int) -> HttpResponse:
    access, gap = get_gap_for_user(
        request.user, alliance_id, gap_id, need=Capability.MANAGE_STAKEHOLDERS
    )
    return _save_item(request, access, GAPS, gap)


@login_required
@require_http_methods(["GET", "POST"])
def gap_delete(request: HttpRequest, alliance_id: int, gap_id: int) -> HttpResponse:
    access, gap = get_gap_for_user(
        request.user, alliance_id, gap_id, need=Capability.MANAGE_STAKEHOLDERS
    )
    return _delete_item(
        request,
        access,
        GAPS,
        gap,
        title=_("Delete the gap “%(name)s”?") % {"name": gap.problem_area},
        explanation=_("This cannot be undone."),
    )
