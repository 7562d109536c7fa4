"""Minutes: the agenda snapshot, versioned saves, the approval workflow, actions and comments."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from actionplans.models import ERR_ONE_RESPONSIBLE, Action
from alliance_portal.canonical import canonical_sha256
from alliance_portal.exceptions import InvalidTransition
from alliances.models import AuditEntry, Membership
from meetings import selectors, services
from meetings.models import (
    ERR_APPROVAL_BEFORE_MEETING,
    ERR_APPROVE_STATUS,
    ERR_APPROVED_AT_FUTURE_MEETING,
    ERR_CIRCULATE_STATUS,
    ERR_COMMENT_STATUS,
    ERR_CORRECT_STATUS,
    ERR_LOCK_STATUS,
    ERR_MINUTES_BEFORE_MEETING,
    ERR_MINUTES_LOCKED,
    ERR_STALE_VERSION,
    MAX_COMMENT_CHARS,
    MAX_MEMBER_COMMENT_CHARS,
    Meeting,
    Minutes,
    MinutesComment,
    MinutesItem,
    MinutesRevision,
    StandingItem,
)
from meetings.services import (
    ERR_COMMENT_TOO_LONG,
    ERR_NO_PREVIOUS_MINUTES,
    ERR_NOT_PREVIOUS_MINUTES,
    ERR_REASON_REQUIRED,
    ERR_RESPONSIBLE_ELSEWHERE,
    ERR_UNKNOWN_ITEM,
)

from ..factories import (
    MEETING_START,
    OrganisationFactory,
    StakeholderFactory,
    make_meeting,
    make_minutes,
    reschedule_meeting,
)

pytestmark = pytest.mark.django_db

SAFE_COMMENT = "<p>We agreed on <strong>three</strong> events.</p>"


def _messages(exc_info) -> list[str]:
    return [str(message) for message in exc_info.value.messages]


def _minutes(cast, **fields) -> Minutes:
    meeting = make_meeting(cast.alliance, cast.secretary, **fields)
    return make_minutes(meeting, cast.secretary)


def _item(minutes: Minutes, kind: str = StandingItem.UPDATES) -> MinutesItem:
    return minutes.items.get(kind=kind)


def _save(minutes: Minutes, actor, comments: dict[int, str], base_version: int | None = None):
    return services.minutes_save(
        minutes=minutes,
        actor=actor,
        base_version=minutes.version if base_version is None else base_version,
        comments=comments,
    )


def _fresh(minutes: Minutes) -> Minutes:
    """The same minutes as another browser would load them."""
    return Minutes.objects.get(pk=minutes.pk)


def _minutes_state(minutes: Minutes) -> tuple:
    minutes.refresh_from_db()
    return (
        minutes.status,
        minutes.version,
        minutes.circulated_at,
        minutes.approved_at,
        minutes.approved_by_id,
        minutes.approved_sha256,
        minutes.locked_at,
        minutes.updated_at,
        list(minutes.items.order_by("pk").values_list("comment_html", "no_actions")),
        minutes.revisions.count(),
    )


def _minutes_in(cast, status: str) -> Minutes:
    """Minutes with a comment, brought to the given status the way people do it."""
    minutes = _minutes(cast)
    _save(minutes, cast.secretary, {_item(minutes).pk: SAFE_COMMENT})
    if status == Minutes.Status.DRAFT:
        return minutes
    services.minutes_circulate(minutes=minutes, actor=cast.secretary)
    if status == Minutes.Status.CIRCULATED:
        return minutes
    services.minutes_approve(minutes=minutes, actor=cast.chair)
    if status == Minutes.Status.APPROVED:
        return minutes
    services.minutes_lock(minutes=minutes, actor=cast.chair)
    return minutes


# Starting the minutes ---------------------------------------------------------------------------


def test_starting_the_minutes_copies_the_agenda_and_records_version_one(cast):
    meeting = make_meeting(cast.alliance, cast.secretary)
    services.agenda_item_update(
        item=meeting.agenda_items.get(kind=StandingItem.UPDATES),
        actor=cast.secretary,
        fields={"presenter": "Kim"},
    )
    minutes = make_minutes(meeting, cast.secretary)
    items = list(minutes.items.order_by("position"))
    agenda = list(meeting.agenda_items.order_by("position"))
    assert [(i.position, i.kind, i.title, i.description, i.presenter) for i in items] == [
        (a.position, a.kind, a.title, a.description, a.presenter) for a in agenda
    ]
    assert all(item.comment_html == "" for item in items)
    assert (minutes.status, minutes.version) == (Minutes.Status.DRAFT, 1)
    revision = minutes.revisions.get()
    assert (revision.version, revision.kind, revision.author) == (
        1,
        MinutesRevision.Kind.EDIT,
        cast.secretary,
    )
    assert revision.content == selectors.minutes_content(minutes)
    assert revision.sha256 == canonical_sha256(revision.content)
    assert "minutes.started" in AuditEntry.objects.values_list("action", flat=True)


def test_later_agenda_edits_do_not_change_the_minutes(cast):
    meeting = make_meeting(cast.alliance, cast.secretary)
    minutes = make_minutes(meeting, cast.secretary)
    before = list(minutes.items.order_by("position").values_list("position", "title"))
    first = meeting.agenda_items.get(position=1)
    services.agenda_item_update(item=first, actor=cast.secretary, fields={"title": "Renamed"})
    services.agenda_item_add(meeting=meeting, actor=cast.secretary, fields={"title": "Extra"})
    services.agenda_item_remove(item=meeting.agenda_items.get(position=2), actor=cast.secretary)
    assert list(minutes.items.order_by("position").values_list("position", "title")) == before


def test_starting_the_minutes_twice_returns_the_same_minutes(cast):
    meeting = make_meeting(cast.alliance, cast.secretary)
    first = make_minutes(meeting, cast.secretary)
    second = make_minutes(meeting, cast.chair)
    assert first.pk == second.pk
    assert first.items.count() == 6
    assert first.revisions.count() == 1


def test_minutes_are_not_started_for_a_cancelled_meeting(cast):
    meeting = make_meeting(cast.alliance, cast.secretary)
    services.meeting_cancel(meeting=meeting, actor=cast.chair)
    with pytest.raises(InvalidTransition):
        make_minutes(meeting, cast.secretary)
    assert not Minutes.objects.exists()


# Saving -----------------------------------------------------------------------------------------


def test_a_save_moves_the_version_on_and_stores_sanitised_html(cast):
    minutes = _minutes(cast)
    item = _item(minutes)
    dirty = (
        "<p><strong>Agreed</strong> on <em>dates</em></p>"
        "<script>alert(1)</script>"
        '<ul><li>one</li><li onclick="steal()">two</li></ul>'
        '<ol><li>first</li></ol><img src="x" onerror="alert(1)">'
        '<a href="https://example.org/plan">plan</a> '
        '<a href="javascript:alert(1)">trap</a>'
    )
    _save(minutes, cast.secretary, {item.pk: dirty}, base_version=1)
    minutes.refresh_from_db()
    item.refresh_from_db()
    assert minutes.version == 2
    stored = item.comment_html
    for forbidden in ("<script", "alert(1)", "onerror", "onclick", "javascript:", "<img"):
        assert forbidden not in stored
    for kept in (
        "<strong>Agreed</strong>",
        "<em>dates</em>",
        "<ul><li>one</li><li>two</li></ul>",
        "<ol><li>first</li></ol>",
        'href="https://example.org/plan"',
        'rel="noopener noreferrer nofollow"',
    ):
        assert kept in stored
    assert ">trap</a>" in stored


def test_a_save_can_set_no_actions_for_an_item(cast):
    minutes = _minutes(cast)
    item = _item(minutes, StandingItem.WELCOME)
    services.minutes_save(
        minutes=minutes,
        actor=cast.secretary,
        base_version=1,
        comments={item.pk: "<p>Everyone introduced themselves.</p>"},
        no_actions={item.pk: True},
    )
    item.refresh_from_db()
    assert item.no_actions


def test_a_comment_that_is_empty_in_the_editor_is_stored_empty(cast):
    minutes = _minutes(cast)
    item = _item(minutes)
    _save(minutes, cast.secretary, {item.pk: "<div><br></div>"})
    item.refresh_from_db()
    assert item.comment_html == ""


def test_stale_save_is_refused_and_changes_nothing(cast):
    minutes = _minutes(cast)
    item = _item(minutes)
    _save(minutes, cast.secretary, {item.pk: SAFE_COMMENT}, base_version=1)
    before = _minutes_state(minutes)
    with pytest.raises(InvalidTransition) as exc_info:
        _save(minutes, cast.chair, {item.pk: "<p>Overwritten</p>"}, base_version=1)
    assert exc_info.value.code == "stale"
    assert _messages(exc_info) == [str(ERR_STALE_VERSION)]
    assert _minutes_state(minutes) == before
    item.refresh_from_db()
    assert item.comment_html == SAFE_COMMENT
    assert minutes.version == 2


def test_two_saves_from_the_same_version_the_first_wins_and_the_second_is_refused(cast):
    minutes = _minutes(cast)
    item = _item(minutes)
    secretary_view, chair_view = _fresh(minutes), _fresh(minutes)
    _save(secretary_view, cast.secretary, {item.pk: "<p>First</p>"}, base_version=1)
    before = _minutes_state(minutes)
    with pytest.raises(InvalidTransition) as exc_info:
        _save(chair_view, cast.chair, {item.pk: "<p>Second</p>"}, base_version=1)
    assert exc_info.value.code == "stale"
    assert _minutes_state(minutes) == before
    item.refresh_from_db()
    assert (item.comment_html, minutes.version) == ("<p>First</p>", 2)
    assert not minutes.revisions.filter(author=cast.chair).exists()


def test_an_oversize_comment_is_refused_and_nothing_changes(cast):
    minutes = _minutes(cast)
    item = _item(minutes)
    other = _item(minutes, StandingItem.WELCOME)
    before = _minutes_state(minutes)
    text = "x" * MAX_COMMENT_CHARS
    with pytest.raises(ValidationError) as exc_info:
        _save(minutes, cast.secretary, {other.pk: SAFE_COMMENT, item.pk: f"<p>{text}</p>"})
    assert _messages(exc_info) == [
        str(
            ERR_COMMENT_TOO_LONG
            % {"item": item.title, "length": MAX_COMMENT_CHARS + 7, "limit": MAX_COMMENT_CHARS}
        )
    ]
    assert _minutes_state(minutes) == before


def test_the_comment_limit_applies_to_the_sanitised_html(cast):
    minutes = _minutes(cast)
    item = _item(minutes)
    bloated = f"<script>{'x' * MAX_COMMENT_CHARS}</script><p>Short</p>"
    _save(minutes, cast.secretary, {item.pk: bloated})
    item.refresh_from_db()
    assert item.comment_html == "<p>Short</p>"


def test_a_comment_of_exactly_the_limit_is_accepted(cast):
    minutes = _minutes(cast)
    item = _item(minutes)
    html = f"<p>{'x' * (MAX_COMMENT_CHARS - 7)}</p>"
    _save(minutes, cast.secretary, {item.pk: html})
    item.refresh_from_db()
    assert item.comment_html == html


def test_an_unknown_item_is_refused_and_nothing_changes(cast):
    minutes = _minutes(cast)
    elsewhere = _minutes(cast, title="Another meeting")
    before = _minutes_state(minutes)
    for item_id in (999_999, _item(elsewhere).pk):
        with pytest.raises(ValidationError) as exc_info:
            _save(minutes, cast.secretary, {_item(minutes).pk: SAFE_COMMENT, item_id: "<p>x</p>"})
        assert _messages(exc_info) == [str(ERR_UNKNOWN_ITEM)]
    assert _minutes_state(minutes) == before
    assert _item(elsewhere).comment_html == ""


def test_saves_in_a_row_by_one_author_share_a_revision(cast):
    minutes = _minutes(cast)
    item = _item(minutes)
    _save(minutes, cast.secretary, {item.pk: "<p>One</p>"})
    _save(minutes, cast.secretary, {item.pk: "<p>One two</p>"})
    revision = minutes.revisions.get()
    assert revision.version == 3
    assert revision.content == selectors.minutes_content(minutes)
    assert revision.sha256 == canonical_sha256(revision.content)


def test_a_save_more_than_ten_minutes_later_starts_a_new_revision(cast):
    minutes = _minutes(cast)
    item = _item(minutes)
    _save(minutes, cast.secretary, {item.pk: "<p>One</p>"})
    MinutesRevision.objects.filter(minutes=minutes).update(
        saved_at=timezone.now() - timedelta(hours=1)
    )
    _save(minutes, cast.secretary, {item.pk: "<p>One two</p>"})
    assert list(minutes.revisions.values_list("version", "author")) == [
        (3, cast.secretary.pk),
        (2, cast.secretary.pk),
    ]


def test_a_save_by_another_author_starts_a_new_revision(cast):
    minutes = _minutes(cast)
    item = _item(minutes)
    _save(minutes, cast.secretary, {item.pk: "<p>One</p>"})
    _save(minutes, cast.chair, {item.pk: "<p>One two</p>"})
    _save(minutes, cast.secretary, {item.pk: "<p>One two three</p>"})
    assert list(minutes.revisions.values_list("version", "author")) == [
        (4, cast.secretary.pk),
        (3, cast.chair.pk),
        (2, cast.secretary.pk),
    ]


# The workflow -----------------------------------------------------------------------------------


def test_minutes_go_from_draft_to_circulated_to_approved_to_locked(cast):
    minutes = _minutes_in(cast, Minutes.Status.DRAFT)
    services.minutes_circulate(minutes=minutes, actor=cast.secretary)
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.CIRCULATED
    assert minutes.circulated_at is not None
    services.minutes_approve(minutes=minutes, actor=cast.chair)
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.APPROVED
    services.minutes_lock(minutes=minutes, actor=cast.chair)
    minutes.refresh_from_db()
    assert minutes.status == Minutes.Status.LOCKED
    assert minutes.locked_at is not None
    assert list(
        AuditEntry.objects.filter(action__startswith="minutes.")
        .order_by("pk")
        .values_list("action", flat=True)
    ) == ["minutes.started", "minutes.circulated", "minutes.approved", "minutes.locked"]


BEFORE_THE_MEETING = MEETING_START - timedelta(days=10)


def test_minutes_of_a_meeting_that_has_not_started_cannot_be_circulated(cast, time_machine):
    time_machine.move_to(BEFORE_THE_MEETING, tick=False)
    minutes = _minutes_in(cast, Minutes.Status.DRAFT)
    before = _minutes_state(minutes)
    with pytest.raises(InvalidTransition) as exc_info:
        services.minutes_circulate(minutes=_fresh(minutes), actor=cast.secretary)
    assert _messages(exc_info) == [str(ERR_MINUTES_BEFORE_MEETING)]
    assert _minutes_state(minutes) == before
    assert not AuditEntry.objects.filter(action="minutes.circulated").exists()


def test_minutes_are_circulated_from_the_moment_the_meeting_starts(cast, time_machine):
    time_machine.move_to(BEFORE_THE_MEETING, tick=False)
    minutes = _minutes_in(cast, Minutes.Status.DRAFT)
    time_machine.move_to(MEETING_START, tick=False)
    services.minutes_circulate(minutes=_fresh(minutes), actor=cast.secretary)
    minutes.refresh_from_db()
    assert (minutes.status, minutes.circulated_at) == (Minutes.Status.CIRCULATED, MEETING_START)


def test_circulated_minutes_of_a_meeting_moved_to_the_future_cannot_be_approved(cast, time_machine):
    time_machine.move_to(MEETING_START + timedelta(days=1), tick=False)
    minutes = _minutes_in(cast, Minutes.Status.CIRCULATED)
    reschedule_meeting(minutes.meeting, cast.secretary, MEETING_START + timedelta(days=20))
    before = _minutes_state(minutes)
    with pytest.raises(InvalidTransition) as exc_info:
        services.minutes_approve(minutes=_fresh(minutes), actor=cast.chair)
    assert _messages(exc_info) == [str(ERR_APPROVAL_BEFORE_MEETING)]
    assert _minutes_state(minutes) == before


def test_circulated_minutes_can_still_be_edited(cast):
    minutes = _minutes_in(cast, Minutes.Status.CIRCULATED)
    item = _item(minutes)
    _save(minutes, cast.secretary, {item.pk: "<p>After comments</p>"})
    item.refresh_from_db()
    assert item.comment_html == "<p>After comments</p>"


@pytest.mark.parametrize(
    ("status", "operation", "error"),
    [
        ("draft", "approve", ERR_APPROVE_STATUS),
        ("circulated", "circulate", ERR_CIRCULATE_STATUS),
        ("approved", "circulate", ERR_CIRCULATE_STATUS),
        ("locked", "circulate", ERR_CIRCULATE_STATUS),
        ("approved", "approve", ERR_APPROVE_STATUS),
        ("locked", "approve", ERR_APPROVE_STATUS),
        ("draft", "lock", ERR_LOCK_STATUS),
        ("circulated", "lock", ERR_LOCK_STATUS),
        ("locked", "lock", ERR_LOCK_STATUS),
    ],
)
def test_every_illegal_minutes_transition_is_refused_and_changes_nothing(
    cast, status, operation, error
):
    minutes = _minutes_in(cast, status)
    before = _minutes_state(minutes)
    audit_count = AuditEntry.objects.count()
    service = getattr(services, f"minutes_{operation}")
    with pytest.raises(InvalidTransition) as exc_info:
        service(minutes=_fresh(minutes), actor=cast.chair)
    assert _messages(exc_info) == [str(error)]
    assert _minutes_state(minutes) == before
    assert AuditEntry.objects.count() == audit_count


@pytest.mark.parametrize(("status", "code"), [("approved", "not_editable"), ("locked", "locked")])
def test_approved_and_locked_minutes_cannot_be_saved(cast, status, code):
    minutes = _minutes_in(cast, status)
    before = _minutes_state(minutes)
    with pytest.raises(InvalidTransition) as exc_info:
        _save(minutes, cast.secretary, {_item(minutes).pk: "<p>Changed</p>"})
    assert exc_info.value.code == code
    assert _minutes_state(minutes) == before


def test_approval_stores_the_hash_of_the_content_and_who_approved(cast):
    minutes = _minutes_in(cast, Minutes.Status.CIRCULATED)
    services.minutes_approve(minutes=minutes, actor=cast.chair)
    minutes.refresh_from_db()
    expected = canonical_sha256(selectors.minutes_content(minutes))
    assert minutes.approved_sha256 == expected
    assert minutes.approved_by == cast.chair
    assert minutes.approved_at is not None
    assert minutes.approved_at_meeting is None
    entry = AuditEntry.objects.get(action="minutes.approved")
    assert entry.changes == {"sha256": expected}
    assert entry.actor == cast.chair
    approval = minutes.revisions.get(kind=MinutesRevision.Kind.APPROVAL)
    assert (approval.sha256, approval.author) == (expected, cast.chair)


def test_the_hash_changes_when_the_content_changes():
    content = {"items": [{"title": "Welcome", "comment": "<p>Hello</p>"}]}
    changed = {"items": [{"title": "Welcome", "comment": "<p>Hello!</p>"}]}
    reordered = {"items": [{"comment": "<p>Hello</p>", "title": "Welcome"}]}
    assert canonical_sha256(content) == canonical_sha256(reordered)
    assert canonical_sha256(content) != canonical_sha256(changed)
    assert len(canonical_sha256(content)) == 64


def test_a_correction_with_a_reason_adds_a_correction_revision(cast):
    minutes = _minutes_in(cast, Minutes.Status.APPROVED)
    approved_sha256 = minutes.approved_sha256
    item = _item(minutes)
    services.minutes_correct(
        minutes=minutes,
        actor=cast.chair,
        base_version=minutes.version,
        comments={item.pk: "<p>We agreed on <strong>four</strong> events.</p>"},
        reason="  The number of events was wrong.  ",
    )
    minutes.refresh_from_db()
    item.refresh_from_db()
    assert minutes.status == Minutes.Status.APPROVED
    assert minutes.approved_sha256 == approved_sha256
    assert item.comment_html == "<p>We agreed on <strong>four</strong> events.</p>"
    correction = minutes.revisions.get(kind=MinutesRevision.Kind.CORRECTION)
    assert correction.reason == "The number of events was wrong."
    assert correction.version == minutes.version
    assert correction.sha256 == canonical_sha256(selectors.minutes_content(minutes))
    assert correction.sha256 != approved_sha256
    entry = AuditEntry.objects.get(action="minutes.corrected")
    assert entry.changes == {
        "reason": "The number of events was wrong.",
        "items": item.title,
        "sha256": correction.sha256,
    }


def test_a_correction_without_a_reason_is_refused(cast):
    minutes = _minutes_in(cast, Minutes.Status.APPROVED)
    before = _minutes_state(minutes)
    with pytest.raises(ValidationError) as exc_info:
        services.minutes_correct(
            minutes=minutes,
            actor=cast.chair,
            base_version=minutes.version,
            comments={_item(minutes).pk: "<p>Changed</p>"},
            reason="   ",
        )
    assert exc_info.value.message_dict["reason"] == [str(ERR_REASON_REQUIRED)]
    assert _minutes_state(minutes) == before


def test_a_stale_correction_is_refused(cast):
    minutes = _minutes_in(cast, Minutes.Status.APPROVED)
    before = _minutes_state(minutes)
    with pytest.raises(InvalidTransition) as exc_info:
        services.minutes_correct(
            minutes=minutes,
            actor=cast.chair,
            base_version=minutes.version - 1,
            comments={_item(minutes).pk: "<p>Changed</p>"},
            reason="Typo",
        )
    assert exc_info.value.code == "stale"
    assert _minutes_state(minutes) == before


@pytest.mark.parametrize(
    ("status", "error"),
    [
        ("locked", ERR_MINUTES_LOCKED),
        ("draft", ERR_CORRECT_STATUS),
        ("circulated", ERR_CORRECT_STATUS),
    ],
)
def test_only_approved_minutes_are_corrected(cast, status, error):
    minutes = _minutes_in(cast, status)
    before = _minutes_state(minutes)
    with pytest.raises(InvalidTransition) as exc_info:
        services.minutes_correct(
            minutes=minutes,
            actor=cast.chair,
            base_version=minutes.version,
            comments={_item(minutes).pk: "<p>Changed</p>"},
            reason="Typo",
        )
    assert _messages(exc_info) == [str(error)]
    assert _minutes_state(minutes) == before


# Approval recorded at the next meeting ----------------------------------------------------------


def _two_meetings(cast, previous_status: str) -> tuple[Minutes, Minutes]:
    previous = _minutes_in(cast, previous_status)
    later = make_meeting(
        cast.alliance, cast.secretary, starts_at=MEETING_START + timedelta(days=30)
    )
    return previous, make_minutes(later, cast.secretary)


def test_the_previous_minutes_are_approved_under_the_next_meetings_item(cast, time_machine):
    time_machine.move_to(MEETING_START + timedelta(days=1), tick=False)
    previous, current = _two_meetings(cast, Minutes.Status.CIRCULATED)
    time_machine.move_to(current.meeting.starts_at + timedelta(hours=1), tick=False)
    item = _item(current, StandingItem.PREVIOUS_MINUTES)
    services.minutes_record_approval(item=item, actor=cast.secretary)
    previous.refresh_from_db()
    assert previous.status == Minutes.Status.APPROVED
    assert previous.approved_at_meeting == current.meeting
    assert previous.approved_by == cast.secretary
    assert previous.approved_sha256 == canonical_sha256(selectors.minutes_content(previous))
    entry = AuditEntry.objects.get(action="minutes.approved")
    assert entry.changes == {
        "sha256": previous.approved_sha256,
        "at_meeting": str(current.meeting),
    }
    assert entry.object_id == str(previous.pk)


def test_approval_is_not_recorded_at_a_meeting_that_has_not_started(cast, time_machine):
    time_machine.move_to(MEETING_START + timedelta(days=1), tick=False)
    previous, current = _two_meetings(cast, Minutes.Status.CIRCULATED)
    before = _minutes_state(previous)
    with pytest.raises(InvalidTransition) as exc_info:
        services.minutes_record_approval(
            item=_item(current, StandingItem.PREVIOUS_MINUTES), actor=cast.secretary
        )
    assert _messages(exc_info) == [str(ERR_APPROVED_AT_FUTURE_MEETING)]
    assert _minutes_state(previous) == before


def test_the_previous_minutes_are_not_approved_under_another_item(cast):
    previous, current = _two_meetings(cast, Minutes.Status.CIRCULATED)
    before = _minutes_state(previous)
    with pytest.raises(InvalidTransition) as exc_info:
        services.minutes_record_approval(
            item=_item(current, StandingItem.WELCOME), actor=cast.secretary
        )
    assert _messages(exc_info) == [str(ERR_NOT_PREVIOUS_MINUTES)]
    assert _minutes_state(previous) == before


def test_draft_previous_minutes_cannot_be_approved_at_the_next_meeting(cast):
    previous, current = _two_meetings(cast, Minutes.Status.DRAFT)
    before = _minutes_state(previous)
    with pytest.raises(InvalidTransition) as exc_info:
        services.minutes_record_approval(
            item=_item(current, StandingItem.PREVIOUS_MINUTES), actor=cast.secretary
        )
    assert _messages(exc_info) == [str(ERR_NO_PREVIOUS_MINUTES)]
    assert _minutes_state(previous) == before


def test_the_first_meeting_has_no_previous_minutes_to_approve(cast):
    minutes = _minutes(cast)
    with pytest.raises(InvalidTransition) as exc_info:
        services.minutes_record_approval(
            item=_item(minutes, StandingItem.PREVIOUS_MINUTES), actor=cast.secretary
        )
    assert _messages(exc_info) == [str(ERR_NO_PREVIOUS_MINUTES)]


def test_minutes_of_another_alliance_are_never_the_previous_minutes(cast):
    theirs = make_minutes(make_meeting(cast.other_alliance, cast.other_chair), cast.other_chair)
    services.minutes_circulate(minutes=theirs, actor=cast.other_chair)
    ours = _minutes(cast, starts_at=MEETING_START + timedelta(days=30))
    with pytest.raises(InvalidTransition):
        services.minutes_record_approval(
            item=_item(ours, StandingItem.PREVIOUS_MINUTES), actor=cast.secretary
        )
    theirs.refresh_from_db()
    assert theirs.status == Minutes.Status.CIRCULATED


# Decided actions --------------------------------------------------------------------------------


def _decide(cast, item: MinutesItem, **kwargs) -> Action:
    return services.decided_action_add(
        item=item, actor=cast.secretary, title="  Book the hall  ", **kwargs
    )


def test_an_action_with_a_responsible_member_and_a_date_is_decided(cast):
    minutes = _minutes(cast)
    item = _item(minutes)
    membership = cast.membership(cast.member)
    action = _decide(cast, item, responsible_member=membership, due_date=date(2027, 1, 31))
    action.refresh_from_db()
    assert (action.alliance, action.decided_in, action.title) == (
        cast.alliance,
        item,
        "Book the hall",
    )
    assert (action.responsible_member, action.responsible_organisation) == (membership, None)
    assert (action.due_date, action.created_by, action.status) == (
        date(2027, 1, 31),
        cast.secretary,
        Action.Status.NOT_STARTED,
    )
    assert AuditEntry.objects.get(action="action.decided").alliance == cast.alliance
    content = selectors.minutes_content(minutes)
    decided = next(i for i in content["items"] if i["title"] == item.title)["actions"]
    assert decided == [
        {
            "action": "Book the hall",
            "responsible": action.responsible_label,
            "due_date": "2027-01-31",
        }
    ]


def test_the_responsible_choices_are_the_alliances_active_members_and_mapped_organisations(cast):
    ended = cast.membership(cast.observer)
    ended.ended_at = timezone.now()
    ended.save()
    ours = StakeholderFactory(alliance=cast.alliance).organisation
    StakeholderFactory(alliance=cast.other_alliance)
    OrganisationFactory()
    members, organisations = selectors.responsible_choices(cast.alliance)
    assert {m.user for m in members} == {cast.chair, cast.secretary, cast.coordinator, cast.member}
    assert list(organisations) == [ours]


def test_an_action_for_a_mapped_organisation_without_a_date_is_decided(cast):
    organisation = StakeholderFactory(alliance=cast.alliance).organisation
    action = _decide(cast, _item(_minutes(cast)), responsible_organisation=organisation)
    action.refresh_from_db()
    assert (action.responsible_member, action.responsible_organisation) == (None, organisation)
    assert action.due_date is None


def test_a_member_of_another_alliance_cannot_be_responsible(cast):
    minutes = _minutes(cast)
    elsewhere = Membership.objects.get(alliance=cast.other_alliance, user=cast.other_chair)
    with pytest.raises(ValidationError) as exc_info:
        _decide(cast, _item(minutes), responsible_member=elsewhere)
    assert exc_info.value.message_dict["responsible_member"] == [str(ERR_RESPONSIBLE_ELSEWHERE)]
    assert not Action.objects.exists()


def test_a_member_who_has_left_cannot_be_made_responsible(cast):
    minutes = _minutes(cast)
    left = cast.membership(cast.member)
    left.ended_at = left.started_at
    left.save(update_fields=["ended_at"])
    with pytest.raises(ValidationError) as exc_info:
        _decide(cast, _item(minutes), responsible_member=left)
    assert exc_info.value.message_dict["responsible_member"] == [str(ERR_RESPONSIBLE_ELSEWHERE)]
    assert not Action.objects.exists()


@pytest.mark.parametrize("mapped_elsewhere", [True, False])
def test_an_organisation_outside_the_alliances_mapping_cannot_be_responsible(
    cast, mapped_elsewhere
):
    if mapped_elsewhere:
        organisation = StakeholderFactory(alliance=cast.other_alliance).organisation
    else:
        organisation = OrganisationFactory()
    with pytest.raises(ValidationError) as exc_info:
        _decide(cast, _item(_minutes(cast)), responsible_organisation=organisation)
    assert exc_info.value.message_dict["responsible_organisation"] == [
        str(ERR_RESPONSIBLE_ELSEWHERE)
    ]
    assert not Action.objects.exists()


def test_a_member_and_an_organisation_together_are_refused(cast):
    organisation = StakeholderFactory(alliance=cast.alliance).organisation
    with pytest.raises(ValidationError) as exc_info:
        _decide(
            cast,
            _item(_minutes(cast)),
            responsible_member=cast.membership(cast.member),
            responsible_organisation=organisation,
        )
    assert str(ERR_ONE_RESPONSIBLE) in _messages(exc_info)
    assert not Action.objects.exists()


def test_deciding_an_action_clears_no_actions_on_the_item(cast):
    minutes = _minutes(cast)
    item = _item(minutes)
    services.minutes_save(
        minutes=minutes,
        actor=cast.secretary,
        base_version=1,
        comments={item.pk: SAFE_COMMENT},
        no_actions={item.pk: True},
    )
    item.refresh_from_db()
    assert item.no_actions
    _decide(cast, item, responsible_member=cast.membership(cast.member))
    item.refresh_from_db()
    assert not item.no_actions


@pytest.mark.parametrize("status", ["approved", "locked"])
def test_no_action_is_decided_in_approved_or_locked_minutes(cast, status):
    minutes = _minutes_in(cast, status)
    before = _minutes_state(minutes)
    with pytest.raises(InvalidTransition):
        _decide(cast, _item(minutes), responsible_member=cast.membership(cast.member))
    assert not Action.objects.exists()
    assert _minutes_state(minutes) == before


def test_a_decided_action_is_removed_while_the_minutes_are_a_draft(cast):
    minutes = _minutes(cast)
    action = _decide(cast, _item(minutes), responsible_member=cast.membership(cast.member))
    services.decided_action_remove(action=action, actor=cast.secretary)
    assert not Action.objects.exists()
    assert AuditEntry.objects.filter(action="action.removed").count() == 1


def test_a_decided_action_stays_once_the_minutes_are_approved(cast):
    minutes = _minutes_in(cast, Minutes.Status.CIRCULATED)
    action = _decide(cast, _item(minutes), responsible_member=cast.membership(cast.member))
    services.minutes_approve(minutes=minutes, actor=cast.chair)
    with pytest.raises(InvalidTransition):
        services.decided_action_remove(action=Action.objects.get(pk=action.pk), actor=cast.chair)
    assert Action.objects.filter(pk=action.pk).exists()


# Members' comments ------------------------------------------------------------------------------


def test_a_member_comments_on_circulated_minutes(cast):
    minutes = _minutes_in(cast, Minutes.Status.CIRCULATED)
    comment = services.member_comment_add(
        item=_item(minutes), actor=cast.member, body="  Please add the library.  "
    )
    comment.refresh_from_db()
    assert (comment.body, comment.author, comment.item) == (
        "Please add the library.",
        cast.member,
        _item(minutes),
    )
    assert AuditEntry.objects.filter(action="minutes.commented").count() == 1


@pytest.mark.parametrize("status", ["draft", "approved", "locked"])
def test_members_comment_only_while_the_minutes_are_circulated(cast, status):
    minutes = _minutes_in(cast, status)
    with pytest.raises(InvalidTransition) as exc_info:
        services.member_comment_add(item=_item(minutes), actor=cast.member, body="Hello")
    assert _messages(exc_info) == [str(ERR_COMMENT_STATUS)]
    assert not MinutesComment.objects.exists()


def test_a_member_comment_over_the_limit_is_refused(cast):
    minutes = _minutes_in(cast, Minutes.Status.CIRCULATED)
    item = _item(minutes)
    with pytest.raises(ValidationError) as exc_info:
        services.member_comment_add(
            item=item, actor=cast.member, body="x" * (MAX_MEMBER_COMMENT_CHARS + 1)
        )
    assert len(exc_info.value.message_dict["body"]) == 1
    assert not MinutesComment.objects.exists()
    services.member_comment_add(item=item, actor=cast.member, body="x" * MAX_MEMBER_COMMENT_CHARS)
    assert MinutesComment.objects.count() == 1


# History ----------------------------------------------------------------------------------------


def test_the_diff_shows_inserted_and_deleted_words_between_revisions(cast):
    minutes = _minutes(cast)
    item = _item(minutes)
    _save(minutes, cast.secretary, {item.pk: "<p>The group agreed on the old date</p>"})
    _save(minutes, cast.chair, {item.pk: "<p>The group agreed on the new date today</p>"})
    newer, older = minutes.revisions.all()[:2]
    diffs = selectors.content_diff(older.content, newer.content)
    by_title = {diff.title: diff for diff in diffs}
    assert by_title[item.title].segments == [
        ("equal", "The group agreed on the"),
        ("delete", "old"),
        ("insert", "new"),
        ("equal", "date"),
        ("insert", "today"),
    ]
    assert by_title[item.title].changed
    assert not any(diff.changed for diff in diffs if diff.title != item.title)
    previous, same = selectors.revision_with_previous(minutes, newer)
    assert previous == older
    assert same == diffs


def test_the_first_revision_shows_everything_as_inserted(cast):
    minutes = _minutes(cast)
    item = _item(minutes)
    _save(minutes, cast.secretary, {item.pk: "<p>First words</p><p>Second line</p>"})
    diffs = selectors.content_diff(None, selectors.minutes_content(minutes))
    by_title = {diff.title: diff for diff in diffs}
    assert by_title[item.title].segments == [("insert", "First words ¶ Second line")]


def test_the_diff_shows_a_decided_action(cast):
    minutes = _minutes(cast)
    item = _item(minutes)
    before = selectors.minutes_content(minutes)
    organisation = StakeholderFactory(
        alliance=cast.alliance, organisation__name="Växjö library"
    ).organisation
    _decide(cast, item, responsible_organisation=organisation)
    diffs = selectors.content_diff(before, selectors.minutes_content(minutes))
    changed = [diff for diff in diffs if diff.changed]
    assert [diff.title for diff in changed] == [item.title]
    assert changed[0].segments == [("insert", f"→ Book the hall · {organisation} · -")]


def test_meeting_facts_in_the_content_follow_the_meeting(cast):
    minutes = _minutes(cast)
    meeting = Meeting.objects.get(pk=minutes.meeting_id)
    content = selectors.minutes_content(minutes)
    assert content["meeting"]["number"] == meeting.number
    assert content["meeting"]["alliance"] == cast.alliance.name
    assert len(content["attendance"]) == 5
    assert [item["title"] for item in content["items"]] == list(
        minutes.items.order_by("position").values_list("title", flat=True)
    )


def test_an_approvals_diff_compares_with_the_edit_it_approved(cast):
    minutes = make_minutes(make_meeting(cast.alliance, cast.secretary), cast.secretary)
    item = minutes.items.first()
    services.minutes_save(
        minutes=minutes,
        actor=cast.secretary,
        base_version=minutes.version,
        comments={item.pk: "<div>Agreed.</div>"},
    )
    services.minutes_circulate(minutes=minutes, actor=cast.secretary)
    services.minutes_approve(minutes=minutes, actor=cast.chair)
    approval = minutes.revisions.get(kind=MinutesRevision.Kind.APPROVAL)

    previous, diff = selectors.revision_with_previous(minutes, approval)

    assert previous.kind == MinutesRevision.Kind.EDIT
    assert previous.version == approval.version
    assert not any(entry.changed for entry in diff)
