"""Views of the outreach pages: authorise → bind form → call service → message → redirect."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from alliance_portal.forms import message_service_errors, saved_by_service
from alliance_portal.pdf import pdf_response
from alliance_portal.permissions import Capability
from alliances.permissions import AllianceAccess, get_alliance_for_user
from alliances.selectors import alliance_today

from . import selectors, services
from .documents import document_name, information_document
from .forms import CarriedOutForm, CommunicationSettingsForm, EntryForm, InformationMaterialForm
from .models import CommunicationPlan
from .permissions import get_entry_for_user, get_public_alliance


def _context(access: AllianceAccess, section: str, **extra) -> dict:
    return {"access": access, "alliance": access.alliance, "section": section, **extra}


# Information material and invitation ------------------------------------------------------------


@login_required
@require_safe
def information(request: HttpRequest, alliance_id: int) -> HttpResponse:
    access = get_alliance_for_user(request.user, alliance_id)
    context = selectors.information_context(access.alliance)
    return render(request, "outreach/information.html", _context(access, "information", **context))


@login_required
@require_http_methods(["GET", "POST"])
def information_edit(request: HttpRequest, alliance_id: int) -> HttpResponse:
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_OUTREACH)
    material = selectors.information_of(access.alliance)
    initial = model_to_dict(material, fields=services.MATERIAL_FIELDS) if material else None
    form = InformationMaterialForm(request.POST or None, initial=initial)
    if saved_by_service(
        request,
        form,
        lambda data: services.information_save(
            alliance=access.alliance, actor=request.user, **data
        ),
        _("The information material was saved."),
    ):
        return redirect("outreach:information", access.alliance.pk)
    return render(
        request, "outreach/information_form.html", _context(access, "information", form=form)
    )


@login_required
@require_safe
def information_pdf(request: HttpRequest, alliance_id: int) -> HttpResponse:
    """The information material with the invitation, as a PDF to send to new members."""
    access = get_alliance_for_user(request.user, alliance_id)
    context = selectors.information_context(access.alliance)
    if context["material"] is None:
        messages.warning(request, _("Write the information material first."))
        return redirect("outreach:information", access.alliance.pk)
    return pdf_response(
        information_document(access.alliance, context), filename=document_name(access.alliance)
    )


# The communication plan -------------------------------------------------------------------------


@login_required
@require_safe
def communication(request: HttpRequest, alliance_id: int) -> HttpResponse:
    access = get_alliance_for_user(request.user, alliance_id)
    plan = selectors.communication_plan_of(access.alliance)
    rows = selectors.communication_rows(plan, today=alliance_today(access.alliance))
    return render(
        request,
        "outreach/communication.html",
        _context(access, "communication", plan=plan, rows=rows),
    )


@login_required
@require_http_methods(["GET", "POST"])
def communication_settings(request: HttpRequest, alliance_id: int) -> HttpResponse:
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_OUTREACH)
    plan = selectors.communication_plan_of(access.alliance)
    members = selectors.press_contact_choices(access.alliance)
    initial = {"press_contact": plan.press_contact_id, "strategy": plan.strategy} if plan else None
    form = CommunicationSettingsForm(
        request.POST or None,
        initial=initial,
        members=members,
        # The model's check compares the press contact's alliance with the plan's, so the
        # form's own copy needs the alliance; the service saves the real record.
        instance=CommunicationPlan(alliance=access.alliance),
    )
    if saved_by_service(
        request,
        form,
        lambda data: services.communication_settings_save(
            alliance=access.alliance, actor=request.user, **data
        ),
        _("The communication plan was saved."),
    ):
        return redirect("outreach:communication", access.alliance.pk)
    return render(
        request,
        "outreach/form.html",
        _context(
            access,
            "communication",
            form=form,
            title=_("Press contact and strategy"),
            cancel_url=reverse("outreach:communication", args=[access.alliance.pk]),
        ),
    )


def _save_entry(request: HttpRequest, access: AllianceAccess, entry=None) -> HttpResponse:
    initial = model_to_dict(entry, fields=services.ENTRY_FIELDS) if entry else None
    form = EntryForm(request.POST or None, initial=initial)
    if saved_by_service(
        request,
        form,
        lambda data: services.entry_save(
            alliance=access.alliance, actor=request.user, entry=entry, **data
        ),
        _("The row of the communication plan was saved."),
    ):
        return redirect("outreach:communication", access.alliance.pk)
    return render(
        request,
        "outreach/form.html",
        _context(
            access,
            "communication",
            form=form,
            title=_("Edit a row of the communication plan")
            if entry
            else _("Add a row to the communication plan"),
            cancel_url=reverse("outreach:communication", args=[access.alliance.pk]),
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_create(request: HttpRequest, alliance_id: int) -> HttpResponse:
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_OUTREACH)
    return _save_entry(request, access)


@login_required
@require_http_methods(["GET", "POST"])
def entry_edit(request: HttpRequest, alliance_id: int, entry_id: int) -> HttpResponse:
    access, entry = get_entry_for_user(
        request.user, alliance_id, entry_id, need=Capability.MANAGE_OUTREACH
    )
    return _save_entry(request, access, entry)


@login_required
@require_http_methods(["GET", "POST"])
def entry_delete(request: HttpRequest, alliance_id: int, entry_id: int) -> HttpResponse:
    access, entry = get_entry_for_user(
        request.user, alliance_id, entry_id, need=Capability.MANAGE_OUTREACH
    )
    if request.method == "POST":
        services.entry_delete(entry=entry, actor=request.user)
        messages.success(request, _("The row was removed from the communication plan."))
        return redirect("outreach:communication", access.alliance.pk)
    return render(
        request,
        "outreach/confirm.html",
        _context(
            access,
            "communication",
            title=_("Remove “%(audience)s” from the communication plan?")
            % {"audience": entry.audience},
            explanation=_("What was recorded as carried out for this row is removed with it."),
            confirm_label=_("Remove"),
            cancel_url=reverse("outreach:communication", args=[access.alliance.pk]),
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def entry_done(request: HttpRequest, alliance_id: int, entry_id: int) -> HttpResponse:
    """Records that a row was carried out. The plan's page posts here; a form with errors is
    shown on a page of its own with what was typed."""
    access, entry = get_entry_for_user(
        request.user, alliance_id, entry_id, need=Capability.MANAGE_OUTREACH
    )
    form = CarriedOutForm(request.POST or None, prefix=f"done-{entry.pk}")
    if saved_by_service(
        request,
        form,
        lambda data: services.entry_carried_out(
            entry=entry, actor=request.user, carried_out_on=data["date"], note=data["note"]
        ),
        lambda log: (
            _("“%(audience)s” was recorded as carried out on %(date)s.")
            % {"audience": entry.audience, "date": log.date.isoformat()}
        ),
    ):
        return redirect("outreach:communication", access.alliance.pk)
    return render(
        request,
        "outreach/form.html",
        _context(
            access,
            "communication",
            form=form,
            title=_("Record “%(audience)s” as carried out") % {"audience": entry.audience},
            submit_label=_("Record"),
            cancel_url=reverse("outreach:communication", args=[access.alliance.pk]),
        ),
        status=400 if form.is_bound else 200,
    )


# The public profile -----------------------------------------------------------------------------


@login_required
@require_safe
def profile_settings(request: HttpRequest, alliance_id: int) -> HttpResponse:
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_OUTREACH)
    alliance = access.alliance
    public_url = (
        request.build_absolute_uri(reverse("public:profile", args=[alliance.public_slug]))
        if alliance.public_slug
        else ""
    )
    return render(
        request, "outreach/profile.html", _context(access, "profile", public_url=public_url)
    )


@login_required
@require_POST
def profile_publish(request: HttpRequest, alliance_id: int) -> HttpResponse:
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_OUTREACH)
    try:
        services.profile_publish(alliance=access.alliance, actor=request.user)
    except ValidationError as exc:
        message_service_errors(request, exc)
    else:
        messages.success(request, _("The public profile page is published."))
    return redirect("outreach:profile", access.alliance.pk)


@login_required
@require_POST
def profile_unpublish(request: HttpRequest, alliance_id: int) -> HttpResponse:
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_OUTREACH)
    services.profile_unpublish(alliance=access.alliance, actor=request.user)
    messages.success(request, _("The public profile page is no longer published."))
    return redirect("outreach:profile", access.alliance.pk)


@require_safe
def public_profile(request: HttpRequest, slug: str) -> HttpResponse:
    """The opt-in public page: the profile, the members' organisations (never people) and the
    approved action plan's summary."""
    alliance = get_public_alliance(slug)
    organisations, personal_members = selectors.member_organisations(alliance)
    return render(
        request,
        "outreach/public_profile.html",
        {
            "alliance": alliance,
            "organisations": organisations,
            "personal_members": personal_members,
            "plan": selectors.approved_plan_summary(alliance),
        },
    )
