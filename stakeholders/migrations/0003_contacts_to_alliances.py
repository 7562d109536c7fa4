"""Gives every contact person to the alliance that recorded them, and every alliance its own
copy of the organisation's notes.

Until now contact people hung off the shared organisation, so every alliance that mapped it saw
and could change them. From now on a contact belongs to one alliance:

- A contact whose organisation one or more alliances map goes to each of them: the original to
  the alliance whose audit log recorded adding it (or, without such an entry, to the alliance
  that mapped the organisation first), and a copy to every other one, so no alliance loses a
  person it worked with and none sees another's register afterwards.
- An alliance whose member's seat links the contact, without mapping the organisation, gets a
  copy too; each such seat is pointed at its own alliance's copy.
- Erased contacts stay erased: their copies are copies of the erased row.
- A contact whose organisation nobody maps and no seat links is shown to nobody and no alliance
  answers for them, so the personal data is deleted rather than kept without a controller.

Going back merges the copies into one contact again (the lowest id wins) and gives the
organisation the notes of the alliance that mapped it first.
"""

from django.db import migrations

# Fields a copy takes over unchanged; created_at/updated_at are set after the insert, because
# auto_now_add would otherwise stamp the copy with today.
COPIED_FIELDS = (
    "organisation_id",
    "name",
    "title",
    "phone",
    "email",
    "preferred_language",
    "authority_to_commit",
    "authority_holder",
    "consent_basis",
    "consent_date",
    "erased_at",
)


def _creators(AuditEntry) -> dict[str, int]:
    """"contact #<id>" → the alliance whose audit log first recorded adding that contact."""
    creators: dict[str, int] = {}
    entries = (
        AuditEntry.objects.filter(action="contact.created", alliance__isnull=False)
        .order_by("created_at", "pk")
        .values_list("alliance_id", "changes")
    )
    for alliance_id, changes in entries.iterator():
        label = (changes or {}).get("contact")
        if label:
            creators.setdefault(label, alliance_id)
    return creators


def contacts_to_alliances(apps, schema_editor):
    Contact = apps.get_model("stakeholders", "Contact")
    Stakeholder = apps.get_model("stakeholders", "Stakeholder")
    Membership = apps.get_model("alliances", "Membership")
    AuditEntry = apps.get_model("alliances", "AuditEntry")

    mapped_by: dict[int, list[int]] = {}
    for organisation_id, alliance_id in Stakeholder.objects.order_by("pk").values_list(
        "organisation_id", "alliance_id"
    ):
        mapped_by.setdefault(organisation_id, []).append(alliance_id)
    linked_by: dict[int, list[tuple[int, int]]] = {}
    for membership_id, contact_id, alliance_id in (
        Membership.objects.filter(contact__isnull=False)
        .order_by("pk")
        .values_list("pk", "contact_id", "alliance_id")
    ):
        linked_by.setdefault(contact_id, []).append((membership_id, alliance_id))
    creators = _creators(AuditEntry)

    for contact in Contact.objects.filter(alliance__isnull=True).order_by("pk").iterator():
        links = linked_by.get(contact.pk, [])
        alliances = list(
            dict.fromkeys(
                [*mapped_by.get(contact.organisation_id, []), *(a for _m, a in links)]
            )
        )
        if not alliances:
            contact.delete()
            continue
        creator = creators.get(f"contact #{contact.pk}")
        owner = creator if creator in alliances else alliances[0]
        Contact.objects.filter(pk=contact.pk).update(alliance_id=owner)
        copies = {owner: contact.pk}
        for alliance_id in alliances:
            if alliance_id == owner:
                continue
            copy = Contact.objects.create(
                alliance_id=alliance_id,
                **{name: getattr(contact, name) for name in COPIED_FIELDS},
            )
            Contact.objects.filter(pk=copy.pk).update(
                created_at=contact.created_at, updated_at=contact.updated_at
            )
            copies[alliance_id] = copy.pk
        for membership_id, alliance_id in links:
            if alliance_id != owner:
                Membership.objects.filter(pk=membership_id).update(contact_id=copies[alliance_id])


def notes_to_assessments(apps, schema_editor):
    Organisation = apps.get_model("stakeholders", "Organisation")
    Stakeholder = apps.get_model("stakeholders", "Stakeholder")
    for organisation_id, notes in Organisation.objects.exclude(notes="").values_list(
        "pk", "notes"
    ):
        Stakeholder.objects.filter(organisation_id=organisation_id).update(notes=notes)


def forwards(apps, schema_editor):
    contacts_to_alliances(apps, schema_editor)
    notes_to_assessments(apps, schema_editor)


def backwards(apps, schema_editor):
    Contact = apps.get_model("stakeholders", "Contact")
    Membership = apps.get_model("alliances", "Membership")
    Organisation = apps.get_model("stakeholders", "Organisation")
    Stakeholder = apps.get_model("stakeholders", "Stakeholder")
    kept: dict[tuple, int] = {}
    for contact in Contact.objects.order_by("pk").iterator():
        key = (
            contact.created_at,
            *(getattr(contact, name) for name in COPIED_FIELDS),
        )
        if key not in kept:
            kept[key] = contact.pk
            continue
        Membership.objects.filter(contact_id=contact.pk).update(contact_id=kept[key])
        contact.delete()
    for organisation in Organisation.objects.all().iterator():
        notes = (
            Stakeholder.objects.filter(organisation=organisation)
            .exclude(notes="")
            .order_by("pk")
            .values_list("notes", flat=True)
            .first()
        )
        if notes:
            organisation.notes = notes
            organisation.save(update_fields=["notes"])


class Migration(migrations.Migration):

    dependencies = [
        ("alliances", "0006_outreach_reports"),
        ("stakeholders", "0002_contact_alliance_stakeholder_notes"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
