"""Views of the guide's step 6: authorise → bind form → call service → message → redirect."""

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

from actionplans.permissions import get_plan_for_user
from alliance_portal.forms import saved_by_service
from alliance_portal.permissions import Capability
from alliances.permissions import AllianceAccess, get_alliance_for_user
from alliances.selectors import alliance_today

from . import selectors, services
from .forms import EvaluationForm, SustainabilityForm, SwotCompareForm, SwotForm
from .guide import EXTERNAL, INTERNAL
from .models import Evaluation
from .permissions import get_evaluation_for_user, get_swot_for_user
from .rules import sustainability_deadline, sustainability_months

PAGE_SIZE = 20


def _context(access: AllianceAccess, section: str, **extra) -> dict:
    return {"access": access, "alliance": access.alliance, "section": section, **extra}


def _page(request: HttpRequest, items):
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


@dataclass(frozen=True)
class Kind:
    """What differs between the SWOT pages and the evaluation pages."""

    section: str  # also the list's URL name
    saved: str
    deleted: str
    delete_title: Callable


SWOTS = Kind(
    section="swots",
    saved=gettext_lazy("The SWOT analysis was saved."),
    deleted=gettext_lazy("The SWOT analysis was deleted."),
    delete_title=lambda swot: _("Delete the SWOT analysis “%(title)s”?") % {"title": swot.title},
)
EVALUATIONS = Kind(
    section="evaluations",
    saved=gettext_lazy("The evaluation was saved."),
    deleted=gettext_lazy("The evaluation was deleted."),
    delete_title=lambda evaluation: (
        _("Delete the evaluation of %(date)s?") % {"date": evaluation.date.isoformat()}
    ),
)


def _confirm_delete(request, access, kind: Kind, item, delete) -> HttpResponse:
    if request.method == "POST":
        delete(item, request.user)
        messages.success(request, kind.deleted)
        return redirect(f"sustainability:{kind.section}", access.alliance.pk)
    return render(
        request,
        "sustainability/confirm.html",
        _context(
            access,
            kind.section,
            title=kind.delete_title(item),
            explanation=_("This cannot be undone."),
            confirm_label=_("Delete"),
            cancel_url=reverse(f"sustainability:{kind.section}", args=[access.alliance.pk]),
        ),
    )


# SWOT analyses ----------------------------------------------------------------------------------


@login_required
@require_safe
def swot_list(request: HttpRequest, alliance_id: int) -> HttpResponse:
    access = get_alliance_for_user(request.user, alliance_id)
    swots = selectors.swot_list(alliance=access.alliance)
    return render(
        request,
        "sustainability/swot_list.html",
        _context(access, "swots", page=_page(request, swots), can_compare=swots.count() > 1),
    )


@login_required
@require_safe
def swot_detail(request: HttpRequest, alliance_id: int, swot_id: int) -> HttpResponse:
    access, swot = get_swot_for_user(request.user, alliance_id, swot_id)
    return render(
        request,
        "sustainability/swot_detail.html",
        _context(access, "swots", swot=swot, quadrants=selectors.quadrants(swot)),
    )


def _save_swot(request: HttpRequest, access: AllianceAccess, swot=None) -> HttpResponse:
    initial = (
        model_to_dict(swot, fields=services.SWOT_FIELDS)
        if swot
        else {"held_on": alliance_today(access.alliance)}
    )
    form = SwotForm(request.POST or None, initial=initial)
    saved = saved_by_service(
        request,
        form,
        lambda data: services.swot_save(
            alliance=access.alliance, actor=request.user, swot=swot, **data
        ),
        SWOTS.saved,
    )
    if saved:
        return redirect("sustainability:swot", access.alliance.pk, saved.pk)
    quadrant_fields = {view.key: view for view in selectors.quadrants(None)}
    return render(
        request,
        "sustainability/swot_form.html",
        _context(
            access,
            "swots",
            form=form,
            swot=swot,
            factor_groups=[
                (heading, [(form[key], quadrant_fields[key]) for key in keys])
                for heading, keys in (
                    (_("Internal factors"), INTERNAL),
                    (_("External factors"), EXTERNAL),
                )
            ],
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def swot_create(request: HttpRequest, alliance_id: int) -> HttpResponse:
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_EVALUATION)
    return _save_swot(request, access)


@login_required
@require_http_methods(["GET", "POST"])
def swot_edit(request: HttpRequest, alliance_id: int, swot_id: int) -> HttpResponse:
    access, swot = get_swot_for_user(
        request.user, alliance_id, swot_id, need=Capability.MANAGE_EVALUATION
    )
    return _save_swot(request, access, swot)


@login_required
@require_http_methods(["GET", "POST"])
def swot_delete(request: HttpRequest, alliance_id: int, swot_id: int) -> HttpResponse:
    access, swot = get_swot_for_user(
        request.user, alliance_id, swot_id, need=Capability.MANAGE_EVALUATION
    )
    return _confirm_delete(
        request,
        access,
        SWOTS,
        swot,
        lambda item, actor: services.swot_delete(swot=item, actor=actor),
    )


@login_required
@require_safe
def swot_compare(request: HttpRequest, alliance_id: int) -> HttpResponse:
    """Two analyses side by side: what each quadrant still, newly and no longer names."""
    access = get_alliance_for_user(request.user, alliance_id)
    swots = selectors.swot_list(alliance=access.alliance)
    data = request.GET if {"earlier", "later"} <= set(request.GET) else None
    if data is None:
        latest = list(swots.order_by("-held_on", "-pk")[:2])
        initial = {"later": latest[0].pk, "earlier": latest[1].pk} if len(latest) == 2 else {}
        form = SwotCompareForm(initial=initial, swots=swots)
        pair = tuple(reversed(latest)) if len(latest) == 2 else None
    else:
        form = SwotCompareForm(data, swots=swots)
        pair = (
            (form.cleaned_data["earlier"], form.cleaned_data["later"]) if form.is_valid() else None
        )
    comparison = selectors.swot_comparison(*pair) if pair else []
    return render(
        request,
        "sustainability/swot_compare.html",
        _context(
            access,
            "swots",
            form=form,
            earlier=pair[0] if pair else None,
            later=pair[1] if pair else None,
            comparison=comparison,
        ),
        status=400 if data is not None and not form.is_valid() else 200,
    )


# Evaluations ------------------------------------------------------------------------------------


@login_required
@require_safe
def evaluation_list(request: HttpRequest, alliance_id: int) -> HttpResponse:
    access = get_alliance_for_user(request.user, alliance_id)
    evaluations = selectors.evaluation_list(alliance=access.alliance)
    return render(
        request,
        "sustainability/evaluation_list.html",
        _context(access, "evaluations", page=_page(request, evaluations)),
    )


def _save_evaluation(request: HttpRequest, access: AllianceAccess, evaluation=None):
    if evaluation is not None:
        initial = model_to_dict(evaluation, fields=services.EVALUATION_FIELDS)
    else:
        initial = {"date": alliance_today(access.alliance), "kind": "self"}
    form = EvaluationForm(
        request.POST or None,
        initial=initial,
        swots=selectors.swot_list(alliance=access.alliance),
        # The model's check compares the SWOT's alliance with the evaluation's, so the form's
        # own copy needs the alliance; the service saves the real record.
        instance=Evaluation(alliance=access.alliance),
    )
    if saved_by_service(
        request,
        form,
        lambda data: services.evaluation_save(
            alliance=access.alliance, actor=request.user, evaluation=evaluation, **data
        ),
        EVALUATIONS.saved,
    ):
        return redirect("sustainability:evaluations", access.alliance.pk)
    return render(
        request,
        "sustainability/form.html",
        _context(
            access,
            "evaluations",
            form=form,
            title=_("Edit the evaluation") if evaluation else _("Record an evaluation"),
            cancel_url=reverse("sustainability:evaluations", args=[access.alliance.pk]),
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_create(request: HttpRequest, alliance_id: int) -> HttpResponse:
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_EVALUATION)
    return _save_evaluation(request, access)


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_edit(request: HttpRequest, alliance_id: int, evaluation_id: int) -> HttpResponse:
    access, evaluation = get_evaluation_for_user(
        request.user, alliance_id, evaluation_id, need=Capability.MANAGE_EVALUATION
    )
    return _save_evaluation(request, access, evaluation)


@login_required
@require_http_methods(["GET", "POST"])
def evaluation_delete(request: HttpRequest, alliance_id: int, evaluation_id: int) -> HttpResponse:
    access, evaluation = get_evaluation_for_user(
        request.user, alliance_id, evaluation_id, need=Capability.MANAGE_EVALUATION
    )
    return _confirm_delete(
        request,
        access,
        EVALUATIONS,
        evaluation,
        lambda item, actor: services.evaluation_delete(evaluation=item, actor=actor),
    )


# Sustainability plans ---------------------------------------------------------------------------


@login_required
@require_safe
def sustainability_list(request: HttpRequest, alliance_id: int) -> HttpResponse:
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.VIEW_PLANS)
    months = sustainability_months(access.alliance)
    return render(
        request,
        "sustainability/sustainability_list.html",
        _context(
            access,
            "sustainability",
            rows=selectors.sustainability_rows(alliance=access.alliance, months=months),
            months=months,
            today=alliance_today(access.alliance),
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def sustainability_edit(request: HttpRequest, alliance_id: int, plan_id: int) -> HttpResponse:
    access, plan = get_plan_for_user(
        request.user, alliance_id, plan_id, need=Capability.MANAGE_EVALUATION
    )
    existing = selectors.sustainability_of(plan)
    initial = model_to_dict(existing, fields=services.SUSTAINABILITY_FIELDS) if existing else None
    form = SustainabilityForm(request.POST or None, initial=initial)
    if saved_by_service(
        request,
        form,
        lambda data: services.sustainability_save(plan=plan, actor=request.user, **data),
        _("The sustainability plan was saved."),
    ):
        return redirect("sustainability:plans", access.alliance.pk)
    months = sustainability_months(access.alliance)
    return render(
        request,
        "sustainability/sustainability_form.html",
        _context(
            access,
            "sustainability",
            form=form,
            plan=plan,
            months=months,
            deadline=sustainability_deadline(plan.period_end, months),
        ),
    )
