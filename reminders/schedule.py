"""What is due: for each scheduled kind, the reminders that should exist now.

Each finder reads its objects across every alliance in one or two queries and yields a `Due` for
every reminder that is due now or within the planning horizon. Of the slots already past, only
the latest is yielded: a meeting planned three days ahead gets its 1-day reminder, not a late
7-day one. The scheduler writes what is new and drops pending rows that are no longer yielded
(the meeting moved, the action was done, the plan was approved).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import Exists, F, OuterRef
from django.db.models.functions import Coalesce

from actionplans.models import Action, ActionPlan, PlanVersion
from agreements.models import Signature
from alliance_portal.permissions import Role
from alliances.models import Alliance, Membership
from meetings.models import Meeting, Minutes, Participant
from sustainability.models import SustainabilityPlan
from sustainability.rules import sustainability_deadline

from .models import MAX_OFFSET_DAYS, ReminderKind, ReminderOptOut, ReminderSettings

WEEK = timedelta(days=7)
# A one-off reminder more than this late is no longer worth sending: it would only surprise.
MAX_LATE = timedelta(days=14)
# How far back the finders look for things that became due while nothing ran.
LOOKBACK = timedelta(days=MAX_OFFSET_DAYS) + MAX_LATE


@dataclass(frozen=True)
class Due:
    kind: str
    alliance_id: int
    object_id: int
    recipient_id: int
    slot: str
    due_at: datetime
    # False for a slot already passed when a later one is still to come: a row that exists
    # for it is kept and sent, but a new one is not written (a meeting planned three days ahead
    # gets no late 7-day reminder).
    create: bool = True

    @property
    def key(self) -> tuple[str, int, int, str]:
        return (self.kind, self.object_id, self.recipient_id, self.slot)


@dataclass
class ScheduleContext:
    """What every finder needs, read once per run: who holds which seat, each alliance's
    settings and time zone, and who switched what off."""

    now: datetime
    horizon_end: datetime
    seats: dict[int, dict[int, str]] = field(default_factory=dict)
    zones: dict[int, ZoneInfo] = field(default_factory=dict)
    settings: dict[int, ReminderSettings] = field(default_factory=dict)
    opt_outs: set[tuple[int, str]] = field(default_factory=set)

    @property
    def alliance_ids(self) -> list[int]:
        return list(self.seats)

    def settings_for(self, alliance_id: int) -> ReminderSettings:
        return self.settings.get(alliance_id) or ReminderSettings(alliance_id=alliance_id)

    def holders(self, alliance_id: int, *roles: str) -> list[int]:
        return [user for user, role in self.seats.get(alliance_id, {}).items() if role in roles]

    def today(self, alliance_id: int) -> date:
        return self.now.astimezone(self.zones[alliance_id]).date()

    def at_send_hour(self, alliance_id: int, day: date) -> datetime:
        hour = self.settings_for(alliance_id).send_hour
        return datetime.combine(day, time(hour), tzinfo=self.zones[alliance_id])

    def end_of_day(self, alliance_id: int, day: date) -> datetime:
        return datetime.combine(day + timedelta(days=1), time(0), tzinfo=self.zones[alliance_id])


def schedule_context(now: datetime) -> ScheduleContext:
    """Three queries: seats (with time zones), settings, opt-outs. Closed alliances send none."""
    horizon = timedelta(days=settings.REMINDER_HORIZON_DAYS)
    context = ScheduleContext(now=now, horizon_end=now + horizon)
    seats = (
        Membership.objects.active()
        .exclude(alliance__status=Alliance.Status.CLOSED)
        # The same people the sender would refuse are left out here, so that a row is never
        # written again after the sender dropped it.
        .filter(user__is_active=True)
        .exclude(user__email="")
        .values_list("alliance_id", "user_id", "role", "alliance__timezone")
    )
    for alliance_id, user_id, role, zone in seats:
        context.seats.setdefault(alliance_id, {})[user_id] = role
        context.zones.setdefault(alliance_id, ZoneInfo(zone))
    context.settings = {
        row.alliance_id: row
        for row in ReminderSettings.objects.filter(alliance_id__in=context.alliance_ids)
    }
    context.opt_outs = set(ReminderOptOut.objects.values_list("user_id", "kind"))
    return context


# Slots ------------------------------------------------------------------------------------------


def one_off_slots(
    candidates: Iterable[tuple[str, datetime]],
    context: ScheduleContext,
    *,
    since: datetime | None = None,
) -> list[tuple[str, datetime, bool]]:
    """Of (slot, due_at) pairs: every one due within the horizon, and the latest one already due
    unless it is too late. Returns (slot, due_at, create) triples.

    `since` is when the object got its current time (a meeting planned or moved). A slot already
    past by then, with a later slot still to come, is kept if its row exists but not written
    anew: a meeting planned three days ahead gets its 1-day reminder, not a late 7-day one."""
    past = [c for c in candidates if c[1] <= context.now]
    future = [(*c, True) for c in candidates if context.now < c[1] <= context.horizon_end]
    latest = max(past, key=lambda c: c[1], default=None)
    if latest is not None and context.now - latest[1] <= MAX_LATE:
        still_to_come = any(c[1] > context.now for c in candidates)
        superseded = still_to_come and since is not None and latest[1] < since
        future.insert(0, (*latest, not superseded))
    return future


def weekly_slots(
    first: datetime, context: ScheduleContext, *, suffix: str = ""
) -> list[tuple[str, datetime, bool]]:
    """A reminder at `first`, then every week: the latest one due and the next within the
    horizon. Slot names count the weeks, so each week is sent once."""
    if first > context.now:
        return [(f"w0{suffix}", first, True)] if first <= context.horizon_end else []
    week = (context.now - first) // WEEK
    slots = [(f"w{week}{suffix}", first + week * WEEK, True)]
    following = first + (week + 1) * WEEK
    if following <= context.horizon_end:
        slots.append((f"w{week + 1}{suffix}", following, True))
    return slots


def utc_stamp(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y%m%dT%H%MZ")


# Finders ----------------------------------------------------------------------------------------


def meeting_upcoming(context: ScheduleContext) -> Iterator[Due]:
    """Every invited member who has not said no, some days before the meeting (default 7 and 1).
    The slot names the meeting's start, so a new time means new reminders."""

    meetings = Meeting.objects.filter(
        alliance_id__in=context.alliance_ids,
        status=Meeting.Status.PLANNED,
        starts_at__gt=context.now,
        starts_at__lte=context.horizon_end + timedelta(days=MAX_OFFSET_DAYS),
    ).values_list("pk", "alliance_id", "starts_at", "updated_at")
    meetings = {pk: rest for pk, *rest in meetings}
    invitees = defaultdict(list)
    participants = (
        Participant.objects.filter(meeting_id__in=list(meetings), user__isnull=False)
        .exclude(response=Participant.Response.NO)
        .values_list("meeting_id", "user_id")
    )
    for meeting_id, user_id in participants:
        invitees[meeting_id].append(user_id)
    for meeting_id, (alliance_id, starts_at, updated_at) in meetings.items():
        days = context.settings_for(alliance_id).meeting_days_before
        candidates = [(f"{d}d@{utc_stamp(starts_at)}", starts_at - timedelta(days=d)) for d in days]
        for slot, due_at, create in one_off_slots(candidates, context, since=updated_at):
            for user_id in invitees[meeting_id]:
                yield Due(
                    ReminderKind.MEETING_UPCOMING,
                    alliance_id,
                    meeting_id,
                    user_id,
                    slot,
                    due_at,
                    create,
                )


def minutes_approval(context: ScheduleContext) -> Iterator[Due]:
    """The chair, some days after minutes were circulated (default 7), then every week."""

    minutes = Minutes.objects.filter(
        meeting__alliance_id__in=context.alliance_ids,
        status=Minutes.Status.CIRCULATED,
        circulated_at__isnull=False,
    ).values_list("pk", "meeting__alliance_id", "circulated_at")
    for minutes_id, alliance_id, circulated_at in minutes:
        days = context.settings_for(alliance_id).minutes_approval_days
        for slot, due_at, create in weekly_slots(circulated_at + timedelta(days=days), context):
            for chair in context.holders(alliance_id, Role.CHAIR):
                yield Due(
                    ReminderKind.MINUTES_APPROVAL,
                    alliance_id,
                    minutes_id,
                    chair,
                    slot,
                    due_at,
                    create,
                )


def secretary_nudge(context: ScheduleContext) -> Iterator[Due]:
    """The secretaries, some days after a meeting ended (default 3) while it has no minutes."""

    # Held by the end of the horizon: the reminders of meetings still to end are written ahead,
    # like every other kind's.
    meetings = (
        Meeting.objects.held(context.horizon_end)
        .filter(
            alliance_id__in=context.alliance_ids,
            ends_at__gte=context.now - LOOKBACK,
            ends_at__lte=context.horizon_end,
            minutes__isnull=True,
        )
        .values_list("pk", "alliance_id", "ends_at")
    )
    for meeting_id, alliance_id, ends_at in meetings:
        days = context.settings_for(alliance_id).secretary_nudge_days
        candidates = [(f"{days}d", ends_at + timedelta(days=days))]
        for slot, due_at, create in one_off_slots(candidates, context):
            for secretary in context.holders(alliance_id, Role.SECRETARY):
                yield Due(
                    ReminderKind.SECRETARY_NUDGE,
                    alliance_id,
                    meeting_id,
                    secretary,
                    slot,
                    due_at,
                    create,
                )


def _open_actions():
    return Action.objects.filter(
        status__in=Action.REMINDED_STATUSES,
        due_date__isnull=False,
        responsible_member__ended_at__isnull=True,
        responsible_member__isnull=False,
    )


def action_due(context: ScheduleContext) -> Iterator[Due]:
    """The responsible person, some days before an open action's due date (default 3), at the
    alliance's sending hour."""
    first_day = (context.now - timedelta(days=1)).date()
    actions = (
        _open_actions()
        .filter(
            alliance_id__in=context.alliance_ids,
            due_date__gte=first_day,
            due_date__lte=(context.horizon_end + timedelta(days=MAX_OFFSET_DAYS + 1)).date(),
        )
        .values_list("pk", "alliance_id", "due_date", "responsible_member__user_id")
    )
    for action_id, alliance_id, due_date, user_id in actions:
        if context.now >= context.end_of_day(alliance_id, due_date):
            continue  # overdue already: the overdue reminder takes over
        days = context.settings_for(alliance_id).action_due_days
        remind_on = due_date - timedelta(days=days)
        candidates = [(f"{days}d@{due_date}", context.at_send_hour(alliance_id, remind_on))]
        for slot, due_at, create in one_off_slots(candidates, context):
            yield Due(
                ReminderKind.ACTION_DUE, alliance_id, action_id, user_id, slot, due_at, create
            )


def action_overdue(context: ScheduleContext) -> Iterator[Due]:
    """The responsible person, the day after an open action's due date, then every week until
    it is done, blocked or dropped."""
    actions = (
        _open_actions()
        .filter(alliance_id__in=context.alliance_ids, due_date__lte=context.horizon_end.date())
        .values_list("pk", "alliance_id", "due_date", "responsible_member__user_id")
    )
    for action_id, alliance_id, due_date, user_id in actions:
        first = context.at_send_hour(alliance_id, due_date + timedelta(days=1))
        for slot, due_at, create in weekly_slots(first, context, suffix=f"@{due_date}"):
            yield Due(
                ReminderKind.ACTION_OVERDUE, alliance_id, action_id, user_id, slot, due_at, create
            )


def agreement_unsigned(context: ScheduleContext) -> Iterator[Due]:
    """Members who have neither signed nor declined the current version, some days after they
    were asked (default 3, 7 and 14). Slots are numbered, so there are never more than three."""

    signatures = (
        Signature.objects.filter(
            version__agreement__alliance_id__in=context.alliance_ids,
            version__superseded_at__isnull=True,
            status=Signature.Status.PENDING,
            membership__ended_at__isnull=True,
        )
        .annotate(asked_at=Coalesce("invited_at", "version__published_at"))
        .values_list("pk", "version__agreement__alliance_id", "membership__user_id", "asked_at")
    )
    for signature_id, alliance_id, user_id, asked_at in signatures:
        if context.seats.get(alliance_id, {}).get(user_id) in (None, Role.OBSERVER):
            continue
        days = context.settings_for(alliance_id).agreement_days
        candidates = [
            (str(number), asked_at + timedelta(days=d))
            for number, d in enumerate(sorted(days), start=1)
        ]
        for slot, due_at, create in one_off_slots(candidates, context):
            yield Due(
                ReminderKind.AGREEMENT_UNSIGNED,
                alliance_id,
                signature_id,
                user_id,
                slot,
                due_at,
                create,
            )


def plan_signoff(context: ScheduleContext) -> Iterator[Due]:
    """The chair, some days after a plan version was submitted (default 2), then every week."""

    versions = PlanVersion.objects.filter(
        plan__alliance_id__in=context.alliance_ids,
        plan__status=ActionPlan.Status.SUBMITTED,
        number=F("plan__version"),
        approved_at__isnull=True,
        returned_at__isnull=True,
    ).values_list("pk", "plan__alliance_id", "submitted_at")
    for version_id, alliance_id, submitted_at in versions:
        days = context.settings_for(alliance_id).plan_signoff_days
        first = submitted_at + timedelta(days=days)
        # A plan returned and submitted again keeps its version row: the submission time in the
        # slot starts its reminders afresh.
        for slot, due_at, create in weekly_slots(
            first, context, suffix=f"@{utc_stamp(submitted_at)}"
        ):
            for chair in context.holders(alliance_id, Role.CHAIR):
                yield Due(
                    ReminderKind.PLAN_SIGNOFF, alliance_id, version_id, chair, slot, due_at, create
                )


def sustainability_prompt(context: ScheduleContext) -> Iterator[Due]:
    """The chair and the coordinators, on the day the sustainability plan of an approved action
    plan is due (the guide's six months before its period ends, or the alliance's choice),
    until one is decided."""

    approved = PlanVersion.objects.approved().filter(plan=OuterRef("pk"))
    decided = SustainabilityPlan.objects.decided().filter(plan=OuterRef("pk"))
    plans = (
        ActionPlan.objects.filter(
            alliance_id__in=context.alliance_ids, period_end__gte=context.now.date()
        )
        .filter(Exists(approved))
        .exclude(Exists(decided))
        .values_list("pk", "alliance_id", "period_end")
    )
    for plan_id, alliance_id, period_end in plans:
        if context.now >= context.end_of_day(alliance_id, period_end):
            continue
        months = context.settings_for(alliance_id).sustainability_months
        prompt_on = sustainability_deadline(period_end, months)
        candidates = [(f"{months}m@{period_end}", context.at_send_hour(alliance_id, prompt_on))]
        # The prompt stays useful until the period ends, so it is not dropped for being late.
        for slot, due_at in candidates:
            if due_at > context.horizon_end:
                continue
            for person in context.holders(alliance_id, Role.CHAIR, Role.COORDINATOR):
                yield Due(
                    ReminderKind.SUSTAINABILITY_PROMPT, alliance_id, plan_id, person, slot, due_at
                )


FINDERS: dict[str, Callable[[ScheduleContext], Iterator[Due]]] = {
    ReminderKind.MEETING_UPCOMING: meeting_upcoming,
    ReminderKind.MINUTES_APPROVAL: minutes_approval,
    ReminderKind.SECRETARY_NUDGE: secretary_nudge,
    ReminderKind.ACTION_DUE: action_due,
    ReminderKind.ACTION_OVERDUE: action_overdue,
    ReminderKind.AGREEMENT_UNSIGNED: agreement_unsigned,
    ReminderKind.PLAN_SIGNOFF: plan_signoff,
    ReminderKind.SUSTAINABILITY_PROMPT: sustainability_prompt,
}
