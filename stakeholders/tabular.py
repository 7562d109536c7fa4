"""CSV and XLSX: reading an uploaded file into rows, planning an import, applying it, exporting.

An import is two steps. plan_import() validates every row against the database and says what
would happen, writing nothing; services.stakeholders_import() runs the same plan again inside one
transaction and writes only if no row has an error, so a file is either imported whole or not at
all.
Re-importing a file updates what it matched (contact by email, then organisation by name and
municipality) instead of creating duplicates. Contacts are matched in the importing alliance's
own register only: another alliance's contact people are never read, changed or reported.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from alliance_portal import tabular as shared
from alliance_portal.exceptions import InvalidTransition

# The file-level checks and messages are shared with the other imports; they are named here too,
# so that code and tests that know this module keep finding them.
from alliance_portal.tabular import (  # noqa: F401
    ERR_CHOICE,
    ERR_DUPLICATE_COLUMNS,
    ERR_FILE_BINARY,
    ERR_FILE_CSV,
    ERR_FILE_EMPTY,
    ERR_FILE_ENCODING,
    ERR_FILE_NOT_XLSX,
    ERR_FILE_TOO_MANY_ROWS,
    ERR_MISSING_COLUMNS,
    ERR_PLAN_HAS_ERRORS,
    ERR_ROW_LENGTH,
    ERR_TOO_LONG,
    ERR_UNKNOWN_COLUMNS,
    ERR_UNNAMED_COLUMN,
    FORMULA_PREFIXES,
    MAX_ROWS,
    ImportFileError,
    neutralise,
    to_csv,
)
from alliances.models import Alliance

from .fields import ASSESSMENT_FIELDS, CONTACT_FIELDS, ORGANISATION_FIELDS
from .models import Contact, Organisation, Stakeholder

SHEET_TITLE = "Stakeholders"

# File column → (model, field). The headings are fixed English names so that a file works
# whatever language its author uses the portal in; values may be codes or labels in any language.
COLUMNS: dict[str, tuple[type[models.Model], str]] = {
    "organisation": (Organisation, "name"),
    **{name: (Organisation, name) for name in ORGANISATION_FIELDS if name != "name"},
    # The alliance's own notes, in the column where files have always had them.
    "notes": (Stakeholder, "notes"),
    "contact_name": (Contact, "name"),
    "contact_title": (Contact, "title"),
    "contact_phone": (Contact, "phone"),
    "contact_email": (Contact, "email"),
    "contact_language": (Contact, "preferred_language"),
    **{name: (Contact, name) for name in CONTACT_FIELDS[5:]},
    **{name: (Stakeholder, name) for name in ASSESSMENT_FIELDS if name != "notes"},
}
REQUIRED_COLUMNS = ("organisation",)
COLUMN_OF_FIELD = {(model, name): column for column, (model, name) in COLUMNS.items()}

ERR_DUPLICATE_ROW = _("Same contact person as row %(row)d.")
ERR_DUPLICATE_ORGANISATION_ROW = _("Row %(row)d already describes this organisation.")
ERR_CONFLICTING_ROWS = _("Row %(row)d gives this organisation different values for: %(columns)s.")
ERR_EMAIL_OTHER_ORGANISATION = _(
    "This email belongs to a contact person at %(organisation)s, not at this organisation."
)
ERR_CONTACT_NAME_NEEDED = _("A new contact person needs a name in contact_name.")


def read_table(*, name: str, content: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """The file's column headings and its rows as {heading: text}; raises ImportFileError."""
    return shared.read_table(name=name, content=content, columns=COLUMNS, required=REQUIRED_COLUMNS)


# Planning ----------------------------------------------------------------------------------------


@dataclass
class RowPlan:
    line: int  # the row's line in the file, the heading row being line 1
    label: str
    contact_label: str = ""
    errors: list[str] = field(default_factory=list)
    organisation_action: str = ""  # "new", "update" or "unchanged"
    contact_action: str = ""  # "new", "update", "unchanged" or "" (no contact in the row)
    assessment_action: str = ""
    organisation_key: Any = None
    organisation: Organisation | None = None
    organisation_values: dict[str, Any] = field(default_factory=dict)
    contact: Contact | None = None
    contact_values: dict[str, Any] | None = None
    assessment: Stakeholder | None = None
    assessment_values: dict[str, Any] = field(default_factory=dict)

    @property
    def changes_anything(self) -> bool:
        actions = (self.organisation_action, self.contact_action, self.assessment_action)
        return any(action in ("new", "update") for action in actions)


@dataclass
class ImportPlan:
    columns: list[str]
    rows: list[RowPlan]

    @property
    def error_rows(self) -> list[RowPlan]:
        return [row for row in self.rows if row.errors]

    @property
    def is_valid(self) -> bool:
        return not self.error_rows

    def count(self, kind: str, action: str) -> int:
        if kind == "organisation":
            seen = {row.organisation_key for row in self.rows if row.organisation_action == action}
            return len(seen)
        return sum(1 for row in self.rows if getattr(row, f"{kind}_action") == action)


class _Planner:
    def __init__(self, alliance: Alliance, columns: list[str], rows: list[dict[str, str]]):
        self.alliance = alliance
        self.columns = columns
        self._load_matches(rows)
        self.lookups = {
            column: shared.choice_lookup(model._meta.get_field(name))
            for column, (model, name) in COLUMNS.items()
            if model._meta.get_field(name).choices
        }
        self.seen_contacts: dict[Any, int] = {}
        self.seen_organisations: dict[Any, RowPlan] = {}
        # The current row's (model, field) whose cell already has an error: the model's own
        # checks leave them out, so that a cell is never reported twice (too long, then empty).
        self.refused: set[tuple[type[models.Model], str]] = set()

    # One row's cells → model values, with a message per bad cell.
    def _values(self, row: dict[str, str], model, errors: list[str]) -> dict[str, Any]:
        values = {}
        for column in self.columns:
            column_model, name = COLUMNS[column]
            if column_model is not model:
                continue
            problem = shared.cell_errors(row).get(column)
            if problem:
                errors.append(f"{column}: {problem}")
                self.refused.add((model, name))
                continue
            text = shared.unescape(row.get(column, "").strip())
            model_field = model._meta.get_field(name)
            if column in self.lookups and text:
                if text.casefold() not in self.lookups[column]:
                    choices = ", ".join(str(label) for _value, label in model_field.choices)
                    errors.append(f"{column}: {ERR_CHOICE % {'value': text, 'choices': choices}}")
                    self.refused.add((model, name))
                    continue
                values[name] = self.lookups[column][text.casefold()]
                continue
            if model_field.max_length and len(text) > model_field.max_length:
                message = ERR_TOO_LONG % {"max": model_field.max_length, "length": len(text)}
                errors.append(f"{column}: {message}")
                self.refused.add((model, name))
                # Kept whole so the preview shows which value it is; the row is not imported.
                values[name] = text
                continue
            if not text and model_field.choices and model_field.has_default():
                continue  # an empty cell keeps the current value, or the default for a new row
            if not text and (model_field.null or isinstance(model_field, models.DateField)):
                values[name] = None
            else:
                values[name] = text
        return values

    def _validate(self, instance: models.Model, exclude: list[str], errors: list[str]) -> None:
        """Runs the model's own validation; messages are named by file column."""
        exclude = [*exclude, *(name for model, name in self.refused if model is type(instance))]
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                column = COLUMN_OF_FIELD.get((type(instance), name), name)
                errors.extend(f"{column}: {message}" for message in messages)

    def _load_matches(self, rows: list[dict[str, str]]) -> None:
        """Everything the rows could match, in four queries whatever the number of rows."""

        def cells(column: str) -> set[str]:
            return {shared.unescape(row.get(column, "").strip()) for row in rows} - {""}

        emails = {email.lower() for email in cells("contact_email")}
        self.contacts_by_email = {
            contact.email.lower(): contact
            for contact in Contact.objects.select_related("organisation")
            .annotate(lemail=Lower("email"))
            .filter(alliance=self.alliance, lemail__in=emails)
        }
        names = cells("organisation")
        self.organisations = {
            _organisation_key(org.name, org.municipality): org
            for org in Organisation.objects.annotate(lname=Lower("name")).filter(
                Q(lname__in={name.lower() for name in names}) | Q(name__in=names)
            )
        }
        self.assessments = {
            stakeholder.organisation_id: stakeholder
            for stakeholder in Stakeholder.objects.filter(alliance=self.alliance)
        }
        self.contacts_by_name = {
            (contact.organisation_id, contact.name.casefold()): contact
            for contact in Contact.objects.filter(
                alliance=self.alliance,
                organisation__in=self.organisations.values(),
                erased_at__isnull=True,
            )
        }

    def plan_row(self, line: int, row: dict[str, str]) -> RowPlan:
        errors: list[str] = []
        self.refused = set()
        if shared.ROW_ERROR_KEY in row:
            errors.append(row[shared.ROW_ERROR_KEY])
        org_values = self._values(row, Organisation, errors)
        contact_values = self._values(row, Contact, errors)
        assessment_values = self._values(row, Stakeholder, errors)
        name = str(org_values.get("name") or "")
        municipality = str(org_values.get("municipality") or "")
        plan = RowPlan(line=line, label=name, errors=errors)
        email = str(contact_values.get("email") or "").lower()
        has_contact = any(contact_values.get(key) for key in ("name", "email"))

        # Match: the contact by email, then the organisation by name and municipality.
        contact = self.contacts_by_email.get(email) if email else None
        if contact is not None and contact.organisation is not None:
            organisation = contact.organisation
            same = organisation.name.casefold() == name.casefold() and (
                organisation.municipality.casefold() == municipality.casefold()
            )
            if not same and name:
                errors.append(ERR_EMAIL_OTHER_ORGANISATION % {"organisation": organisation})
        else:
            organisation = self.organisations.get(_organisation_key(name, municipality))
        plan.organisation_key = (
            ("id", organisation.pk)
            if organisation
            else ("new", name.casefold(), municipality.casefold())
        )
        plan.organisation = organisation
        self._plan_organisation(plan, org_values, organisation)
        if has_contact:
            if contact is None and organisation is not None and not email:
                # Without an email address, a contact is known by name within its organisation.
                contact = self.contacts_by_name.get(
                    (organisation.pk, str(contact_values.get("name") or "").casefold())
                )
            self._plan_contact(plan, contact_values, contact, email)
        self._plan_assessment(plan, assessment_values, organisation)
        return plan

    def _plan_organisation(self, plan, values, organisation) -> None:
        instance = Organisation() if organisation is None else _copy(organisation)
        for key, value in values.items():
            setattr(instance, key, value)
        self._validate(instance, [], plan.errors)
        final = {name: getattr(instance, name) for name in ORGANISATION_FIELDS}
        plan.organisation_values = final
        if organisation is None:
            plan.organisation_action = "new"
        else:
            plan.organisation_action = (
                "update" if _differs(organisation, final, ORGANISATION_FIELDS) else "unchanged"
            )
        # Rows about the same organisation must agree on its facts.
        first = self.seen_organisations.get(plan.organisation_key)
        if first is None:
            self.seen_organisations[plan.organisation_key] = plan
        else:
            different = [
                column
                for column, (model, name) in COLUMNS.items()
                if model is Organisation
                and column in self.columns
                and first.organisation_values.get(name) != final.get(name)
            ]
            if different and not first.errors:
                plan.errors.append(
                    ERR_CONFLICTING_ROWS % {"row": first.line, "columns": ", ".join(different)}
                )

    def _plan_contact(self, plan, values, contact, email) -> None:
        if contact is None and not values.get("name") and (Contact, "name") not in self.refused:
            plan.errors.append(ERR_CONTACT_NAME_NEEDED)
            return
        instance = Contact(alliance=self.alliance) if contact is None else _copy(contact)
        for key, value in values.items():
            setattr(instance, key, value)
        self._validate(instance, ["alliance", "organisation"], plan.errors)
        final = {name: getattr(instance, name) for name in CONTACT_FIELDS}
        plan.contact = contact
        plan.contact_values = final
        plan.contact_label = str(final.get("name") or "")
        plan.contact_action = (
            "new"
            if contact is None
            else ("update" if _differs(contact, final, CONTACT_FIELDS) else "unchanged")
        )
        key = email or (plan.organisation_key, str(final.get("name")).casefold())
        if key in self.seen_contacts:
            plan.errors.append(ERR_DUPLICATE_ROW % {"row": self.seen_contacts[key]})
        else:
            self.seen_contacts[key] = plan.line

    def _plan_assessment(self, plan, values, organisation) -> None:
        existing = self.assessments.get(organisation.pk) if organisation is not None else None
        plan.assessment = existing
        instance = Stakeholder(alliance=self.alliance) if existing is None else _copy(existing)
        new_status = values.pop("status", None)
        for key, value in values.items():
            setattr(instance, key, value)
        if new_status:
            if existing is None:
                instance.status = new_status
            else:
                try:
                    instance.change_status(new_status)
                except InvalidTransition as exc:
                    plan.errors.append(f"status: {exc.messages[0]}")
        self._validate(instance, ["alliance", "organisation"], plan.errors)
        final = {name: getattr(instance, name) for name in ASSESSMENT_FIELDS}
        plan.assessment_values = final
        plan.assessment_action = (
            "new"
            if existing is None
            else ("update" if _differs(existing, final, ASSESSMENT_FIELDS) else "unchanged")
        )
        first = self.seen_organisations.get(plan.organisation_key)
        if first is not None and first is not plan and not plan.errors:
            if not plan.contact_action and not first.errors:
                plan.errors.append(ERR_DUPLICATE_ORGANISATION_ROW % {"row": first.line})
            different = [
                name
                for name in ASSESSMENT_FIELDS
                if name in self.columns and first.assessment_values.get(name) != final.get(name)
            ]
            if different and not first.errors:
                plan.errors.append(
                    ERR_CONFLICTING_ROWS % {"row": first.line, "columns": ", ".join(different)}
                )
            # Later rows about the same organisation only add contact people.
            plan.assessment_action = "unchanged" if first.assessment_action else ""


def _organisation_key(name: str, municipality: str) -> tuple[str, str]:
    return name.strip().casefold(), municipality.strip().casefold()


def _copy(instance: models.Model) -> models.Model:
    """A detached copy to validate changes on, leaving the original for comparison."""
    return copy.copy(instance)


def _normalise(value: Any) -> Any:
    if isinstance(value, Decimal):
        return value.normalize()
    return value


def _differs(instance: models.Model, final: dict[str, Any], names: tuple[str, ...]) -> bool:
    for name in names:
        before = instance._meta.get_field(name).to_python(getattr(instance, name))
        after = instance._meta.get_field(name).to_python(final.get(name))
        if _normalise(before) != _normalise(after):
            return True
    return False


def plan_import(
    *, alliance: Alliance, columns: list[str], rows: list[dict[str, str]]
) -> ImportPlan:
    """What importing these rows would do; writes nothing."""
    planner = _Planner(alliance, columns, rows)
    return ImportPlan(
        columns=columns,
        rows=[planner.plan_row(index + 2, row) for index, row in enumerate(rows)],
    )


# Exporting ---------------------------------------------------------------------------------------


def _export_value(instance: models.Model | None, name: str) -> str:
    if instance is None:
        return ""
    model_field = instance._meta.get_field(name)
    value = getattr(instance, name)
    if model_field.choices and value not in ("", None):
        return str(dict(model_field.flatchoices).get(value, value))
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    return str(value)


def export_rows(stakeholders) -> tuple[list[str], list[list[str]]]:
    """One row per contact person (one row for an organisation without any), every column.

    `stakeholders` must come from stakeholder_list(with_contacts=True).
    """
    headings = list(COLUMNS)
    rows = []
    for stakeholder in stakeholders:
        objects = {Organisation: stakeholder.organisation, Stakeholder: stakeholder}
        for contact in stakeholder.organisation.current_contacts or [None]:
            objects[Contact] = contact
            rows.append(
                [
                    neutralise(_export_value(objects[model], name))
                    for model, name in COLUMNS.values()
                ]
            )
    return headings, rows


def to_xlsx(headings: list[str], rows: list[list[str]]) -> bytes:
    return shared.to_xlsx(headings, rows, sheet_title=SHEET_TITLE)
