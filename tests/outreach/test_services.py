"""The outreach services and models: what they write, what they refuse, and the audit log."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from alliance_portal.permissions import Role
from alliances import services as alliance_services
from alliances.models import AuditEntry
from outreach import selectors, services
from outreach.demo import has_outreach, seed_outreach
from outreach.models import (
    ERR_DONE_IN_FUTURE,
    ERR_PRESS_CONTACT,
    MAX_MATERIAL_CHARS,
    CommunicationEntry,
    CommunicationLog,
    CommunicationPlan,
    Frequency,
    InformationMaterial,
)
from outreach.services import ERR_PROFILE_EMPTY

from ..factories import AllianceFactory, MembershipFactory
from .conftest import (
    COMPLETE_MATERIAL,
    PROFILE_TEXT,
    REASONS,
    add_entry,
    audit_actions,
    carried_out,
    write_material,
    write_profile,
)

pytestmark = pytest.mark.django_db


# Information material ---------------------------------------------------------------------------


def test_first_save_creates_the_material_and_audits_it(cast):
    material = write_material(cast)

    stored = InformationMaterial.objects.get(alliance=cast.alliance)
    assert stored.pk == material.pk
    assert stored.why_alliance == COMPLETE_MATERIAL["why_alliance"]
    assert stored.updated_by == cast.coordinator
    entry = AuditEntry.objects.get(alliance=cast.alliance, action="information.created")
    assert entry.actor == cast.coordinator
    assert entry.object_id == str(material.pk)
    assert "reasons_to_join" in entry.changes["fields"]


def test_saving_again_updates_the_same_row_and_audits_only_what_changed(cast):
    write_material(cast)

    services.information_save(
        alliance=cast.alliance,
        actor=cast.chair,
        **{**COMPLETE_MATERIAL, "contact": "The chair"},
    )

    stored = InformationMaterial.objects.get(alliance=cast.alliance)
    assert stored.contact == "The chair"
    assert stored.updated_by == cast.chair
    update = AuditEntry.objects.get(alliance=cast.alliance, action="information.updated")
    assert update.changes == {"fields": "contact"}
    assert update.actor == cast.chair


def test_saving_unchanged_material_writes_no_audit_entry(cast):
    write_material(cast)

    write_material(cast)

    assert audit_actions(cast.alliance, "information.") == ["information.created"]


def test_material_longer_than_the_limit_is_refused_and_nothing_is_saved(cast):
    with pytest.raises(ValidationError) as excinfo:
        write_material(cast, why_alliance="x" * (MAX_MATERIAL_CHARS + 1))

    assert "why_alliance" in excinfo.value.message_dict
    assert not InformationMaterial.objects.exists()
    assert audit_actions(cast.alliance, "information.") == []


def test_material_at_the_limit_is_kept_whole(cast):
    material = write_material(cast, regional_situation="y" * MAX_MATERIAL_CHARS)

    material.refresh_from_db()
    assert len(material.regional_situation) == MAX_MATERIAL_CHARS


def test_complete_material_misses_nothing(cast):
    assert write_material(cast).missing_parts() == []


def test_empty_material_misses_every_part_of_the_checklist(cast):
    material = services.information_save(alliance=cast.alliance, actor=cast.coordinator)

    assert material.missing_parts() == [
        "why the alliance",
        "the regional situation",
        "at least 5 reasons to join (0 given)",
        "the expected time commitment",
    ]


def test_whitespace_only_answers_count_as_missing(cast):
    material = write_material(cast, why_alliance="   \n ", time_commitment="\t")

    assert material.missing_parts() == ["why the alliance", "the expected time commitment"]


def test_four_reasons_are_not_enough(cast):
    material = write_material(cast, reasons_to_join="\n".join(REASONS[:4]))

    assert material.missing_parts() == ["at least 5 reasons to join (4 given)"]


def test_list_marks_and_blank_lines_are_stripped_from_the_reasons(cast):
    typed = (
        "- Meet the people\n"
        "• Shape the plan\n"
        "\n"
        "* Reach families\n"
        "   \N{EN DASH} Share venues   \n"
        "-\n"
        "•   \n"
        "Find partners"
    )

    material = write_material(cast, reasons_to_join=typed)

    assert material.reasons == [
        "Meet the people",
        "Shape the plan",
        "Reach families",
        "Share venues",
        "Find partners",
    ]
    assert material.missing_parts() == []


def test_lines_that_are_only_list_marks_do_not_count_as_reasons(cast):
    typed = "- One\n- Two\n- Three\n- Four\n- \n•\n*"

    material = write_material(cast, reasons_to_join=typed)

    assert material.reasons == ["One", "Two", "Three", "Four"]
    assert material.missing_parts() == ["at least 5 reasons to join (4 given)"]


def test_material_of_one_alliance_is_not_the_others(cast):
    write_material(cast)

    assert selectors.information_of(cast.other_alliance) is None
    assert selectors.information_of(cast.alliance).alliance == cast.alliance


# Press contact and strategy ---------------------------------------------------------------------


def test_press_contact_and_strategy_are_saved_and_audited(cast):
    contact = cast.membership(cast.coordinator)

    plan = services.communication_settings_save(
        alliance=cast.alliance, actor=cast.chair, press_contact=contact, strategy="Reach parents."
    )

    plan.refresh_from_db()
    assert (plan.press_contact, plan.strategy) == (contact, "Reach parents.")
    entry = AuditEntry.objects.get(alliance=cast.alliance, action="communication.updated")
    assert entry.changes == {
        "fields": "press_contact, strategy",
        "press_contact": str(cast.coordinator),
    }


def test_saving_the_same_settings_again_writes_no_audit_entry(cast):
    contact = cast.membership(cast.coordinator)
    for _ in range(2):
        services.communication_settings_save(
            alliance=cast.alliance, actor=cast.chair, press_contact=contact, strategy="Same."
        )

    assert audit_actions(cast.alliance, "communication.") == ["communication.updated"]
    assert CommunicationPlan.objects.filter(alliance=cast.alliance).count() == 1


def test_press_contact_can_be_cleared(cast):
    contact = cast.membership(cast.coordinator)
    services.communication_settings_save(
        alliance=cast.alliance, actor=cast.chair, press_contact=contact, strategy=""
    )

    plan = services.communication_settings_save(
        alliance=cast.alliance, actor=cast.chair, press_contact=None, strategy=""
    )

    plan.refresh_from_db()
    assert plan.press_contact is None


def test_press_contact_of_another_alliance_is_refused(cast):
    stranger = MembershipFactory(alliance=cast.other_alliance, role=Role.MEMBER)

    with pytest.raises(ValidationError) as excinfo:
        services.communication_settings_save(
            alliance=cast.alliance, actor=cast.chair, press_contact=stranger, strategy="x"
        )

    assert excinfo.value.message_dict == {"press_contact": [str(ERR_PRESS_CONTACT)]}
    assert not CommunicationPlan.objects.filter(alliance=cast.alliance).exists()
    assert audit_actions(cast.alliance, "communication.") == []


def test_press_contact_whose_membership_ended_is_refused(cast):
    services.communication_settings_save(
        alliance=cast.alliance, actor=cast.chair, press_contact=None, strategy="Kept."
    )
    leaver = alliance_services.membership_end(
        membership=cast.membership(cast.member), actor=cast.chair, reason="Moved away"
    )

    with pytest.raises(ValidationError) as excinfo:
        services.communication_settings_save(
            alliance=cast.alliance, actor=cast.chair, press_contact=leaver, strategy="Changed."
        )

    assert excinfo.value.message_dict == {"press_contact": [str(ERR_PRESS_CONTACT)]}
    plan = CommunicationPlan.objects.get(alliance=cast.alliance)
    assert (plan.press_contact, plan.strategy) == (None, "Kept.")


def test_press_contact_choices_are_the_alliances_current_members(cast):
    alliance_services.membership_end(
        membership=cast.membership(cast.member), actor=cast.chair, reason=""
    )

    choices = set(selectors.press_contact_choices(cast.alliance).values_list("user", flat=True))

    assert choices == {
        cast.chair.pk,
        cast.secretary.pk,
        cast.coordinator.pk,
        cast.observer.pk,
    }


# Rows of the plan -------------------------------------------------------------------------------


def test_adding_a_row_makes_the_plan_and_audits_the_row(cast):
    entry = add_entry(cast.alliance, cast.coordinator)

    assert entry.plan.alliance == cast.alliance
    assert CommunicationEntry.objects.get().audience == "Newly arrived parents"
    audit = AuditEntry.objects.get(action="communication.entry_added")
    assert (audit.alliance, audit.object_id) == (cast.alliance, str(entry.pk))


def test_new_rows_go_to_the_end_of_the_plan(cast):
    first = add_entry(cast.alliance, cast.coordinator, audience="Parents")
    second = add_entry(cast.alliance, cast.coordinator, audience="Decision-makers")
    services.entry_delete(entry=first, actor=cast.coordinator)
    third = add_entry(cast.alliance, cast.coordinator, audience="Press")
    fourth = add_entry(cast.alliance, cast.coordinator, audience="Libraries")

    plan = selectors.communication_plan_of(cast.alliance)
    rows = selectors.communication_rows(plan, today=timezone.localdate())

    assert [row.entry.audience for row in rows] == ["Decision-makers", "Press", "Libraries"]
    assert second.position < third.position < fourth.position


def test_editing_a_row_keeps_its_place_and_audits_the_changed_fields(cast):
    first = add_entry(cast.alliance, cast.coordinator, audience="Parents")
    add_entry(cast.alliance, cast.coordinator, audience="Press")

    services.entry_save(
        alliance=cast.alliance,
        actor=cast.chair,
        entry=first,
        audience="Parents of young children",
        frequency=Frequency.QUARTERLY,
    )

    first.refresh_from_db()
    assert (first.audience, first.frequency, first.position) == (
        "Parents of young children",
        "quarterly",
        1,
    )
    update = AuditEntry.objects.get(action="communication.entry_updated")
    assert update.changes == {"fields": "audience, frequency"}


def test_editing_a_row_without_changes_writes_no_audit_entry(cast):
    entry = add_entry(cast.alliance, cast.coordinator, audience="Parents")

    services.entry_save(alliance=cast.alliance, actor=cast.chair, entry=entry, audience="Parents")

    assert audit_actions(cast.alliance, "communication.") == ["communication.entry_added"]


def test_a_row_without_audience_is_refused(cast):
    with pytest.raises(ValidationError) as excinfo:
        add_entry(cast.alliance, cast.coordinator, audience="")

    assert "audience" in excinfo.value.message_dict
    assert not CommunicationEntry.objects.exists()


def test_an_unknown_frequency_is_refused(cast):
    with pytest.raises(ValidationError) as excinfo:
        add_entry(cast.alliance, cast.coordinator, frequency="hourly")

    assert "frequency" in excinfo.value.message_dict
    assert not CommunicationEntry.objects.exists()


def test_removing_a_row_removes_what_was_carried_out_and_audits_it(cast):
    entry = add_entry(cast.alliance, cast.coordinator)
    carried_out(entry, cast.coordinator, days_ago=3)
    entry_id = entry.pk

    services.entry_delete(entry=entry, actor=cast.chair)

    assert not CommunicationEntry.objects.exists()
    assert not CommunicationLog.objects.exists()
    removal = AuditEntry.objects.get(action="communication.entry_removed")
    assert (removal.alliance, removal.object_id, removal.actor) == (
        cast.alliance,
        str(entry_id),
        cast.chair,
    )


# Carried out ------------------------------------------------------------------------------------


def test_carried_out_is_recorded_with_note_and_audited(cast):
    entry = add_entry(cast.alliance, cast.coordinator)
    day = timezone.localdate() - timedelta(days=2)

    log = services.entry_carried_out(
        entry=entry, actor=cast.chair, carried_out_on=day, note="Stand at the library."
    )

    log.refresh_from_db()
    assert (log.entry, log.date, log.note, log.recorded_by) == (
        entry,
        day,
        "Stand at the library.",
        cast.chair,
    )
    audit = AuditEntry.objects.get(action="communication.carried_out")
    assert audit.changes == {"date": day.isoformat()}
    assert audit.alliance == cast.alliance


def test_carried_out_today_is_allowed(cast):
    entry = add_entry(cast.alliance, cast.coordinator)

    log = carried_out(entry, cast.coordinator, days_ago=0)

    assert log.date == timezone.localdate()


def test_carried_out_in_the_future_is_refused_and_nothing_is_saved(cast):
    entry = add_entry(cast.alliance, cast.coordinator)

    with pytest.raises(ValidationError) as excinfo:
        services.entry_carried_out(
            entry=entry,
            actor=cast.coordinator,
            carried_out_on=timezone.localdate() + timedelta(days=1),
            note="Not yet.",
        )

    assert excinfo.value.message_dict == {"date": [str(ERR_DONE_IN_FUTURE)]}
    assert not CommunicationLog.objects.exists()
    assert audit_actions(cast.alliance, "communication.carried_out") == []


def test_rows_count_their_records_and_show_the_newest_three(cast):
    entry = add_entry(cast.alliance, cast.coordinator)
    for days_ago in (50, 40, 30, 20, 10):
        carried_out(entry, cast.coordinator, days_ago=days_ago, note=f"{days_ago} days ago")
    add_entry(cast.alliance, cast.coordinator, audience="Press")
    today = timezone.localdate()

    rows = selectors.communication_rows(selectors.communication_plan_of(cast.alliance), today=today)

    assert [row.times for row in rows] == [5, 0]
    assert rows[0].last_done == today - timedelta(days=10)
    assert [log.note for log in rows[0].recent] == ["10 days ago", "20 days ago", "30 days ago"]
    assert (rows[1].last_done, rows[1].recent, rows[1].overdue_since) == (None, [], None)


def test_an_alliance_without_a_plan_has_no_rows(cast):
    assert selectors.communication_plan_of(cast.alliance) is None
    assert selectors.communication_rows(None, today=timezone.localdate()) == []


# When a row is overdue --------------------------------------------------------------------------

LAST_DONE = date(2026, 3, 2)
GRACE = 7


@pytest.mark.parametrize(
    ("frequency", "interval"),
    [
        (Frequency.WEEKLY, 7),
        (Frequency.MONTHLY, 31),
        (Frequency.QUARTERLY, 92),
        (Frequency.HALF_YEARLY, 183),
        (Frequency.YEARLY, 366),
    ],
)
def test_a_recurring_row_is_overdue_only_after_its_interval_and_a_weeks_grace(frequency, interval):
    entry = CommunicationEntry(audience="Parents", frequency=frequency)
    due = LAST_DONE + timedelta(days=interval)

    assert entry.overdue_since(LAST_DONE, today=due) is None
    assert entry.overdue_since(LAST_DONE, today=due + timedelta(days=GRACE)) is None
    assert entry.overdue_since(LAST_DONE, today=due + timedelta(days=GRACE + 1)) == due
    assert entry.overdue_since(LAST_DONE, today=due + timedelta(days=400)) == due


@pytest.mark.parametrize("frequency", list(Frequency))
def test_a_row_never_carried_out_is_not_overdue(frequency):
    entry = CommunicationEntry(audience="Parents", frequency=frequency)

    assert entry.overdue_since(None, today=LAST_DONE + timedelta(days=1000)) is None


def test_a_row_done_once_is_never_overdue():
    entry = CommunicationEntry(audience="Parents", frequency=Frequency.ONCE)

    assert entry.overdue_since(LAST_DONE, today=LAST_DONE + timedelta(days=3000)) is None


def test_the_plans_rows_say_since_when_they_are_overdue(cast):
    today = timezone.localdate()
    late = add_entry(cast.alliance, cast.coordinator, audience="Late", frequency="weekly")
    carried_out(late, cast.coordinator, days_ago=15)
    in_grace = add_entry(cast.alliance, cast.coordinator, audience="Grace", frequency="weekly")
    carried_out(in_grace, cast.coordinator, days_ago=14)
    # The newest record counts, not the oldest.
    recent = add_entry(cast.alliance, cast.coordinator, audience="Recent", frequency="weekly")
    carried_out(recent, cast.coordinator, days_ago=60)
    carried_out(recent, cast.coordinator, days_ago=1)

    rows = selectors.communication_rows(selectors.communication_plan_of(cast.alliance), today=today)

    assert {row.entry.audience: row.overdue_since for row in rows} == {
        "Late": today - timedelta(days=8),
        "Grace": None,
        "Recent": None,
    }


# The public profile -----------------------------------------------------------------------------


def test_publishing_opens_the_page_at_an_address_made_from_the_name(cast):
    write_profile(cast.alliance, cast.chair)

    alliance = services.profile_publish(alliance=cast.alliance, actor=cast.chair)

    alliance.refresh_from_db()
    assert (alliance.profile_public, alliance.public_slug) == (True, "kronoberg-alliance")
    audit = AuditEntry.objects.get(action="profile.published")
    assert (audit.alliance, audit.changes) == (cast.alliance, {"address": "kronoberg-alliance"})
    assert selectors.published_alliance("kronoberg-alliance") == cast.alliance


def test_publishing_without_a_profile_text_is_refused(cast):
    with pytest.raises(ValidationError) as excinfo:
        services.profile_publish(alliance=cast.alliance, actor=cast.chair)

    assert excinfo.value.messages == [str(ERR_PROFILE_EMPTY)]
    cast.alliance.refresh_from_db()
    assert (cast.alliance.profile_public, cast.alliance.public_slug) == (False, None)
    assert audit_actions(cast.alliance, "profile.") == []


def test_a_profile_of_only_spaces_counts_as_empty(cast):
    write_profile(cast.alliance, cast.chair, text="  \n\t ")

    with pytest.raises(ValidationError):
        services.profile_publish(alliance=cast.alliance, actor=cast.chair)

    cast.alliance.refresh_from_db()
    assert not cast.alliance.profile_public


def test_unpublishing_closes_the_page_and_keeps_the_address(cast):
    write_profile(cast.alliance, cast.chair)
    services.profile_publish(alliance=cast.alliance, actor=cast.chair)

    services.profile_unpublish(alliance=cast.alliance, actor=cast.coordinator)

    cast.alliance.refresh_from_db()
    assert (cast.alliance.profile_public, cast.alliance.public_slug) == (
        False,
        "kronoberg-alliance",
    )
    assert selectors.published_alliance("kronoberg-alliance") is None
    assert audit_actions(cast.alliance, "profile.") == ["profile.published", "profile.unpublished"]


def test_republishing_after_a_rename_keeps_the_first_address(cast):
    write_profile(cast.alliance, cast.chair)
    services.profile_publish(alliance=cast.alliance, actor=cast.chair)
    services.profile_unpublish(alliance=cast.alliance, actor=cast.chair)
    alliance_services.alliance_update(
        alliance=cast.alliance, actor=cast.chair, name="Kronoberg Reception Alliance"
    )

    services.profile_publish(alliance=cast.alliance, actor=cast.chair)

    cast.alliance.refresh_from_db()
    assert cast.alliance.public_slug == "kronoberg-alliance"
    assert cast.alliance.profile_public


def test_alliances_with_the_same_name_get_different_addresses(cast):
    twins = [AllianceFactory(name="Småland Alliance") for _ in range(3)]
    for twin in twins:
        twin.public_profile = PROFILE_TEXT
        twin.save()
        services.profile_publish(alliance=twin, actor=cast.chair)

    slugs = [twin.public_slug for twin in twins]
    assert slugs == ["smaland-alliance", "smaland-alliance-2", "smaland-alliance-3"]


def test_an_unpublished_alliance_keeps_its_address_from_a_namesake(cast):
    first = AllianceFactory(name="Småland Alliance", public_profile=PROFILE_TEXT)
    services.profile_publish(alliance=first, actor=cast.chair)
    services.profile_unpublish(alliance=first, actor=cast.chair)
    second = AllianceFactory(name="Småland Alliance", public_profile=PROFILE_TEXT)

    services.profile_publish(alliance=second, actor=cast.chair)

    assert (first.public_slug, second.public_slug) == ("smaland-alliance", "smaland-alliance-2")


def test_a_name_without_latin_letters_still_gets_an_address(cast):
    alliance = AllianceFactory(name="تحالف", public_profile=PROFILE_TEXT)

    services.profile_publish(alliance=alliance, actor=cast.chair)

    assert alliance.public_slug == "alliance"


# The demo ---------------------------------------------------------------------------------------


def test_demo_outreach_is_complete_published_and_partly_carried_out(cast):
    write_profile(cast.alliance, cast.chair)
    assert not has_outreach(cast.alliance)

    seed_outreach(alliance=cast.alliance, coordinator=cast.coordinator)

    assert has_outreach(cast.alliance)
    assert selectors.information_of(cast.alliance).missing_parts() == []
    plan = selectors.communication_plan_of(cast.alliance)
    assert plan.press_contact == cast.membership(cast.coordinator)
    rows = selectors.communication_rows(plan, today=timezone.localdate())
    assert [row.times for row in rows] == [2, 1, 0]
    cast.alliance.refresh_from_db()
    assert cast.alliance.profile_public
