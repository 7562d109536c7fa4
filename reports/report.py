"""The coordinator report: what the alliance did in a chosen period, in one PDF.

`report_context()` reads everything in a fixed number of queries, whatever the number of members,
meetings or actions; the template prints it. Figures about the period (meetings, decisions,
signatures, communication carried out) are limited to it; states (the plan's progress, the
journey) are as they stand when the report is made, and the report says so.
"""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from actionplans.models import Action, ActionPlan, PlanVersion
from actionplans.selectors import progress_chart, tracking_board
from agreements.models import AgreementVersion, Signature
from alliances.models import Alliance, Membership
from journey.rules import journey_for
from meetings.models import Meeting, Minutes, Participant
from meetings.selectors import local_time
from outreach.selectors import communication_plan_of, communication_rows
from stakeholders.selectors import representation_balance
from sustainability.models import Evaluation
from sustainability.selectors import latest_swot, quadrants

# The default period: the last twelve months.
DEFAULT_PERIOD_DAYS = 365
# A chart taller than a page cannot be split by the PDF renderer, so long plans get one chart
# for each this many actions.
CHART_BARS_PER_PAGE = 30


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    def bounds(self, alliance: Alliance) -> tuple[datetime, datetime]:
        """The period as moments: from the start day's midnight to the end day's, in the
        alliance's own time zone."""
        zone = zoneinfo.ZoneInfo(alliance.timezone)
        return (
            datetime.combine(self.start, time(0), tzinfo=zone),
            datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=zone),
        )


def default_period(alliance: Alliance, today: date) -> Period:
    start = (
        alliance.period_start if alliance.period_start and alliance.period_start <= today else None
    )
    return Period(start or today - timedelta(days=DEFAULT_PERIOD_DAYS), today)


@dataclass(frozen=True)
class MeetingRow:
    meeting: object
    local_start: datetime
    seats: int
    present: int

    @property
    def rate(self) -> int:
        return round(100 * self.present / self.seats) if self.seats else 0


def held_meetings(alliance: Alliance, period: Period, *, now: datetime) -> list[MeetingRow]:
    """Meetings held in the period with how many seat-holders were invited and came."""

    start, end = period.bounds(alliance)
    present = Participant.Attendance.PRESENT
    meetings = (
        Meeting.objects.filter(alliance=alliance, starts_at__gte=start, starts_at__lt=end)
        .held(now)
        .annotate(
            seats=Count("participants", filter=Q(participants__holds_seat=True)),
            present=Count(
                "participants",
                filter=Q(participants__holds_seat=True, participants__attendance=present),
            ),
        )
        .order_by("starts_at", "number")
    )
    return [
        MeetingRow(meeting, local_time(alliance, meeting.starts_at), meeting.seats, meeting.present)
        for meeting in meetings
    ]


def average_rate(rows: list[MeetingRow]) -> int | None:
    seats = sum(row.seats for row in rows)
    return round(100 * sum(row.present for row in rows) / seats) if seats else None


def decisions(alliance: Alliance, period: Period, meeting_ids: list[int]) -> dict:
    """Actions decided in the period's meetings, and the sign-offs given in the period."""

    start, end = period.bounds(alliance)
    return {
        "actions": list(
            Action.objects.filter(
                alliance=alliance, decided_in__minutes__meeting_id__in=meeting_ids
            )
            .select_related(
                "responsible_member__user",
                "responsible_organisation",
                "decided_in__minutes__meeting",
            )
            .order_by("decided_in__minutes__meeting__starts_at", "pk")
        ),
        "minutes_approved": list(
            Minutes.objects.filter(
                meeting__alliance=alliance, approved_at__gte=start, approved_at__lt=end
            )
            .select_related("meeting", "approved_by")
            .order_by("approved_at")
        ),
        "plans_approved": list(
            PlanVersion.objects.filter(
                plan__alliance=alliance, approved_at__gte=start, approved_at__lt=end
            )
            .select_related("plan", "approved_by")
            .order_by("approved_at")
        ),
        "agreements_published": list(
            AgreementVersion.objects.filter(
                agreement__alliance=alliance, published_at__gte=start, published_at__lt=end
            ).order_by("published_at")
        ),
    }


def plan_status(alliance: Alliance, *, today: date) -> dict | None:
    """The plan that matters now (the latest-ending approved one, else the newest), its board and
    progress chart."""

    approved = (
        PlanVersion.objects.approved()
        .filter(plan__alliance=alliance)
        .select_related("plan")
        .order_by("-plan__period_end", "-number")
        .first()
    )
    plan = approved.plan if approved else ActionPlan.objects.filter(alliance=alliance).first()
    if plan is None:
        return None
    plan.alliance = alliance
    board = tracking_board(plan, today=today)
    return {
        "plan": plan,
        "approved_version": approved,
        "board": board,
        "status_summary": " · ".join(
            f"{label}: {count}" for _value, label, count in board.status_counts if count
        ),
        "charts": [
            progress_chart(board.actions[start : start + CHART_BARS_PER_PAGE])
            for start in range(0, len(board.actions), CHART_BARS_PER_PAGE)
        ],
    }


def agreement_status(alliance: Alliance, period: Period) -> dict | None:
    """The current version's answers from members who hold a seat, and signatures given in the
    period on any version."""

    version = (
        AgreementVersion.objects.current()
        .filter(agreement__alliance=alliance)
        .order_by("-number")
        .first()
    )
    if version is None:
        return None
    start, end = period.bounds(alliance)
    counts = dict(
        Signature.objects.filter(version=version)
        .by_seated_members()
        .values_list("status")
        .annotate(count=Count("pk"))
        .values_list("status", "count")
    )
    seats = Membership.objects.seated().filter(alliance=alliance).count()
    signed = counts.get(Signature.Status.SIGNED, 0)
    declined = counts.get(Signature.Status.DECLINED, 0)
    withdrawn = counts.get(Signature.Status.WITHDRAWN, 0)
    return {
        "version": version,
        "seats": seats,
        "signed": signed,
        "declined": declined,
        "withdrawn": withdrawn,
        "unanswered": max(seats - signed - declined - withdrawn, 0),
        "signed_in_period": Signature.objects.filter(
            version__agreement__alliance=alliance, signed_at__gte=start, signed_at__lt=end
        ).count(),
    }


def communication_status(alliance: Alliance, period: Period, *, today: date) -> dict:
    plan = communication_plan_of(alliance)
    rows = communication_rows(plan, today=today)
    start, end = period.start, period.end
    return {
        "plan": plan,
        "rows": [
            (row, sum(1 for log in row.entry.logs.all() if start <= log.date <= end))
            for row in rows
        ],
    }


def evaluation_status(alliance: Alliance, period: Period) -> dict:

    swot = latest_swot(alliance=alliance, on_or_before=period.end)
    return {
        "swot": swot,
        "quadrants": quadrants(swot) if swot else [],
        "evaluations": list(
            Evaluation.objects.filter(
                alliance=alliance, date__gte=period.start, date__lte=period.end
            ).order_by("date", "pk")
        ),
    }


def report_context(alliance: Alliance, period: Period, *, now: datetime | None = None) -> dict:
    """Everything the coordinator report prints."""

    now = now or timezone.now()
    today = local_time(alliance, now).date()
    meetings = held_meetings(alliance, period, now=now)
    balance = representation_balance(alliance=alliance)
    return {
        "alliance": alliance,
        "period": period,
        "generated_at": local_time(alliance, now),
        "statuses": Action.Status,
        "balance": balance,
        "meetings": meetings,
        "average_attendance": average_rate(meetings),
        "decisions": decisions(alliance, period, [row.meeting.pk for row in meetings]),
        "plan_status": plan_status(alliance, today=today),
        "agreement": agreement_status(alliance, period),
        "communication": communication_status(alliance, period, today=today),
        "evaluation": evaluation_status(alliance, period),
        "journey": journey_for(alliance, now=now),
    }
