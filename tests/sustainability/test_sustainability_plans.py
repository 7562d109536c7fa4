"""Sustainability plans: one per action plan, decided only once it says what continues, who carries
it on and with what; the list with the date the guide asks for it, and the edit page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.formats import date_format
from django.utils.html import escape

from alliances.models import AuditEntry
from reminders.models import ReminderSettings
from sustainability import selectors, services
from sustainability.models import (
    ERR_DATE_IN_FUTURE,
    ERR_DECIDED_NEEDS,
    SustainabilityPlan,
)

from ..conftest import client_for
from ..factories import make_approved_plan, make_plan
from .conftest import DEADLINE, TODAY, page, stored, url

DECIDED = {
    "what_continues": "The weekly help desk at the library.",
    "carried_by": "Växjö municipality and the Red Cross.",
    "resources": "The municipality's integration budget.",
}
# Ten days after the factories' plan's deadline.
AFTER_DEADLINE = datetime(2028, 1, 9, 10, 0, tzinfo=UTC)


def _save(plan, actor, **fields) -> SustainabilityPlan:
    return services.sustainability_save(plan=plan, actor=actor, **fields)


def _form(**fields) -> dict:
    return {**DECIDED, "committees": "", "decision_date": "", **fields}


def _day(value: date) -> str:
    return date_format(value, "DATE_FORMAT")


def _rows(response) -> list:
    return response.context["rows"]


@pytest.fixture
def plan(cast):
    return make_approved_plan(cast.alliance, cast.coordinator, cast.chair, actions=1)


# Services ---------------------------------------------------------------------------------------


def test_the_first_save_starts_the_plans_sustainability_plan_and_audits_it(cast, plan):
    item = _save(plan, cast.coordinator, what_continues="The help desk.")

    assert SustainabilityPlan.objects.get().pk == item.pk
    assert (item.plan, item.updated_by, item.is_decided) == (plan, cast.coordinator, False)
    [entry] = AuditEntry.objects.filter(action="sustainability.created")
    assert (entry.actor, entry.alliance, entry.object_id) == (
        cast.coordinator,
        cast.alliance,
        str(item.pk),
    )


def test_a_later_save_updates_the_same_row_and_audits_the_changed_fields(cast, plan):
    first = _save(plan, cast.coordinator, what_continues="The help desk.")

    second = _save(plan, cast.chair, **DECIDED, decision_date=date(2027, 6, 1))

    assert second.pk == first.pk
    assert SustainabilityPlan.objects.count() == 1
    second.refresh_from_db()
    assert (second.updated_by, second.decision_date, second.is_decided) == (
        cast.chair,
        date(2027, 6, 1),
        True,
    )
    [entry] = AuditEntry.objects.filter(action="sustainability.updated")
    assert entry.actor == cast.chair
    assert entry.changes == {"fields": "carried_by, decision_date, resources, what_continues"}


def test_a_decision_date_needs_what_continues_who_carries_it_and_the_resources(cast, plan):
    for missing in DECIDED:
        fields = {**DECIDED, missing: "   ", "decision_date": date(2027, 6, 1)}

        with pytest.raises(ValidationError) as refused:
            _save(plan, cast.coordinator, **fields)

        assert refused.value.message_dict == {"decision_date": [str(ERR_DECIDED_NEEDS)]}, missing
    assert not SustainabilityPlan.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="sustainability.").exists()


def test_a_draft_needs_nothing_filled_in(cast, plan):
    item = _save(plan, cast.coordinator, committees="A working group on funding.")

    assert (item.what_continues, item.is_decided) == ("", False)


def test_a_decision_date_in_the_future_is_refused(cast, plan):
    with pytest.raises(ValidationError) as refused:
        _save(plan, cast.coordinator, **DECIDED, decision_date=TODAY + timedelta(days=1))

    assert refused.value.message_dict["decision_date"] == [str(ERR_DATE_IN_FUTURE)]
    assert not SustainabilityPlan.objects.exists()


def test_the_rows_give_each_plan_its_deadline_latest_ending_first(cast):
    early = make_plan(cast.alliance, cast.coordinator, title="Early", period_end=date(2027, 8, 31))
    late = make_approved_plan(
        cast.alliance,
        cast.coordinator,
        cast.chair,
        actions=1,
        title="Late",
        period_end=date(2028, 6, 30),
    )

    rows = selectors.sustainability_rows(alliance=cast.alliance, months=6)

    assert [(row.plan, row.approved, row.deadline) for row in rows] == [
        (late, True, DEADLINE),
        # Six months before 31 August is the last day of February.
        (early, False, date(2027, 2, 28)),
    ]


# The list ---------------------------------------------------------------------------------------


def test_the_list_shows_each_plan_its_deadline_and_state(cast, plan):
    draft_plan = make_plan(cast.alliance, cast.coordinator, title="Reception plan 2027")
    _save(draft_plan, cast.coordinator, what_continues="Language cafés.")
    make_plan(cast.other_alliance, cast.other_chair, title="Skåne plan")

    response = client_for(cast.member).get(url("plans", cast.alliance))

    assert response.status_code == 200
    assert {row.plan.pk for row in _rows(response)} == {plan.pk, draft_plan.pk}
    text = page(response)
    assert _day(DEADLINE) in text
    assert _day(plan.period_end) in text
    assert "Not started" in text
    assert "Draft" in text
    assert "not approved yet" in text
    assert "Skåne plan" not in text
    assert "at least 6 months before the plan ends" in text
    assert "overdue" not in text
    # Reading is not managing.
    assert url("plan_edit", cast.alliance, plan.pk) not in text


def test_the_list_links_each_plan_to_its_edit_page_for_those_who_manage(cast, plan):
    text = page(client_for(cast.secretary).get(url("plans", cast.alliance)))

    assert url("plan_edit", cast.alliance, plan.pk) in text
    assert "Write it" in text


def test_a_plan_past_its_deadline_without_a_decision_is_overdue(cast, plan, clock):
    _save(plan, cast.coordinator, what_continues="The help desk.")
    clock.move_to(AFTER_DEADLINE)

    text = page(client_for(cast.member).get(url("plans", cast.alliance)))

    assert "overdue" in text
    assert "Draft" in text


def test_a_plan_is_not_overdue_on_its_deadline(cast, plan, clock):
    clock.move_to(datetime(2027, 12, 30, 12, 0, tzinfo=UTC))

    text = page(client_for(cast.member).get(url("plans", cast.alliance)))

    assert "overdue" not in text


def test_a_plan_decided_in_time_shows_its_decision_and_no_badge(cast, plan, clock):
    clock.move_to(AFTER_DEADLINE)
    _save(plan, cast.coordinator, **DECIDED, decision_date=DEADLINE)

    response = client_for(cast.member).get(url("plans", cast.alliance))

    text = page(response)
    assert f"Decided on {_day(DEADLINE)}" in text
    assert "overdue" not in text
    assert "later than the guide advises" not in text
    assert _rows(response)[0].decided_late is False


def test_a_plan_decided_after_its_deadline_is_marked_late_not_overdue(cast, plan, clock):
    clock.move_to(AFTER_DEADLINE)
    decided_on = DEADLINE + timedelta(days=1)
    _save(plan, cast.coordinator, **DECIDED, decision_date=decided_on)

    response = client_for(cast.member).get(url("plans", cast.alliance))

    text = page(response)
    assert f"Decided on {_day(decided_on)}" in text
    assert "later than the guide advises" in text
    assert "overdue" not in text
    assert _rows(response)[0].decided_late is True


def test_the_deadline_follows_the_alliances_reminder_setting(cast, plan):
    ReminderSettings.objects.create(alliance=cast.alliance, sustainability_months=3)

    response = client_for(cast.member).get(url("plans", cast.alliance))

    assert _rows(response)[0].deadline == date(2028, 3, 30)
    text = page(response)
    assert _day(date(2028, 3, 30)) in text
    assert "at least 3 months before the plan ends" in text


def test_an_alliance_without_plans_is_told_a_sustainability_plan_follows_one(cast):
    text = page(client_for(cast.member).get(url("plans", cast.alliance)))

    assert "The alliance has no action plan yet" in text


def test_the_list_needs_the_same_queries_for_few_and_many_plans(
    cast, plan, django_assert_max_num_queries
):
    _save(plan, cast.coordinator, what_continues="The help desk.")
    client = client_for(cast.member)
    with CaptureQueriesContext(connection) as few:
        client.get(url("plans", cast.alliance))
    for number in range(8):
        other = make_plan(cast.alliance, cast.coordinator, title=f"Plan {number}")
        if number % 2:
            _save(other, cast.coordinator, **DECIDED, decision_date=date(2027, 5, number + 1))

    with django_assert_max_num_queries(len(few)):
        response = client.get(url("plans", cast.alliance))

    assert len(_rows(response)) == 9


# The edit page ----------------------------------------------------------------------------------


def test_the_edit_page_says_when_the_guide_asks_for_the_plan(cast, plan):
    response = client_for(cast.coordinator).get(url("plan_edit", cast.alliance, plan.pk))

    assert response.status_code == 200
    text = page(response)
    assert plan.title in text
    assert f"The action plan ends on {_day(plan.period_end)}." in text
    assert f"at least 6 months before, by {_day(DEADLINE)}." in text


def test_writing_the_plan_through_the_page_saves_it(cast, plan):
    client = client_for(cast.secretary)

    response = client.post(url("plan_edit", cast.alliance, plan.pk), _form())

    assert response.status_code == 302
    assert response.url == url("plans", cast.alliance)
    item = SustainabilityPlan.objects.get(plan=plan)
    assert (item.what_continues, item.updated_by, item.is_decided) == (
        DECIDED["what_continues"],
        cast.secretary,
        False,
    )
    assert AuditEntry.objects.filter(action="sustainability.created").count() == 1


def test_deciding_the_plan_through_the_page_updates_it(cast, plan):
    _save(plan, cast.coordinator, **DECIDED)
    client = client_for(cast.chair)

    form = client.get(url("plan_edit", cast.alliance, plan.pk))
    assert form.context["form"]["what_continues"].value() == DECIDED["what_continues"]
    response = client.post(
        url("plan_edit", cast.alliance, plan.pk), _form(decision_date="2027-06-10")
    )

    assert response.status_code == 302
    item = SustainabilityPlan.objects.get(plan=plan)
    assert (item.decision_date, item.updated_by) == (date(2027, 6, 10), cast.chair)
    [entry] = AuditEntry.objects.filter(action="sustainability.updated")
    assert entry.changes == {"fields": "decision_date"}


def test_a_decision_without_who_carries_it_on_is_explained_on_the_page(cast, plan):
    response = client_for(cast.coordinator).post(
        url("plan_edit", cast.alliance, plan.pk), _form(carried_by="", decision_date="2027-06-10")
    )

    assert response.status_code == 200
    assert response.context["form"].errors["decision_date"] == [str(ERR_DECIDED_NEEDS)]
    assert escape(str(ERR_DECIDED_NEEDS)) in page(response)
    assert not SustainabilityPlan.objects.exists()


def test_a_future_decision_date_on_the_page_is_explained(cast, plan):
    response = client_for(cast.coordinator).post(
        url("plan_edit", cast.alliance, plan.pk), _form(decision_date="2027-06-16")
    )

    assert response.context["form"].errors["decision_date"] == [str(ERR_DATE_IN_FUTURE)]
    assert not SustainabilityPlan.objects.exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_the_edit_page_answers_only_get_and_post(cast, plan, method):
    before = stored()

    response = getattr(client_for(cast.chair), method)(url("plan_edit", cast.alliance, plan.pk))

    assert response.status_code == 405
    assert stored() == before


# Who may do what --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["chair", "secretary", "coordinator"])
def test_those_who_manage_evaluation_open_the_edit_page(cast, plan, role):
    response = client_for(cast.user(role)).get(url("plan_edit", cast.alliance, plan.pk))

    assert response.status_code == 200


@pytest.mark.parametrize("role", ["member", "observer"])
def test_members_and_observers_read_the_list_but_get_403_on_the_edit_page(cast, plan, role):
    _save(plan, cast.coordinator, what_continues="The help desk.")
    client = client_for(cast.user(role))
    before = stored()

    assert client.get(url("plans", cast.alliance)).status_code == 200
    address = url("plan_edit", cast.alliance, plan.pk)
    assert client.get(address).status_code == 403
    assert client.post(address, _form(decision_date="2027-06-10")).status_code == 403

    assert stored() == before


@pytest.mark.parametrize("role", ["outsider", "other_chair"])
def test_people_outside_the_alliance_get_404(cast, plan, role):
    client = client_for(cast.user(role))
    before = stored()

    assert client.get(url("plans", cast.alliance)).status_code == 404
    address = url("plan_edit", cast.alliance, plan.pk)
    assert client.get(address).status_code == 404
    assert client.post(address, _form()).status_code == 404

    assert stored() == before


def test_another_alliances_plan_answers_404_and_keeps_its_sustainability_plan(cast):
    foreign = make_plan(cast.other_alliance, cast.other_chair, title="Skåne plan")
    _save(foreign, cast.other_chair, what_continues="Skåne's help desk.")
    client = client_for(cast.chair)
    before = stored()

    address = url("plan_edit", cast.alliance, foreign.pk)
    assert client.get(address).status_code == 404
    assert client.post(address, _form(decision_date="2027-06-10")).status_code == 404

    assert stored() == before
    assert SustainabilityPlan.objects.get(plan=foreign).what_continues == "Skåne's help desk."
