"""The outreach pages: reading and editing the information material, the communication plan and
the public profile's settings, and who may do what."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from alliances import services as alliance_services
from alliances.models import AuditEntry
from outreach import services
from outreach.models import (
    ERR_DONE_IN_FUTURE,
    CommunicationEntry,
    CommunicationLog,
    CommunicationPlan,
    InformationMaterial,
)
from outreach.services import ERR_PROFILE_EMPTY

from ..conftest import client_for
from .conftest import (
    COMPLETE_MATERIAL,
    REASONS,
    add_entry,
    audit_actions,
    carried_out,
    write_material,
    write_profile,
)

pytestmark = pytest.mark.django_db


def url(name: str, cast, *args) -> str:
    return reverse(f"outreach:{name}", args=[cast.alliance.pk, *args])


def text_of(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def entry_state() -> list[tuple]:
    return list(
        CommunicationEntry.objects.order_by("pk").values_list(
            "pk", "plan__alliance", "position", "audience", "purpose", "frequency"
        )
    )


# Information material ---------------------------------------------------------------------------


def test_member_reads_the_material_with_its_reasons_as_a_list(cast):
    write_material(cast)

    response = client_for(cast.member).get(url("information", cast))

    page = text_of(response)
    assert response.status_code == 200
    assert COMPLETE_MATERIAL["why_alliance"] in page
    assert "".join(f"<li>{reason}</li>" for reason in REASONS) in page
    assert "Complete: everything the guide's checklist asks for is here." in page
    assert url("information_pdf", cast) in page
    assert url("information_edit", cast) not in page


def test_material_page_names_what_the_checklist_still_lacks(cast):
    write_material(cast, reasons_to_join="- One\n- Two\n- Three", time_commitment="")

    page = text_of(client_for(cast.member).get(url("information", cast)))

    assert (
        "Still missing for the guide's checklist: at least 5 reasons to join (3 given); "
        "the expected time commitment." in page
    )


def test_page_without_material_explains_and_offers_no_pdf(cast):
    response = client_for(cast.coordinator).get(url("information", cast))

    page = text_of(response)
    assert "No information material is written yet." in page
    assert "Write the information material" in page
    assert url("information_pdf", cast) not in page


def test_coordinator_writes_the_material_through_the_form(cast):
    client = client_for(cast.coordinator)
    assert client.get(url("information_edit", cast)).status_code == 200

    response = client.post(url("information_edit", cast), COMPLETE_MATERIAL, follow=True)

    assert response.redirect_chain == [(url("information", cast), 302)]
    assert "The information material was saved." in messages_of(response)
    material = InformationMaterial.objects.get(alliance=cast.alliance)
    assert material.reasons == list(REASONS)
    assert material.updated_by == cast.coordinator
    assert audit_actions(cast.alliance, "information.") == ["information.created"]


def test_edit_form_shows_what_was_saved(cast):
    write_material(cast, contact="Ask Ahmed at the library")

    response = client_for(cast.chair).get(url("information_edit", cast))

    assert response.context["form"].initial["contact"] == "Ask Ahmed at the library"
    assert "Ask Ahmed at the library" in text_of(response)


def test_chair_edits_the_material_and_only_changed_fields_are_audited(cast):
    write_material(cast)

    response = client_for(cast.chair).post(
        url("information_edit", cast), {**COMPLETE_MATERIAL, "target_group": "Everyone"}
    )

    assert response.status_code == 302
    assert InformationMaterial.objects.get().target_group == "Everyone"
    update = AuditEntry.objects.get(action="information.updated")
    assert (update.actor, update.changes) == (cast.chair, {"fields": "target_group"})


def test_pdf_without_material_sends_back_to_the_page_with_a_message(cast):
    response = client_for(cast.member).get(url("information_pdf", cast), follow=True)

    assert response.redirect_chain == [(url("information", cast), 302)]
    assert "Write the information material first." in messages_of(response)


# The communication plan -------------------------------------------------------------------------


def test_member_reads_the_plan_in_order_without_managing_buttons(cast):
    add_entry(cast.alliance, cast.coordinator, audience="Parents", frequency="half_yearly")
    add_entry(cast.alliance, cast.coordinator, audience="Press", timing="After each plenary")

    response = client_for(cast.member).get(url("communication", cast))

    page = text_of(response)
    assert [row.entry.audience for row in response.context["rows"]] == ["Parents", "Press"]
    assert page.index("Parents") < page.index("Press")
    assert "Twice a year" in page and "After each plenary" in page
    assert "Not carried out yet" in page
    assert "Nobody is named yet." in page
    assert url("entry_create", cast) not in page
    assert "Record as carried out" not in page
    assert url("profile", cast) not in page


def test_plan_page_shows_when_a_row_was_last_carried_out_and_that_it_is_overdue(cast):
    entry = add_entry(cast.alliance, cast.coordinator, frequency="weekly")
    carried_out(entry, cast.coordinator, days_ago=30, note="Flyers at the school.")
    carried_out(entry, cast.coordinator, days_ago=20, note="Chat groups.")
    last = timezone.localdate() - timedelta(days=20)

    page = text_of(client_for(cast.member).get(url("communication", cast)))

    assert f"2 times, last on {date_format(last, 'DATE_FORMAT')}" in page
    due = date_format(last + timedelta(days=7), "DATE_FORMAT")
    assert f"Overdue since {due}" in page
    assert "Chat groups." in page and "Flyers at the school." in page


def test_a_row_carried_out_in_time_is_not_marked_overdue(cast):
    entry = add_entry(cast.alliance, cast.coordinator, frequency="monthly")
    carried_out(entry, cast.coordinator, days_ago=5)

    page = text_of(client_for(cast.member).get(url("communication", cast)))

    assert "Once, on" in page
    assert "Overdue since" not in page


def test_empty_plan_explains_what_a_row_is(cast):
    page = text_of(client_for(cast.coordinator).get(url("communication", cast)))

    assert "The communication plan has no rows yet." in page
    assert url("entry_create", cast) in page


def test_coordinator_names_a_press_contact_and_the_strategy(cast):
    contact = cast.membership(cast.secretary)

    response = client_for(cast.coordinator).post(
        url("communication_settings", cast),
        {"press_contact": contact.pk, "strategy": "Reach parents through mediators."},
        follow=True,
    )

    assert response.redirect_chain == [(url("communication", cast), 302)]
    assert "The communication plan was saved." in messages_of(response)
    plan = CommunicationPlan.objects.get(alliance=cast.alliance)
    assert (plan.press_contact, plan.strategy) == (contact, "Reach parents through mediators.")
    assert str(cast.secretary) in text_of(response)
    assert audit_actions(cast.alliance, "communication.") == ["communication.updated"]


def test_settings_form_shows_the_saved_press_contact(cast):
    contact = cast.membership(cast.secretary)
    client = client_for(cast.coordinator)
    client.post(url("communication_settings", cast), {"press_contact": contact.pk})

    response = client.get(url("communication_settings", cast))

    assert response.context["form"].initial["press_contact"] == contact.pk
    assert f'<option value="{contact.pk}" selected>' in text_of(response)


def test_a_press_contact_who_left_is_flagged_on_the_plan(cast):
    contact = cast.membership(cast.member)
    client_for(cast.chair).post(url("communication_settings", cast), {"press_contact": contact.pk})
    alliance_services.membership_end(membership=contact, actor=cast.chair, reason="")

    page = text_of(client_for(cast.chair).get(url("communication", cast)))

    assert str(cast.member) in page
    assert "has left the alliance" in page


def test_a_former_member_cannot_be_chosen_as_press_contact(cast):
    leaver = alliance_services.membership_end(
        membership=cast.membership(cast.member), actor=cast.chair, reason=""
    )

    response = client_for(cast.chair).post(
        url("communication_settings", cast), {"press_contact": leaver.pk, "strategy": "x"}
    )

    assert response.status_code == 200
    assert "press_contact" in response.context["form"].errors
    assert not CommunicationPlan.objects.exists()


def test_another_alliances_member_cannot_be_chosen_as_press_contact(cast):
    stranger = cast.other_alliance.memberships.get(user=cast.other_chair)

    response = client_for(cast.chair).post(
        url("communication_settings", cast), {"press_contact": stranger.pk}
    )

    assert response.status_code == 200
    assert "press_contact" in response.context["form"].errors
    assert not CommunicationPlan.objects.exists()


def test_coordinator_adds_a_row_through_the_form(cast):
    client = client_for(cast.coordinator)
    assert client.get(url("entry_create", cast)).status_code == 200
    add_entry(cast.alliance, cast.coordinator, audience="First")

    response = client.post(
        url("entry_create", cast),
        {"audience": "Municipal boards", "purpose": "Fund mediators.", "frequency": "yearly"},
        follow=True,
    )

    assert response.redirect_chain == [(url("communication", cast), 302)]
    assert "The row of the communication plan was saved." in messages_of(response)
    assert [row.entry.audience for row in response.context["rows"]] == [
        "First",
        "Municipal boards",
    ]
    assert CommunicationEntry.objects.get(audience="Municipal boards").frequency == "yearly"


def test_a_row_without_audience_is_shown_again_with_an_error(cast):
    response = client_for(cast.coordinator).post(
        url("entry_create", cast), {"audience": "", "purpose": "Kept text", "frequency": "once"}
    )

    assert response.status_code == 200
    assert "audience" in response.context["form"].errors
    assert "Kept text" in text_of(response)
    assert not CommunicationEntry.objects.exists()


def test_chair_edits_a_row(cast):
    entry = add_entry(cast.alliance, cast.coordinator, audience="Parents")
    client = client_for(cast.chair)
    assert client.get(url("entry_edit", cast, entry.pk)).context["form"].initial["audience"] == (
        "Parents"
    )

    response = client.post(
        url("entry_edit", cast, entry.pk),
        {"audience": "Parents and carers", "frequency": "quarterly"},
    )

    assert response.status_code == 302
    entry.refresh_from_db()
    assert (entry.audience, entry.frequency, entry.position) == (
        "Parents and carers",
        "quarterly",
        1,
    )
    assert "communication.entry_updated" in audit_actions(cast.alliance)


def test_removing_a_row_asks_first_and_removes_on_post(cast):
    entry = add_entry(cast.alliance, cast.coordinator, audience="Parents")
    carried_out(entry, cast.coordinator, days_ago=1)
    client = client_for(cast.coordinator)

    confirm = client.get(url("entry_delete", cast, entry.pk))

    assert confirm.status_code == 200
    assert "Remove “Parents” from the communication plan?" in text_of(confirm)
    assert CommunicationEntry.objects.filter(pk=entry.pk).exists()

    response = client.post(url("entry_delete", cast, entry.pk), follow=True)

    assert response.redirect_chain == [(url("communication", cast), 302)]
    assert "The row was removed from the communication plan." in messages_of(response)
    assert not CommunicationEntry.objects.exists() and not CommunicationLog.objects.exists()
    assert "communication.entry_removed" in audit_actions(cast.alliance)


def test_recording_a_row_as_carried_out_from_the_plan(cast):
    entry = add_entry(cast.alliance, cast.coordinator, audience="Parents")
    day = timezone.localdate() - timedelta(days=1)
    prefix = f"done-{entry.pk}"

    response = client_for(cast.coordinator).post(
        url("entry_done", cast, entry.pk),
        {f"{prefix}-date": day.isoformat(), f"{prefix}-note": "Drop-in at the library."},
        follow=True,
    )

    assert response.redirect_chain == [(url("communication", cast), 302)]
    assert f"“Parents” was recorded as carried out on {day.isoformat()}." in messages_of(response)
    log = CommunicationLog.objects.get(entry=entry)
    assert (log.date, log.note, log.recorded_by) == (
        day,
        "Drop-in at the library.",
        cast.coordinator,
    )
    assert "Drop-in at the library." in text_of(response)


def test_carried_out_form_on_its_own_page_starts_at_today(cast):
    entry = add_entry(cast.alliance, cast.coordinator, audience="Parents")

    response = client_for(cast.chair).get(url("entry_done", cast, entry.pk))

    assert response.status_code == 200
    assert "Record “Parents” as carried out" in text_of(response)
    assert response.context["form"].initial["date"] == timezone.localdate()


def test_carried_out_in_the_future_answers_400_with_the_reason_and_keeps_the_typing(cast):
    entry = add_entry(cast.alliance, cast.coordinator)
    prefix = f"done-{entry.pk}"
    tomorrow = timezone.localdate() + timedelta(days=1)

    response = client_for(cast.coordinator).post(
        url("entry_done", cast, entry.pk),
        {f"{prefix}-date": tomorrow.isoformat(), f"{prefix}-note": "Typed before sending"},
    )

    assert response.status_code == 400
    assert response.context["form"].errors["date"] == [str(ERR_DONE_IN_FUTURE)]
    page = text_of(response)
    assert "A communication cannot be recorded as carried out in the future." in page
    assert "Typed before sending" in page
    assert tomorrow.isoformat() in page
    assert not CommunicationLog.objects.exists()
    assert audit_actions(cast.alliance, "communication.carried_out") == []


def test_carried_out_without_a_date_answers_400(cast):
    entry = add_entry(cast.alliance, cast.coordinator)

    response = client_for(cast.coordinator).post(
        url("entry_done", cast, entry.pk), {f"done-{entry.pk}-note": "No date"}
    )

    assert response.status_code == 400
    assert "date" in response.context["form"].errors
    assert not CommunicationLog.objects.exists()


def test_plan_page_makes_no_more_queries_for_30_rows_than_for_3(
    cast, django_assert_max_num_queries
):
    client = client_for(cast.member)
    contact = cast.membership(cast.coordinator)
    client_for(cast.chair).post(url("communication_settings", cast), {"press_contact": contact.pk})

    def add_rows(count: int) -> None:
        for _ in range(count):
            entry = add_entry(cast.alliance, cast.coordinator)
            carried_out(entry, cast.coordinator, days_ago=2, note="Done")
            carried_out(entry, cast.coordinator, days_ago=9)

    add_rows(3)
    with django_assert_max_num_queries(20) as few:
        client.get(url("communication", cast))
    add_rows(27)
    cache.clear()  # the top bar's kept count is read afresh, as on the first page

    with django_assert_max_num_queries(len(few)) as many:
        response = client.get(url("communication", cast))

    assert len(response.context["rows"]) == 30
    assert len(many) == len(few)


# The public profile's settings ------------------------------------------------------------------


def test_profile_settings_say_the_page_is_not_published(cast):
    page = text_of(client_for(cast.chair).get(url("profile", cast)))

    assert "The page is not published: nobody outside the alliance can see it." in page
    assert url("profile_publish", cast) in page


def test_publishing_through_the_page_shows_the_public_address(cast):
    write_profile(cast.alliance, cast.chair)

    response = client_for(cast.coordinator).post(url("profile_publish", cast), follow=True)

    assert response.redirect_chain == [(url("profile", cast), 302)]
    assert "The public profile page is published." in messages_of(response)
    assert "http://testserver/profiles/kronoberg-alliance/" in text_of(response)
    assert url("profile_unpublish", cast) in text_of(response)
    cast.alliance.refresh_from_db()
    assert cast.alliance.profile_public


def test_publishing_without_profile_text_says_what_to_write(cast):
    response = client_for(cast.chair).post(url("profile_publish", cast), follow=True)

    assert messages_of(response) == [str(ERR_PROFILE_EMPTY)]
    cast.alliance.refresh_from_db()
    assert not cast.alliance.profile_public
    assert audit_actions(cast.alliance, "profile.") == []


def test_unpublishing_through_the_page_says_the_old_address_comes_back(cast):
    write_profile(cast.alliance, cast.chair)
    client = client_for(cast.chair)
    client.post(url("profile_publish", cast))

    response = client.post(url("profile_unpublish", cast), follow=True)

    assert "The public profile page is no longer published." in messages_of(response)
    assert "Publishing it again opens it at the address it had before." in text_of(response)
    cast.alliance.refresh_from_db()
    assert not cast.alliance.profile_public
    assert audit_actions(cast.alliance, "profile.") == ["profile.published", "profile.unpublished"]


@pytest.mark.parametrize("name", ["profile_publish", "profile_unpublish"])
def test_publishing_switches_refuse_get(cast, name):
    write_profile(cast.alliance, cast.chair)

    response = client_for(cast.chair).get(url(name, cast))

    assert response.status_code == 405
    cast.alliance.refresh_from_db()
    assert not cast.alliance.profile_public
    assert audit_actions(cast.alliance, "profile.") == []


@pytest.mark.parametrize(
    "name", ["information_edit", "communication_settings", "entry_create", "entry_done"]
)
def test_forms_refuse_other_methods(cast, name):
    entry = add_entry(cast.alliance, cast.coordinator)
    args = [entry.pk] if name == "entry_done" else []

    response = client_for(cast.chair).put(url(name, cast, *args))

    assert response.status_code == 405


# Who may do what --------------------------------------------------------------------------------

READING = ["information", "information_pdf", "communication"]
MANAGING = [
    "information_edit",
    "communication_settings",
    "entry_create",
    "entry_edit",
    "entry_delete",
    "entry_done",
    "profile",
]
SWITCHES = ["profile_publish", "profile_unpublish"]
# Pages that only show (their forms post elsewhere): a POST is refused from anyone with 405,
# before asking who sends it.
SHOW_ONLY = {"information", "information_pdf", "communication", "profile"}
ENTRY_VIEWS = {"entry_edit", "entry_delete", "entry_done"}


def _args(name: str, entry) -> list[int]:
    return [entry.pk] if name in ENTRY_VIEWS else []


def _post_data(entry) -> dict:
    return {
        "why_alliance": "Taken over",
        "audience": "Taken over",
        "frequency": "once",
        "strategy": "Taken over",
        f"done-{entry.pk}-date": timezone.localdate().isoformat(),
    }


def _outreach_state(cast) -> tuple:
    cast.alliance.refresh_from_db()
    return (
        entry_state(),
        list(CommunicationLog.objects.values_list("pk", "date")),
        list(CommunicationPlan.objects.values_list("pk", "strategy", "press_contact")),
        list(InformationMaterial.objects.values_list("pk", "why_alliance")),
        cast.alliance.profile_public,
        AuditEntry.objects.filter(action__regex=r"^(information|communication|profile)\.").count(),
    )


@pytest.fixture
def outreach(cast):
    """Material, a row and a published profile, so every view has something to show."""
    write_material(cast)
    write_profile(cast.alliance, cast.chair)
    services.profile_publish(alliance=cast.alliance, actor=cast.chair)
    return add_entry(cast.alliance, cast.coordinator, audience="Parents")


@pytest.mark.parametrize("role", ["chair", "coordinator", "secretary", "member", "observer"])
@pytest.mark.parametrize("name", READING)
def test_everyone_in_the_alliance_reads_the_material_and_the_plan(cast, outreach, role, name):
    response = client_for(getattr(cast, role)).get(url(name, cast))

    assert response.status_code == 200


@pytest.mark.parametrize("role", ["chair", "coordinator"])
@pytest.mark.parametrize("name", MANAGING)
def test_chair_and_coordinator_open_every_managing_page(cast, outreach, role, name):
    response = client_for(getattr(cast, role)).get(url(name, cast, *_args(name, outreach)))

    assert response.status_code == 200


@pytest.mark.parametrize("role", ["secretary", "member", "observer"])
@pytest.mark.parametrize("name", MANAGING + SWITCHES)
def test_read_only_roles_get_403_and_change_nothing(cast, outreach, role, name):
    client = client_for(getattr(cast, role))
    target = url(name, cast, *_args(name, outreach))
    before = _outreach_state(cast)

    if name not in SWITCHES:
        assert client.get(target).status_code == 403
    expected_post = 405 if name in SHOW_ONLY else 403
    assert client.post(target, _post_data(outreach)).status_code == expected_post

    assert _outreach_state(cast) == before


@pytest.mark.parametrize("role", ["outsider", "other_chair"])
@pytest.mark.parametrize("name", READING + MANAGING + SWITCHES)
def test_people_outside_the_alliance_get_404_and_change_nothing(cast, outreach, role, name):
    client = client_for(getattr(cast, role))
    target = url(name, cast, *_args(name, outreach))
    before = _outreach_state(cast)

    if name not in SWITCHES:
        assert client.get(target).status_code == 404
    expected_post = 405 if name in SHOW_ONLY else 404
    assert client.post(target, _post_data(outreach)).status_code == expected_post

    assert _outreach_state(cast) == before


@pytest.mark.parametrize("name", READING + MANAGING)
def test_anonymous_visitors_are_sent_to_log_in(cast, outreach, name):
    response = client_for(None).get(url(name, cast, *_args(name, outreach)))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("name", sorted(ENTRY_VIEWS))
def test_another_alliances_row_answers_404_and_changes_nothing(cast, name):
    theirs = add_entry(cast.other_alliance, cast.other_chair, audience="Their parents")
    carried_out(theirs, cast.other_chair, days_ago=3)
    before = (entry_state(), CommunicationLog.objects.count())
    client = client_for(cast.chair)
    target = url(name, cast, theirs.pk)

    assert client.get(target).status_code == 404
    assert client.post(target, _post_data(theirs)).status_code == 404

    assert (entry_state(), CommunicationLog.objects.count()) == before
    assert audit_actions(cast.alliance, "communication.") == []


def test_another_alliances_row_under_its_own_alliance_is_404_for_this_chair(cast):
    theirs = add_entry(cast.other_alliance, cast.other_chair, audience="Their parents")
    target = reverse("outreach:entry_delete", args=[cast.other_alliance.pk, theirs.pk])

    assert client_for(cast.chair).post(target).status_code == 404

    assert CommunicationEntry.objects.filter(pk=theirs.pk).exists()
