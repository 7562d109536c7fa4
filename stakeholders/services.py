"""Every write to the stakeholder register and the mapping: validated, atomic, audited.

Contacts are personal data, so their audit entries name the fields that changed, never the values:
erasing a contact then leaves no trace of them in the append-only audit log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from alliances.audit import audit_record, save_and_audit
from alliances.models import Alliance, Membership, User
from documents.services import document_discard

from . import tabular
from .documents import MAPPING_KIND
from .fields import (
    ASSESSMENT_FIELDS,
    CONTACT_FIELDS,
    GAP_FIELDS,
    ORGANISATION_FIELDS,
    PROGRAMME_FIELDS,
)
from .models import ERR_CONTACT_ERASED, Contact, Gap, Organisation, Stakeholder, SupportProgramme
from .signals import contact_erased

ERR_ALREADY_ASSESSED = _("%(organisation)s is already in this alliance's mapping.")
ERR_CONTACT_ELSEWHERE = _("This contact person does not work for the chosen organisation.")
ERR_CONTACT_OTHER_ALLIANCE = _("Choose a contact person from this alliance's register.")
ERR_ORGANISATION_NOT_MAPPED = _("Choose an organisation from this alliance's mapping.")
ERR_NOT_THIS_ALLIANCE = _("Choose items from this alliance only.")


def _display(value: Any) -> str:
    return "" if value is None else str(value)


def _apply(obj, fields: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, dict[str, str]]:
    """Set the given fields on obj; returns {field: {from, to}} for the ones that changed."""
    changes = {}
    for name, value in fields.items():
        if name not in allowed:
            raise ValueError(f"{name} cannot be set here")
        old = getattr(obj, name)
        if old != value:
            changes[name] = {"from": _display(old), "to": _display(value)}
            setattr(obj, name, value)
    return changes


def _field_names_only(changes: dict[str, Any]) -> dict[str, str]:
    return {"fields": ", ".join(sorted(changes))} if changes else {}


def find_organisation(*, name: str, municipality: str) -> Organisation | None:
    """The register's entry for this name in this municipality, compared without case."""
    return (
        Organisation.objects.annotate(lname=Lower("name"), lmun=Lower("municipality"))
        .filter(lname=name.strip().lower(), lmun=municipality.strip().lower())
        .first()
    )


# Organisations and assessments -----------------------------------------------------------------


@transaction.atomic
def stakeholder_create(
    *,
    alliance: Alliance,
    actor: User,
    organisation: dict[str, Any],
    assessment: dict[str, Any] | None = None,
) -> tuple[Stakeholder, bool]:
    """Adds an organisation to the alliance's mapping; returns (stakeholder, joined_existing).

    When the register already holds the organisation (same name and municipality), the alliance
    joins that entry instead of creating a duplicate, and the register's facts stay as they are.
    """
    existing = find_organisation(
        name=organisation.get("name", ""), municipality=organisation.get("municipality", "")
    )
    if existing is not None:
        org = existing
        if Stakeholder.objects.filter(alliance=alliance, organisation=org).exists():
            raise ValidationError(ERR_ALREADY_ASSESSED % {"organisation": org})
    else:
        org = Organisation()
        _apply(org, organisation, ORGANISATION_FIELDS)
        org.full_clean()
        org.save()
        audit_record(actor=actor, action="organisation.created", obj=org, alliance=alliance)
    stakeholder = Stakeholder(alliance=alliance, organisation=org)
    _apply(stakeholder, assessment or {}, ASSESSMENT_FIELDS)
    stakeholder.full_clean()
    stakeholder.save()
    audit_record(actor=actor, action="stakeholder.added", obj=stakeholder)
    return stakeholder, existing is not None


@transaction.atomic
def organisation_update(
    *, organisation: Organisation, alliance: Alliance, actor: User, **fields: Any
) -> Organisation:
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    changes = _apply(organisation, fields, ORGANISATION_FIELDS)
    if changes:
        organisation.full_clean()
        organisation.save()
        audit_record(
            actor=actor,
            action="organisation.updated",
            obj=organisation,
            alliance=alliance,
            changes=changes,
        )
    return organisation


@transaction.atomic
def stakeholder_update(*, stakeholder: Stakeholder, actor: User, **fields: Any) -> Stakeholder:
    """Updates the alliance's assessment; a status change must follow the engagement path."""
    stakeholder = Stakeholder.objects.select_for_update().get(pk=stakeholder.pk)
    new_status = fields.pop("status", stakeholder.status)
    old_status = stakeholder.status
    changes = _apply(stakeholder, fields, ASSESSMENT_FIELDS)
    stakeholder.change_status(new_status)  # raises InvalidTransition
    if stakeholder.status != old_status:
        changes["status"] = {"from": old_status, "to": stakeholder.status}
    if changes:
        stakeholder.full_clean()
        stakeholder.save()
        audit_record(actor=actor, action="stakeholder.assessed", obj=stakeholder, changes=changes)
    return stakeholder


@transaction.atomic
def stakeholder_edit(
    *,
    stakeholder: Stakeholder,
    actor: User,
    organisation: dict[str, Any],
    assessment: dict[str, Any],
) -> Stakeholder:
    """The edit page's one save: the register's facts and the alliance's assessment, or neither."""
    organisation_update(
        organisation=stakeholder.organisation,
        alliance=stakeholder.alliance,
        actor=actor,
        **organisation,
    )
    return stakeholder_update(stakeholder=stakeholder, actor=actor, **assessment)


@transaction.atomic
def stakeholder_remove(*, stakeholder: Stakeholder, actor: User) -> None:
    """Takes the organisation out of this alliance's mapping; the register keeps it."""
    audit_record(actor=actor, action="stakeholder.removed", obj=stakeholder)
    SupportProgramme.organisations.through.objects.filter(
        supportprogramme__alliance=stakeholder.alliance, organisation=stakeholder.organisation
    ).delete()
    Membership.objects.filter(
        alliance=stakeholder.alliance, organisation=stakeholder.organisation
    ).update(organisation=None, contact=None)
    stakeholder.delete()


# Contacts ---------------------------------------------------------------------------------------


def _check_own_contact(contact: Contact, alliance: Alliance) -> None:
    """A contact belongs to the alliance that recorded them; callers have already checked
    access, so another alliance's contact here is a programming error, never a user's."""
    if contact.alliance_id != alliance.pk:
        raise ValueError(f"{contact.audit_label} is not in the register of alliance {alliance.pk}")


@transaction.atomic
def contact_create(
    *, organisation: Organisation, alliance: Alliance, actor: User, **fields: Any
) -> Contact:
    """Adds a contact person to the alliance's own register, at an organisation it maps."""
    if not Stakeholder.objects.filter(alliance=alliance, organisation=organisation).exists():
        raise ValidationError(ERR_ORGANISATION_NOT_MAPPED)
    contact = Contact(alliance=alliance, organisation=organisation)
    changes = _apply(contact, fields, CONTACT_FIELDS)
    contact.full_clean()
    contact.save()
    audit_record(
        actor=actor,
        action="contact.created",
        obj=organisation,
        alliance=alliance,
        changes={"contact": contact.audit_label, **_field_names_only(changes)},
    )
    return contact


@transaction.atomic
def contact_update(*, contact: Contact, alliance: Alliance, actor: User, **fields: Any) -> Contact:
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    _check_own_contact(contact, alliance)
    if contact.is_erased:
        raise ValidationError(ERR_CONTACT_ERASED)
    changes = _apply(contact, fields, CONTACT_FIELDS)
    if changes:
        contact.full_clean()
        contact.save()
        audit_record(
            actor=actor,
            action="contact.updated",
            obj=contact.organisation,
            alliance=alliance,
            changes={"contact": contact.audit_label, **_field_names_only(changes)},
        )
    return contact


@dataclass(frozen=True)
class ContactErasure:
    contact: Contact
    # Copies of the person's data elsewhere in the portal that went with them (archive exports).
    copies_deleted: int


@transaction.atomic
def contact_erase(
    *, contact: Contact, alliance: Alliance, actor: User, confirmed_by: str = ""
) -> ContactErasure:
    """GDPR erasure: personal fields blanked, the row and every assessment kept, and the
    alliance's archive exports that could hold the person deleted (by the archive's receiver).
    `confirmed_by`: how the person who erased proved it was them just before (audit log)."""
    contact = Contact.objects.select_for_update().get(pk=contact.pk)
    _check_own_contact(contact, alliance)
    contact.erase()  # raises InvalidTransition when already erased
    contact.save()
    Membership.objects.filter(contact=contact).update(contact=None)
    audit_record(
        actor=actor,
        action="contact.erased",
        obj=contact.organisation,
        alliance=alliance,
        changes={
            "contact": contact.audit_label,
            **({"confirmed_by": confirmed_by} if confirmed_by else {}),
        },
    )
    answers = contact_erased.send(sender=Contact, contact=contact, alliance=alliance, actor=actor)
    # The whole mapping the archive keeps names the person: it is printed again without them.
    document_discard(MAPPING_KIND.name, alliance.pk)
    return ContactErasure(
        contact=contact,
        copies_deleted=sum(answer for _receiver, answer in answers if isinstance(answer, int)),
    )


def contact_exported(*, contact: Contact, alliance: Alliance, actor: User, fmt: str) -> None:
    """Records that someone took a copy of a person's data, as the GDPR expects us to know."""
    _check_own_contact(contact, alliance)
    audit_record(
        actor=actor,
        action="contact.exported",
        obj=contact.organisation,
        alliance=alliance,
        changes={"contact": contact.audit_label, "format": fmt},
    )


def register_exported(*, alliance: Alliance, actor: User, fmt: str, rows: int) -> None:
    """Records that someone took the register's contact details out of the portal."""
    audit_record(
        actor=actor,
        action="stakeholders.exported",
        obj=alliance,
        changes={"format": fmt, "rows": rows},
    )


# Members and the register -----------------------------------------------------------------------


@transaction.atomic
def membership_link(
    *,
    membership: Membership,
    actor: User,
    organisation: Organisation | None,
    contact: Contact | None = None,
) -> Membership:
    """Links a member's seat to the organisation (and contact person) they represent."""
    alliance = membership.alliance
    if (
        organisation is not None
        and not Stakeholder.objects.filter(alliance=alliance, organisation=organisation).exists()
    ):
        raise ValidationError({"organisation": ERR_ORGANISATION_NOT_MAPPED})
    if contact is not None and contact.alliance_id != alliance.pk:
        raise ValidationError({"contact": ERR_CONTACT_OTHER_ALLIANCE})
    if contact is not None and (organisation is None or contact.organisation_id != organisation.pk):
        raise ValidationError({"contact": ERR_CONTACT_ELSEWHERE})
    changes = _apply(
        membership,
        {"organisation": organisation, "contact": contact},
        ("organisation", "contact"),
    )
    if organisation is not None and membership.organisation_name != organisation.name:
        membership.organisation_name = organisation.name
    if changes:
        membership.full_clean()
        membership.save(update_fields=["organisation", "contact", "organisation_name"])
        if "contact" in changes:
            changes["contact"] = {"from": "", "to": contact.audit_label if contact else ""}
        audit_record(actor=actor, action="membership.linked", obj=membership, changes=changes)
    return membership


# Support programmes and gaps --------------------------------------------------------------------


def _check_same_alliance(alliance: Alliance, organisations=(), programmes=()) -> None:
    mapped = set(
        Stakeholder.objects.filter(alliance=alliance).values_list("organisation_id", flat=True)
    )
    if any(org.pk not in mapped for org in organisations):
        raise ValidationError(ERR_NOT_THIS_ALLIANCE)
    if any(programme.alliance_id != alliance.pk for programme in programmes):
        raise ValidationError(ERR_NOT_THIS_ALLIANCE)


@transaction.atomic
def programme_save(
    *,
    alliance: Alliance,
    actor: User,
    programme: SupportProgramme | None = None,
    organisations=(),
    **fields: Any,
) -> SupportProgramme:
    """Creates a support programme, or updates the one given."""
    _check_same_alliance(alliance, organisations=organisations)
    return save_and_audit(
        programme or SupportProgramme(alliance=alliance),
        actor=actor,
        fields=fields,
        allowed=PROGRAMME_FIELDS,
        created=programme is None,
        created_action="programme.created",
        updated_action="programme.updated",
        with_values=True,
        links={"organisations": organisations},
    )


@transaction.atomic
def programme_delete(*, programme: SupportProgramme, actor: User) -> None:
    audit_record(actor=actor, action="programme.deleted", obj=programme)
    programme.delete()


@transaction.atomic
def gap_save(
    *, alliance: Alliance, actor: User, gap: Gap | None = None, programmes=(), **fields: Any
) -> Gap:
    """Creates a gap, or updates the one given."""
    _check_same_alliance(alliance, programmes=programmes)
    return save_and_audit(
        gap or Gap(alliance=alliance),
        actor=actor,
        fields=fields,
        allowed=GAP_FIELDS,
        created=gap is None,
        created_action="gap.created",
        updated_action="gap.updated",
        with_values=True,
        links={"programmes": programmes},
    )


@transaction.atomic
def gap_delete(*, gap: Gap, actor: User) -> None:
    audit_record(actor=actor, action="gap.deleted", obj=gap)
    gap.delete()


# Imports ----------------------------------------------------------------------------------------


def _save_imported(instance: models.Model) -> None:
    # The plan has checked uniqueness against the data and within the file, and the database's
    # constraints stand behind it, so the per-row uniqueness queries are skipped here.
    instance.full_clean(validate_unique=False, validate_constraints=False)
    instance.save()


def _converted(model: type[models.Model], values: dict[str, Any]) -> dict[str, Any]:
    return {name: model._meta.get_field(name).to_python(value) for name, value in values.items()}


@transaction.atomic
def stakeholders_import(
    *,
    alliance: Alliance,
    actor: User,
    columns: list[str],
    rows: list[dict[str, str]],
    filename: str = "",
) -> tabular.ImportPlan:
    """Plans the rows again against the current data and writes them all, or nothing."""
    plan = tabular.plan_import(alliance=alliance, columns=columns, rows=rows)
    if not plan.is_valid:
        raise ValidationError(tabular.ERR_PLAN_HAS_ERRORS)
    organisations: dict[Any, Organisation] = {}
    for row in plan.rows:
        organisation = organisations.get(row.organisation_key)
        if organisation is None:
            organisation = _import_organisation(row, alliance=alliance, actor=actor)
            organisations[row.organisation_key] = organisation
        if row.contact_values is not None and row.contact_action != "unchanged":
            contact = row.contact or Contact(alliance=alliance, organisation=organisation)
            for name, value in _converted(Contact, row.contact_values).items():
                setattr(contact, name, value)
            _save_imported(contact)
        if row.assessment_action in ("new", "update"):
            stakeholder = row.assessment or Stakeholder(alliance=alliance)
            stakeholder.organisation = organisation
            for name, value in _converted(Stakeholder, row.assessment_values).items():
                setattr(stakeholder, name, value)
            _save_imported(stakeholder)
    audit_record(
        actor=actor,
        action="stakeholders.imported",
        obj=alliance,
        changes={
            "file": filename,
            "rows": len(plan.rows),
            "organisations_new": plan.count("organisation", "new"),
            "organisations_updated": plan.count("organisation", "update"),
            "contacts_new": plan.count("contact", "new"),
            "contacts_updated": plan.count("contact", "update"),
        },
    )
    return plan


def _import_organisation(row, *, alliance: Alliance, actor: User) -> Organisation:
    """The row's organisation in the register, created or updated as the plan says."""
    organisation = row.organisation or Organisation()
    changes = _apply(
        organisation, _converted(Organisation, row.organisation_values), ORGANISATION_FIELDS
    )
    if row.organisation_action != "unchanged":
        _save_imported(organisation)
        # The register's facts are shared: every alliance mapping the organisation sees which
        # alliance changed them, as after an edit on the page.
        created = row.organisation_action == "new"
        audit_record(
            actor=actor,
            action="organisation.created" if created else "organisation.updated",
            obj=organisation,
            alliance=alliance,
            changes=None if created else changes,
        )
    return organisation
