"""SWOT analyses: one point a line, the services and their audit entries, the comparison of two
analyses, and the pages with the guide's prompt questions."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.formats import date_format
from django.utils.html import escape

from alliances.models import AuditEntry
from sustainability import selectors, services
from sustainability.guide import SWOT_PROMPTS
from sustainability.models import ERR_DATE_IN_FUTURE, Quadrant, Swot

from ..conftest import client_for
from .conftest import TODAY, make_swot, page, stored, url

QUADRANTS = ("strengths", "weaknesses", "opportunities", "threats")


def _swot_form(**fields) -> dict:
    return {
        "title": "Mid-term review",
        "held_on": "2027-06-01",
        "strengths": "Committed municipalities\nA mapped support landscape",
        "weaknesses": "Minutes reach members late",
        "opportunities": "The county's new health strategy",
        "threats": "Staff turnover",
        **fields,
    }


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


# The model --------------------------------------------------------------------------------------


def test_points_are_the_non_empty_lines_without_list_marks(cast):
    swot = make_swot(
        cast.alliance,
        cast.coordinator,
        strengths="- Committed municipalities\n* Trust\n\N{BULLET} Funding\n\n   \n"
        "\N{EN DASH} Volunteers\n  Libraries  ",
    )

    assert swot.points("strengths") == [
        "Committed municipalities",
        "Trust",
        "Funding",
        "Volunteers",
        "Libraries",
    ]


def test_a_swot_is_complete_only_when_all_four_quadrants_say_something(cast):
    complete = make_swot(cast.alliance, cast.coordinator)
    partial = make_swot(cast.alliance, cast.coordinator, threats="  \n ")

    assert complete.is_complete is True
    assert partial.is_complete is False


# Services ---------------------------------------------------------------------------------------


def test_creating_a_swot_saves_it_and_writes_an_audit_entry(cast):
    swot = make_swot(cast.alliance, cast.secretary, title="Kick-off")

    assert Swot.objects.get().pk == swot.pk
    assert (swot.alliance, swot.created_by, swot.title) == (
        cast.alliance,
        cast.secretary,
        "Kick-off",
    )
    [entry] = _entries("swot.created")
    assert (entry.actor, entry.alliance, entry.object_id) == (
        cast.secretary,
        cast.alliance,
        str(swot.pk),
    )
    assert entry.object_label == "Kick-off"


def test_updating_a_swot_audits_the_changed_fields(cast):
    swot = make_swot(cast.alliance, cast.coordinator)

    services.swot_save(
        alliance=cast.alliance,
        actor=cast.chair,
        swot=swot,
        title="Kick-off, revised",
        threats="Short project funding\nElections next year",
    )

    swot.refresh_from_db()
    assert swot.title == "Kick-off, revised"
    assert swot.points("threats") == ["Short project funding", "Elections next year"]
    [entry] = _entries("swot.updated")
    assert (entry.actor, entry.object_id) == (cast.chair, str(swot.pk))
    assert entry.changes == {"fields": "threats, title"}


def test_saving_a_swot_unchanged_writes_no_audit_entry(cast):
    swot = make_swot(cast.alliance, cast.coordinator)

    services.swot_save(alliance=cast.alliance, actor=cast.chair, swot=swot, title=swot.title)

    assert _entries("swot.updated") == []


def test_deleting_a_swot_removes_it_and_audits_it(cast):
    swot = make_swot(cast.alliance, cast.coordinator, title="Old one")

    services.swot_delete(swot=swot, actor=cast.chair)

    assert not Swot.objects.exists()
    [entry] = _entries("swot.deleted")
    assert (entry.actor, entry.alliance, entry.object_label) == (
        cast.chair,
        cast.alliance,
        "Old one",
    )


def test_a_swot_dated_in_the_future_is_refused(cast):
    with pytest.raises(ValidationError) as refused:
        make_swot(cast.alliance, cast.coordinator, held_on=TODAY + timedelta(days=1))

    assert refused.value.message_dict["held_on"] == [str(ERR_DATE_IN_FUTURE)]
    assert not Swot.objects.exists()
    assert _entries("swot.created") == []


def test_a_swot_dated_today_is_accepted(cast):
    assert make_swot(cast.alliance, cast.coordinator, held_on=TODAY).held_on == TODAY


def test_a_swot_needs_a_title(cast):
    with pytest.raises(ValidationError) as refused:
        make_swot(cast.alliance, cast.coordinator, title="")

    assert "title" in refused.value.message_dict
    assert not Swot.objects.exists()


# Comparison -------------------------------------------------------------------------------------


def test_comparison_names_kept_added_and_dropped_points_per_quadrant(cast):
    earlier = make_swot(
        cast.alliance,
        cast.coordinator,
        strengths="- Committed municipalities\n* Migrant organisations at the table",
        weaknesses="Few members from business",
        opportunities="",
        threats="",
    )
    later = make_swot(
        cast.alliance,
        cast.coordinator,
        strengths="committed MUNICIPALITIES\n\N{BULLET} A mapped support landscape",
        weaknesses="Few members from business\nMinutes reach members late",
        opportunities="",
        threats="",
    )

    comparison = {row.key: row for row in selectors.swot_comparison(earlier, later)}

    assert [row.key for row in selectors.swot_comparison(earlier, later)] == list(QUADRANTS)
    strengths = comparison["strengths"]
    assert strengths.kept == ["committed MUNICIPALITIES"]
    assert strengths.added == ["A mapped support landscape"]
    assert strengths.dropped == ["Migrant organisations at the table"]
    weaknesses = comparison["weaknesses"]
    assert weaknesses.kept == ["Few members from business"]
    assert weaknesses.added == ["Minutes reach members late"]
    assert weaknesses.dropped == []
    for key in ("opportunities", "threats"):
        assert (comparison[key].kept, comparison[key].added, comparison[key].dropped) == (
            [],
            [],
            [],
        )


def test_comparison_of_an_analysis_with_an_emptied_quadrant_drops_every_point(cast):
    earlier = make_swot(cast.alliance, cast.coordinator, threats="Short funding\nElections")
    later = make_swot(cast.alliance, cast.coordinator, threats="")

    threats = selectors.swot_comparison(earlier, later)[3]

    assert threats.label == "Threats"
    assert (threats.kept, threats.added, threats.dropped) == (
        [],
        [],
        ["Short funding", "Elections"],
    )


def test_quadrants_come_in_the_guides_order_with_their_prompts(cast):
    swot = make_swot(cast.alliance, cast.coordinator)

    views = selectors.quadrants(swot)

    assert [view.key for view in views] == list(QUADRANTS)
    assert [view.prompts for view in views] == [SWOT_PROMPTS[q] for q in Quadrant]
    assert views[0].points == ["Committed municipalities", "Migrant organisations at the table"]
    assert all(view.points == [] for view in selectors.quadrants(None))


# Pages: list and detail -------------------------------------------------------------------------


def test_member_reads_the_list_of_this_alliances_analyses_newest_first(cast):
    make_swot(cast.alliance, cast.coordinator, title="Kick-off", held_on=date(2026, 11, 1))
    make_swot(cast.alliance, cast.coordinator, title="Spring review", held_on=date(2027, 4, 1))
    make_swot(
        cast.alliance, cast.coordinator, title="Partial", held_on=date(2027, 5, 1), threats=""
    )
    make_swot(cast.other_alliance, cast.other_chair, title="Skåne SWOT")

    response = client_for(cast.member).get(url("swots", cast.alliance))

    assert response.status_code == 200
    titles = [swot.title for swot in response.context["page"].object_list]
    assert titles == ["Partial", "Spring review", "Kick-off"]
    text = page(response)
    assert "Skåne SWOT" not in text
    assert "Not all four quadrants" in text
    assert "Compare two analyses" in text
    # Reading is not managing.
    assert url("swot_create", cast.alliance) not in text


def test_the_list_offers_a_new_analysis_to_those_who_manage_evaluation(cast):
    text = page(client_for(cast.secretary).get(url("swots", cast.alliance)))

    assert url("swot_create", cast.alliance) in text
    assert "No SWOT analysis yet." in text
    assert "Compare two analyses" not in text


def test_the_detail_page_lists_each_quadrants_points(cast):
    swot = make_swot(cast.alliance, cast.coordinator, weaknesses="")

    response = client_for(cast.observer).get(url("swot", cast.alliance, swot.pk))

    assert response.status_code == 200
    text = page(response)
    assert "<li>Committed municipalities</li>" in text
    assert "<li>Migrant organisations at the table</li>" in text
    assert "Nothing noted." in text
    assert date_format(swot.held_on, "DATE_FORMAT") in text
    assert url("swot_edit", cast.alliance, swot.pk) not in text


def test_the_swot_list_needs_the_same_queries_for_few_and_many_analyses(
    cast, django_assert_max_num_queries
):
    make_swot(cast.alliance, cast.coordinator)
    client = client_for(cast.coordinator)
    with CaptureQueriesContext(connection) as few:
        client.get(url("swots", cast.alliance))
    for number in range(15):
        make_swot(cast.alliance, cast.secretary, title=f"Review {number}")

    with django_assert_max_num_queries(len(few)):
        response = client.get(url("swots", cast.alliance))

    assert len(response.context["page"].object_list) == 16


# Pages: the form --------------------------------------------------------------------------------


def test_the_form_shows_the_guides_prompts_beside_each_quadrant(cast):
    response = client_for(cast.coordinator).get(url("swot_create", cast.alliance))

    assert response.status_code == 200
    text = page(response)
    for quadrant in Quadrant:
        assert f'id="prompts-{quadrant.value}"' in text
        assert f'name="{quadrant.value}"' in text
        for prompt in SWOT_PROMPTS[quadrant]:
            assert escape(str(prompt)) in text
    # Internal factors come before external ones, as in the guide.
    assert text.index("Internal factors") < text.index('id="prompts-strengths"')
    assert text.index('id="prompts-weaknesses"') < text.index("External factors")
    assert text.index("External factors") < text.index('id="prompts-opportunities"')


def test_a_new_analysis_is_dated_today_by_default(cast):
    response = client_for(cast.coordinator).get(url("swot_create", cast.alliance))

    assert response.context["form"]["held_on"].value() == TODAY


def test_creating_through_the_page_saves_and_opens_the_analysis(cast):
    response = client_for(cast.secretary).post(url("swot_create", cast.alliance), _swot_form())

    swot = Swot.objects.get()
    assert response.status_code == 302
    assert response.url == url("swot", cast.alliance, swot.pk)
    assert (swot.alliance, swot.created_by, swot.held_on) == (
        cast.alliance,
        cast.secretary,
        date(2027, 6, 1),
    )
    assert swot.points("strengths") == ["Committed municipalities", "A mapped support landscape"]
    assert AuditEntry.objects.filter(action="swot.created", actor=cast.secretary).count() == 1


def test_a_future_date_on_the_page_is_explained_and_nothing_saved(cast):
    response = client_for(cast.chair).post(
        url("swot_create", cast.alliance), _swot_form(held_on="2027-06-16")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["held_on"] == [str(ERR_DATE_IN_FUTURE)]
    assert escape(str(ERR_DATE_IN_FUTURE)) in page(response)
    assert not Swot.objects.exists()


def test_editing_through_the_page_changes_the_analysis_and_audits_it(cast):
    swot = make_swot(cast.alliance, cast.coordinator)
    client = client_for(cast.chair)

    form = client.get(url("swot_edit", cast.alliance, swot.pk))
    assert form.context["form"]["title"].value() == "Kick-off SWOT"
    response = client.post(
        url("swot_edit", cast.alliance, swot.pk), _swot_form(title="Kick-off, revised")
    )

    assert response.status_code == 302
    swot.refresh_from_db()
    assert swot.title == "Kick-off, revised"
    assert swot.created_by == cast.coordinator
    [entry] = _entries("swot.updated")
    assert entry.actor == cast.chair
    assert "title" in entry.changes["fields"]


def test_the_delete_page_asks_first_and_deletes_nothing_on_get(cast):
    swot = make_swot(cast.alliance, cast.coordinator, title="Kick-off")
    before = stored()

    response = client_for(cast.coordinator).get(url("swot_delete", cast.alliance, swot.pk))

    assert response.status_code == 200
    assert "Delete the SWOT analysis “Kick-off”?" in page(response)
    assert stored() == before


def test_posting_the_delete_page_deletes_the_analysis(cast):
    swot = make_swot(cast.alliance, cast.coordinator)

    response = client_for(cast.secretary).post(url("swot_delete", cast.alliance, swot.pk))

    assert response.status_code == 302
    assert response.url == url("swots", cast.alliance)
    assert not Swot.objects.exists()
    assert [entry.actor for entry in _entries("swot.deleted")] == [cast.secretary]


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
@pytest.mark.parametrize("name", ["swot_create", "swot_edit", "swot_delete"])
def test_managing_pages_answer_only_get_and_post(cast, name, method):
    swot = make_swot(cast.alliance, cast.coordinator)
    args = () if name == "swot_create" else (swot.pk,)
    before = stored()

    response = getattr(client_for(cast.chair), method)(url(name, cast.alliance, *args))

    assert response.status_code == 405
    assert stored() == before


# Pages: the comparison --------------------------------------------------------------------------


def _three_analyses(cast):
    """Made out of date order, so the defaults must go by date, not by id."""
    spring = make_swot(
        cast.alliance, cast.coordinator, title="Spring", held_on=date(2027, 4, 1), threats="Cuts"
    )
    kick_off = make_swot(
        cast.alliance, cast.coordinator, title="Kick-off", held_on=date(2026, 10, 1)
    )
    summer = make_swot(
        cast.alliance,
        cast.coordinator,
        title="Summer",
        held_on=date(2027, 6, 10),
        threats="cuts\nElections",
    )
    return kick_off, spring, summer


def test_compare_shows_the_two_latest_analyses_by_default(cast):
    _kick_off, spring, summer = _three_analyses(cast)

    response = client_for(cast.member).get(url("swot_compare", cast.alliance))

    assert response.status_code == 200
    assert (response.context["earlier"], response.context["later"]) == (spring, summer)
    threats = response.context["comparison"][3]
    assert (threats.kept, threats.added, threats.dropped) == (["cuts"], ["Elections"], [])
    text = page(response)
    assert "From “Spring”" in text and "to “Summer”" in text
    assert '<li class="added-point">Elections</li>' in text


def test_compare_shows_the_chosen_pair(cast):
    kick_off, _spring, summer = _three_analyses(cast)

    response = client_for(cast.member).get(
        url("swot_compare", cast.alliance), {"earlier": kick_off.pk, "later": summer.pk}
    )

    assert response.status_code == 200
    assert (response.context["earlier"], response.context["later"]) == (kick_off, summer)
    threats = response.context["comparison"][3]
    assert (threats.kept, threats.added, threats.dropped) == (
        [],
        ["cuts", "Elections"],
        ["Short project funding"],
    )
    assert '<li class="dropped-point">Short project funding</li>' in page(response)


def test_comparing_an_analysis_with_itself_is_refused(cast):
    _kick_off, spring, _summer = _three_analyses(cast)

    response = client_for(cast.member).get(
        url("swot_compare", cast.alliance), {"earlier": spring.pk, "later": spring.pk}
    )

    assert response.status_code == 400
    assert response.context["comparison"] == []
    assert "Choose two different analyses to compare." in page(response)


def test_comparing_with_another_alliances_analysis_is_a_form_error_not_a_leak(cast):
    _kick_off, spring, _summer = _three_analyses(cast)
    foreign = make_swot(
        cast.other_alliance, cast.other_chair, title="Skåne SWOT", strengths="Secret strength"
    )

    for query in (
        {"earlier": spring.pk, "later": foreign.pk},
        {"earlier": foreign.pk, "later": spring.pk},
    ):
        response = client_for(cast.chair).get(url("swot_compare", cast.alliance), query)

        assert response.status_code == 400
        assert response.context["comparison"] == []
        assert response.context["form"].errors
        assert "Secret strength" not in page(response)
        assert "Skåne SWOT" not in page(response)


def test_compare_with_fewer_than_two_analyses_explains_why(cast):
    make_swot(cast.alliance, cast.coordinator)

    response = client_for(cast.member).get(url("swot_compare", cast.alliance))

    assert response.status_code == 200
    assert response.context["comparison"] == []
    assert "Comparing needs two SWOT analyses" in page(response)


# Who may do what --------------------------------------------------------------------------------


def _manage_urls(cast, swot) -> list[str]:
    return [
        url("swot_create", cast.alliance),
        url("swot_edit", cast.alliance, swot.pk),
        url("swot_delete", cast.alliance, swot.pk),
    ]


@pytest.mark.parametrize("role", ["chair", "secretary", "coordinator"])
def test_those_who_manage_evaluation_open_the_managing_pages(cast, role):
    swot = make_swot(cast.alliance, cast.coordinator)
    client = client_for(cast.user(role))

    for address in _manage_urls(cast, swot):
        assert client.get(address).status_code == 200, address


@pytest.mark.parametrize("role", ["member", "observer"])
def test_members_and_observers_get_403_on_managing_pages_and_change_nothing(cast, role):
    swot = make_swot(cast.alliance, cast.coordinator)
    client = client_for(cast.user(role))
    before = stored()

    for address in _manage_urls(cast, swot):
        assert client.get(address).status_code == 403, address
        assert client.post(address, _swot_form(title="Hijacked")).status_code == 403, address

    assert stored() == before


@pytest.mark.parametrize("role", ["member", "observer"])
def test_members_and_observers_read_analyses_and_the_comparison(cast, role):
    swot = make_swot(cast.alliance, cast.coordinator)
    client = client_for(cast.user(role))

    for address in (
        url("swots", cast.alliance),
        url("swot", cast.alliance, swot.pk),
        url("swot_compare", cast.alliance),
    ):
        assert client.get(address).status_code == 200, address


@pytest.mark.parametrize("role", ["outsider", "other_chair"])
def test_people_outside_the_alliance_get_404_everywhere(cast, role):
    swot = make_swot(cast.alliance, cast.coordinator)
    client = client_for(cast.user(role))
    before = stored()

    pages = (
        url("swots", cast.alliance),
        url("swot", cast.alliance, swot.pk),
        url("swot_compare", cast.alliance),
    )
    for address in (*pages, *_manage_urls(cast, swot)):
        # A page that only shows refuses a POST from anyone, before asking who they are.
        expected_post = 405 if address in pages else 404
        assert client.get(address).status_code == 404, address
        assert client.post(address, _swot_form()).status_code == expected_post, address

    assert stored() == before


def test_anonymous_visitors_are_sent_to_log_in(cast):
    response = client_for(None).get(url("swots", cast.alliance))

    assert response.status_code == 302
    assert "login" in response.url


def test_another_alliances_analysis_answers_404_through_this_alliance(cast):
    foreign = make_swot(cast.other_alliance, cast.other_chair, title="Skåne SWOT")
    client = client_for(cast.chair)
    before = stored()

    for name in ("swot", "swot_edit", "swot_delete"):
        address = url(name, cast.alliance, foreign.pk)
        expected_post = 405 if name == "swot" else 404  # the analysis's page only shows
        assert client.get(address).status_code == 404, name
        assert client.post(address, _swot_form(title="Hijacked")).status_code == expected_post

    assert stored() == before
    assert Swot.objects.get(pk=foreign.pk).title == "Skåne SWOT"
