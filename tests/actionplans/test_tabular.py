"""Import and export of a plan's actions: planning, applying, round trips and hostile files."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.core.exceptions import ValidationError
from django.utils.formats import number_format

from actionplans import services, tabular
from actionplans.models import ERR_DUE_BEFORE_START, ERR_PLAN_SUBMITTED, Action, ActionPlan
from alliance_portal import tabular as shared
from alliance_portal.exceptions import InvalidTransition
from alliances.models import AuditEntry

from ..factories import (
    GapFactory,
    OrganisationFactory,
    StakeholderFactory,
    approve_plan,
    make_action,
    make_goal,
    make_plan,
    make_submitted_plan,
)
from ..workbook_support import SHEET, far_right_cells, rewrite, workbook, zip_bomb


def csv_file(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


def plan_for(plan, content: bytes, name: str = "actions.csv"):
    columns, rows = tabular.read_table(name=name, content=content)
    return tabular.plan_import(plan=plan, columns=columns, rows=rows)


def apply(plan, actor, content: bytes, name: str = "actions.csv"):
    columns, rows = tabular.read_table(name=name, content=content)
    return services.actions_import(
        plan=plan, actor=actor, columns=columns, rows=rows, filename=name
    )


def row_errors(result) -> str:
    return " ".join(error for row in result.rows for error in row.errors)


def saved_actions(plan) -> list[dict]:
    """Every column of the plan's actions and their links, to compare before and after."""
    actions = []
    for action in Action.objects.filter(plan=plan).order_by("number", "pk"):
        values = {
            key: value
            for key, value in Action.objects.filter(pk=action.pk).values().get().items()
            if key != "updated_at"
        }
        values["goals"] = sorted(action.goals.values_list("pk", flat=True))
        values["gaps"] = sorted(action.gaps.values_list("pk", flat=True))
        actions.append(values)
    return actions


@pytest.fixture
def drafted(cast):
    """A draft plan with two goals and one action that uses every column."""
    plan = make_plan(cast.alliance, cast.coordinator)
    first = make_goal(plan, cast.coordinator)
    second = make_goal(plan, cast.coordinator, title="Families reached")
    organisation = OrganisationFactory(name="Växjö kommun")
    StakeholderFactory(alliance=cast.alliance, organisation=organisation)
    housing = GapFactory(alliance=cast.alliance, problem_area="Housing advice")
    GapFactory(alliance=cast.alliance, problem_area="Jobs; internships")
    action = make_action(
        plan,
        cast.coordinator,
        goals=[first],
        gaps=[housing],
        responsible_organisation=organisation,
        responsible_member=cast.membership(cast.member),
        description="Two cohorts a year.",
    )
    return {
        "plan": plan,
        "goals": (first, second),
        "organisation": organisation,
        "gap": housing,
        "action": action,
    }


HEADER = (
    "number,action,budget_amount,budget_currency,responsible_organisation,responsible_person,"
    "start_date,due_date,goals,gaps"
)


# Planning ----------------------------------------------------------------------------------------


def test_planning_says_what_would_change_and_writes_nothing(cast, drafted):
    plan = drafted["plan"]
    before = saved_actions(plan)
    content = csv_file("number,action", "1,Train community mediators in Ljungby", ",Open a café")
    result = plan_for(plan, content)
    assert result.is_valid, row_errors(result)
    assert [row.action for row in result.rows] == ["update", "new"]
    assert result.rows[0].changed == ["action"]
    assert result.rows[1].number == 2
    assert result.count("new") == 1 and result.count("update") == 1
    assert saved_actions(plan) == before
    assert not AuditEntry.objects.filter(action="plan.actions_imported").exists()


def test_unchanged_rows_are_reported_as_unchanged(cast, drafted):
    result = plan_for(drafted["plan"], csv_file("number,action", "1,Train community mediators"))
    assert [row.action for row in result.rows] == ["unchanged"]
    assert not result.changes_anything


# Applying ----------------------------------------------------------------------------------------


def test_apply_adds_and_updates_every_column(cast, drafted):
    plan = drafted["plan"]
    member = cast.membership(cast.secretary)
    content = csv_file(
        HEADER,
        "1,Train mediators,90000,sek,växjö kommun,,2027-03-01,2027-12-31,1; 2,housing advice",
        f',Open a language café,"12 500,50",EUR,,{cast.secretary.email.upper()},'
        "2027-04-01,,2,Jobs; internships; Housing advice",
    )
    result = apply(plan, cast.coordinator, content)
    assert result.count("new") == 1 and result.count("update") == 1
    updated, added = Action.objects.filter(plan=plan).order_by("number")
    assert updated.pk == drafted["action"].pk
    assert updated.title == "Train mediators"
    assert updated.budget_amount == Decimal("90000")
    assert updated.budget_currency == "SEK"
    assert updated.responsible_organisation == drafted["organisation"]
    assert updated.responsible_member is None
    assert updated.due_date == date(2027, 12, 31)
    assert set(updated.goals.all()) == set(drafted["goals"])
    assert list(updated.gaps.all()) == [drafted["gap"]]
    assert added.number == 2
    assert added.budget_amount == Decimal("12500.50")
    assert added.budget_currency == "EUR"
    assert added.responsible_member == member
    assert added.start_date == date(2027, 4, 1) and added.due_date is None
    assert list(added.goals.all()) == [drafted["goals"][1]]
    assert {gap.problem_area for gap in added.gaps.all()} == {
        "Housing advice",
        "Jobs; internships",
    }
    entry = AuditEntry.objects.get(action="plan.actions_imported")
    assert entry.alliance == cast.alliance
    assert entry.changes["new"] == 1 and entry.changes["updated"] == 1
    # The writes went through the action services, which audit each of them.
    assert AuditEntry.objects.filter(action="plan.action_updated").count() == 1
    assert AuditEntry.objects.filter(action="plan.action_added").count() == 2  # with the fixture's


def test_a_new_number_adds_the_action_at_the_end(cast, drafted):
    apply(drafted["plan"], cast.coordinator, csv_file("number,action", "7,Map the gaps"))
    added = Action.objects.get(title="Map the gaps")
    assert added.number == 2


def test_a_column_left_out_keeps_the_saved_values(cast, drafted):
    apply(drafted["plan"], cast.coordinator, csv_file("number,action", "1,Renamed"))
    action = Action.objects.get(pk=drafted["action"].pk)
    assert action.title == "Renamed"
    assert action.budget_amount == Decimal("125000.00")
    assert action.description == "Two cohorts a year."
    assert action.responsible_organisation == drafted["organisation"]
    assert list(action.goals.all()) == [drafted["goals"][0]]
    assert list(action.gaps.all()) == [drafted["gap"]]


def test_an_empty_cell_clears_the_value(cast, drafted):
    content = csv_file("number,action,budget_amount,responsible_person,goals,gaps", "1,Same,,,,")
    apply(drafted["plan"], cast.coordinator, content)
    action = Action.objects.get(pk=drafted["action"].pk)
    assert action.budget_amount is None and action.responsible_member is None
    assert not action.goals.exists() and not action.gaps.exists()
    assert action.budget_currency == "SEK"  # a currency is always needed: an empty cell keeps it


def test_a_file_with_one_bad_row_imports_nothing(cast, drafted):
    plan = drafted["plan"]
    before = saved_actions(plan)
    content = csv_file("number,action,budget_amount", "1,Renamed,100", ",New,lots")
    with pytest.raises(ValidationError) as caught:
        apply(plan, cast.coordinator, content)
    assert str(shared.ERR_PLAN_HAS_ERRORS) in caught.value.messages
    assert saved_actions(plan) == before
    assert not AuditEntry.objects.filter(action="plan.actions_imported").exists()


# Row errors --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (",A,12k,,,,,,,", str(tabular.ERR_BUDGET)),
        (",A,-5,,,,,,,", "budget_amount: Ensure this value is greater than or equal to 0."),
        (",A,1.005,,,,,,,", "budget_amount:"),
        (",A,,SEKR,,,,,,", "budget_currency:"),
        (",A,,,,,2027-05-01,2027-04-30,,", f"due_date: {ERR_DUE_BEFORE_START}"),
        (",A,,,,,31/12/2027,,,", str(tabular.ERR_DATE % {"value": "31/12/2027"})),
        (",A,,,,,2027-02-30,,,", "start_date:"),
        (",A,,,Unknown AB,,,,,", str(tabular.ERR_UNKNOWN_ORGANISATION % {"value": "Unknown AB"})),
        (",A,,,,nobody@example.org,,,,", "responsible_person:"),
        (",A,,,,,,,3; x,", str(tabular.ERR_UNKNOWN_GOALS % {"value": "3, x"})),
        (",A,,,,,,,,Housing advice; Schools", "“Schools”"),
        (",,100,,,,,,,", "action: This field cannot be blank."),
        ("0,A,,,,,,,,", str(tabular.ERR_NUMBER % {"value": "0"})),
        ("two,A,,,,,,,,", str(tabular.ERR_NUMBER % {"value": "two"})),
    ],
)
def test_each_bad_cell_is_a_clear_row_error(cast, drafted, line, message):
    result = plan_for(drafted["plan"], csv_file(HEADER, line))
    assert not result.is_valid
    assert message in row_errors(result)


def test_too_long_text_is_a_row_error(cast, drafted):
    result = plan_for(drafted["plan"], csv_file("action", "x" * 501))
    limits = {"max": 500, "length": 501}
    assert result.rows[0].errors == [f"action: {shared.ERR_TOO_LONG % limits}"]


def test_duplicate_numbers_in_one_file_are_errors(cast, drafted):
    result = plan_for(drafted["plan"], csv_file("number,action", "1,A", "1,B", "5,C", "5,D"))
    duplicate = f"number: {tabular.ERR_DUPLICATE_NUMBER % {'row': 2}}"
    assert result.rows[1].errors == [duplicate]
    assert result.rows[3].errors == [f"number: {tabular.ERR_DUPLICATE_NUMBER % {'row': 4}}"]
    assert not result.rows[0].errors and not result.rows[2].errors
    # A refused row shows the number its file gave, not one it would never get.
    assert [row.number for row in result.rows] == [1, 1, 2, 5]


def test_people_and_organisations_must_belong_to_the_alliance(cast, drafted):
    elsewhere = OrganisationFactory(name="Malmö stad")
    StakeholderFactory(alliance=cast.other_alliance, organisation=elsewhere)
    content = csv_file(
        "action,responsible_organisation,responsible_person",
        f"A,Malmö stad,{cast.other_chair.email}",
        f"B,,{cast.outsider.email}",
    )
    result = plan_for(drafted["plan"], content)
    assert str(tabular.ERR_UNKNOWN_ORGANISATION % {"value": "Malmö stad"}) in row_errors(result)
    assert str(tabular.ERR_UNKNOWN_PERSON % {"value": cast.other_chair.email}) in row_errors(result)
    assert len(result.rows[1].errors) == 1


def test_a_member_who_left_may_stay_on_an_unchanged_row_only(cast, drafted):
    membership = cast.membership(cast.member)
    membership.end(by=cast.chair)
    membership.save()
    email = cast.member.email
    unchanged = plan_for(
        drafted["plan"],
        csv_file("number,action,responsible_person", f"1,Train community mediators,{email}"),
    )
    assert unchanged.is_valid and unchanged.rows[0].action == "unchanged"
    changed = plan_for(
        drafted["plan"], csv_file("number,action,responsible_person", f"1,Renamed,{email}")
    )
    assert "responsible_person:" in row_errors(changed)


def test_a_row_with_more_cells_than_headings_is_an_error(cast, drafted):
    result = plan_for(drafted["plan"], csv_file("number,action", "1,A,surplus"))
    assert "3 cells" in result.rows[0].errors[0]


def test_spreadsheet_cells_are_read_as_dates_and_numbers(cast, drafted):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["number", "action", "budget_amount", "start_date", "due_date", "goals"])
    sheet.append([1, "From Excel", 1500.5, datetime(2027, 2, 1), date(2027, 6, 30), 2])
    buffer = io.BytesIO()
    workbook.save(buffer)
    apply(drafted["plan"], cast.coordinator, buffer.getvalue(), name="actions.xlsx")
    action = Action.objects.get(pk=drafted["action"].pk)
    assert action.title == "From Excel"
    assert action.budget_amount == Decimal("1500.50")
    assert (action.start_date, action.due_date) == (date(2027, 2, 1), date(2027, 6, 30))
    assert list(action.goals.all()) == [drafted["goals"][1]]


# Versions ----------------------------------------------------------------------------------------


def test_importing_into_an_approved_plan_opens_a_new_version(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    version = approve_plan(plan, cast.chair)
    snapshot = version.snapshot
    content = csv_file("number,action", "1,Action 1 revised", ",Action 3")
    preview = plan_for(plan, content)
    assert preview.is_valid and preview.opens_new_version
    apply(plan, cast.coordinator, content)
    plan.refresh_from_db()
    assert (plan.status, plan.version) == (ActionPlan.Status.DRAFT, 2)
    assert AuditEntry.objects.filter(action="plan.new_version").count() == 1
    version.refresh_from_db()
    assert version.snapshot == snapshot and version.is_approved
    assert list(plan.actions.order_by("number").values_list("title", flat=True)) == [
        "Action 1 revised",
        "Action 2",
        "Action 3",
    ]


def test_a_plan_waiting_for_sign_off_refuses_the_import_and_nothing_is_written(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    before = saved_actions(plan)
    content = csv_file("number,action", "1,Changed while waiting", ",New")
    preview = plan_for(plan, content)
    assert not preview.is_valid
    assert preview.errors == [str(ERR_PLAN_SUBMITTED)]
    with pytest.raises(InvalidTransition) as caught:
        apply(plan, cast.coordinator, content)
    assert str(ERR_PLAN_SUBMITTED) in caught.value.messages
    assert saved_actions(plan) == before
    plan.refresh_from_db()
    assert plan.status == ActionPlan.Status.SUBMITTED
    assert not AuditEntry.objects.filter(action="plan.actions_imported").exists()


def test_an_unchanged_file_is_fine_while_the_plan_waits_for_sign_off(cast):
    plan = make_submitted_plan(cast.alliance, cast.coordinator)
    headings, rows = tabular.export_rows(plan)
    preview = plan_for(plan, tabular.to_csv(headings, rows))
    assert preview.is_valid and not preview.changes_anything


# Export and round trips --------------------------------------------------------------------------


def tricky_plan(cast, drafted):
    """The fixture's plan plus an action whose text a spreadsheet would misread."""
    plan = drafted["plan"]
    jobs = plan.alliance.gaps.get(problem_area="Jobs; internships")
    make_action(
        plan,
        cast.coordinator,
        goals=drafted["goals"],
        gaps=[jobs, drafted["gap"]],
        title='=HYPERLINK("http://evil.example","Click")',
        description="First line\r\nSecond line",
        obstacles="-10 % funding",
        obstacle_plan="'=already quoted",
        collaborators="@library, +migration office",
        resources="  spaces around  ".strip(),
        budget_amount=Decimal("12500.50"),
        budget_currency="EUR",
        due_date=None,
    )
    return plan


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_then_import_changes_nothing(cast, drafted, fmt):
    plan = tricky_plan(cast, drafted)
    headings, rows = tabular.export_rows(plan)
    content = tabular.to_csv(headings, rows) if fmt == "csv" else tabular.to_xlsx(headings, rows)
    before = saved_actions(plan)
    preview = plan_for(plan, content, name=f"actions.{fmt}")
    assert preview.is_valid, row_errors(preview)
    assert [row.action for row in preview.rows] == ["unchanged", "unchanged"]
    apply(plan, cast.coordinator, content, name=f"actions.{fmt}")
    assert saved_actions(plan) == before
    assert not AuditEntry.objects.filter(action="plan.action_updated").exists()


def test_export_has_the_actions_in_table_order_with_every_column(cast, drafted):
    plan = drafted["plan"]
    make_action(plan, cast.coordinator, title="Second")
    headings, rows = tabular.export_rows(plan)
    assert headings == list(tabular.COLUMNS)
    first = dict(zip(headings, rows[0], strict=True))
    assert first["number"] == "1"
    assert first["action"] == "Train community mediators"
    assert first["budget_amount"] == "125000.00"
    assert first["responsible_organisation"] == "Växjö kommun"
    assert first["responsible_person"] == cast.member.email
    assert first["start_date"] == "2027-02-01"
    assert first["goals"] == "1"
    assert first["gaps"] == "Housing advice"
    assert rows[1][0:2] == ["2", "Second"]


@pytest.mark.parametrize("value", ['=HYPERLINK("http://evil")', "+1+1", "-2+3", "@SUM(A1)", "\t=1"])
def test_export_neutralises_formulas(cast, drafted, value):
    services.action_update(
        action=drafted["action"], actor=cast.coordinator, fields={"resources": value}
    )
    headings, rows = tabular.export_rows(drafted["plan"])
    parsed = list(csv.DictReader(io.StringIO(tabular.to_csv(headings, rows).decode("utf-8-sig"))))
    assert parsed[0]["resources"] == f"'{value}"
    sheet = openpyxl.load_workbook(io.BytesIO(tabular.to_xlsx(headings, rows))).active
    cell = sheet.cell(row=2, column=headings.index("resources") + 1)
    assert cell.data_type == "s"
    assert cell.value == f"'{value}"


def test_an_imported_formula_is_stored_as_text(cast, drafted):
    apply(drafted["plan"], cast.coordinator, csv_file("action,resources", "A,=1+1", "B,'=2+2"))
    assert set(Action.objects.filter(title__in=["A", "B"]).values_list("resources", flat=True)) == {
        "=1+1",
        "=2+2",
    }


def test_control_characters_do_not_break_the_workbook(cast, drafted):
    services.action_update(
        action=drafted["action"], actor=cast.coordinator, fields={"resources": "bell\x07here"}
    )
    headings, rows = tabular.export_rows(drafted["plan"])
    sheet = openpyxl.load_workbook(io.BytesIO(tabular.to_xlsx(headings, rows))).active
    assert sheet.cell(row=2, column=headings.index("resources") + 1).value == "bellhere"


# Bad files ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("a.csv", "action\nCafé för föräldrar\n".encode("latin-1"), shared.ERR_FILE_ENCODING),
        ("a.csv", b"\x89PNG\r\n\x1a\n\x00\x00", shared.ERR_FILE_BINARY),
        ("a.xlsx", b"not a zip at all", shared.ERR_FILE_NOT_XLSX),
        ("a.csv", b"number,action\n", shared.ERR_FILE_EMPTY),
        ("a.csv", b"", shared.ERR_FILE_EMPTY),
    ],
)
def test_unreadable_files_are_explained(name, content, message):
    with pytest.raises(shared.ImportFileError) as caught:
        tabular.read_table(name=name, content=content)
    assert caught.value.messages == [str(message)]


def test_missing_and_unknown_columns_are_named():
    with pytest.raises(shared.ImportFileError) as caught:
        tabular.read_table(name="a.csv", content=b"title,colour,colour\nA,blue,red\n")
    assert caught.value.messages == [
        "Unknown columns: title, colour, colour. Use the headings of the template, or remove "
        "these columns.",
        "Missing columns: action.",
        "These columns appear more than once: colour.",
    ]


def test_too_many_rows_are_refused():
    content = b"action\n" + b"A\n" * (shared.MAX_ROWS + 1)
    with pytest.raises(shared.ImportFileError) as caught:
        tabular.read_table(name="a.csv", content=content)
    assert caught.value.messages == [str(shared.ERR_FILE_TOO_MANY_ROWS % {"max": shared.MAX_ROWS})]


def test_semicolon_csv_with_bom_and_spaced_headings_is_read(cast, drafted):
    content = "\ufeffNumber;Action;Budget amount\n1;Renamed;100\n".encode()
    result = plan_for(drafted["plan"], content)
    assert result.columns == ["number", "action", "budget_amount"]
    assert result.rows[0].changed == ["action", "budget_amount"]


# Queries -----------------------------------------------------------------------------------------


def test_planning_queries_do_not_grow_with_rows(cast, drafted, django_assert_max_num_queries):
    plan = drafted["plan"]
    for index in range(2, 4):
        make_action(plan, cast.coordinator, title=f"Action {index}")
    for index in range(5):
        GapFactory(alliance=cast.alliance, problem_area=f"Gap {index}")
        StakeholderFactory(
            alliance=cast.alliance, organisation=OrganisationFactory(name=f"Partner {index}")
        )
    people = [cast.member.email, cast.secretary.email, cast.coordinator.email]

    def file_with(count: int) -> bytes:
        lines = [HEADER]
        for index in range(count):
            number = index + 1 if index < 3 else ""
            lines.append(
                f"{number},Action {index},{index}00,SEK,Partner {index % 5},"
                f"{people[index % 3]},2027-01-01,2027-12-31,1; 2,Gap {index % 5}; housing advice"
            )
        return csv_file(*lines)

    for count in (3, 30):
        content = file_with(count)
        with django_assert_max_num_queries(7):
            result = plan_for(plan, content)
        assert result.is_valid, row_errors(result)
        assert len(result.rows) == count


# Workbooks and files too large to read -----------------------------------------------------------


def refusal(content: bytes, name: str = "actions.xlsx") -> list[str]:
    with pytest.raises(shared.ImportFileError) as caught:
        tabular.read_table(name=name, content=content)
    return caught.value.messages


def test_a_workbook_unpacking_past_the_limit_is_refused_from_its_directory():
    # Thirty members of a megabyte each: none is squeezed past the ratio, together too much.
    padded = io.BytesIO()
    with zipfile.ZipFile(padded, "w", zipfile.ZIP_DEFLATED) as archive:
        with zipfile.ZipFile(io.BytesIO(workbook(["action"], ["A"]))) as real:
            for member in real.infolist():
                archive.writestr(member.filename, real.read(member))
        for index in range(30):
            archive.writestr(f"xl/media/padding{index}.bin", b"A" * 1_000_000)
    assert len(padded.getvalue()) < shared.IMPORT_MAX_BYTES
    assert refusal(padded.getvalue()) == [shared.workbook_too_large()]


def test_a_member_squeezed_past_the_ratio_is_refused_though_small_once_unpacked():
    assert refusal(zip_bomb(["action"], ["A"], unpacked_mb=2)) == [shared.workbook_too_large()]


def test_a_sheet_declaring_more_cells_than_the_limit_is_refused_before_reading():
    content = rewrite(
        workbook(["action"], ["A"]),
        SHEET,
        lambda xml: re.sub(r'<dimension ref="[^"]*"/>', '<dimension ref="A1:CV6000"/>', xml),
    )
    assert refusal(content) == [shared.workbook_too_large()]


def test_reading_stops_at_the_cell_limit_when_the_sheet_declares_no_size():
    # Each row reaches the sheet's last column, 16 384 cells wide; twenty rows are too many.
    assert refusal(far_right_cells(["action"], ["A"], rows=20)) == [shared.workbook_too_large()]
    # One such row is not: the empty cell far to the right is read as nothing.
    columns, rows = tabular.read_table(
        name="a.xlsx", content=far_right_cells(["action"], ["A"], rows=1)
    )
    assert (columns, rows) == (["action"], [{"action": "A"}])


def test_a_csv_with_too_many_cells_is_refused():
    content = b"number,action\n1,A" + b"," * shared.MAX_CELLS + b"\n"
    cells = number_format(shared.MAX_CELLS, force_grouping=True)
    assert refusal(content, "a.csv") == [str(shared.ERR_FILE_TOO_MANY_CELLS % {"cells": cells})]


def test_a_file_past_the_upload_limit_is_refused_however_it_arrives():
    content = b"action\n" + b"A" * shared.IMPORT_MAX_BYTES + b"\n"
    assert "the limit is 2.0" in refusal(content, "a.csv")[0]


# Formulas in workbooks ---------------------------------------------------------------------------


def unsaved(column: str, cell: str) -> str:
    return f"{column}: {shared.ERR_UNSAVED_FORMULA % {'cell': cell}}"


def test_a_formula_without_a_saved_value_is_refused_and_its_cell_named(cast, drafted):
    before = saved_actions(drafted["plan"])
    content = workbook(
        ["number", "action", "resources", "goals"],
        [1, "Train community mediators", "=B2", "1"],
        [None, "=C2", "Volunteers", None],
        [None, "Language cafe", "Rooms", "=1+1"],
        ["=2*1", "Homework club", None, None],
    )
    result = plan_for(drafted["plan"], content, name="actions.xlsx")
    # Each is reported once, never also as an empty title or as a new action for row 5.
    assert [row.errors for row in result.rows] == [
        [unsaved("resources", "C2")],
        [unsaved("action", "B3")],
        [unsaved("goals", "D4")],
        [unsaved("number", "A5")],
    ]
    assert result.rows[0].existing == drafted["action"]
    with pytest.raises(ValidationError):
        apply(drafted["plan"], cast.coordinator, content, name="actions.xlsx")
    assert saved_actions(drafted["plan"]) == before


def test_a_formula_with_a_saved_value_imports_that_value(cast, drafted):
    content = rewrite(
        workbook(
            ["action", "resources", "obstacles"], ["Language cafe", "=UPPER(A2)", "=LEFT(A2,0)"]
        ),
        SHEET,
        lambda xml: xml.replace(
            '<c r="B2"><f>UPPER(A2)</f><v></v></c>',
            '<c r="B2" t="str"><f>UPPER(A2)</f><v>LANGUAGE CAFE</v></c>',
        ).replace(
            '<c r="C2"><f>LEFT(A2,0)</f><v></v></c>',
            '<c r="C2" t="str"><f>LEFT(A2,0)</f><v></v></c>',
        ),
    )
    result = plan_for(drafted["plan"], content, name="actions.xlsx")
    assert result.is_valid, row_errors(result)
    apply(drafted["plan"], cast.coordinator, content, name="actions.xlsx")
    action = Action.objects.get(plan=drafted["plan"], title="Language cafe")
    assert (action.resources, action.obstacles) == ("LANGUAGE CAFE", "")
