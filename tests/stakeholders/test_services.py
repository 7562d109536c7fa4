"""Services of the stakeholder register: joins, the engagement path, contacts, erasure, links."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from alliance_portal.exceptions import InvalidTransition
from alliances.models import AuditEntry
from stakeholders import services
from stakeholders.models import (
    ERASED_NAME,
    ERR_AUTHORITY_HOLDER,
    ERR_CONSENT_DATE,
    ERR_CONSENT_IN_FUTURE,
    ERR_COORDINATES,
    Authority,
    ConsentBasis,
    Contact,
    EngagementStatus,
    Organisation,
    Stakeholder,
)

from ..conftest import client_for
from ..factories import (
    ContactFactory,
    GapFactory,
    OrganisationFactory,
    StakeholderFactory,
    SupportProgrammeFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _add(cast, alliance=None, **organisation):
    return services.stakeholder_create(
        alliance=alliance or cast.alliance,
        actor=cast.coordinator,
        organisation={"name": "Växjö kommun", "municipality": "Växjö", **organisation},
    )


def test_adding_an_organisation_creates_it_and_the_assessment(cast):
    stakeholder, joined = _add(cast, category="public_authority")
    assert not joined
    assert stakeholder.organisation.category == "public_authority"
    assert stakeholder.status == EngagementStatus.IDENTIFIED
    actions = set(
        AuditEntry.objects.filter(alliance=cast.alliance).values_list("action", flat=True)
    )
    assert {"organisation.created", "stakeholder.added"} <= actions


def test_an_organisation_already_registered_is_joined_not_duplicated(cast):
    first, _ = _add(cast, alliance=cast.other_alliance, website="https://skane.example")
    second, joined = _add(
        cast, name="VÄXJÖ KOMMUN", municipality="växjö", website="https://x.example"
    )
    assert joined
    assert second.organisation == first.organisation
    assert Organisation.objects.count() == 1
    assert Organisation.objects.get().website == "https://skane.example"


def test_notes_are_each_alliances_own(cast):
    theirs, _ = services.stakeholder_create(
        alliance=cast.other_alliance,
        actor=cast.other_chair,
        organisation={"name": "Växjö kommun", "municipality": "Växjö"},
        assessment={"notes": "Skåne's note"},
    )
    ours, _ = services.stakeholder_create(
        alliance=cast.alliance,
        actor=cast.coordinator,
        organisation={"name": "Växjö kommun", "municipality": "Växjö"},
        assessment={"notes": "ours"},
    )
    services.stakeholder_update(stakeholder=ours, actor=cast.coordinator, notes="ours, later")
    theirs.refresh_from_db()
    ours.refresh_from_db()
    assert (theirs.notes, ours.notes) == ("Skåne's note", "ours, later")


def test_the_same_organisation_cannot_be_added_twice_to_one_alliance(cast):
    _add(cast)
    with pytest.raises(ValidationError):
        _add(cast)
    assert Stakeholder.objects.count() == 1


def test_two_alliances_assess_one_organisation_differently(cast):
    ours, _ = _add(cast)
    theirs, _ = _add(cast, alliance=cast.other_alliance)
    services.stakeholder_update(stakeholder=ours, actor=cast.coordinator, impact=3)
    services.stakeholder_update(stakeholder=theirs, actor=cast.other_chair, impact=1)
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert (ours.impact, theirs.impact) == (3, 1)


def test_coordinates_come_in_pairs(cast):
    with pytest.raises(ValidationError) as excinfo:
        _add(cast, latitude="56.87")
    assert excinfo.value.message_dict["longitude"] == [str(ERR_COORDINATES)]


@pytest.mark.parametrize(
    ("start", "target", "allowed"),
    [
        ("identified", "contacted", True),
        ("identified", "engaged", True),
        ("invited", "declined", True),
        ("declined", "contacted", True),
        ("member", "engaged", True),
        ("engaged", "contacted", False),
        ("member", "declined", False),
        ("declined", "member", False),
    ],
)
def test_engagement_path(start, target, allowed):
    stakeholder = Stakeholder(status=start)
    if allowed:
        stakeholder.change_status(target)
        assert stakeholder.status == target
    else:
        with pytest.raises(InvalidTransition):
            stakeholder.change_status(target)
        assert stakeholder.status == start


def test_refused_status_change_saves_nothing_else(cast):
    stakeholder = StakeholderFactory(alliance=cast.alliance, status=EngagementStatus.MEMBER)
    with pytest.raises(ValidationError):
        services.stakeholder_update(
            stakeholder=stakeholder, actor=cast.coordinator, criteria="new", status="identified"
        )
    stakeholder.refresh_from_db()
    assert stakeholder.criteria == "" and stakeholder.status == EngagementStatus.MEMBER


def test_contact_without_authority_needs_to_say_who_has_it(cast):
    organisation = StakeholderFactory(alliance=cast.alliance).organisation
    with pytest.raises(ValidationError) as excinfo:
        services.contact_create(
            organisation=organisation,
            alliance=cast.alliance,
            actor=cast.coordinator,
            name="Kim",
            authority_to_commit=Authority.NO,
        )
    assert excinfo.value.message_dict["authority_holder"] == [str(ERR_AUTHORITY_HOLDER)]


def test_consent_basis_needs_a_past_date(cast):
    organisation = StakeholderFactory(alliance=cast.alliance).organisation
    kwargs = {"organisation": organisation, "alliance": cast.alliance, "actor": cast.coordinator}
    with pytest.raises(ValidationError) as excinfo:
        services.contact_create(**kwargs, name="Kim", consent_basis=ConsentBasis.CONSENT)
    assert excinfo.value.message_dict["consent_date"] == [str(ERR_CONSENT_DATE)]
    with pytest.raises(ValidationError) as excinfo:
        services.contact_create(
            **kwargs,
            name="Kim",
            consent_basis=ConsentBasis.CONSENT,
            consent_date=date.today() + timedelta(days=2),
        )
    assert excinfo.value.message_dict["consent_date"] == [str(ERR_CONSENT_IN_FUTURE)]


def test_contact_audit_entries_never_hold_personal_data(cast):
    organisation = StakeholderFactory(alliance=cast.alliance).organisation
    contact = services.contact_create(
        organisation=organisation,
        alliance=cast.alliance,
        actor=cast.coordinator,
        name="Kim Secretname",
        email="kim.secret@example.org",
    )
    services.contact_update(
        contact=contact, alliance=cast.alliance, actor=cast.coordinator, phone="+46 70 999"
    )
    entries = AuditEntry.objects.filter(action__startswith="contact.")
    assert entries.count() == 2
    dump = repr(list(entries.values()))
    assert "Secretname" not in dump and "kim.secret" not in dump and "999" not in dump
    assert entries.get(action="contact.updated").changes["fields"] == "phone"


def test_erasure_blanks_personal_fields_and_keeps_counts(cast):
    stakeholder = StakeholderFactory(alliance=cast.alliance)
    contact = ContactFactory(
        organisation=stakeholder.organisation,
        consent_basis=ConsentBasis.CONSENT,
        consent_date=date(2026, 1, 1),
    )
    membership = cast.membership(cast.member)
    services.membership_link(
        membership=membership,
        actor=cast.coordinator,
        organisation=stakeholder.organisation,
        contact=contact,
    )
    services.contact_erase(contact=contact, alliance=cast.alliance, actor=cast.coordinator)
    contact.refresh_from_db()
    assert contact.name == str(ERASED_NAME)
    assert (contact.email, contact.phone, contact.title, contact.consent_date) == ("", "", "", None)
    assert contact.is_erased
    assert Contact.objects.count() == 1
    assert Stakeholder.objects.filter(pk=stakeholder.pk).exists()
    membership.refresh_from_db()
    assert membership.contact is None and membership.organisation == stakeholder.organisation
    assert AuditEntry.objects.filter(action="contact.erased", alliance=cast.alliance).exists()
    with pytest.raises(ValidationError):
        services.contact_erase(contact=contact, alliance=cast.alliance, actor=cast.coordinator)


def test_erased_contact_cannot_be_edited(cast):
    contact = ContactFactory(alliance=cast.alliance)
    contact.erase()
    contact.save()
    with pytest.raises(ValidationError):
        services.contact_update(
            contact=contact, alliance=cast.alliance, actor=cast.coordinator, name="Back"
        )


def test_member_can_only_be_linked_to_a_mapped_organisation(cast):
    membership = cast.membership(cast.member)
    unmapped = OrganisationFactory()
    with pytest.raises(ValidationError):
        services.membership_link(membership=membership, actor=cast.chair, organisation=unmapped)
    mapped = StakeholderFactory(alliance=cast.alliance).organisation
    elsewhere = ContactFactory()
    with pytest.raises(ValidationError):
        services.membership_link(
            membership=membership, actor=cast.chair, organisation=mapped, contact=elsewhere
        )
    services.membership_link(membership=membership, actor=cast.chair, organisation=mapped)
    membership.refresh_from_db()
    assert membership.organisation == mapped
    assert membership.organisation_name == mapped.name


def test_programmes_and_gaps_link_only_to_the_same_alliance(cast):
    foreign = StakeholderFactory(alliance=cast.other_alliance).organisation
    with pytest.raises(ValidationError):
        services.programme_save(
            alliance=cast.alliance, actor=cast.chair, name="P", organisations=[foreign]
        )
    foreign_programme = SupportProgrammeFactory(alliance=cast.other_alliance)
    with pytest.raises(ValidationError):
        services.gap_save(
            alliance=cast.alliance,
            actor=cast.chair,
            problem_area="G",
            programmes=[foreign_programme],
        )


def test_removing_a_stakeholder_keeps_the_register_and_unlinks(cast):
    stakeholder = StakeholderFactory(alliance=cast.alliance)
    programme = SupportProgrammeFactory(alliance=cast.alliance)
    programme.organisations.add(stakeholder.organisation)
    services.membership_link(
        membership=cast.membership(cast.member),
        actor=cast.chair,
        organisation=stakeholder.organisation,
    )
    services.stakeholder_remove(stakeholder=stakeholder, actor=cast.chair)
    assert Organisation.objects.filter(pk=stakeholder.organisation_id).exists()
    assert not programme.organisations.exists()
    assert cast.membership(cast.member).organisation is None


def test_gap_save_records_linked_programmes(cast):
    programme = SupportProgrammeFactory(alliance=cast.alliance)
    gap = services.gap_save(
        alliance=cast.alliance,
        actor=cast.chair,
        problem_area="Evening classes",
        priority=3,
        programmes=[programme],
    )
    assert list(gap.programmes.all()) == [programme]
    gap = services.gap_save(alliance=cast.alliance, actor=cast.chair, gap=gap, programmes=[])
    assert not gap.programmes.exists()
    assert AuditEntry.objects.filter(action="gap.updated").get().changes["programmes"] == {
        "from": 1,
        "to": 0,
    }
    GapFactory(alliance=cast.alliance)


@pytest.mark.parametrize(
    "name", ["organisation", "contact", "stakeholder", "supportprogramme", "gap"]
)
def test_admin_shows_the_register_read_only_without_contact_details(cast, name):
    stakeholder = StakeholderFactory(alliance=cast.alliance)
    contact = ContactFactory(organisation=stakeholder.organisation, email="private@example.org")
    SupportProgrammeFactory(alliance=cast.alliance)
    GapFactory(alliance=cast.alliance)
    staff = client_for(UserFactory(is_staff=True, is_superuser=True))
    listing = staff.get(f"/admin/stakeholders/{name}/")
    assert listing.status_code == 200
    page = staff.get(f"/admin/stakeholders/contact/{contact.pk}/change/")
    assert page.status_code == 200
    assert b"private@example.org" not in page.content
    assert b'name="_save"' not in page.content
