"""Import and export of the stakeholder register: preview, confirm, round trip, hostile files."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from alliance_portal import tabular as shared
from alliances.models import AuditEntry
from stakeholders import services, tabular
from stakeholders.models import Contact, EngagementStatus, Level, Organisation, Stakeholder
from stakeholders.views.imports import IMPORT_SESSION_KEY

from ..conftest import client_for
from ..factories import ContactFactory, OrganisationFactory, StakeholderFactory
from ..workbook_support import peak_memory, workbook, zip_bomb

HEADER = "organisation,category,sector,municipality,contact_name,contact_email,impact,status\n"
GOOD_CSV = HEADER + (
    "Växjö kommun,Public authority or municipal department,Public,Växjö,Eva Berg,"
    "eva.berg@vaxjo.example,High,Contacted\n"
    "Växjö kommun,Public authority or municipal department,Public,Växjö,Ali Hassan,"
    "ali.hassan@vaxjo.example,High,Contacted\n"
    "Somaliska föreningen,Migrant or refugee organisation,Non-profit,Alvesta,,,Medium,Identified\n"
)


def upload(client, alliance, name: str, content: bytes):
    url = reverse("stakeholders:import", args=[alliance.pk])
    return client.post(url, {"file": SimpleUploadedFile(name, content)})


def confirm(client, alliance, response):
    token = response.context["token"]
    return client.post(reverse("stakeholders:import_confirm", args=[alliance.pk]), {"token": token})


def plan_for(alliance, content: bytes, name="file.csv"):
    columns, rows = tabular.read_table(name=name, content=content)
    return tabular.plan_import(alliance=alliance, columns=columns, rows=rows)


# The happy path ---------------------------------------------------------------------------------


def test_preview_saves_nothing_and_confirm_imports_everything(cast):
    client = client_for(cast.coordinator)
    response = upload(client, cast.alliance, "register.csv", GOOD_CSV.encode())
    assert response.status_code == 200
    plan = response.context["plan"]
    assert plan.is_valid
    assert plan.count("organisation", "new") == 2
    assert plan.count("contact", "new") == 2
    assert Organisation.objects.count() == 0 and Contact.objects.count() == 0

    response = confirm(client, cast.alliance, response)
    assert response.status_code == 302
    assert Organisation.objects.count() == 2
    assert set(Contact.objects.values_list("email", flat=True)) == {
        "eva.berg@vaxjo.example",
        "ali.hassan@vaxjo.example",
    }
    municipality = Stakeholder.objects.get(
        alliance=cast.alliance, organisation__name="Växjö kommun"
    )
    assert municipality.impact == Level.HIGH
    assert municipality.status == EngagementStatus.CONTACTED
    assert (
        AuditEntry.objects.filter(action="stakeholders.imported", alliance=cast.alliance).count()
        == 1
    )


def test_cancelled_preview_saves_nothing(cast):
    client = client_for(cast.coordinator)
    upload(client, cast.alliance, "register.csv", GOOD_CSV.encode())
    client.post(reverse("stakeholders:import_confirm", args=[cast.alliance.pk]), {"cancel": "1"})
    assert Organisation.objects.count() == 0


def test_stale_token_is_refused(cast):
    client = client_for(cast.coordinator)
    upload(client, cast.alliance, "register.csv", GOOD_CSV.encode())
    response = client.post(
        reverse("stakeholders:import_confirm", args=[cast.alliance.pk]),
        {"token": "old"},
        follow=True,
    )
    assert Organisation.objects.count() == 0
    assert "no longer current" in response.content.decode()


def test_reimporting_the_same_file_updates_instead_of_duplicating(cast):
    client = client_for(cast.coordinator)
    confirm(client, cast.alliance, upload(client, cast.alliance, "a.csv", GOOD_CSV.encode()))
    changed = GOOD_CSV.replace("Eva Berg", "Eva Berg-Lind")
    response = upload(client, cast.alliance, "a.csv", changed.encode())
    plan = response.context["plan"]
    assert plan.count("organisation", "new") == 0
    assert plan.count("contact", "update") == 1
    confirm(client, cast.alliance, response)
    assert Organisation.objects.count() == 2
    assert Contact.objects.count() == 2
    assert Contact.objects.get(email="eva.berg@vaxjo.example").name == "Eva Berg-Lind"


def test_export_then_import_changes_nothing(cast):
    stakeholder = StakeholderFactory(
        alliance=cast.alliance,
        organisation=OrganisationFactory(
            name="=Röda Korset",
            website="https://redcross.example",
            latitude="56.877",
            longitude="-14.809",
        ),
        what_matters="+ trust, - bureaucracy",
        status=EngagementStatus.ENGAGED,
    )
    ContactFactory(organisation=stakeholder.organisation, phone="+46 70 123 45 67")
    ContactFactory(organisation=stakeholder.organisation, name="@handle person")
    StakeholderFactory(alliance=cast.alliance)  # an organisation without contacts
    client = client_for(cast.coordinator)
    for fmt in ("csv", "xlsx"):
        exported = client.get(reverse("stakeholders:export", args=[cast.alliance.pk, fmt]))
        assert exported.status_code == 200
        before = {
            model: list(model.objects.order_by("pk").values())
            for model in (Organisation, Contact, Stakeholder)
        }
        response = upload(client, cast.alliance, f"export.{fmt}", exported.content)
        plan = response.context["plan"]
        assert plan.is_valid, [row.errors for row in plan.error_rows]
        assert not any(row.changes_anything for row in plan.rows), fmt
        confirm(client, cast.alliance, response)
        after = {
            model: list(model.objects.order_by("pk").values())
            for model in (Organisation, Contact, Stakeholder)
        }
        assert after == before, fmt


# Formula injection ------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"])
def test_export_neutralises_formulas(cast, value):
    StakeholderFactory(alliance=cast.alliance, notes=value)
    client = client_for(cast.coordinator)
    exported = client.get(reverse("stakeholders:export", args=[cast.alliance.pk, "csv"])).content
    rows = list(csv.DictReader(io.StringIO(exported.decode("utf-8-sig"))))
    assert rows[0]["notes"] == f"'{value}"
    xlsx = client.get(reverse("stakeholders:export", args=[cast.alliance.pk, "xlsx"])).content
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    notes_column = list(tabular.COLUMNS).index("notes") + 1
    cell = sheet.cell(row=2, column=notes_column)
    assert cell.data_type == "s"
    assert cell.value == f"'{value}"


def test_neutralise_leaves_plain_text_alone():
    assert tabular.neutralise("Växjö kommun") == "Växjö kommun"
    assert tabular.neutralise("=1+1") == "'=1+1"


# Bad files --------------------------------------------------------------------------------------


def test_wrong_encoding_is_explained(cast):
    response = upload(
        client_for(cast.coordinator), cast.alliance, "a.csv", GOOD_CSV.encode("latin-1")
    )
    assert str(tabular.ERR_FILE_ENCODING) in response.content.decode()
    assert Organisation.objects.count() == 0


def test_binary_renamed_csv_is_refused(cast):
    response = upload(
        client_for(cast.coordinator), cast.alliance, "a.csv", b"\x89PNG\r\n\x1a\n\x00\x00"
    )
    assert str(tabular.ERR_FILE_BINARY) in response.content.decode()


def test_nul_byte_deep_in_a_csv_is_refused(cast):
    content = GOOD_CSV.encode() + b"Late,NGO,Public,Lund,Kim,k@example.org,High," + b"x" * 9000
    content += b"\x00\n"
    response = upload(client_for(cast.coordinator), cast.alliance, "a.csv", content)
    assert str(tabular.ERR_FILE_BINARY) in response.content.decode()
    assert Organisation.objects.count() == 0


def test_binary_renamed_xlsx_is_refused(cast):
    response = upload(client_for(cast.coordinator), cast.alliance, "a.xlsx", b"not a zip at all")
    assert str(tabular.ERR_FILE_NOT_XLSX) in response.content.decode()


def test_oversize_file_is_refused_before_reading(cast):
    content = HEADER.encode() + b"x" * (20 * 1024 * 1024)
    response = upload(client_for(cast.coordinator), cast.alliance, "big.csv", content)
    assert response.status_code == 200
    assert "the limit is 2.0" in response.content.decode()
    assert Organisation.objects.count() == 0


def test_missing_and_extra_columns_are_named(cast):
    content = b"name,category,favourite_colour\nX,NGO,blue\n"
    response = upload(client_for(cast.coordinator), cast.alliance, "a.csv", content)
    page = response.content.decode()
    assert "Unknown columns: name, favourite_colour" in page
    assert "Missing columns: organisation" in page


def test_row_with_extra_cells_is_an_error(cast):
    plan = plan_for(cast.alliance, b"organisation,municipality\nA,Lund,surplus\n")
    assert not plan.is_valid
    assert "3 cells" in plan.rows[0].errors[0]


def test_invalid_email_and_choice_are_row_errors(cast):
    content = (HEADER + "A,NGO,Public,Lund,Kim,not-an-email,Huge,Identified\n").encode()
    plan = plan_for(cast.alliance, content)
    errors = " ".join(plan.rows[0].errors)
    assert "contact_email" in errors
    assert "“Huge” is not one of" in errors


def test_duplicate_rows_in_one_file_are_errors(cast):
    row = "A,NGO,Public,Lund,Kim,kim@example.org,High,Identified\n"
    plan = plan_for(cast.alliance, (HEADER + row + row).encode())
    assert plan.rows[1].errors == [str(tabular.ERR_DUPLICATE_ROW % {"row": 2})]


def test_a_file_with_one_bad_row_imports_nothing(cast):
    content = GOOD_CSV + "B,NGO,Public,Lund,Kim,broken@,High,Identified\n"
    client = client_for(cast.coordinator)
    response = upload(client, cast.alliance, "a.csv", content.encode())
    assert not response.context["plan"].is_valid
    assert "Confirm the import" not in response.content.decode()
    client.post(
        reverse("stakeholders:import_confirm", args=[cast.alliance.pk]),
        {"token": response.context["token"]},
    )
    assert Organisation.objects.count() == 0


def test_semicolon_csv_with_bom_is_read(cast):
    content = "\ufefforganisation;municipality\nHjälp AB;Ljungby\n".encode()
    plan = plan_for(cast.alliance, content)
    assert plan.is_valid and plan.rows[0].label == "Hjälp AB"


def test_script_in_a_cell_is_stored_as_text_and_escaped(cast):
    content = b"organisation,notes\nEvil,<script>alert(1)</script>\n"
    client = client_for(cast.coordinator)
    confirm(client, cast.alliance, upload(client, cast.alliance, "a.csv", content))
    stakeholder = Stakeholder.objects.get(alliance=cast.alliance)
    page = client.get(reverse("stakeholders:detail", args=[cast.alliance.pk, stakeholder.pk]))
    assert b"<script>alert(1)</script>" not in page.content
    assert b"&lt;script&gt;" in page.content


def test_status_change_that_breaks_the_path_is_a_row_error(cast):
    StakeholderFactory(
        alliance=cast.alliance,
        organisation=OrganisationFactory(name="A", municipality="Lund"),
        status=EngagementStatus.MEMBER,
    )
    plan = plan_for(cast.alliance, b"organisation,municipality,status\nA,Lund,Identified\n")
    assert "status" in plan.rows[0].errors[0]


def test_email_of_a_contact_elsewhere_is_an_error(cast):
    ContactFactory(
        alliance=cast.alliance,
        email="kim@example.org",
        organisation=OrganisationFactory(name="Other"),
    )
    plan = plan_for(
        cast.alliance, b"organisation,municipality,contact_email\nA,Lund,kim@example.org\n"
    )
    assert "belongs to a contact person at Other" in plan.rows[0].errors[0]


def test_planning_queries_do_not_grow_with_rows(cast, django_assert_max_num_queries):
    def file_with(count: int) -> bytes:
        lines = [HEADER.strip()]
        for index in range(count * 100, count * 101):
            ContactFactory(alliance=cast.alliance, email=f"known{index}@example.org")
            lines.append(f"Org {index},NGO,Public,Lund,P {index},p{index}@example.org,High,")
            lines.append(f"Org {index},NGO,Public,Lund,K {index},known{index}@example.org,,")
        return ("\n".join(lines) + "\n").encode()

    for count in (2, 40):
        content = file_with(count)
        with django_assert_max_num_queries(4):
            plan_for(cast.alliance, content)


def test_confirm_that_hits_a_changed_register_saves_nothing(cast, monkeypatch):
    from django.db import IntegrityError

    client = client_for(cast.coordinator)
    response = upload(client, cast.alliance, "a.csv", GOOD_CSV.encode())

    def clash(*args, **kwargs):
        raise IntegrityError("duplicate key")

    monkeypatch.setattr(services, "_save_imported", clash)
    response = confirm(client, cast.alliance, response)
    assert response.status_code == 302
    assert Organisation.objects.count() == 0


# Values refused by a cell's own check ------------------------------------------------------------


def test_values_too_long_are_reported_once_and_shown_shortened(cast):
    name, person = "Växjö " + "ö" * 200, "Kim " + "k" * 200
    content = f"organisation,contact_name,contact_email\n{name},{person},kim@example.org\n"
    client = client_for(cast.coordinator)
    response = upload(client, cast.alliance, "a.csv", content.encode())
    row = response.context["plan"].rows[0]
    # Never also "cannot be blank" nor "needs a name": the cell has a value, one too long.
    assert row.errors == [
        f"organisation: {tabular.ERR_TOO_LONG % {'max': 200, 'length': 206}}",
        f"contact_name: {tabular.ERR_TOO_LONG % {'max': 200, 'length': 204}}",
    ]
    page = response.content.decode()
    assert name[:99] + "…" in page and name[:100] not in page
    assert person[:99] + "…" in page
    assert "Confirm the import" not in page
    confirm(client, cast.alliance, response)
    assert Organisation.objects.count() == 0 and Contact.objects.count() == 0


def test_formulas_without_a_saved_value_are_refused_and_their_cells_named(cast):
    content = workbook(
        ["organisation", "municipality", "contact_name", "contact_email"],
        ["=B2", "Lund", "Kim", "kim@example.org"],
        ["Röda korset", "Växjö", "=UPPER(B3)", "eva@example.org"],
    )
    client = client_for(cast.coordinator)
    response = upload(client, cast.alliance, "register.xlsx", content)
    plan = response.context["plan"]
    assert [row.errors for row in plan.rows] == [
        [f"organisation: {shared.ERR_UNSAVED_FORMULA % {'cell': 'A2'}}"],
        [f"contact_name: {shared.ERR_UNSAVED_FORMULA % {'cell': 'C3'}}"],
    ]
    assert "Cell C3 holds a formula" in response.content.decode()
    confirm(client, cast.alliance, response)
    assert Organisation.objects.count() == 0 and Contact.objects.count() == 0


def test_a_zip_bomb_is_refused_before_it_is_unpacked(cast):
    # About 1 MB uploaded, 210 MB of shared strings once unpacked.
    bomb = zip_bomb(["organisation", "municipality"], ["Växjö kommun", "Växjö"])
    client = client_for(cast.coordinator)
    client.get(reverse("stakeholders:import", args=[cast.alliance.pk]))
    with peak_memory() as memory:
        response = upload(client, cast.alliance, "register.xlsx", bomb)
    assert response.status_code == 200
    assert shared.workbook_too_large() in response.content.decode()
    assert IMPORT_SESSION_KEY.format(alliance=cast.alliance.pk) not in client.session
    assert memory.peak < 20 * 1024 * 1024  # unpacking the strings alone would take 210 MB
    assert Organisation.objects.count() == 0


# Two alliances mapping one organisation ---------------------------------------------------------


def test_import_matches_only_the_alliances_own_contacts(cast):
    """Another alliance's contact with the same email is neither matched, changed nor named."""
    theirs = StakeholderFactory(
        alliance=cast.other_alliance, organisation=OrganisationFactory(name="Red Cross")
    )
    their_contact = ContactFactory(
        alliance=cast.other_alliance,
        organisation=theirs.organisation,
        name="Kim Theirs",
        email="kim@example.org",
    )
    content = (
        "organisation,municipality,contact_name,contact_email\n"
        f"Red Cross,{theirs.organisation.municipality},Kim Ours,kim@example.org\n"
    ).encode()
    client = client_for(cast.coordinator)
    response = upload(client, cast.alliance, "register.csv", content)
    plan = response.context["plan"]
    assert plan.is_valid
    assert plan.rows[0].contact_action == "new"
    assert "Kim Theirs" not in response.content.decode()
    assert confirm(client, cast.alliance, response).status_code == 302

    their_contact.refresh_from_db()
    assert their_contact.name == "Kim Theirs"
    ours = Contact.objects.get(alliance=cast.alliance)
    assert (ours.name, ours.email, ours.organisation) == (
        "Kim Ours",
        "kim@example.org",
        theirs.organisation,
    )


def test_import_records_which_alliance_changed_the_shared_facts(cast):
    organisation = OrganisationFactory(name="Red Cross", municipality="Lund")
    StakeholderFactory(alliance=cast.other_alliance, organisation=organisation)
    content = b"organisation,municipality,website\nRed Cross,Lund,https://redcross.example\n"
    client = client_for(cast.coordinator)
    confirm(client, cast.alliance, upload(client, cast.alliance, "register.csv", content))
    entry = AuditEntry.objects.get(action="organisation.updated")
    assert entry.alliance == cast.alliance
    assert entry.object_id == str(organisation.pk)
    assert entry.changes["website"]["to"] == "https://redcross.example"
