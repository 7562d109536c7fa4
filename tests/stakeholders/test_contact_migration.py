"""The migration that gives each contact person to the alliance that recorded them.

It starts from the register as it was (contacts hanging off the shared organisation), with two
alliances mapping one organisation, and checks that afterwards each alliance holds only its own
copy, erased people stay erased, seats point at their own alliance's copy and nobody's data is
kept without an alliance to answer for it.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from alliances.models import Membership
from stakeholders.models import Contact, Stakeholder

BEFORE = ("stakeholders", "0001_initial")

pytestmark = pytest.mark.django_db(transaction=True)


def _migrate(target: list[tuple[str, str]]):
    executor = MigrationExecutor(connection)
    executor.migrate(target)
    executor.loader.build_graph()
    return executor


def _to_latest() -> None:
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())


def _old_register() -> dict[str, int]:
    """Builds the register of before the migration; returns the ids the checks look at."""
    executor = _migrate([BEFORE])
    apps = executor.loader.project_state(
        [BEFORE, *executor.loader.graph.leaf_nodes("alliances")]
    ).apps
    Alliance = apps.get_model("alliances", "Alliance")
    User = apps.get_model("alliances", "User")
    Membership = apps.get_model("alliances", "Membership")
    AuditEntry = apps.get_model("alliances", "AuditEntry")
    Organisation = apps.get_model("stakeholders", "Organisation")
    Stakeholder = apps.get_model("stakeholders", "Stakeholder")
    Contact = apps.get_model("stakeholders", "Contact")

    kronoberg = Alliance.objects.create(name="Kronoberg Alliance")
    skane = Alliance.objects.create(name="Skåne Alliance")
    halland = Alliance.objects.create(name="Halland Alliance")
    shared = Organisation.objects.create(
        name="Red Cross", municipality="Växjö", notes="Ask for the volunteer desk."
    )
    orphan = Organisation.objects.create(name="Closed Club", municipality="Lund")
    # Skåne mapped the organisation first, but Kronoberg recorded the person.
    Stakeholder.objects.create(alliance=skane, organisation=shared)
    Stakeholder.objects.create(alliance=kronoberg, organisation=shared)
    kim = Contact.objects.create(
        organisation=shared, name="Kim Lund", email="kim@example.org", phone="+46 1"
    )
    AuditEntry.objects.create(
        alliance=kronoberg,
        action="contact.created",
        object_type="stakeholders.organisation",
        object_id=str(shared.pk),
        changes={"contact": f"contact #{kim.pk}"},
    )
    erased = Contact.objects.create(
        organisation=shared, name="Erased contact", erased_at=timezone.now()
    )
    linked = Contact.objects.create(organisation=orphan, name="Lee Seat", email="lee@example.org")
    Contact.objects.create(organisation=orphan, name="Nobody's", email="gone@example.org")

    def seat(alliance, contact, organisation, email):
        user = User.objects.create(username=email, email=email)
        return Membership.objects.create(
            alliance=alliance, user=user, organisation=organisation, contact=contact
        )

    skane_seat = seat(skane, kim, shared, "skane.member@example.org")
    kronoberg_seat = seat(kronoberg, kim, shared, "kronoberg.member@example.org")
    halland_seat = seat(halland, linked, orphan, "halland.member@example.org")
    return {
        "kronoberg": kronoberg.pk,
        "skane": skane.pk,
        "halland": halland.pk,
        "shared": shared.pk,
        "kim": kim.pk,
        "erased": erased.pk,
        "linked": linked.pk,
        "skane_seat": skane_seat.pk,
        "kronoberg_seat": kronoberg_seat.pk,
        "halland_seat": halland_seat.pk,
    }


def _contacts(alliance_id: int, organisation_id: int) -> list[tuple[str, str, bool]]:
    return sorted(
        (contact.name, contact.email, contact.is_erased)
        for contact in Contact.objects.filter(
            alliance_id=alliance_id, organisation_id=organisation_id
        )
    )


def test_contacts_go_to_the_alliances_that_map_their_organisation():
    try:
        ids = _old_register()
        _to_latest()

        # The original stays with the alliance whose audit log recorded adding it.
        kim = Contact.objects.get(pk=ids["kim"])
        assert kim.alliance_id == ids["kronoberg"]
        # Each alliance that maps the organisation holds its own copy, erased ones erased.
        expected = [("Erased contact", "", True), ("Kim Lund", "kim@example.org", False)]
        assert _contacts(ids["kronoberg"], ids["shared"]) == expected
        assert _contacts(ids["skane"], ids["shared"]) == expected
        assert Contact.objects.get(pk=ids["erased"]).alliance_id == ids["skane"]
        # Every seat points at its own alliance's copy.
        skane_copy = Contact.objects.get(alliance_id=ids["skane"], email="kim@example.org")
        assert Membership.objects.get(pk=ids["skane_seat"]).contact_id == skane_copy.pk
        assert Membership.objects.get(pk=ids["kronoberg_seat"]).contact_id == ids["kim"]
        # Nobody maps the organisation: a seat's alliance keeps its person, the rest is deleted.
        assert Contact.objects.get(pk=ids["linked"]).alliance_id == ids["halland"]
        assert Membership.objects.get(pk=ids["halland_seat"]).contact_id == ids["linked"]
        assert not Contact.objects.filter(email="gone@example.org").exists()
        # The organisation's notes became each mapping alliance's own.
        notes = set(
            Stakeholder.objects.filter(organisation_id=ids["shared"]).values_list(
                "notes", flat=True
            )
        )
        assert notes == {"Ask for the volunteer desk."}

        # Going back merges the copies again.
        executor = _migrate([BEFORE])
        apps = executor.loader.project_state(
            [BEFORE, *executor.loader.graph.leaf_nodes("alliances")]
        ).apps
        OldContact = apps.get_model("stakeholders", "Contact")
        OldMembership = apps.get_model("alliances", "Membership")
        OldOrganisation = apps.get_model("stakeholders", "Organisation")
        assert OldContact.objects.filter(email="kim@example.org").count() == 1
        assert OldContact.objects.filter(organisation_id=ids["shared"]).count() == 2
        assert OldMembership.objects.get(pk=ids["skane_seat"]).contact_id == ids["kim"]
        assert OldOrganisation.objects.get(pk=ids["shared"]).notes == "Ask for the volunteer desk."
    finally:
        _to_latest()
