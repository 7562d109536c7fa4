"""CSV and XLSX import and export of a plan's actions.

The import is the stakeholder register's: upload → preview (nothing saved; the rows wait in the
session) → confirm, which plans the rows again and writes all of them or none.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from alliance_portal import tabular as shared
from alliance_portal.imports import CANCELLED, DONE, confirm_held_rows, hold_rows
from alliance_portal.permissions import Capability

from .. import selectors, services, tabular
from ..forms import ImportForm
from ..permissions import get_plan_for_user

IMPORT_SESSION_KEY = "actionplan-import-{plan}"
IMPORT_PREVIEW_ROWS = 200
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _context(access, plan, **extra) -> dict:
    return {"access": access, "alliance": access.alliance, "plan": plan, **extra}


@login_required
@require_GET
def actions_export(request, alliance_id: int, plan_id: int, file_format: str):
    """The plan's actions in table order, in the columns the import reads."""
    if file_format not in CONTENT_TYPES:
        raise Http404
    _access, plan = get_plan_for_user(request.user, alliance_id, plan_id)
    headings, rows = tabular.export_rows(plan)
    services.actions_export_record(
        plan=plan, actor=request.user, file_format=file_format, rows=len(rows)
    )
    write = tabular.to_csv if file_format == "csv" else tabular.to_xlsx
    response = HttpResponse(write(headings, rows), content_type=CONTENT_TYPES[file_format])
    filename = f"{slugify(plan.title) or 'plan'}-actions.{file_format}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _column_label(column: str) -> str:
    key = "title" if column == "action" else column
    return str(selectors.ACTION_LABELS.get(key, column))


def _preview_rows(preview) -> list[tuple]:
    """Every row with an error, then the first rows that change something, with the labels of
    the columns each update changes."""
    changing = [row for row in preview.rows if not row.errors and row.changes_anything]
    listed = preview.error_rows + changing[: max(0, IMPORT_PREVIEW_ROWS - len(preview.error_rows))]
    return [(row, [_column_label(column) for column in row.changed]) for row in listed]


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request, alliance_id: int, plan_id: int):
    """Step 1: upload. A readable file is planned and shown as a preview; nothing is saved."""
    access, plan = get_plan_for_user(
        request.user, alliance_id, plan_id, need=Capability.MANAGE_PLANS
    )
    form = ImportForm(request.POST, request.FILES) if request.method == "POST" else ImportForm()
    file_errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            columns, rows = tabular.read_table(name=upload.name, content=upload.read())
        except shared.ImportFileError as exc:
            file_errors = exc.messages
        else:
            preview = tabular.plan_import(plan=plan, columns=columns, rows=rows)
            token = hold_rows(
                request,
                IMPORT_SESSION_KEY.format(plan=plan.pk),
                filename=upload.name,
                columns=columns,
                rows=rows,
            )
            return render(
                request,
                "actionplans/import_preview.html",
                _context(
                    access,
                    plan,
                    preview=preview,
                    token=token,
                    filename=upload.name,
                    listed_rows=_preview_rows(preview),
                    new_actions=preview.count("new"),
                    updated_actions=preview.count("update"),
                    form=ImportForm(),
                ),
            )
    return render(
        request,
        "actionplans/import_upload.html",
        _context(
            access,
            plan,
            form=form,
            file_errors=file_errors,
            columns=tabular.COLUMNS,
            max_rows=shared.MAX_ROWS,
            max_bytes=shared.IMPORT_MAX_BYTES,
        ),
    )


@login_required
@require_POST
def import_confirm(request, alliance_id: int, plan_id: int):
    """Step 2: the user confirmed the preview; the rows are planned again and written whole."""
    access, plan = get_plan_for_user(
        request.user, alliance_id, plan_id, need=Capability.MANAGE_PLANS
    )
    outcome, preview = confirm_held_rows(
        request,
        IMPORT_SESSION_KEY.format(plan=plan.pk),
        lambda pending: services.actions_import(
            plan=plan,
            actor=request.user,
            columns=pending["columns"],
            rows=pending["rows"],
            filename=pending["filename"],
        ),
    )
    if outcome == CANCELLED:
        return redirect("actionplans:plan", access.alliance.pk, plan.pk)
    if outcome != DONE:
        return redirect("actionplans:import", access.alliance.pk, plan.pk)
    messages.success(
        request,
        _("The import is done. Actions: %(new)d new, %(updated)d updated.")
        % {"new": preview.count("new"), "updated": preview.count("update")},
    )
    if preview.opens_new_version:
        messages.info(
            request,
            _(
                "The approved version stays as it was signed. Your changes are in the new "
                "draft, version %(version)d."
            )
            % {"version": plan.version},
        )
    return redirect("actionplans:plan", access.alliance.pk, plan.pk)
