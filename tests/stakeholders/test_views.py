"""Stakeholder pages: browsing, the grid, balance, GDPR downloads and the PDFs."""

from __future__ import annotations

import io
import json

import pytest
from django.urls import reverse
from pypdf import PdfReader

from alliance_portal.permissions import Role
from alliances.models import AuditEntry
from stakeholders import services
from stakeholders.models import Category, Contact, EngagementStatus, Level, Sector, Stakeholder
from stakeholders.selectors import representation_balance

from ..conftest import SHELL_QUERIES, client_for
from ..factories import (
    ContactFactory,
    MembershipFactory,
    OrganisationFactory,
    StakeholderFactory,
)


def pdf_text(content: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())  # table cells wrap; compare words, not lines


def _mapped(cast, name, **assessment):
    organisation = OrganisationFactory(name=name, **assessment.pop("organisation", {}))
    return StakeholderFactory(alliance=cast.alliance, organisation=organisation, **assessment)


def _names(response) -> list[str]:
    return [s.organisation.name for s in response.context["page"].object_list]


# Browsing ---------------------------------------------------------------------------------------


def test_list_searches_filters_and_sorts(cast):
    _mapped(cast, "Alpha Mosque", organisation={"category": Category.FAITH}, impact=Level.HIGH)
    _mapped(cast, "Beta School", organisation={"category": Category.EDUCATION}, impact=Level.LOW)
    gamma = _mapped(cast, "Gamma Club", organisation={"municipality": "Ljungby"})
    ContactFactory(organisation=gamma.organisation, name="Zara Unique")
    StakeholderFactory(
        alliance=cast.other_alliance, organisation=OrganisationFactory(name="Skåne Org")
    )
    url = reverse("stakeholders:list", args=[cast.alliance.pk])
    client = client_for(cast.member)

    assert _names(client.get(url)) == ["Alpha Mosque", "Beta School", "Gamma Club"]
    assert _names(client.get(url, {"q": "zara"})) == ["Gamma Club"]
    assert _names(client.get(url, {"category": "faith"})) == ["Alpha Mosque"]
    assert _names(client.get(url, {"municipality": "Ljungby"})) == ["Gamma Club"]
    assert _names(client.get(url, {"sort": "-impact"}))[0] == "Alpha Mosque"
    assert _names(client.get(url, {"sort": "impact"}))[0] == "Beta School"


def test_hostile_filter_values_are_ignored_not_500(cast):
    _mapped(cast, "Alpha")
    url = reverse("stakeholders:list", args=[cast.alliance.pk])
    response = client_for(cast.member).get(
        url, {"impact": "9", "sort": "password", "q": "x" * 500, "page": "-1"}
    )
    assert response.status_code == 200


def test_list_paginates(cast):
    for index in range(30):
        _mapped(cast, f"Org {index:02d}")
    url = reverse("stakeholders:list", args=[cast.alliance.pk])
    page_two = client_for(cast.member).get(url, {"page": 2, "sort": "name"})
    assert _names(page_two) == [f"Org {index:02d}" for index in range(25, 30)]
    assert "sort=name" in page_two.content.decode()  # the pager keeps the sorting


def test_empty_register_explains_what_to_do(cast):
    response = client_for(cast.coordinator).get(
        reverse("stakeholders:list", args=[cast.alliance.pk])
    )
    assert "The mapping is empty." in response.content.decode()


def test_member_does_not_see_contact_details(cast):
    stakeholder = _mapped(cast, "Alpha")
    ContactFactory(organisation=stakeholder.organisation, email="hidden@example.org")
    url = reverse("stakeholders:detail", args=[cast.alliance.pk, stakeholder.pk])
    assert b"hidden@example.org" not in client_for(cast.member).get(url).content
    assert b"hidden@example.org" in client_for(cast.secretary).get(url).content


def test_grid_places_each_organisation_in_its_cell(cast):
    _mapped(cast, "Key Player", impact=Level.HIGH, interest=Level.HIGH)
    _mapped(cast, "Bystander", impact=Level.LOW, interest=Level.LOW)
    response = client_for(cast.member).get(reverse("stakeholders:grid", args=[cast.alliance.pk]))
    grid = response.context["grid"]
    assert [s.organisation.name for s in grid[0].cells[2]] == ["Key Player"]  # high, high
    assert [s.organisation.name for s in grid[2].cells[0]] == ["Bystander"]  # low, low


def test_create_and_edit_through_the_pages(cast):
    client = client_for(cast.coordinator)
    response = client.post(
        reverse("stakeholders:create", args=[cast.alliance.pk]),
        {
            "org-name": "Växjö kommun",
            "org-category": "public_authority",
            "org-sector": "public",
            "org-municipality": "Växjö",
            "org-website": "vaxjo.example",
            "assessment-impact": "3",
            "assessment-interest": "2",
            "assessment-status": "identified",
        },
    )
    stakeholder = Stakeholder.objects.get(alliance=cast.alliance)
    assert response.status_code == 302
    assert stakeholder.organisation.website == "https://vaxjo.example"
    response = client.post(
        reverse("stakeholders:edit", args=[cast.alliance.pk, stakeholder.pk]),
        {
            "org-name": "Växjö kommun",
            "org-category": "public_authority",
            "org-sector": "public",
            "org-municipality": "Växjö",
            "assessment-impact": "3",
            "assessment-interest": "3",
            "assessment-status": "member",
            "assessment-criteria": "Owns the premises",
        },
    )
    assert response.status_code == 302, response.context["organisation_form"].errors
    stakeholder.refresh_from_db()
    assert (stakeholder.interest, stakeholder.status) == (3, "member")


def test_edit_with_a_forbidden_status_jump_explains_and_keeps_the_form(cast):
    stakeholder = _mapped(cast, "Alpha", status=EngagementStatus.MEMBER)
    response = client_for(cast.coordinator).post(
        reverse("stakeholders:edit", args=[cast.alliance.pk, stakeholder.pk]),
        {
            "org-name": "Alpha renamed",
            "org-category": "ngo",
            "org-sector": "non_profit",
            "assessment-impact": "2",
            "assessment-interest": "2",
            "assessment-status": "identified",
        },
    )
    assert response.status_code == 200
    assert "cannot go from" in response.content.decode()
    stakeholder.refresh_from_db()
    assert stakeholder.organisation.name == "Alpha"  # the organisation edit was rolled back too


# Representation balance -------------------------------------------------------------------------


def test_balance_warns_where_the_guide_is_not_met(cast):
    public = OrganisationFactory(sector=Sector.PUBLIC, category=Category.PUBLIC_AUTHORITY)
    StakeholderFactory(alliance=cast.alliance, organisation=public)
    for role in ("chair", "secretary", "coordinator", "member"):
        membership = cast.membership(getattr(cast, role))
        membership.organisation = public
        membership.save()
    balance = representation_balance(alliance=cast.alliance)
    assert balance.representatives == 4  # the observer holds no seat
    text = " ".join(balance.warnings)
    assert "4 representatives" in text
    assert "migrant or refugee organisation" in text
    assert "one sector (Public)" in text


def test_balanced_alliance_has_no_warnings(cast):
    migrant = OrganisationFactory(category=Category.MIGRANT_ORGANISATION, sector=Sector.NON_PROFIT)
    public = OrganisationFactory(category=Category.PUBLIC_AUTHORITY, sector=Sector.PUBLIC)
    for organisation in (migrant, public):
        StakeholderFactory(alliance=cast.alliance, organisation=organisation)
    for _index in range(6):
        MembershipFactory(alliance=cast.alliance, role=Role.MEMBER, organisation=public)
    MembershipFactory(alliance=cast.alliance, role=Role.MEMBER, organisation=migrant)
    balance = representation_balance(alliance=cast.alliance)
    assert balance.representatives == 11
    assert balance.warnings == []
    page = client_for(cast.member).get(reverse("stakeholders:balance", args=[cast.alliance.pk]))
    assert "follows the guide" in page.content.decode()


def test_linking_a_member_through_the_page(cast):
    stakeholder = _mapped(cast, "Alpha")
    membership = cast.membership(cast.member)
    response = client_for(cast.coordinator).post(
        reverse("stakeholders:member_link", args=[cast.alliance.pk, membership.pk]),
        {"organisation": stakeholder.organisation.pk},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.organisation == stakeholder.organisation


def test_linking_to_another_alliances_organisation_is_refused(cast):
    foreign = StakeholderFactory(alliance=cast.other_alliance)
    membership = cast.membership(cast.member)
    response = client_for(cast.coordinator).post(
        reverse("stakeholders:member_link", args=[cast.alliance.pk, membership.pk]),
        {"organisation": foreign.organisation.pk},
    )
    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.organisation is None


# GDPR -------------------------------------------------------------------------------------------


def _contact(cast):
    stakeholder = _mapped(cast, "Alpha")
    return ContactFactory(
        organisation=stakeholder.organisation, name="Kim Lund", email="kim.lund@example.org"
    )


def test_personal_data_export_as_json(cast):
    contact = _contact(cast)
    response = client_for(cast.coordinator).get(
        reverse("stakeholders:contact_export", args=[cast.alliance.pk, contact.pk, "json"])
    )
    data = json.loads(response.content)
    assert data["contact"]["email"] == "kim.lund@example.org"
    assert data["organisation"]["name"] == "Alpha"
    assert response["Content-Disposition"].startswith("attachment;")
    assert AuditEntry.objects.filter(action="contact.exported").count() == 1


def test_personal_data_export_as_pdf(cast):
    contact = _contact(cast)
    response = client_for(cast.coordinator).get(
        reverse("stakeholders:contact_export", args=[cast.alliance.pk, contact.pk, "pdf"])
    )
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Kim Lund" in text and "kim.lund@example.org" in text and "Alpha" in text


def test_unknown_export_format_is_404(cast):
    contact = _contact(cast)
    url = reverse("stakeholders:contact_export", args=[cast.alliance.pk, contact.pk, "exe"])
    assert client_for(cast.coordinator).get(url).status_code == 404
    url = reverse("stakeholders:export", args=[cast.alliance.pk, "exe"])
    assert client_for(cast.coordinator).get(url).status_code == 404


def test_erase_needs_the_confirmation_box(cast):
    contact = _contact(cast)
    url = reverse("stakeholders:contact_erase", args=[cast.alliance.pk, contact.pk])
    client = client_for(cast.coordinator, reauthenticated=True)
    assert client.post(url, {}).status_code == 200
    assert Contact.objects.get(pk=contact.pk).name == "Kim Lund"
    assert client.post(url, {"confirm": "on"}).status_code == 302
    contact.refresh_from_db()
    assert contact.is_erased and contact.email == ""


# PDFs -------------------------------------------------------------------------------------------


def test_mapping_pdf_is_landscape_with_the_guides_columns_for_the_filtered_set(cast):
    shown = _mapped(
        cast,
        "Alpha Mosque",
        organisation={"category": Category.FAITH},
        contribution="Rooms for meetings",
        engagement_strategy="Visit the board",
    )
    ContactFactory(organisation=shown.organisation, name="Imam Example", phone="+46 1")
    _mapped(cast, "Beta School", organisation={"category": Category.EDUCATION})
    response = client_for(cast.secretary).get(
        reverse("stakeholders:mapping_pdf", args=[cast.alliance.pk]), {"category": "faith"}
    )
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    box = reader.pages[0].mediabox
    assert box.width > box.height
    text = pdf_text(response.content)
    for expected in (
        "Alpha Mosque",
        "Imam Example",
        "Rooms for meetings",
        "Visit the board",
        "How can the stakeholder contribute?",
        "Engagement strategy",
    ):
        assert expected in text, expected
    assert "Beta School" not in text


def test_pdf_does_not_fetch_urls_from_user_text(cast, monkeypatch):
    _mapped(cast, '<img src="http://127.0.0.1:9/x.png">', notes="x")
    response = client_for(cast.coordinator).get(
        reverse("stakeholders:mapping_pdf", args=[cast.alliance.pk])
    )
    assert response.status_code == 200
    # The markup is printed as text: nothing was loaded from the address.
    assert '<imgsrc="http://127.0.0.1:9/x.png">' in pdf_text(response.content).replace(" ", "")


# Query counts -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "args", "limit"),
    [
        ("stakeholders:list", [], 9 + SHELL_QUERIES),
        ("stakeholders:grid", [], 9 + SHELL_QUERIES),
        ("stakeholders:export", ["csv"], 9),
        ("stakeholders:mapping_pdf", [], 9),
        ("stakeholders:programmes", [], 9 + SHELL_QUERIES),
        ("stakeholders:gaps", [], 9 + SHELL_QUERIES),
        ("stakeholders:balance", [], 9 + SHELL_QUERIES),
    ],
)
def test_query_count_does_not_grow_with_rows(
    cast, django_assert_max_num_queries, name, args, limit
):
    client = client_for(cast.coordinator)
    url = reverse(name, args=[cast.alliance.pk, *args])

    def add_rows(count):
        for _ in range(count):
            stakeholder = StakeholderFactory(alliance=cast.alliance)
            ContactFactory(organisation=stakeholder.organisation)
            programme = stakeholder.alliance.support_programmes.create(name="P")
            programme.organisations.add(stakeholder.organisation)
            programme.gaps.create(alliance=cast.alliance, problem_area="G")
            MembershipFactory(alliance=cast.alliance, organisation=stakeholder.organisation)

    add_rows(2)
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200
    add_rows(20)
    with django_assert_max_num_queries(limit):
        assert client.get(url).status_code == 200


def test_contact_edit_keeps_its_own_email(cast):
    contact = _contact(cast)
    response = client_for(cast.coordinator).post(
        reverse("stakeholders:contact_edit", args=[cast.alliance.pk, contact.pk]),
        {"name": "Kim Lund-Ek", "email": "kim.lund@example.org", "authority_to_commit": "unknown"},
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    assert contact.name == "Kim Lund-Ek"


def test_contact_email_taken_by_someone_else_is_explained(cast):
    contact = _contact(cast)
    ContactFactory(alliance=cast.alliance, email="taken@example.org")
    response = client_for(cast.coordinator).post(
        reverse("stakeholders:contact_edit", args=[cast.alliance.pk, contact.pk]),
        {"name": "Kim", "email": "TAKEN@example.org", "authority_to_commit": "unknown"},
    )
    assert response.status_code == 200
    assert "already registered" in response.content.decode()
    contact.refresh_from_db()
    assert contact.email == "kim.lund@example.org"


# Two alliances mapping one organisation ---------------------------------------------------------


def _shared(cast):
    """The cast's alliance and the other alliance both map one organisation, and each recorded
    a contact person there."""

    theirs, _ = services.stakeholder_create(
        alliance=cast.other_alliance,
        actor=cast.other_chair,
        organisation={"name": "Red Cross", "municipality": "Växjö"},
    )
    ours, joined = services.stakeholder_create(
        alliance=cast.alliance,
        actor=cast.coordinator,
        organisation={"name": "Red Cross", "municipality": "Växjö"},
    )
    assert joined
    for alliance, actor, stakeholder, name in (
        (cast.other_alliance, cast.other_chair, theirs, "Their Person"),
        (cast.alliance, cast.coordinator, ours, "Our Person"),
    ):
        services.contact_create(
            organisation=stakeholder.organisation,
            alliance=alliance,
            actor=actor,
            name=name,
            email=f"{name.split()[0].lower()}.person@example.org",
        )
    return ours, theirs


def test_detail_export_and_pdf_show_only_the_alliances_own_contacts(cast):
    ours, _theirs = _shared(cast)
    client = client_for(cast.secretary)
    page = client.get(reverse("stakeholders:detail", args=[cast.alliance.pk, ours.pk]))
    assert [c.name for c in page.context["contacts"]] == ["Our Person"]
    assert "Their Person" not in page.content.decode()
    exported = client.get(reverse("stakeholders:export", args=[cast.alliance.pk, "csv"]))
    assert b"Our Person" in exported.content and b"Their Person" not in exported.content
    pdf = client.get(reverse("stakeholders:mapping_pdf", args=[cast.alliance.pk])).content
    assert "Our Person" in pdf_text(pdf) and "Their Person" not in pdf_text(pdf)
    listing = client.get(reverse("stakeholders:list", args=[cast.alliance.pk]))
    assert [row.contact_count for row in listing.context["page"].object_list] == [1]


def test_the_same_email_may_be_in_two_alliances_registers(cast):
    ours, _theirs = _shared(cast)
    response = client_for(cast.coordinator).post(
        reverse("stakeholders:contact_create", args=[cast.alliance.pk, ours.pk]),
        {
            "name": "Them Again",
            "email": "THEIR.person@example.org",
            "authority_to_commit": "unknown",
        },
    )
    assert response.status_code == 302
    assert Contact.objects.filter(email__iexact="their.person@example.org").count() == 2


def test_shared_details_show_which_alliance_changed_them_and_when(cast):

    ours, theirs = _shared(cast)
    services.organisation_update(
        organisation=theirs.organisation,
        alliance=cast.other_alliance,
        actor=cast.other_chair,
        website="https://redcross.example",
    )
    page = client_for(cast.member).get(
        reverse("stakeholders:detail", args=[cast.alliance.pk, ours.pk])
    )
    text = " ".join(page.content.decode().split())
    assert "Shared details last changed by Skåne Alliance on" in text
    changes = page.context["shared_changes"]
    assert [(c.alliance, c.created, c.fields) for c in changes] == [
        ("Skåne Alliance", False, ["website"]),
        ("Skåne Alliance", True, []),
    ]
    assert cast.other_chair.email not in text  # the alliance, never the person


def test_notes_are_the_alliances_own(cast):
    ours, theirs = _shared(cast)
    Stakeholder.objects.filter(pk=theirs.pk).update(notes="Skåne private note")
    client = client_for(cast.coordinator)
    response = client.post(
        reverse("stakeholders:edit", args=[cast.alliance.pk, ours.pk]),
        {
            "org-name": "Red Cross",
            "org-municipality": "Växjö",
            "org-category": "other",
            "org-sector": "other",
            "assessment-impact": "2",
            "assessment-interest": "2",
            "assessment-status": "identified",
            "assessment-notes": "Kronoberg note",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("stakeholders:detail", args=[cast.alliance.pk, ours.pk]))
    assert "Kronoberg note" in page.content.decode()
    assert "Skåne private note" not in page.content.decode()
    theirs.refresh_from_db()
    assert theirs.notes == "Skåne private note"
