"""The opt-in public profile page: open only while published, at an address that stays, showing
organisations but never people, and the action plan as the chair approved it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from actionplans import services as plan_services
from alliance_portal.permissions import Role
from alliances import services as alliance_services
from outreach import services

from ..conftest import client_for
from ..factories import (
    AllianceFactory,
    MembershipFactory,
    OrganisationFactory,
    UserFactory,
    approve_plan,
    make_approved_plan,
    make_submitted_plan,
)
from .conftest import PROFILE_TEXT, write_profile

pytestmark = pytest.mark.django_db


def public_url(slug: str) -> str:
    return reverse("public:profile", args=[slug])


def publish(cast, alliance=None):
    alliance = alliance or cast.alliance
    if not alliance.public_profile:
        write_profile(alliance, cast.chair)
    return services.profile_publish(alliance=alliance, actor=cast.chair)


def visit(slug: str):
    return client_for(None).get(public_url(slug))


def seat(alliance, *, role=Role.MEMBER, organisation_name="", organisation=None, name=("", "")):
    user = UserFactory(first_name=name[0], last_name=name[1]) if any(name) else UserFactory()
    return MembershipFactory(
        alliance=alliance,
        user=user,
        role=role,
        organisation_name=organisation_name,
        organisation=organisation,
    )


CAST_SEATS = ("chair", "secretary", "coordinator", "member", "observer")


# Open only while published ----------------------------------------------------------------------


def test_a_published_profile_is_open_to_anyone_without_logging_in(cast):
    publish(cast)

    response = visit("kronoberg-alliance")

    assert response.status_code == 200
    page = response.content.decode()
    assert "Kronoberg Alliance" in page
    assert PROFILE_TEXT in page
    assert "Kronoberg County" in page  # the region
    assert "Everyone knows where to turn." in page  # the vision


def test_the_page_is_404_before_it_is_published(cast):
    write_profile(cast.alliance, cast.chair)

    assert visit("kronoberg-alliance").status_code == 404
    assert client_for(cast.chair).get(public_url("kronoberg-alliance")).status_code == 404


def test_the_page_is_404_after_unpublishing_and_back_at_the_same_address(cast):
    slug = publish(cast).public_slug
    services.profile_unpublish(alliance=cast.alliance, actor=cast.chair)

    assert visit(slug).status_code == 404

    assert publish(cast).public_slug == slug
    assert visit(slug).status_code == 200


def test_namesakes_have_pages_of_their_own(cast):
    twin = AllianceFactory(name="Kronoberg Alliance", public_profile="The other one.")
    mine = publish(cast).public_slug
    theirs = publish(cast, twin).public_slug

    assert mine != theirs
    assert PROFILE_TEXT in visit(mine).content.decode()
    assert "The other one." in visit(theirs).content.decode()
    assert PROFILE_TEXT not in visit(theirs).content.decode()


def test_an_unknown_address_is_404(cast):
    publish(cast)

    assert visit("kronoberg-alliance-2").status_code == 404
    assert visit("nobody").status_code == 404


# Organisations, never people --------------------------------------------------------------------


def test_the_page_lists_member_organisations_and_never_names_people(cast):
    registered = OrganisationFactory(name="Växjö Library")
    people = [
        seat(cast.alliance, organisation_name="Red Cross Kronoberg", name=("Amira", "Haddadine")),
        seat(cast.alliance, organisation=registered, name=("Olle", "Bergströmsson")),
        seat(
            cast.alliance, organisation_name="red cross kronoberg", name=("Tuvalin", "Ekqvistorp")
        ),
    ]
    publish(cast)

    response = visit("kronoberg-alliance")

    page = response.content.decode()
    assert "Red Cross Kronoberg" in page and "Växjö Library" in page
    assert page.count("<li>Red Cross Kronoberg</li>") == 1
    assert "red cross kronoberg" not in page
    for membership in people:
        for revealing in (membership.user.first_name, membership.user.last_name):
            assert revealing not in page, revealing
    for role in CAST_SEATS:
        user = getattr(cast, role)
        assert user.get_full_name() not in page
        assert user.email not in page


def test_organisations_are_listed_alphabetically(cast):
    for role in CAST_SEATS:
        cast.membership(getattr(cast, role)).delete()
    seat(cast.alliance, organisation_name="Ört Association")
    seat(cast.alliance, organisation_name="alpha school")
    seat(cast.alliance, organisation_name="Beta Mosque")
    publish(cast)

    response = visit("kronoberg-alliance")

    assert response.context["organisations"] == ["alpha school", "Beta Mosque", "Ört Association"]


def test_personal_members_are_counted_not_named(cast):
    seat(cast.alliance, name=("Personal", "Memberperson"))
    seat(cast.alliance, organisation_name="   ", name=("Blank", "Organisationname"))
    publish(cast)

    response = visit("kronoberg-alliance")

    page = response.content.decode()
    assert response.context["personal_members"] == 2
    assert "And 2 personal members." in page
    assert "Memberperson" not in page and "Organisationname" not in page


def test_one_personal_member_is_said_in_the_singular(cast):
    seat(cast.alliance)
    publish(cast)

    assert "And 1 personal member." in visit("kronoberg-alliance").content.decode()


def test_observers_and_former_members_are_left_out(cast):
    seats = {"chair": "A", "secretary": "B", "coordinator": "C", "member": "D"}
    seats["observer"] = "Watching Agency"
    for role, organisation in seats.items():
        membership = cast.membership(getattr(cast, role))
        membership.organisation_name = organisation
        membership.save(update_fields=["organisation_name"])
    seat(cast.alliance, role=Role.OBSERVER)  # a personal observer is not counted either
    leaver = seat(cast.alliance, organisation_name="Departed Foundation")
    alliance_services.membership_end(membership=leaver, actor=cast.chair, reason="")
    seat(cast.other_alliance, organisation_name="Skåne Only Society")
    publish(cast)

    response = visit("kronoberg-alliance")

    page = response.content.decode()
    for absent in ("Watching Agency", "Departed Foundation", "Skåne Only Society"):
        assert absent not in page
    assert response.context["personal_members"] == 0
    assert response.context["organisations"] == ["A", "B", "C", "D"]


def test_an_alliance_without_member_organisations_says_so(cast):
    for role in CAST_SEATS:
        membership = cast.membership(getattr(cast, role))
        membership.organisation_name = ""
        membership.save(update_fields=["organisation_name"])
    publish(cast)

    page = visit("kronoberg-alliance").content.decode()

    assert "No member organisations are listed yet." in page
    assert "And 4 personal members." in page


# The approved action plan -----------------------------------------------------------------------


def test_without_an_approved_plan_the_page_says_so(cast):
    make_submitted_plan(cast.alliance, cast.coordinator)
    publish(cast)

    page = visit("kronoberg-alliance").content.decode()

    assert "The alliance has not approved an action plan yet." in page
    assert "Action 1" not in page


def test_the_page_shows_the_approved_versions_snapshot(cast):
    make_approved_plan(cast.alliance, cast.coordinator, cast.chair, actions=2)
    publish(cast)

    response = visit("kronoberg-alliance")

    page = response.content.decode()
    assert "Regional action plan 2027-2028" in page
    assert "version 1" in page
    assert "Jan. 1, 2027 \N{EN DASH} June 30, 2028" in page
    assert "Mediators trained in every municipality" in page
    assert "60 mediators by March 31, 2028" in page
    assert "Action 1" in page and "Action 2" in page
    assert "by Nov. 30, 2027" in page
    assert [action["title"] for action in response.context["plan"]["actions"]] == [
        "Action 1",
        "Action 2",
    ]


def test_a_later_draft_edit_does_not_reach_the_public_page(cast):
    plan = make_approved_plan(cast.alliance, cast.coordinator, cast.chair, actions=1)
    action = plan.actions.get(title="Action 1")
    plan_services.action_update(
        action=action, actor=cast.coordinator, fields={"title": "Rewritten in the new draft"}
    )
    plan.refresh_from_db()
    assert plan.version == 2  # the edit went into a new draft
    publish(cast)

    page = visit("kronoberg-alliance").content.decode()

    assert "Action 1" in page
    assert "Rewritten in the new draft" not in page
    assert "version 1" in page


def test_the_newest_approved_version_is_shown(cast):
    plan = make_approved_plan(cast.alliance, cast.coordinator, cast.chair, actions=1)
    action = plan.actions.get(title="Action 1")
    plan_services.action_update(
        action=action, actor=cast.coordinator, fields={"title": "Action of version two"}
    )
    approve_plan(plan, cast.chair, submitted_by=cast.coordinator)
    publish(cast)

    page = visit("kronoberg-alliance").content.decode()

    assert "Action of version two" in page and "version 2" in page
    assert "Action 1" not in page


def test_another_alliances_plan_is_not_shown(cast):
    make_approved_plan(cast.other_alliance, cast.other_chair, cast.other_chair, actions=1)
    publish(cast)

    page = visit("kronoberg-alliance").content.decode()

    assert "The alliance has not approved an action plan yet." in page
