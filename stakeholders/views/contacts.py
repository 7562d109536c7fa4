"""Contact people: adding, editing, erasing, and a person's own data on request."""

from __future__ import annotations

import copy
import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_safe

from alliance_portal.forms import saved_by_service
from alliance_portal.pdf import pdf_response, render_pdf
from alliance_portal.permissions import Capability
from alliances.signin import require_reauthentication

from .. import selectors, services
from ..forms import ContactEraseForm, ContactForm
from ..permissions import get_contact_for_user, get_stakeholder_for_user
from .common import page_context


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request: HttpRequest, alliance_id: int, stakeholder_id: int) -> HttpResponse:
    access, stakeholder = get_stakeholder_for_user(
        request.user, alliance_id, stakeholder_id, need=Capability.MANAGE_STAKEHOLDERS
    )
    form = ContactForm(request.POST or None)
    if saved_by_service(
        request,
        form,
        lambda data: services.contact_create(
            organisation=stakeholder.organisation,
            alliance=access.alliance,
            actor=request.user,
            **data,
        ),
        _("The contact person was added."),
    ):
        return redirect("stakeholders:detail", access.alliance.pk, stakeholder.pk)
    return render(
        request,
        "stakeholders/contact_form.html",
        page_context(
            access,
            "register",
            form=form,
            stakeholder=stakeholder,
            title=_("Add a contact person at %(organisation)s")
            % {"organisation": stakeholder.organisation.name},
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_edit(request: HttpRequest, alliance_id: int, contact_id: int) -> HttpResponse:
    access, stakeholder, contact = get_contact_for_user(
        request.user, alliance_id, contact_id, need=Capability.MANAGE_STAKEHOLDERS
    )
    if contact.is_erased:
        raise Http404
    form = ContactForm(request.POST or None, instance=copy.copy(contact))
    if saved_by_service(
        request,
        form,
        lambda data: services.contact_update(
            contact=contact, alliance=access.alliance, actor=request.user, **data
        ),
        _("Your changes were saved."),
    ):
        return redirect("stakeholders:detail", access.alliance.pk, stakeholder.pk)
    return render(
        request,
        "stakeholders/contact_form.html",
        page_context(
            access,
            "register",
            form=form,
            stakeholder=stakeholder,
            contact=contact,
            title=_("Edit contact person"),
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def contact_erase(request: HttpRequest, alliance_id: int, contact_id: int) -> HttpResponse:
    access, stakeholder, contact = get_contact_for_user(
        request.user, alliance_id, contact_id, need=Capability.MANAGE_STAKEHOLDERS
    )
    if contact.is_erased:
        messages.info(request, _("This contact person's data has already been erased."))
        return redirect("stakeholders:detail", access.alliance.pk, stakeholder.pk)
    confirmed_by = require_reauthentication(request)
    form = ContactEraseForm(request.POST or None)
    erasure = saved_by_service(
        request,
        form,
        lambda _data: services.contact_erase(
            contact=contact, alliance=access.alliance, actor=request.user, confirmed_by=confirmed_by
        ),
        _("The contact person's data was erased. The organisation and its assessment are kept."),
    )
    if erasure:
        if erasure.copies_deleted:
            messages.info(
                request,
                ngettext(
                    "%(count)d archive export that contained this person was deleted.",
                    "%(count)d archive exports that contained this person were deleted.",
                    erasure.copies_deleted,
                )
                % {"count": erasure.copies_deleted},
            )
        return redirect("stakeholders:detail", access.alliance.pk, stakeholder.pk)
    return render(
        request,
        "stakeholders/contact_erase.html",
        page_context(access, "register", form=form, stakeholder=stakeholder, contact=contact),
    )


@login_required
@require_safe
def contact_export(
    request: HttpRequest, alliance_id: int, contact_id: int, fmt: str
) -> HttpResponse:
    """A subject access request: everything held about one contact person, as JSON or PDF."""
    if fmt not in ("json", "pdf"):
        raise Http404
    access, _stakeholder, contact = get_contact_for_user(
        request.user, alliance_id, contact_id, need=Capability.MANAGE_STAKEHOLDERS
    )
    services.contact_exported(
        contact=contact, alliance=access.alliance, actor=request.user, fmt=fmt
    )
    data = selectors.contact_personal_data(contact=contact)
    filename = f"contact-{contact.pk}-personal-data"
    if fmt == "json":
        response = HttpResponse(
            json.dumps(data, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{filename}.json"'
        return response
    pdf = render_pdf(
        "stakeholders/pdf/contact_data.html",
        {"data": data, "alliance": access.alliance, "generated_at": timezone.now()},
        request=request,
    )
    return pdf_response(pdf, filename=filename)
