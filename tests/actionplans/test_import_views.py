"""The pages of a plan's action import and export: preview, confirm, cancel, access, bad files."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actionplans import services, tabular
from actionplans.models import ERR_PLAN_SUBMITTED, Action
from actionplans.views.imports import IMPORT_SESSION_KEY
from alliance_portal import tabular as shared
from alliances.models import AuditEntry

from ..conftest import client_for
from ..factories import make_action, make_goal, make_plan, make_submitted_plan
from ..workbook_support import peak_memory, workbook, zip_bomb

GOOD_CSV = (
    b"number,action,budget_amount\n1,Train mediators in Ljungby,90000\n,Open a language cafe,\n"
)


@pytest.fixture
def plan(cast):
    plan = make_plan(cast.alliance, cast.coordinator, title="Kronoberg plan 2027")
    goal = make_goal(plan, cast.coordinator)
    make_action(plan, cast.coordinator, goals=[goal])
    return plan


def import_url(plan) -> str:
    return reverse("actionplans:import", args=[plan.alliance_id, plan.pk])


def confirm_url(plan) -> str:
    return reverse("actionplans:import_confirm", args=[plan.alliance_id, plan.pk])


def upload(client, plan, name: str, content: bytes):
    return client.post(import_url(plan), {"file": SimpleUploadedFile(name, content)})


def confirm(client, plan, response):
    return client.post(confirm_url(plan), {"token": response.context["token"]})


def titles(plan) -> list[str]:
    return list(plan.actions.order_by("number").values_list("title", flat=True))


# The happy path ---------------------------------------------------------------------------------


def test_upload_shows_a_preview_and_confirm_writes(cast, plan):
    client = client_for(cast.coordinator)
    assert client.get(import_url(plan)).status_code == 200
    response = upload(client, plan, "actions.csv", GOOD_CSV)
    assert response.status_code == 200
    preview = response.context["preview"]
    assert preview.is_valid
    assert (preview.count("new"), preview.count("update")) == (1, 1)
    page = response.content.decode()
    assert "Confirm the import" in page and "<caption>" in page and 'scope="row"' in page
    assert titles(plan) == ["Train community mediators"]

    response = confirm(client, plan, response)
    assert response.status_code == 302
    assert response["Location"] == reverse("actionplans:plan", args=[cast.alliance.pk, plan.pk])
    assert titles(plan) == ["Train mediators in Ljungby", "Open a language cafe"]
    assert AuditEntry.objects.filter(action="plan.actions_imported", alliance=cast.alliance).count()
    # The preview is used up: confirming it again is refused.
    client.post(confirm_url(plan), {"token": "anything"})
    assert plan.actions.count() == 2


def test_cancel_writes_nothing(cast, plan):
    client = client_for(cast.coordinator)
    upload(client, plan, "actions.csv", GOOD_CSV)
    response = client.post(confirm_url(plan), {"cancel": "1"})
    assert response.status_code == 302
    assert titles(plan) == ["Train community mediators"]
    assert not AuditEntry.objects.filter(action="plan.actions_imported").exists()


def test_confirm_needs_post(cast, plan):
    assert client_for(cast.coordinator).get(confirm_url(plan)).status_code == 405


def test_stale_preview_is_refused(cast, plan):
    client = client_for(cast.coordinator)
    upload(client, plan, "actions.csv", GOOD_CSV)
    response = client.post(confirm_url(plan), {"token": "old"}, follow=True)
    assert "no longer current" in response.content.decode()
    assert plan.actions.count() == 1


def test_a_plan_submitted_after_the_preview_refuses_the_confirm(cast, plan):
    client = client_for(cast.coordinator)
    response = upload(client, plan, "actions.csv", GOOD_CSV)
    services.plan_submit(plan=plan, actor=cast.coordinator)
    response = client.post(confirm_url(plan), {"token": response.context["token"]}, follow=True)
    page = response.content.decode()
    assert "The data changed since the preview" in page
    assert "waiting for the chair" in page
    assert titles(plan) == ["Train community mediators"]


def test_preview_of_a_submitted_plan_explains_why_nothing_can_be_imported(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    response = upload(client_for(cast.coordinator), plan, "a.csv", b"action\nOne more\n")
    assert response.context["preview"].errors == [str(ERR_PLAN_SUBMITTED)]
    assert "Confirm the import" not in response.content.decode()


def test_a_file_with_errors_has_an_error_summary_and_no_confirm(cast, plan):
    client = client_for(cast.coordinator)
    response = upload(client, plan, "a.csv", b"number,action,budget_amount\n1,A,lots\n")
    page = response.content.decode()
    assert 'href="#row-2"' in page and 'id="row-2"' in page
    assert str(tabular.ERR_BUDGET) in page
    assert "Confirm the import" not in page
    client.post(confirm_url(plan), {"token": response.context["token"]})
    assert titles(plan) == ["Train community mediators"]


# Export -----------------------------------------------------------------------------------------


def test_member_can_export_csv_and_xlsx(cast, plan):
    client = client_for(cast.member)
    response = client.get(reverse("actionplans:export_csv", args=[cast.alliance.pk, plan.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert 'filename="kronoberg-plan-2027-actions.csv"' in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [row["action"] for row in rows] == ["Train community mediators"]
    response = client.get(reverse("actionplans:export_xlsx", args=[cast.alliance.pk, plan.pk]))
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet.cell(row=2, column=2).value == "Train community mediators"
    assert AuditEntry.objects.filter(action="plan.actions_exported").count() == 2


def test_exported_file_imports_without_changes(cast, plan):
    client = client_for(cast.coordinator)
    for name in ("export_csv", "export_xlsx"):
        exported = client.get(reverse(f"actionplans:{name}", args=[cast.alliance.pk, plan.pk]))
        extension = "csv" if name == "export_csv" else "xlsx"
        response = upload(client, plan, f"actions.{extension}", exported.content)
        preview = response.context["preview"]
        assert preview.is_valid and not preview.changes_anything
        assert "Nothing in this file differs" in response.content.decode()


# Access -----------------------------------------------------------------------------------------


def test_outsider_gets_404(cast, plan):
    client = client_for(cast.outsider)
    assert client.get(import_url(plan)).status_code == 404
    assert client.post(confirm_url(plan), {"cancel": "1"}).status_code == 404
    export = reverse("actionplans:export_csv", args=[cast.alliance.pk, plan.pk])
    assert client.get(export).status_code == 404


def test_member_gets_403_for_the_import(cast, plan):
    client = client_for(cast.member)
    assert client.get(import_url(plan)).status_code == 403
    assert upload(client, plan, "a.csv", GOOD_CSV).status_code == 403
    assert client.post(confirm_url(plan), {"token": "x"}).status_code == 403
    assert titles(plan) == ["Train community mediators"]


def test_another_alliances_plan_id_is_404(cast):
    theirs = make_plan(cast.other_alliance, cast.other_chair)
    client = client_for(cast.coordinator)
    args = [cast.alliance.pk, theirs.pk]
    assert client.get(reverse("actionplans:import", args=args)).status_code == 404
    assert client.get(reverse("actionplans:export_csv", args=args)).status_code == 404
    response = client.post(reverse("actionplans:import_confirm", args=args), {"cancel": "1"})
    assert response.status_code == 404


def test_anonymous_visitor_is_sent_to_log_in(plan):
    response = client_for(None).get(import_url(plan))
    assert response.status_code == 302 and "login" in response["Location"]


# Bad input --------------------------------------------------------------------------------------


def test_oversize_file_is_refused_with_a_clear_error(cast, plan):
    content = b"action\n" + b"x" * (shared.IMPORT_MAX_BYTES + 1)
    response = upload(client_for(cast.coordinator), plan, "big.csv", content)
    assert response.status_code == 200
    assert "the limit is 2.0" in response.content.decode()
    assert plan.actions.count() == 1


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.csv", "action\nCafé\n".encode("latin-1"), shared.ERR_FILE_ENCODING),
        ("a.csv", b"\x89PNG\r\n\x1a\n\x00\x00", shared.ERR_FILE_BINARY),
        ("a.xlsx", b"PK\x03\x04 broken zip", shared.ERR_FILE_NOT_XLSX),
        ("a.txt", b"action\nA\n", shared.ERR_IMPORT_FILE_TYPE),
    ],
)
def test_bad_files_are_explained(cast, plan, name, content, message):
    response = upload(client_for(cast.coordinator), plan, name, content)
    assert response.status_code == 200
    assert str(message) in response.content.decode()
    assert plan.actions.count() == 1


def test_posting_without_a_file_shows_the_form_again(cast, plan):
    response = client_for(cast.coordinator).post(import_url(plan), {})
    assert response.status_code == 200
    assert response.context["form"].errors


def test_script_in_a_cell_is_escaped_on_the_preview(cast, plan):
    content = b"action,description\n<script>alert(1)</script>,<img src=x onerror=alert(2)>\n"
    client = client_for(cast.coordinator)
    response = upload(client, plan, "a.csv", content)
    assert b"<script>alert(1)</script>" not in response.content
    assert b"&lt;script&gt;alert(1)&lt;/script&gt;" in response.content
    confirm(client, plan, response)
    assert Action.objects.filter(plan=plan, title="<script>alert(1)</script>").exists()


def test_formula_cells_are_stored_as_text(cast, plan):
    client = client_for(cast.coordinator)
    content = b'action,resources\n"=HYPERLINK(""http://evil"")",+1+1\n'
    confirm(client, plan, upload(client, plan, "a.csv", content))
    action = Action.objects.get(plan=plan, number=2)
    assert (action.title, action.resources) == ('=HYPERLINK("http://evil")', "+1+1")
    exported = client.get(reverse("actionplans:export_csv", args=[cast.alliance.pk, plan.pk]))
    rows = list(csv.DictReader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[1]["action"] == '\'=HYPERLINK("http://evil")'


def test_a_zip_bomb_is_refused_before_it_is_unpacked(cast, plan):
    # About 1 MB uploaded, 210 MB of shared strings once unpacked.
    bomb = zip_bomb(["action"], ["Open a language cafe"])
    assert len(bomb) < shared.IMPORT_MAX_BYTES
    client = client_for(cast.coordinator)
    client.get(import_url(plan))  # the page's own first-use costs are not the upload's
    with peak_memory() as memory:
        response = upload(client, plan, "actions.xlsx", bomb)
    assert response.status_code == 200
    assert shared.workbook_too_large() in response.content.decode()
    assert IMPORT_SESSION_KEY.format(plan=plan.pk) not in client.session
    # Unpacking the strings alone would take 210 MB.
    assert memory.peak < 20 * 1024 * 1024
    assert titles(plan) == ["Train community mediators"]


def test_a_title_too_long_is_shown_shortened_with_its_one_error(cast, plan):
    title = "Mediators " + "x" * 500
    response = upload(client_for(cast.coordinator), plan, "a.csv", f"action\n{title}\n".encode())
    row = response.context["preview"].rows[0]
    assert row.errors == [f"action: {shared.ERR_TOO_LONG % {'max': 500, 'length': 510}}"]
    page = response.content.decode()
    assert title[:99] + "…" in page and title[:100] not in page


def test_the_preview_names_the_cells_holding_formulas_without_a_value(cast, plan):
    content = workbook(["action", "resources"], ["Language cafe", "=A2"])
    client = client_for(cast.coordinator)
    response = upload(client, plan, "actions.xlsx", content)
    page = response.content.decode()
    assert str(shared.ERR_UNSAVED_FORMULA % {"cell": "B2"}) in page
    assert "Confirm the import" not in page
    confirm(client, plan, response)
    assert titles(plan) == ["Train community mediators"]
