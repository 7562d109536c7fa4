"""CSV and XLSX import and export of a plan's actions, with a preview before anything is saved.

As for the stakeholder register, an import is two steps. plan_import() checks every row against
the plan and says what would happen, writing nothing; services.actions_import() plans again
inside one transaction and writes every row through the action services, or none. A row is
matched to an action of the plan by its `number`; a row without a number, or with a number the
plan does not have, adds a new action at the end of the table. Actions the file does not mention
stay as they are, and a column left out of the file keeps the saved values.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from alliance_portal import tabular as shared
from alliances.models import Membership
from stakeholders.models import Gap, Organisation

from . import selectors
from .models import ERR_PLAN_SUBMITTED, Action, ActionPlan, Goal

SHEET_TITLE = "Actions"
# File column → the action's field. The headings are fixed English names, whatever language the
# file's author uses the portal in.
FIELD_OF_COLUMN = {
    "action": "title",
    "local_problem": "local_problem",
    "description": "description",
    "budget_amount": "budget_amount",
    "budget_currency": "budget_currency",
    "resources": "resources",
    "responsible_organisation": "responsible_organisation",
    "responsible_person": "responsible_member",
    "start_date": "start_date",
    "due_date": "due_date",
    "obstacles": "obstacles",
    "obstacle_plan": "obstacle_plan",
    "collaborators": "collaborators",
}
COLUMN_OF_FIELD = {name: column for column, name in FIELD_OF_COLUMN.items()}
# `number` matches a row to an action; goals and gaps are links, set apart from the fields.
COLUMNS = ("number", *FIELD_OF_COLUMN, "goals", "gaps")
REQUIRED_COLUMNS = ("action",)
TEXT_FIELDS = (
    "title",
    "budget_currency",
    "local_problem",
    "description",
    "resources",
    "obstacles",
    "obstacle_plan",
    "collaborators",
)
DATE_FIELDS = ("start_date", "due_date")
# Relations are checked against the lookups loaded up front; the model's own check of them
# would cost a query per row.
UNCHECKED_FIELDS = [
    "alliance",
    "plan",
    "responsible_member",
    "responsible_organisation",
    "decided_in",
    "created_by",
]
LIST_SEPARATOR = "; "

ERR_NUMBER = _(
    "“%(value)s” is not an action number. Give a whole number such as 3, or leave the cell "
    "empty for a new action."
)
ERR_DUPLICATE_NUMBER = _("Row %(row)d has the same number.")
ERR_AMBIGUOUS_NUMBER = _(
    "Several actions of this plan have number %(number)d. Renumber the plan's actions first."
)
ERR_BUDGET = _("Give the budget as a number, e.g. 12500 or 12500.50, without the currency.")
ERR_DATE = _("“%(value)s” is not a date. Write dates as YYYY-MM-DD, e.g. 2027-03-31.")
ERR_UNKNOWN_ORGANISATION = _("“%(value)s” is not an organisation in the alliance's mapping.")
ERR_AMBIGUOUS_ORGANISATION = _(
    "Several organisations in the alliance's mapping are called “%(value)s”. Choose the "
    "responsible organisation on the action's page instead."
)
ERR_UNKNOWN_PERSON = _("“%(value)s” is not the email address of an active member of the alliance.")
ERR_UNKNOWN_GOALS = _("This plan has no goal numbered %(value)s.")
ERR_UNKNOWN_GAPS = _("The alliance has no gap called %(value)s.")
ERR_NO_LONGER_RESPONSIBLE = _(
    "“%(value)s” can no longer be responsible for actions of this alliance. Choose someone "
    "else, or leave the cell empty."
)

NUMBER_RE = re.compile(r"[0-9]{1,9}")
# A point or a comma before at most two decimals; a comma before three digits would be ambiguous.
AMOUNT_RE = re.compile(r"[+-]?[0-9]{1,20}(?:\.[0-9]{1,20}|,[0-9]{1,2})?")
# A date, perhaps with the time of day a spreadsheet's date cell carries.
DATE_RE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:[ T][0-9:.]{1,15})?")
SPACES_RE = re.compile(r"[\s\u00a0\u202f]+")


@dataclass
class RowPlan:
    line: int  # the row's line in the file, the heading row being line 1
    number: int | None = None  # the action's number after the import
    label: str = ""
    errors: list[str] = field(default_factory=list)
    action: str = ""  # "new", "update" or "unchanged"
    changed: list[str] = field(default_factory=list)  # the columns an update changes
    existing: Action | None = None
    fields: dict[str, Any] = field(default_factory=dict)
    goals: list[Goal] | None = None  # None: the file has no goals column
    gaps: list[Gap] | None = None

    @property
    def changes_anything(self) -> bool:
        return self.action in ("new", "update")


@dataclass
class ImportPlan:
    columns: list[str]
    rows: list[RowPlan]
    errors: list[str] = field(default_factory=list)  # about the import as a whole
    opens_new_version: bool = False

    @property
    def error_rows(self) -> list[RowPlan]:
        return [row for row in self.rows if row.errors]

    @property
    def is_valid(self) -> bool:
        return not self.errors and not self.error_rows

    @property
    def changes_anything(self) -> bool:
        return any(row.changes_anything for row in self.rows)

    def count(self, action: str) -> int:
        return sum(1 for row in self.rows if row.action == action)


def _same_text(saved: str, text: str) -> bool:
    """Spreadsheets drop outer spaces and may change line endings; neither is a change."""
    return saved.replace("\r\n", "\n").strip() == text.replace("\r\n", "\n").strip()


def _parse_amount(text: str) -> Decimal:
    text = SPACES_RE.sub("", text)
    if not AMOUNT_RE.fullmatch(text):
        raise ValueError(text)
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:
        raise ValueError(text) from None


def _parse_date(text: str) -> date:
    match = DATE_RE.fullmatch(text)
    if match is None:
        raise ValueError(text)
    return date.fromisoformat(match.group(1))


class _Planner:
    def __init__(self, plan: ActionPlan, columns: list[str]):
        self.plan = plan
        self.columns = columns
        alliance = plan.alliance
        # Everything a row can refer to, loaded once: the number of queries does not depend on
        # the number of rows.
        self.actions_by_number: dict[int, list[Action]] = {}
        for action in selectors.plan_actions(plan):
            action.alliance = alliance
            self.actions_by_number.setdefault(action.number, []).append(action)
        numbers = [number for number in self.actions_by_number if number is not None]
        self.next_number = max(numbers, default=0) + 1
        self.goals = {goal.number: goal for goal in selectors.plan_goals(plan)}
        self.gaps = selectors.gaps_by_title(alliance)
        # A gap's name may itself contain the separator; matching tries that many pieces at once.
        self.gap_pieces = max((title.count(";") for title in self.gaps), default=0) + 1
        self.organisations: dict[str, list[Organisation]] = {}
        for organisation in selectors.responsible_organisations(alliance):
            key = organisation.name.strip().casefold()
            self.organisations.setdefault(key, []).append(organisation)
        self.members: dict[str, Membership] = {
            membership.user.email.casefold(): membership
            for membership in selectors.responsible_members(alliance)
        }
        self.seen_numbers: dict[int, int] = {}

    # Cells → values ---------------------------------------------------------------------------

    def _match(self, row: dict[str, str], planned: RowPlan) -> None:
        text = self._cell(row, "number")
        if not text:
            return
        if not NUMBER_RE.fullmatch(text) or int(text) == 0:
            planned.errors.append(f"number: {ERR_NUMBER % {'value': text}}")
            return
        number = planned.number = int(text)
        if number in self.seen_numbers:
            message = ERR_DUPLICATE_NUMBER % {"row": self.seen_numbers[number]}
            planned.errors.append(f"number: {message}")
            return
        self.seen_numbers[number] = planned.line
        matches = self.actions_by_number.get(number, [])
        if len(matches) > 1:
            planned.errors.append(f"number: {ERR_AMBIGUOUS_NUMBER % {'number': number}}")
        elif matches:
            planned.existing = matches[0]

    def _cell(self, row: dict[str, str], column: str) -> str:
        return shared.unescape(row.get(column, "").strip())

    def _value(self, column: str, text: str, existing: Action | None, stale: list[str]) -> Any:
        """The field's value for the cell's text; raises ValueError with the message."""
        name = FIELD_OF_COLUMN[column]
        model_field = Action._meta.get_field(name)
        if name in TEXT_FIELDS:
            if model_field.max_length and len(text) > model_field.max_length:
                limits = {"max": model_field.max_length, "length": len(text)}
                raise ValueError(str(shared.ERR_TOO_LONG % limits))
            saved = getattr(existing, name) if existing is not None else None
            return saved if saved is not None and _same_text(saved, text) else text
        if not text:
            return None
        if name == "budget_amount":
            try:
                return _parse_amount(text)
            except ValueError:
                raise ValueError(str(ERR_BUDGET)) from None
        if name in DATE_FIELDS:
            try:
                return _parse_date(text)
            except ValueError:
                raise ValueError(str(ERR_DATE % {"value": text})) from None
        if name == "responsible_organisation":
            return self._organisation(text, existing, stale)
        return self._member(text, existing, stale)

    def _organisation(self, text: str, existing: Action | None, stale: list[str]):
        current = existing.responsible_organisation if existing is not None else None
        found = self.organisations.get(text.casefold(), [])
        if current is not None and (
            current in found or current.name.strip().casefold() == text.casefold()
        ):
            if current not in found:
                # Saved before the organisation left the mapping: it may stay on a row that
                # changes nothing, since the service refuses any change to such an action.
                stale.append(
                    f"responsible_organisation: {ERR_NO_LONGER_RESPONSIBLE % {'value': text}}"
                )
            return current
        if not found:
            raise ValueError(str(ERR_UNKNOWN_ORGANISATION % {"value": text}))
        if len(found) > 1:
            raise ValueError(str(ERR_AMBIGUOUS_ORGANISATION % {"value": text}))
        return found[0]

    def _member(self, text: str, existing: Action | None, stale: list[str]):
        current = existing.responsible_member if existing is not None else None
        membership = self.members.get(text.casefold())
        if membership is not None:
            return membership
        if current is not None and current.user.email.casefold() == text.casefold():
            stale.append(f"responsible_person: {ERR_NO_LONGER_RESPONSIBLE % {'value': text}}")
            return current
        raise ValueError(str(ERR_UNKNOWN_PERSON % {"value": text}))

    def _goals(self, text: str) -> list[Goal]:
        goals, unknown = [], []
        for piece in re.split(r"[;,]", text):
            piece = piece.strip()
            if not piece:
                continue
            goal = self.goals.get(int(piece)) if NUMBER_RE.fullmatch(piece) else None
            if goal is None:
                unknown.append(piece)
            elif goal not in goals:
                goals.append(goal)
        if unknown:
            raise ValueError(str(ERR_UNKNOWN_GOALS % {"value": ", ".join(unknown)}))
        return goals

    def _gaps(self, text: str) -> list[Gap]:
        pieces = text.split(";")
        gaps, unknown = [], []
        index = 0
        while index < len(pieces):
            # The longest run of pieces that names a gap, so "Housing; jobs" can be one gap.
            for end in range(min(len(pieces), index + self.gap_pieces), index, -1):
                gap = self.gaps.get(";".join(pieces[index:end]).strip().casefold())
                if gap is not None:
                    if gap not in gaps:
                        gaps.append(gap)
                    index = end
                    break
            else:
                if pieces[index].strip():
                    unknown.append(f"“{pieces[index].strip()}”")
                index += 1
        if unknown:
            raise ValueError(str(ERR_UNKNOWN_GAPS % {"value": ", ".join(unknown)}))
        return gaps

    # One row ----------------------------------------------------------------------------------

    def plan_row(self, line: int, row: dict[str, str]) -> RowPlan:
        planned = RowPlan(line=line)
        if shared.ROW_ERROR_KEY in row:
            planned.errors.append(row[shared.ROW_ERROR_KEY])
        # A cell that could not be read is reported once and otherwise left alone.
        unreadable = shared.cell_errors(row)
        planned.errors.extend(f"{column}: {message}" for column, message in unreadable.items())
        if "number" not in unreadable:
            self._match(row, planned)
        existing = planned.existing
        stale: list[str] = []
        unparsed = []
        for column in self.columns:
            if column not in FIELD_OF_COLUMN:
                continue
            name = FIELD_OF_COLUMN[column]
            if column in unreadable:
                unparsed.append(name)
                continue
            text = self._cell(row, column)
            if name == "budget_currency":
                if not text:
                    continue  # the saved currency, or the default for a new action
                text = text.upper()
            try:
                planned.fields[name] = self._value(column, text, existing, stale)
            except ValueError as exc:
                planned.errors.append(f"{column}: {exc.args[0]}")
                unparsed.append(name)
        for column, parse in (("goals", self._goals), ("gaps", self._gaps)):
            if column in self.columns and column not in unreadable:
                try:
                    setattr(planned, column, parse(self._cell(row, column)))
                except ValueError as exc:
                    planned.errors.append(f"{column}: {exc.args[0]}")
        self._validate(planned, unparsed)
        # A title refused as too long is still shown, as the file gives it.
        title = self._cell(row, "action") or (existing.title if existing else "")
        planned.label = str(planned.fields.get("title", title))
        if existing is None:
            planned.action = "new"
            if not planned.errors:
                # Where the action will go; a row with errors keeps the number its file gave.
                planned.number = self.next_number
                self.next_number += 1
        else:
            planned.number = existing.number
            planned.changed = self._changes(planned)
            planned.action = "update" if planned.changed else "unchanged"
        if planned.changes_anything:
            planned.errors.extend(stale)
        return planned

    def _validate(self, planned: RowPlan, unparsed: list[str]) -> None:
        """The model's own checks (lengths, budget limits, due date after start) on a copy."""
        if planned.existing is not None:
            instance = copy.copy(planned.existing)
        else:
            instance = Action(
                alliance=self.plan.alliance,
                plan=self.plan,
                budget_currency=self.plan.alliance.currency,
            )
        for name, value in planned.fields.items():
            setattr(instance, name, value)
        try:
            instance.full_clean(
                exclude=[*UNCHECKED_FIELDS, *unparsed],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                column = COLUMN_OF_FIELD.get(name, name)
                planned.errors.extend(f"{column}: {message}" for message in messages)

    def _changes(self, planned: RowPlan) -> list[str]:
        action = planned.existing
        changed = [
            COLUMN_OF_FIELD[name]
            for name, value in planned.fields.items()
            if getattr(action, name) != value
        ]
        for column, wanted in (("goals", planned.goals), ("gaps", planned.gaps)):
            current = {item.pk for item in getattr(action, column).all()}
            if wanted is not None and {item.pk for item in wanted} != current:
                changed.append(column)
        return changed


def read_table(*, name: str, content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """The file's column headings and its rows as {heading: text}; raises ImportFileError."""
    return shared.read_table(name=name, content=content, columns=COLUMNS, required=REQUIRED_COLUMNS)


def plan_import(*, plan: ActionPlan, columns: list[str], rows: list[dict[str, str]]) -> ImportPlan:
    """What importing these rows into the plan would do; writes nothing."""
    planner = _Planner(plan, columns)
    result = ImportPlan(
        columns=columns,
        rows=[planner.plan_row(index + 2, row) for index, row in enumerate(rows)],
    )
    if result.changes_anything:
        if plan.status == ActionPlan.Status.SUBMITTED:
            result.errors.append(str(ERR_PLAN_SUBMITTED))
        result.opens_new_version = plan.status == ActionPlan.Status.APPROVED
    return result


# Exporting ---------------------------------------------------------------------------------------


def _export_value(action: Action, column: str) -> str:
    if column == "number":
        return str(action.number or "")
    if column == "goals":
        return LIST_SEPARATOR.join(str(goal.number) for goal in action.goals.all())
    if column == "gaps":
        return LIST_SEPARATOR.join(gap.problem_area for gap in action.gaps.all())
    if column == "responsible_person":
        return action.responsible_member.user.email if action.responsible_member_id else ""
    if column == "responsible_organisation":
        organisation = action.responsible_organisation
        return organisation.name if organisation is not None else ""
    value = getattr(action, FIELD_OF_COLUMN[column])
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def export_rows(plan: ActionPlan) -> tuple[list[str], list[list[str]]]:
    """The plan's actions in table order, in the import's columns, safe to open in a spreadsheet."""
    rows = [
        [shared.neutralise(_export_value(action, column)) for column in COLUMNS]
        for action in selectors.plan_actions(plan)
    ]
    return list(COLUMNS), rows


def to_csv(headings: list[str], rows: list[list[str]]) -> bytes:
    return shared.to_csv(headings, rows)


def to_xlsx(headings: list[str], rows: list[list[str]]) -> bytes:
    return shared.to_xlsx(headings, rows, sheet_title=SHEET_TITLE)
