"""Views of the stakeholder pages: authorise → bind form → call service → message → redirect."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.forms.models import model_to_dict
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from alliance_portal.forms import add_service_errors
from alliance_portal.imports import DONE, confirm_held_rows, hold_rows
from alliance_portal.pdf import pdf_response, render_pdf
from alliance_portal.permissions import Capability
from alliances.permissions import get_alliance_for_user, get_membership_for_user

from . import selectors, services, tabular
from .documents import mapping_document
from .filters import StakeholderFilter
from .forms import (
    AssessmentForm,
    ContactEraseForm,
    ContactForm,
    GapForm,
    ImportUploadForm,
    MemberLinkForm,
    NewOrganisationForm,
    OrganisationForm,
    ProgrammeForm,
)
from .permissions import (
    get_contact_for_user,
    get_gap_for_user,
    get_programme_for_user,
    get_stakeholder_for_user,
)
from .services import ASSESSMENT_FIELDS

PAGE_SIZE = 25
IMPORT_SESSION_KEY = "stakeholder-import-{alliance}"
IMPORT_PREVIEW_ROWS = 200


def _context(access, section: str, **extra) -> dict:
    return {"access": access, "alliance": access.alliance, "section": section, **extra}


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


def _filtered(request, access, *, with_contacts: bool = False) -> StakeholderFilter:
    return StakeholderFilter(
        request.GET or None,
        queryset=selectors.stakeholder_list(alliance=access.alliance, with_contacts=with_contacts),
        alliance=access.alliance,
    )


# The register and the mapping -------------------------------------------------------------------


@login_required
@require_safe
def stakeholder_list(request, alliance_id: int):
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.VIEW_STAKEHOLDERS)
    stakeholder_filter = _filtered(request, access)
    page = Paginator(stakeholder_filter.qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "stakeholders/list.html",
        _context(
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
def stakeholder_grid(request, alliance_id: int):
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.VIEW_STAKEHOLDERS)
    stakeholder_filter = _filtered(request, access)
    return render(
        request,
        "stakeholders/grid.html",
        _context(
            access,
            "grid",
            filter=stakeholder_filter,
            grid=selectors.impact_interest_grid(stakeholder_filter.qs),
        ),
    )


def _stakeholder_forms(request, stakeholder=None):
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


@login_required
@require_http_methods(["GET", "POST"])
def stakeholder_create(request, alliance_id: int):
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
        _context(
            access,
            "register",
            organisation_form=organisation_form,
            assessment_form=assessment_form,
            title=_("Add an organisation"),
        ),
    )


@login_required
@require_safe
def stakeholder_detail(request, alliance_id: int, stakeholder_id: int):
    access, stakeholder = get_stakeholder_for_user(request.user, alliance_id, stakeholder_id)
    organisation = stakeholder.organisation
    return render(
        request,
        "stakeholders/detail.html",
        _context(
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
def stakeholder_edit(request, alliance_id: int, stakeholder_id: int):
    access, stakeholder = get_stakeholder_for_user(
        request.user, alliance_id, stakeholder_id, need=Capability.MANAGE_STAKEHOLDERS
    )
    organisation_form, assessment_form = _stakeholder_forms(request, stakeholder)
    if request.method == "POST" and organisation_form.is_valid() and assessment_form.is_valid():
        try:
            services.stakeholder_edit(
                stakeholder=stakeholder,
                actor=request.user,
                organisation=organisation_form.cleaned_data,
                assessment=assessment_form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(assessment_form, exc)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect("stakeholders:detail", access.alliance.pk, stakeholder.pk)
    return render(
        request,
        "stakeholders/stakeholder_form.html",
        _context(
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
def stakeholder_remove(request, alliance_id: int, stakeholder_id: int):
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
        _context(
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


# Contact people ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def contact_create(request, alliance_id: int, stakeholder_id: int):
    access, stakeholder = get_stakeholder_for_user(
        request.user, alliance_id, stakeholder_id, need=Capability.MANAGE_STAKEHOLDERS
    )
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_create(
                organisation=stakeholder.organisation,
                alliance=access.alliance,
                actor=request.user,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The contact person was added."))
            return redirect("stakeholders:detail", access.alliance.pk, stakeholder.pk)
    return render(
        request,
        "stakeholders/contact_form.html",
        _context(
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
def contact_edit(request, alliance_id: int, contact_id: int):
    access, stakeholder, contact = get_contact_for_user(
        request.user, alliance_id, contact_id, need=Capability.MANAGE_STAKEHOLDERS
    )
    if contact.is_erased:
        raise Http404
    form = ContactForm(request.POST or None, instance=copy.copy(contact))
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(
                contact=contact, alliance=access.alliance, actor=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect("stakeholders:detail", access.alliance.pk, stakeholder.pk)
    return render(
        request,
        "stakeholders/contact_form.html",
        _context(
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
def contact_erase(request, alliance_id: int, contact_id: int):
    access, stakeholder, contact = get_contact_for_user(
        request.user, alliance_id, contact_id, need=Capability.MANAGE_STAKEHOLDERS
    )
    if contact.is_erased:
        messages.info(request, _("This contact person's data has already been erased."))
        return redirect("stakeholders:detail", access.alliance.pk, stakeholder.pk)
    form = ContactEraseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            erasure = services.contact_erase(
                contact=contact, alliance=access.alliance, actor=request.user
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "The contact person's data was erased. The organisation and its assessment "
                    "are kept."
                ),
            )
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
        _context(access, "register", form=form, stakeholder=stakeholder, contact=contact),
    )


@login_required
@require_safe
def contact_export(request, alliance_id: int, contact_id: int, fmt: str):
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


# Members and representation ---------------------------------------------------------------------


@login_required
@require_safe
def balance(request, alliance_id: int):
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.VIEW_STAKEHOLDERS)
    return render(
        request,
        "stakeholders/balance.html",
        _context(
            access, "balance", balance=selectors.representation_balance(alliance=access.alliance)
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def member_link(request, alliance_id: int, membership_id: int):
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
    if request.method == "POST" and form.is_valid():
        try:
            services.membership_link(membership=membership, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The member's organisation was saved."))
            return redirect("stakeholders:balance", access.alliance.pk)
    return render(
        request,
        "stakeholders/member_link.html",
        _context(access, "balance", form=form, membership=membership),
    )


# Support programmes and gaps --------------------------------------------------------------------


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


def _list_page(request, alliance_id: int, kind: LinkedItemKind, items, template: str):
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.VIEW_STAKEHOLDERS)
    page = Paginator(items(alliance=access.alliance), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, template, _context(access, kind.section, page=page))


def _save_item(request, access, kind: LinkedItemKind, item=None):
    initial = None
    if item is not None:
        initial = model_to_dict(item, fields=kind.fields)
        initial[kind.links_field] = list(
            getattr(item, kind.links_field).values_list("pk", flat=True)
        )
    form = kind.form(request.POST or None, alliance=access.alliance, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            kind.save(item, alliance=access.alliance, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, kind.saved_message)
            return redirect(f"stakeholders:{kind.section}", access.alliance.pk)
    return render(
        request,
        "stakeholders/item_form.html",
        _context(
            access,
            kind.section,
            form=form,
            title=kind.edit_title if item else kind.add_title,
            cancel=f"stakeholders:{kind.section}",
        ),
    )


def _delete_item(request, access, kind: LinkedItemKind, item, *, title: str, explanation: str):
    if request.method == "POST":
        kind.delete(item, actor=request.user)
        messages.success(request, kind.deleted_message)
        return redirect(f"stakeholders:{kind.section}", access.alliance.pk)
    return render(
        request,
        "stakeholders/confirm.html",
        _context(
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
def programme_list(request, alliance_id: int):
    return _list_page(
        request,
        alliance_id,
        PROGRAMMES,
        selectors.programme_list,
        "stakeholders/programme_list.html",
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_create(request, alliance_id: int):
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_STAKEHOLDERS)
    return _save_item(request, access, PROGRAMMES)


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request, alliance_id: int, programme_id: int):
    access, programme = get_programme_for_user(
        request.user, alliance_id, programme_id, need=Capability.MANAGE_STAKEHOLDERS
    )
    return _save_item(request, access, PROGRAMMES, programme)


@login_required
@require_http_methods(["GET", "POST"])
def programme_delete(request, alliance_id: int, programme_id: int):
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
def gap_list(request, alliance_id: int):
    return _list_page(request, alliance_id, GAPS, selectors.gap_list, "stakeholders/gap_list.html")


@login_required
@require_http_methods(["GET", "POST"])
def gap_create(request, alliance_id: int):
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_STAKEHOLDERS)
    return _save_item(request, access, GAPS)


@login_required
@require_http_methods(["GET", "POST"])
def gap_edit(request, alliance_id: int, gap_id: int):
    access, gap = get_gap_for_user(
        request.user, alliance_id, gap_id, need=Capability.MANAGE_STAKEHOLDERS
    )
    return _save_item(request, access, GAPS, gap)


@login_required
@require_http_methods(["GET", "POST"])
def gap_delete(request, alliance_id: int, gap_id: int):
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


# Import and export ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request, alliance_id: int):
    """Step 1: upload. A readable file is planned and shown as a preview; nothing is saved."""
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_STAKEHOLDERS)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    file_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            columns, rows = tabular.read_table(name=upload.name, content=upload.read())
        except tabular.ImportFileError as exc:
            file_errors = exc.messages
        else:
            plan = tabular.plan_import(alliance=access.alliance, columns=columns, rows=rows)
            token = hold_rows(
                request,
                IMPORT_SESSION_KEY.format(alliance=access.alliance.pk),
                filename=upload.name,
                columns=columns,
                rows=rows,
            )
            return render(
                request,
                "stakeholders/import_preview.html",
                _context(
                    access,
                    "import",
                    plan=plan,
                    token=token,
                    filename=upload.name,
                    listed_rows=_preview_rows(plan),
                    new_orgs=plan.count("organisation", "new"),
                    updated_orgs=plan.count("organisation", "update"),
                    new_contacts=plan.count("contact", "new"),
                    updated_contacts=plan.count("contact", "update"),
                    form=ImportUploadForm(),
                ),
            )
    return render(
        request,
        "stakeholders/import_upload.html",
        _context(
            access,
            "import",
            form=form,
            file_errors=file_errors,
            columns=list(tabular.COLUMNS),
            max_rows=tabular.MAX_ROWS,
        ),
    )


def _preview_rows(plan) -> list:
    """Every row with an error, then the first rows that change something."""
    changing = [row for row in plan.rows if not row.errors and row.changes_anything]
    return plan.error_rows + changing[: max(0, IMPORT_PREVIEW_ROWS - len(plan.error_rows))]


@login_required
@require_POST
def import_confirm(request, alliance_id: int):
    """Step 2: the user confirmed the preview; the rows are planned again and written whole."""
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_STAKEHOLDERS)
    outcome, plan = confirm_held_rows(
        request,
        IMPORT_SESSION_KEY.format(alliance=access.alliance.pk),
        lambda pending: tabular.import_apply(
            alliance=access.alliance,
            actor=request.user,
            columns=pending["columns"],
            rows=pending["rows"],
            filename=pending["filename"],
        ),
    )
    if outcome != DONE:
        return redirect("stakeholders:import", access.alliance.pk)
    messages.success(
        request,
        _(
            "The import is done. Organisations: %(new)d new, %(updated)d updated. "
            "Contact people: %(contacts_new)d new, %(contacts_updated)d updated."
        )
        % {
            "new": plan.count("organisation", "new"),
            "updated": plan.count("organisation", "update"),
            "contacts_new": plan.count("contact", "new"),
            "contacts_updated": plan.count("contact", "update"),
        },
    )
    return redirect("stakeholders:list", access.alliance.pk)


@login_required
@require_safe
def import_template(request, alliance_id: int):
    get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_STAKEHOLDERS)
    response = HttpResponse(
        tabular.to_csv(list(tabular.COLUMNS), []), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="stakeholders-template.csv"'
    return response


@login_required
@require_safe
def export(request, alliance_id: int, fmt: str):
    """The filtered list, one row per contact person, in the import's columns."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.VIEW_CONTACTS)
    stakeholder_filter = _filtered(request, access, with_contacts=True)
    headings, rows = tabular.export_rows(stakeholder_filter.qs)
    services.register_exported(
        alliance=access.alliance, actor=request.user, fmt=fmt, rows=len(rows)
    )
    filename = f"stakeholders-{timezone.localdate():%Y-%m-%d}.{fmt}"
    if fmt == "csv":
        response = HttpResponse(
            tabular.to_csv(headings, rows), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            tabular.to_xlsx(headings, rows),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_safe
def mapping_pdf(request, alliance_id: int):
    """The guide's mapping tool as a landscape A4 table, for the filtered set."""
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.VIEW_CONTACTS)
    stakeholder_filter = _filtered(request, access, with_contacts=True)
    pdf = mapping_document(
        access.alliance,
        stakeholder_filter.qs,
        filtered=any(value for key, value in request.GET.items() if key not in ("sort", "page")),
    )
    return pdf_response(pdf, filename=f"{access.alliance.name}-stakeholder-mapping")
