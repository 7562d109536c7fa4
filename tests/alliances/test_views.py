from __future__ import annotations

import pytest
from django.urls import reverse

from alliance_portal.permissions import Role
from alliances.models import (
    ERR_ACTIVE_NEEDS_CHAIR,
    ERR_PERIOD_ORDER,
    Alliance,
    AuditEntry,
    Membership,
)
from tests.conftest import client_for
from tests.factories import MembershipFactory


@pytest.mark.django_db
def test_my_alliances_lists_only_mine_with_role(cast):
    MembershipFactory(alliance=cast.other_alliance, user=cast.member, role=Role.OBSERVER)
    page = client_for(cast.member).get(reverse("alliances:list")).content.decode()
    assert "Kronoberg Alliance" in page and "Skåne Alliance" in page
    assert "Your role: Observer" in page and "Your role: Member" in page
    outsider_page = client_for(cast.outsider).get(reverse("alliances:list")).content.decode()
    assert "Kronoberg Alliance" not in outsider_page
    assert "not a member of any alliance yet" in outsider_page


@pytest.mark.django_db
def test_dashboard_shows_the_alliance_and_counts_its_members(cast, django_assert_max_num_queries):
    for _ in range(8):
        MembershipFactory(alliance=cast.alliance)
    client = client_for(cast.coordinator)
    url = reverse("dashboard:alliance", args=[cast.alliance.pk])
    # The page's own reads, the guide's six steps and the overview's cards, in a fixed number.
    with django_assert_max_num_queries(18):
        page = client.get(url).content.decode()
    alliance = cast.alliance
    for text in (alliance.name, alliance.region, alliance.purpose, alliance.vision, alliance.goals):
        assert text in page
    assert "13 members" in page
    assert reverse("alliances:members", args=[alliance.pk]) in page


@pytest.mark.django_db
def test_members_page_shows_each_member_and_organisation(cast):
    page = (
        client_for(cast.coordinator)
        .get(reverse("alliances:members", args=[cast.alliance.pk]))
        .content.decode()
    )
    assert str(cast.secretary) in page
    assert cast.membership(cast.secretary).organisation_name in page


@pytest.mark.django_db
def test_member_sees_no_management_buttons(cast):
    page = (
        client_for(cast.member)
        .get(reverse("dashboard:alliance", args=[cast.alliance.pk]))
        .content.decode()
    )
    assert "Invite a member" not in page and "Audit log" not in page and "Edit alliance" not in page


@pytest.mark.django_db
def test_hostile_text_is_escaped(cast):
    client = client_for(cast.chair)
    response = client.post(
        reverse("alliances:edit", args=[cast.alliance.pk]),
        {
            "name": "<script>alert('x')</script>",
            "region": "R",
            "timezone": "Europe/Stockholm",
            "currency": "SEK",
            "quorum_percent": 50,
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("dashboard:alliance", args=[cast.alliance.pk])).content.decode()
    assert "<script>alert('x')</script>" not in page
    assert "&lt;script&gt;" in page


@pytest.mark.django_db
def test_edit_with_bad_period_keeps_saved_data(cast):
    response = client_for(cast.chair).post(
        reverse("alliances:edit", args=[cast.alliance.pk]),
        {
            "name": "Renamed",
            "region": "R",
            "timezone": "Europe/Stockholm",
            "currency": "SEK",
            "quorum_percent": 50,
            "period_start": "2027-01-01",
            "period_end": "2026-01-01",
        },
    )
    assert response.status_code == 200
    assert str(ERR_PERIOD_ORDER) in response.content.decode()
    cast.alliance.refresh_from_db()
    assert cast.alliance.name == "Kronoberg Alliance"


@pytest.mark.django_db
def test_edit_rejects_oversize_name_with_message(cast):
    response = client_for(cast.chair).post(
        reverse("alliances:edit", args=[cast.alliance.pk]),
        {
            "name": "x" * 201,
            "region": "R",
            "timezone": "Europe/Stockholm",
            "currency": "SEK",
            "quorum_percent": 50,
        },
    )
    assert response.status_code == 200
    assert "at most 200 characters" in response.content.decode()
    cast.alliance.refresh_from_db()
    assert cast.alliance.name == "Kronoberg Alliance"


@pytest.mark.django_db
def test_member_cannot_post_edit(cast):
    response = client_for(cast.member).post(
        reverse("alliances:edit", args=[cast.alliance.pk]), {"name": "Hijacked", "region": "R"}
    )
    assert response.status_code == 403
    cast.alliance.refresh_from_db()
    assert cast.alliance.name == "Kronoberg Alliance"


@pytest.mark.django_db
def test_create_alliance_as_coordinator(cast):
    response = client_for(cast.coordinator).post(
        reverse("alliances:create"),
        {
            "creator_role": Role.COORDINATOR,
            "name": "Gotland Alliance",
            "region": "Gotland",
            "timezone": "Europe/Stockholm",
            "currency": "SEK",
            "quorum_percent": 50,
        },
    )
    alliance = Alliance.objects.get(name="Gotland Alliance")
    assert response["Location"] == reverse("dashboard:alliance", args=[alliance.pk])
    assert Membership.objects.get(alliance=alliance).role == Role.COORDINATOR


@pytest.mark.django_db
def test_change_role_refused_with_clear_message(cast):
    response = client_for(cast.coordinator, reauthenticated=True).post(
        reverse("alliances:member_edit", args=[cast.alliance.pk, cast.membership(cast.chair).pk]),
        {"role": Role.MEMBER, "organisation_name": "Org"},
    )
    assert response.status_code == 200
    assert str(ERR_ACTIVE_NEEDS_CHAIR) in response.content.decode()
    assert cast.membership(cast.chair).role == Role.CHAIR


@pytest.mark.django_db
def test_change_role_and_organisation(cast):
    response = client_for(cast.chair, reauthenticated=True).post(
        reverse("alliances:member_edit", args=[cast.alliance.pk, cast.membership(cast.member).pk]),
        {"role": Role.SECRETARY, "organisation_name": "Växjö Library"},
    )
    assert response.status_code == 302
    membership = cast.membership(cast.member)
    assert (membership.role, membership.organisation_name) == (Role.SECRETARY, "Växjö Library")
    assert AuditEntry.objects.filter(
        action="membership.role_changed", object_id=str(membership.pk)
    ).exists()


@pytest.mark.django_db
def test_editing_another_alliances_membership_is_404(cast):
    foreign = Membership.objects.filter(alliance=cast.other_alliance).first()
    response = client_for(cast.chair).post(
        reverse("alliances:member_edit", args=[cast.alliance.pk, foreign.pk]),
        {"role": Role.OBSERVER},
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.role != Role.OBSERVER


@pytest.mark.django_db
def test_end_membership_asks_first_then_keeps_history(cast):
    url = reverse("alliances:member_end", args=[cast.alliance.pk, cast.membership(cast.member).pk])
    client = client_for(cast.chair)
    confirm = client.get(url).content.decode()
    assert "End membership" in confirm
    assert Membership.objects.active().filter(user=cast.member).exists()

    response = client.post(url, {"reason": "Left the organisation"})
    assert response.status_code == 302
    ended = Membership.objects.get(user=cast.member, alliance=cast.alliance)
    assert ended.ended_at is not None and ended.end_reason == "Left the organisation"
    assert response["Location"] == reverse("alliances:members", args=[cast.alliance.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Former members" in page and "Left the organisation" in page


@pytest.mark.django_db
def test_hand_over_chair_view(cast):
    response = client_for(cast.chair, reauthenticated=True).post(
        reverse("alliances:hand_over", args=[cast.alliance.pk]),
        {"new_chair": cast.membership(cast.coordinator).pk, "previous_chair_role": Role.MEMBER},
    )
    assert response.status_code == 302
    assert cast.membership(cast.coordinator).role == Role.CHAIR
    assert cast.membership(cast.chair).role == Role.MEMBER


@pytest.mark.django_db
def test_hand_over_to_another_alliances_member_is_refused(cast):
    foreign = (
        Membership.objects.filter(alliance=cast.other_alliance).exclude(role=Role.CHAIR).first()
    )
    response = client_for(cast.chair, reauthenticated=True).post(
        reverse("alliances:hand_over", args=[cast.alliance.pk]),
        {"new_chair": foreign.pk, "previous_chair_role": Role.MEMBER},
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert cast.membership(cast.chair).role == Role.CHAIR


@pytest.mark.django_db
def test_transition_confirm_then_close(cast):
    url = reverse("alliances:transition", args=[cast.alliance.pk, "close"])
    client = client_for(cast.chair)
    assert "Close" in client.get(url).content.decode()
    cast.alliance.refresh_from_db()
    assert cast.alliance.status == Alliance.Status.ACTIVE
    client.post(url)
    cast.alliance.refresh_from_db()
    assert cast.alliance.status == Alliance.Status.CLOSED


@pytest.mark.django_db
def test_unknown_transition_is_404(cast):
    response = client_for(cast.chair).post(
        reverse("alliances:transition", args=[cast.alliance.pk, "delete"])
    )
    assert response.status_code == 404


@pytest.mark.django_db
def test_invalid_transition_shows_message(cast):
    response = client_for(cast.chair).post(
        reverse("alliances:transition", args=[cast.alliance.pk, "activate"]), follow=True
    )
    assert "Only an alliance that is being formed can be activated." in response.content.decode()


@pytest.mark.django_db
def test_audit_log_newest_first_and_paginated(cast, settings, django_assert_max_num_queries):
    settings.AUDIT_PAGE_SIZE = 5
    for i in range(7):
        AuditEntry.objects.create(alliance=cast.alliance, action=f"test.action{i}", actor_label="x")
    client = client_for(cast.chair)
    url = reverse("alliances:audit_log", args=[cast.alliance.pk])
    with django_assert_max_num_queries(8):
        first = client.get(url).content.decode()
    assert first.index("test.action6") < first.index("test.action5")
    assert "test.action1" not in first and "Page 1 of 2" in first
    second = client.get(url, {"page": "2"}).content.decode()
    assert "test.action1" in second and "test.action0" in second
    assert client.get(url, {"page": "nonsense"}).status_code == 200


@pytest.mark.django_db
def test_set_language_saves_preference(cast):
    client = client_for(cast.member)
    response = client.post(reverse("set_language"), {"language": "sv", "next": "/alliances/"})
    assert response.status_code == 302
    cast.member.refresh_from_db()
    assert cast.member.preferred_language == "sv"


@pytest.mark.django_db
def test_set_language_ignores_unknown_language(cast):
    client_for(cast.member).post(reverse("set_language"), {"language": "xx"})
    cast.member.refresh_from_db()
    assert cast.member.preferred_language == "en"


@pytest.mark.django_db
def test_profile_update(cast):
    client = client_for(cast.member)
    response = client.post(
        reverse("profile"), {"first_name": "Noor", "last_name": "Ali", "preferred_language": "sv"}
    )
    assert response.status_code == 302
    cast.member.refresh_from_db()
    assert (cast.member.first_name, cast.member.preferred_language) == ("Noor", "sv")


@pytest.mark.django_db
def test_login_with_email_in_any_case(client):
    from tests.factories import TEST_PASSWORD, UserFactory

    UserFactory(email="mixed@example.org")
    response = client.post(
        reverse("login"), {"username": "MIXED@example.org", "password": TEST_PASSWORD}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("mywork:index")


@pytest.mark.django_db
def test_login_with_wrong_password_says_so(client):
    response = client.post(reverse("login"), {"username": "nobody@example.org", "password": "x"})
    assert response.status_code == 200
    assert "Please enter a correct" in response.content.decode()
