"""The guide's six steps are worked out from the alliance's data: each check done, and not done
when one thing is missing, with the next step and its link."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from agreements.models import Signature
from alliance_portal.permissions import Role
from alliances.models import Membership
from journey.facts import journey_facts
from journey.rules import journey_for
from meetings.models import Meeting
from reminders.models import ReminderSettings
from tests.conftest import client_for
from tests.factories import (
    MembershipFactory,
    StakeholderFactory,
    make_meeting,
    make_published_agreement,
    sign_agreement,
)
from tests.journey_support import complete_journey

pytestmark = pytest.mark.django_db

ALL_CHECKS = {
    "purpose",
    "vision",
    "leadership",
    "representatives",
    "rules",
    "profile",
    "information",
    "invitation",
    "workshop",
    "assessed",
    "programmes",
    "gaps",
    "plan_vision",
    "plan_approved",
    "agreement",
    "communication_plan",
    "press_contact",
    "followed",
    "evaluation",
    "sustainability",
}


@pytest.fixture
def done(cast):
    """The cast's alliance with every step of the guide done."""
    return complete_journey(
        cast.alliance, chair=cast.chair, secretary=cast.secretary, coordinator=cast.coordinator
    )


def _not_done(alliance) -> set[str]:
    journey = journey_for(alliance)
    return {check.key for step in journey.steps for check in step.checks if not check.done}


def test_every_check_explains_its_rule_and_links_to_where_it_is_done(cast):
    journey = journey_for(cast.alliance)
    assert [step.number for step in journey.steps] == [1, 2, 3, 4, 5, 6]
    for step in journey.steps:
        for check in step.checks:
            assert check.label and check.detail and check.rule.startswith("Done when")
            assert check.url.startswith(f"/alliances/{cast.alliance.pk}/")
            assert check.action and check.capability is not None


def test_a_complete_alliance_has_done_all_six_steps(done):
    journey = journey_for(done.alliance)
    assert {check.key for step in journey.steps for check in step.checks} == ALL_CHECKS
    assert [step.done for step in journey.steps] == [True] * 6
    assert journey.steps_done == 6
    assert journey.next is None


def test_a_new_alliance_starts_with_step_one(cast):
    cast.alliance.purpose = ""
    cast.alliance.save()
    journey = journey_for(cast.alliance)
    step, check = journey.next
    assert (step.number, check.key) == (1, "purpose")
    assert check.url == reverse("alliances:edit", args=[cast.alliance.pk])
    assert journey.steps_done == 0


def _blank(field):
    def undo(done, cast):
        setattr(done.alliance, field, "")
        done.alliance.save()

    return undo


def _end_secretary(done, cast):
    membership = cast.membership(cast.secretary)
    membership.role = Role.MEMBER
    membership.save()


def _too_few_seats(done, cast):
    seats = Membership.objects.active().filter(alliance=done.alliance, role=Role.MEMBER)
    membership = seats.exclude(user=cast.member).first()
    membership.end(by=cast.chair)
    membership.save()
    MembershipFactory(alliance=done.alliance, role=Role.OBSERVER)  # observers hold no seat


def _four_reasons(done, cast):
    material = done.alliance.information_material
    material.reasons_to_join = "One\nTwo\nThree\nFour"
    material.save()


def _no_material(done, cast):
    done.alliance.information_material.delete()


def _workshop_planned_later(done, cast):
    Meeting.objects.filter(pk=done.workshop.pk).delete()
    make_meeting(
        done.alliance,
        cast.secretary,
        kind=Meeting.Kind.INITIAL_WORKSHOP,
        starts_at=timezone.now() + timedelta(days=10),
    )


def _workshop_cancelled(done, cast):
    Meeting.objects.filter(pk=done.workshop.pk).update(status=Meeting.Status.CANCELLED)


def _unassessed_stakeholder(done, cast):
    StakeholderFactory(alliance=done.alliance, contribution="Rooms", engagement_strategy="")


def _no_stakeholders(done, cast):
    done.alliance.stakeholders.all().delete()


def _no_programmes(done, cast):
    done.alliance.support_programmes.all().delete()


def _no_gaps(done, cast):
    done.alliance.gaps.all().delete()


def _plan_without_vision(done, cast):
    version = done.plan.versions.get()
    version.snapshot["plan"]["vision"] = ""
    version.save()


def _plan_not_approved(done, cast):
    done.plan.versions.update(approved_at=None, approved_by=None)


def _few_signatures(done, cast):

    signed = Signature.objects.filter(status=Signature.Status.SIGNED).order_by("pk")
    Signature.objects.filter(pk__in=[s.pk for s in signed[:1]]).update(
        status=Signature.Status.WITHDRAWN
    )


def _no_entries(done, cast):
    done.entry.delete()


def _no_press_contact(done, cast):
    plan = done.alliance.communication_plan
    plan.press_contact = None
    plan.save()


def _press_contact_left(done, cast):
    membership = MembershipFactory(alliance=done.alliance)
    plan = done.alliance.communication_plan
    plan.press_contact = membership
    plan.save()
    membership.end(by=cast.chair)
    membership.save()


def _entry_never_done(done, cast):
    from outreach import services

    services.entry_save(
        alliance=done.alliance, actor=cast.coordinator, audience="Press", frequency="once"
    )


def _entry_overdue(done, cast):
    done.entry.logs.update(date=timezone.localdate() - timedelta(days=31 + 8))


def _no_evaluation(done, cast):
    done.evaluation.delete()


def _sustainability_draft(done, cast):
    done.sustainability.decision_date = None
    done.sustainability.save()


BREAKERS = {
    "purpose": (_blank("purpose"), {"purpose"}),
    "vision": (_blank("vision"), {"vision"}),
    "secretary": (_end_secretary, {"leadership"}),
    "seats": (_too_few_seats, {"representatives"}),
    "rules": (_blank("rules_of_operation"), {"rules"}),
    "profile": (_blank("public_profile"), {"profile"}),
    "four reasons": (_four_reasons, {"information"}),
    "no material": (_no_material, {"information"}),
    "workshop ahead": (_workshop_planned_later, {"invitation", "workshop"}),
    "workshop cancelled": (_workshop_cancelled, {"invitation", "workshop"}),
    "unassessed": (_unassessed_stakeholder, {"assessed"}),
    "no stakeholders": (_no_stakeholders, {"assessed"}),
    "no programmes": (_no_programmes, {"programmes"}),
    "no gaps": (_no_gaps, {"gaps"}),
    "plan without vision": (_plan_without_vision, {"plan_vision"}),
    "plan not approved": (_plan_not_approved, {"plan_vision", "plan_approved", "sustainability"}),
    "few signatures": (_few_signatures, {"agreement"}),
    "no rows": (_no_entries, {"communication_plan", "followed"}),
    "no press contact": (_no_press_contact, {"press_contact"}),
    "press contact left": (_press_contact_left, {"press_contact"}),
    "row never done": (_entry_never_done, {"followed"}),
    "row overdue": (_entry_overdue, {"followed"}),
    "no evaluation": (_no_evaluation, {"evaluation"}),
    "sustainability draft": (_sustainability_draft, {"sustainability"}),
}


@pytest.mark.parametrize("name", sorted(BREAKERS))
def test_one_thing_missing_undoes_exactly_its_checks(done, cast, name):
    undo, expected = BREAKERS[name]
    undo(done, cast)
    assert _not_done(done.alliance) == expected


def test_every_check_can_be_undone():
    undone = set().union(*(expected for _undo, expected in BREAKERS.values()))
    assert undone == ALL_CHECKS


def test_the_next_step_is_the_first_check_not_done_with_its_link(done, cast):
    _no_gaps(done, cast)
    _no_evaluation(done, cast)
    step, check = journey_for(done.alliance).next
    assert (step.number, check.key) == (3, "gaps")
    assert check.url == reverse("stakeholders:gap_create", args=[done.alliance.pk])


def test_without_an_evaluation_the_next_step_starts_a_swot(cast):
    journey = complete_journey(
        cast.alliance,
        chair=cast.chair,
        secretary=cast.secretary,
        coordinator=cast.coordinator,
        evaluation=False,
    )
    step, check = journey_for(journey.alliance).next
    assert (step.number, check.key) == (6, "evaluation")
    assert check.url == reverse("sustainability:swot_create", args=[cast.alliance.pk])


def test_a_complete_swot_counts_as_the_guides_self_evaluation(done, cast):
    from sustainability import services

    _no_evaluation(done, cast)
    swot = services.swot_save(
        alliance=done.alliance,
        actor=cast.coordinator,
        title="Kick-off",
        held_on=timezone.localdate(),
        strengths="Trust",
        weaknesses="Time",
        opportunities="Funding",
        threats="",
    )
    assert "evaluation" in _not_done(done.alliance)
    swot.threats = "Turnover"
    swot.save()
    assert "evaluation" not in _not_done(done.alliance)


def test_more_than_twelve_representatives_is_done_with_a_note(done):
    for _ in range(5):
        MembershipFactory(alliance=done.alliance)
    check = journey_for(done.alliance).check("representatives")
    assert check.done
    assert "13 members hold a seat." in check.detail
    assert "8 to 12" in check.note


def test_too_few_representatives_says_how_many_to_invite(cast):
    check = journey_for(cast.alliance).check("representatives")
    assert not check.done
    assert check.detail == "4 members hold a seat. Invite 4 more."


def test_half_of_the_seats_signing_is_not_most(cast):
    version = make_published_agreement(cast.alliance, cast.coordinator)
    for user in (cast.chair, cast.secretary):
        sign_agreement(version, cast.membership(user))
    check = journey_for(cast.alliance).check("agreement")
    assert not check.done and check.detail == "2 of 4 members have signed."
    sign_agreement(version, cast.membership(cast.coordinator))
    assert journey_for(cast.alliance).check("agreement").done


def test_signatures_of_observers_and_former_members_do_not_count(cast):
    version = make_published_agreement(cast.alliance, cast.coordinator)
    sign_agreement(version, cast.membership(cast.chair))
    leaving = cast.membership(cast.member)
    sign_agreement(version, leaving)
    sign_agreement(version, cast.membership(cast.coordinator))
    leaving.end(by=cast.chair)
    leaving.save()
    check = journey_for(cast.alliance).check("agreement")
    assert check.detail == "2 of 3 members have signed."


def test_unassessed_stakeholders_are_named_then_counted(done):
    for name in ("Alpha", "Beta", "Gamma", "Delta", "Epsilon"):
        StakeholderFactory(alliance=done.alliance, organisation__name=name, contribution="")
    detail = journey_for(done.alliance).check("assessed").detail
    assert detail == "Not assessed yet: Alpha, Beta, Delta and 2 more."


def test_the_sustainability_deadline_follows_the_alliances_reminder_setting(done):

    _sustainability_draft(done, None)
    ReminderSettings.objects.create(alliance=done.alliance, sustainability_months=3)
    check = journey_for(done.alliance).check("sustainability")
    # The plan ends on 30 June 2028: three months earlier is 30 March.
    assert "Due by March 30, 2028" in check.detail
    assert "at least 3 months" in check.rule


def test_a_sustainability_plan_decided_late_is_done_with_a_note(done):
    late = date(2028, 3, 1)
    journey = journey_for(done.alliance)
    assert journey.check("sustainability").note == ""
    type(done.sustainability).objects.filter(pk=done.sustainability.pk).update(decision_date=late)
    check = journey_for(done.alliance).check("sustainability")
    assert check.done
    assert "later than the guide advises" in check.note


def test_an_overdue_sustainability_plan_says_so(done):
    _sustainability_draft(done, None)
    after_deadline = timezone.now().replace(year=2028, month=1, day=15)
    check = journey_for(done.alliance, now=after_deadline).check("sustainability")
    assert not check.done
    assert check.detail.startswith("Overdue:")


def test_a_planned_workshop_that_has_ended_counts_as_held(cast):
    ended = make_meeting(
        cast.alliance,
        cast.secretary,
        kind=Meeting.Kind.INITIAL_WORKSHOP,
        starts_at=timezone.now() - timedelta(days=2),
    )
    assert ended.status == Meeting.Status.PLANNED
    journey = journey_for(cast.alliance)
    assert journey.check("workshop").done and journey.check("invitation").done


def test_a_published_agenda_sends_the_invitations_before_the_workshop(cast):
    from meetings import services

    workshop = make_meeting(
        cast.alliance,
        cast.secretary,
        kind=Meeting.Kind.INITIAL_WORKSHOP,
        starts_at=timezone.now() + timedelta(days=10),
    )
    assert not journey_for(cast.alliance).check("invitation").done
    services.agenda_publish(meeting=workshop, actor=cast.secretary)
    journey = journey_for(cast.alliance)
    assert journey.check("invitation").done and not journey.check("workshop").done


def _grow(done, cast, times: int) -> None:
    """More of every row the rules count: members, stakeholders, rows, signatures."""
    from outreach import services

    version = done.alliance.agreement.versions.get()
    for _ in range(times):
        membership = MembershipFactory(alliance=done.alliance)
        sign_agreement(version, membership)
        StakeholderFactory(alliance=done.alliance, contribution="")
        entry = services.entry_save(
            alliance=done.alliance, actor=cast.coordinator, audience="Group", frequency="yearly"
        )
        services.entry_carried_out(
            entry=entry, actor=cast.coordinator, carried_out_on=timezone.localdate(), note=""
        )


def _queries(alliance) -> int:
    with CaptureQueriesContext(connection) as queries:
        journey_facts(alliance)
    return len(queries)


def test_the_facts_take_the_same_number_of_queries_however_large_the_alliance(done, cast):
    _grow(done, cast, 2)
    small = _queries(done.alliance)
    _grow(done, cast, 20)
    assert _queries(done.alliance) == small
    assert small <= 8


def test_the_dashboard_shows_each_step_with_its_rule_and_next_link(cast):
    page = client_for(cast.coordinator).get(reverse("dashboard:alliance", args=[cast.alliance.pk]))
    text = page.content.decode()
    assert 'data-testid="next-step-link"' in text
    assert "Why is this not done?" in text
    assert "Done when an evaluation is recorded" in text
    assert "Step 6: Sustainability" in text


def test_a_member_sees_the_next_step_without_a_link_to_do_it(cast):
    cast.alliance.rules_of_operation = ""
    cast.alliance.save()
    page = client_for(cast.member).get(reverse("dashboard:alliance", args=[cast.alliance.pk]))
    text = page.content.decode()
    assert 'data-testid="next-step"' in text
    assert 'data-testid="next-step-link"' not in text
    assert "The alliance's chair or coordinators can do this." in text
    assert reverse("alliances:edit", args=[cast.alliance.pk]) not in text


def test_the_dashboard_with_every_step_done_says_so(done, cast):
    page = client_for(cast.chair).get(reverse("dashboard:alliance", args=[done.alliance.pk]))
    text = page.content.decode()
    assert "Every step of the guide is done." in text
    assert "6 of 6 steps done" in text


def test_rows_not_carried_out_and_overdue_are_named_as_written(done, cast):
    _entry_never_done(done, cast)
    _entry_overdue(done, cast)
    detail = journey_for(done.alliance).check("followed").detail
    assert detail == "Not carried out yet: Press. Overdue: Parents."
