"""The sustainability prompt and the sustainability plan: the mail opens the plan's edit page, and
a decided sustainability plan ends the prompt, whether it is still to be written or about to go
out. A draft without a decision date does not."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from reminders import services as reminder_services
from reminders.kinds import SPECS
from reminders.models import Delivery, ReminderKind
from reminders.schedule import schedule_context, sustainability_prompt
from sustainability import services

from ..conftest import client_for
from ..factories import make_approved_plan
from .conftest import url

KIND = ReminderKind.SUSTAINABILITY_PROMPT
SITE = "http://testserver"
DAY = timedelta(days=1)
# 30 December 2027, 08:00 in Stockholm: six months before the factories' plan ends.
PROMPT_AT = datetime(2027, 12, 30, 7, 0, tzinfo=UTC)
SUBJECT = "Kronoberg Alliance: time to plan what happens after June 30, 2028"
DECIDED = {
    "what_continues": "The weekly help desk at the library.",
    "carried_by": "Växjö municipality and the Red Cross.",
    "resources": "The municipality's integration budget.",
}


def _dispatch(clock, at: datetime):
    clock.move_to(at)
    return reminder_services.reminders_dispatch()


def _rows() -> set[tuple[int, str, str]]:
    """(recipient id, status, why not sent) of every sustainability prompt."""
    return {
        (row.recipient_id, row.status, row.drop_reason)
        for row in Delivery.objects.filter(kind=KIND)
    }


def _prompts() -> list:
    return [message for message in mail.outbox if message.subject == SUBJECT]


def _edit_link(plan) -> str:
    return SITE + reverse("sustainability:plan_edit", args=[plan.alliance_id, plan.pk])


def _decide(plan, actor, decision_date: date):
    return services.sustainability_save(
        plan=plan, actor=actor, **DECIDED, decision_date=decision_date
    )


@pytest.fixture
def plan(cast):
    return make_approved_plan(cast.alliance, cast.coordinator, cast.chair, actions=1)


@pytest.fixture
def leaders(cast) -> list:
    return [cast.chair, cast.coordinator]


def test_the_prompt_links_to_the_plans_sustainability_plan_edit_page(cast, plan, leaders, clock):
    _dispatch(clock, PROMPT_AT - 14 * DAY)
    _dispatch(clock, PROMPT_AT)

    prompts = _prompts()
    assert sorted(message.to[0] for message in prompts) == sorted(user.email for user in leaders)
    link = _edit_link(plan)
    assert SPECS[KIND].link(plan) == link
    for message in prompts:
        assert link in message.body
        html, mimetype = message.alternatives[0]
        assert mimetype == "text/html"
        assert f'href="{link}"' in html


def test_the_prompts_link_opens_the_form_for_the_chair(cast, plan):
    path = _edit_link(plan).removeprefix(SITE)

    response = client_for(cast.chair).get(path)

    assert path == url("plan_edit", cast.alliance, plan.pk)
    assert response.status_code == 200
    assert "what_continues" in response.context["form"].fields


def test_deciding_the_plan_drops_the_prompts_waiting_to_go_out(cast, plan, leaders, clock):
    _dispatch(clock, PROMPT_AT - 14 * DAY)
    assert _rows() == {(user.pk, Delivery.Status.PENDING, "") for user in leaders}

    clock.move_to(PROMPT_AT - 7 * DAY)
    _decide(plan, cast.coordinator, date(2027, 12, 20))
    _dispatch(clock, PROMPT_AT - 7 * DAY + timedelta(hours=1))
    _dispatch(clock, PROMPT_AT)

    assert _rows() == {
        (user.pk, Delivery.Status.DROPPED, Delivery.DropReason.NO_LONGER_DUE) for user in leaders
    }
    assert _prompts() == []


def test_deciding_through_the_page_the_prompt_opens_drops_the_prompts(cast, plan, leaders, clock):
    _dispatch(clock, PROMPT_AT - 14 * DAY)
    clock.move_to(PROMPT_AT - 7 * DAY)

    response = client_for(cast.chair).post(
        _edit_link(plan).removeprefix(SITE),
        {**DECIDED, "committees": "", "decision_date": "2027-12-22"},
    )
    assert response.status_code == 302
    _dispatch(clock, PROMPT_AT)

    assert {status for _user, status, _reason in _rows()} == {Delivery.Status.DROPPED}
    assert _prompts() == []


def test_no_prompt_is_written_for_a_plan_decided_in_good_time(cast, plan, clock):
    _decide(plan, cast.chair, date(2027, 6, 1))

    _dispatch(clock, PROMPT_AT - 14 * DAY)
    _dispatch(clock, PROMPT_AT)

    assert _rows() == set()
    assert _prompts() == []


def test_a_draft_without_a_decision_date_is_still_prompted(cast, plan, leaders, clock):
    services.sustainability_save(plan=plan, actor=cast.coordinator, **DECIDED)

    _dispatch(clock, PROMPT_AT - 14 * DAY)
    assert _rows() == {(user.pk, Delivery.Status.PENDING, "") for user in leaders}
    _dispatch(clock, PROMPT_AT)

    assert _rows() == {(user.pk, Delivery.Status.SENT, "") for user in leaders}
    assert len(_prompts()) == 2


def test_a_plan_decided_after_the_row_was_written_is_dropped_at_sending(cast, plan, clock):
    _dispatch(clock, PROMPT_AT - 14 * DAY)
    delivery = Delivery.objects.get(kind=KIND, recipient=cast.chair)
    clock.move_to(PROMPT_AT)
    _decide(plan, cast.coordinator, date(2027, 12, 29))

    outcome = reminder_services.delivery_send(delivery_id=delivery.pk)

    assert outcome == "dropped"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.drop_reason, delivery.sent_at) == (
        Delivery.Status.DROPPED,
        Delivery.DropReason.NO_LONGER_DUE,
        None,
    )
    assert mail.outbox == []


def test_a_draft_written_after_the_row_does_not_stop_the_sending(cast, plan, clock):
    _dispatch(clock, PROMPT_AT - 14 * DAY)
    delivery = Delivery.objects.get(kind=KIND, recipient=cast.chair)
    clock.move_to(PROMPT_AT)
    services.sustainability_save(plan=plan, actor=cast.coordinator, what_continues="The desk.")

    assert reminder_services.delivery_send(delivery_id=delivery.pk) == "sent"

    [message] = mail.outbox
    assert message.to == [cast.chair.email]
    assert _edit_link(plan) in message.body


def test_the_finder_skips_only_plans_with_a_decided_sustainability_plan(cast, clock):
    decided = make_approved_plan(
        cast.alliance, cast.coordinator, cast.chair, actions=1, title="Decided plan"
    )
    drafted = make_approved_plan(
        cast.alliance, cast.coordinator, cast.chair, actions=1, title="Drafted plan"
    )
    untouched = make_approved_plan(
        cast.alliance, cast.coordinator, cast.chair, actions=1, title="Untouched plan"
    )
    _decide(decided, cast.chair, date(2027, 6, 1))
    services.sustainability_save(plan=drafted, actor=cast.chair, what_continues="The desk.")
    clock.move_to(PROMPT_AT)

    due = list(sustainability_prompt(schedule_context(PROMPT_AT)))

    assert {item.object_id for item in due} == {drafted.pk, untouched.pk}
    assert {item.recipient_id for item in due} == {cast.chair.pk, cast.coordinator.pk}
    assert {item.slot for item in due} == {"6m@2028-06-30"}
