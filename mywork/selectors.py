"""What waits for a person, read across every alliance they belong to.

Each kind of waiting thing is read by a selector of the app that owns its rule, for the
alliances where the person's role holds the capability to do it. The reads are one query per
kind whatever the number of alliances or items, and `waiting_count` answers in two queries
(the person's memberships, then every count at once), because the top bar shows it on every page.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import IntegerField, QuerySet, Subquery
from django.urls import reverse
from django.utils import timezone

from actionplans import selectors as plan_selectors
from agreements import selectors as agreement_selectors
from alliance_portal.permissions import Capability, role_can
from alliances.models import Alliance, Membership, User
from alliances.selectors import alliance_today
from meetings import selectors as meeting_selectors
from reminders import selectors as reminder_selectors
from stakeholders import selectors as stakeholder_selectors

# The kinds, in the order the page shows them: what the person does themselves first, then what
# waits for them because of their role. The template names each kind.
SIGN_AGREEMENT = "sign_agreement"
ANSWER_MEETING = "answer_meeting"
COMMENT_MINUTES = "comment_minutes"
REPORT_PROGRESS = "report_progress"
SIGN_OFF_PLAN = "sign_off_plan"
START_MINUTES = "start_minutes"
CIRCULATE_MINUTES = "circulate_minutes"
FAILED_REMINDERS = "failed_reminders"
LINK_REPRESENTATIVES = "link_representatives"


@dataclass(frozen=True)
class Item:
    """One thing that waits: in which alliance, what it is called and where it is done."""

    alliance: Alliance
    title: str
    url: str
    when: date | datetime | None = None
    overdue: bool = False
    number: int = 0  # the version to sign or sign off
    count: int = 0  # how many reminders could not be sent
    note: str = ""  # the organisation a representative names


@dataclass(frozen=True)
class Group:
    kind: str
    items: list[Item]

    @property
    def count(self) -> int:
        return len(self.items)


@dataclass(frozen=True)
class MyWork:
    memberships: list[Membership]
    groups: list[Group] = field(default_factory=list)

    @property
    def belongs_anywhere(self) -> bool:
        return bool(self.memberships)

    @property
    def waiting(self) -> list[Group]:
        return [group for group in self.groups if group.items]

    @property
    def total(self) -> int:
        return sum(group.count for group in self.groups)


@dataclass(frozen=True)
class _Seats:
    """The person's active memberships and the moment the reads are made at."""

    user: User
    memberships: list[Membership]
    now: datetime

    def alliances_where(self, capability: Capability) -> list[int]:
        return [m.alliance_id for m in self.memberships if role_can(m.role, capability)]

    def today_where(self, capability: Capability) -> dict[int, date]:
        """Each alliance's own today, for the alliances where the role holds `capability`."""
        return {
            m.alliance_id: alliance_today(m.alliance, now=self.now)
            for m in self.memberships
            if role_can(m.role, capability)
        }

    def alliance(self, alliance_id: int) -> Alliance:
        return next(m.alliance for m in self.memberships if m.alliance_id == alliance_id)


@dataclass(frozen=True)
class _Kind:
    name: str
    read: Callable[[_Seats], QuerySet]
    item: Callable[[_Seats, object], Item]


def _seats(user, now: datetime | None = None, memberships=None) -> _Seats:
    if memberships is None:
        memberships = (
            Membership.objects.active()
            .filter(user=user)
            .select_related("alliance")
            .order_by("alliance__name", "alliance_id")
        )
    return _Seats(user=user, memberships=list(memberships), now=now or timezone.now())


def _sign_agreement(seats: _Seats, version) -> Item:
    alliance = seats.alliance(version.agreement.alliance_id)
    return Item(
        alliance=alliance,
        title=version.title,
        url=reverse("agreements:sign", args=[alliance.pk]),
        when=version.published_at,
        number=version.number,
    )


def _meeting_page(seats: _Seats, meeting) -> Item:
    """A meeting whose own page holds what is to be done: the answer, or "Start the minutes"."""
    alliance = seats.alliance(meeting.alliance_id)
    return Item(
        alliance=alliance,
        title=meeting.title,
        url=reverse("meetings:detail", args=[alliance.pk, meeting.pk]),
        when=meeting.starts_at,
    )


def _minutes_item(url_name: str) -> Callable[[_Seats, object], Item]:
    def item(seats: _Seats, minutes) -> Item:
        meeting = minutes.meeting
        alliance = seats.alliance(meeting.alliance_id)
        return Item(
            alliance=alliance,
            title=meeting.title,
            url=reverse(url_name, args=[alliance.pk, meeting.pk]),
            when=meeting.starts_at,
        )

    return item


def _report_progress(seats: _Seats, action) -> Item:
    alliance = seats.alliance(action.alliance_id)
    today = alliance_today(alliance, now=seats.now)
    url = reverse("actionplans:action", args=[alliance.pk, action.plan_id, action.pk])
    return Item(
        alliance=alliance,
        title=action.title,
        url=f"{url}#progress",
        when=action.due_date,
        overdue=action.due_date < today,
    )


def _sign_off_plan(seats: _Seats, version) -> Item:
    plan = version.plan
    alliance = seats.alliance(plan.alliance_id)
    return Item(
        alliance=alliance,
        title=plan.title,
        url=reverse("actionplans:plan_review", args=[alliance.pk, plan.pk]),
        when=version.submitted_at,
        number=version.number,
    )


def _failed_reminders(seats: _Seats, alliance) -> Item:
    url = reverse("reminders:alliance", kwargs={"alliance_id": alliance.pk})
    return Item(
        alliance=seats.alliance(alliance.pk),
        title="",
        url=f"{url}?status=failed",
        count=alliance.failed_count,
    )


def _link_representative(seats: _Seats, membership) -> Item:
    return Item(
        alliance=seats.alliance(membership.alliance_id),
        title=str(membership.user),
        url=reverse("stakeholders:member_link", args=[membership.alliance_id, membership.pk]),
        note=membership.organisation_name,
    )


KINDS = (
    _Kind(
        SIGN_AGREEMENT,
        lambda s: agreement_selectors.versions_awaiting_signature(
            user=s.user, alliance_ids=s.alliances_where(Capability.SIGN_AGREEMENT)
        ),
        _sign_agreement,
    ),
    _Kind(
        ANSWER_MEETING,
        lambda s: meeting_selectors.meetings_to_answer(
            user=s.user, alliance_ids=s.alliances_where(Capability.VIEW_MEETINGS), now=s.now
        ),
        _meeting_page,
    ),
    _Kind(
        COMMENT_MINUTES,
        lambda s: meeting_selectors.minutes_open_for_comment(
            user=s.user, alliance_ids=s.alliances_where(Capability.COMMENT_MINUTES)
        ),
        _minutes_item("meetings:minutes"),
    ),
    _Kind(
        REPORT_PROGRESS,
        lambda s: plan_selectors.actions_due_for(
            user=s.user, today_by_alliance=s.today_where(Capability.RECORD_OWN_PROGRESS)
        ),
        _report_progress,
    ),
    _Kind(
        SIGN_OFF_PLAN,
        lambda s: plan_selectors.versions_awaiting_sign_off(
            alliance_ids=s.alliances_where(Capability.APPROVE_PLANS)
        ),
        _sign_off_plan,
    ),
    _Kind(
        START_MINUTES,
        lambda s: meeting_selectors.meetings_without_minutes(
            alliance_ids=s.alliances_where(Capability.MANAGE_MEETINGS), now=s.now
        ),
        _meeting_page,
    ),
    _Kind(
        CIRCULATE_MINUTES,
        lambda s: meeting_selectors.minutes_to_circulate(
            alliance_ids=s.alliances_where(Capability.MANAGE_MEETINGS), now=s.now
        ),
        _minutes_item("meetings:minutes"),
    ),
    _Kind(
        FAILED_REMINDERS,
        lambda s: reminder_selectors.alliances_with_failed_deliveries(
            alliance_ids=s.alliances_where(Capability.MANAGE_REMINDERS)
        ),
        _failed_reminders,
    ),
    _Kind(
        LINK_REPRESENTATIVES,
        lambda s: stakeholder_selectors.representatives_not_linked(
            alliance_ids=s.alliances_where(Capability.MANAGE_STAKEHOLDERS)
        ),
        _link_representative,
    ),
)


def my_work(user, *, now: datetime | None = None) -> MyWork:
    """Everything that waits for `user`, grouped by kind; one query per kind at most."""
    seats = _seats(user, now)
    if not seats.memberships:
        return MyWork(memberships=[])
    groups = [
        Group(kind.name, [kind.item(seats, row) for row in kind.read(seats)]) for kind in KINDS
    ]
    return MyWork(memberships=seats.memberships, groups=groups)


class _Count(Subquery):
    """The number of rows a queryset reads, as a column of another query."""

    template = "(SELECT COUNT(*) FROM (%(subquery)s) AS counted)"
    output_field = IntegerField()
    # A kind read in no alliance at all compiles to nothing: it counts none.
    empty_result_set_value = 0


def waiting_count(user, *, memberships=None, now: datetime | None = None) -> int:
    """How many things wait for `user`: the count the top bar shows beside "My work".

    `memberships`, when the caller has read them already, are the user's active memberships
    with their alliances' roles and time zones (`select_related("alliance")`); the count then
    takes one query instead of two."""
    if not getattr(user, "is_authenticated", False):
        return 0
    seats = _seats(user, now, memberships)
    if not seats.memberships:
        return 0
    counts = {kind.name: _Count(kind.read(seats).order_by().values("pk")) for kind in KINDS}
    row = User.objects.filter(pk=user.pk).annotate(**counts).values(*counts).get()
    return sum(row.values())
