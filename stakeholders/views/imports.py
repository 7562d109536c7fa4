"""The register in and out of spreadsheets: upload, preview, confirm, template and export."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from alliance_portal.imports import DONE, confirm_held_rows, hold_rows
from alliance_portal.permissions import Capability
from alliances.permissions import get_alliance_for_user

from .. import services, tabular
from ..forms import ImportUploadForm
from .common import filtered_stakeholders, page_context

IMPORT_SESSION_KEY = "stakeholder-import-{alliance}"
IMPORT_PREVIEW_ROWS = 200


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, alliance_id: int) -> HttpResponse:
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
                page_context(
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
        page_context(
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
def import_confirm(request: HttpRequest, alliance_id: int) -> HttpResponse:
    """Step 2: the user confirmed the preview; the rows are planned again and written whole."""
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_STAKEHOLDERS)
    outcome, plan = confirm_held_rows(
        request,
        IMPORT_SESSION_KEY.format(alliance=access.alliance.pk),
        lambda pending: services.stakeholders_import(
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
def import_template(request: HttpRequest, alliance_id: int) -> HttpResponse:
    get_alliance_for_user(request.user, alliance_id, need=Capability.MANAGE_STAKEHOLDERS)
    response = HttpResponse(
        tabular.to_csv(list(tabular.COLUMNS), []), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="stakeholders-template.csv"'
    return response


@login_required
@require_safe
def export(request: HttpRequest, alliance_id: int, fmt: str) -> HttpResponse:
    """The filtered list, one row per contact person, in the import's columns."""
    if fmt not in ("csv", "xlsx"):
        raise Http404
    access = get_alliance_for_user(request.user, alliance_id, need=Capability.VIEW_CONTACTS)
    stakeholder_filter = filtered_stakeholders(request, access, with_contacts=True)
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
