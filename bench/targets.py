"""The key pages of the large alliance that `manage.py generate_scale_data` writes, and who
opens each. The query-count, load and PDF benchmarks all measure these."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

PAGE_NAMES = (
    "alliance dashboard",
    "stakeholder list",
    "meeting page",
    "minutes editor",
    "action plan",
    "agreement status board",
    "coordinator report",
)


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    email: str


def large_alliance():
    from alliances.models import Alliance
    from demo.scale_data import LARGE_ALLIANCE_PREFIX

    found = Alliance.objects.filter(name__startswith=LARGE_ALLIANCE_PREFIX).first()
    return found or Alliance.objects.order_by("pk").first()


def key_pages() -> list[Page]:
    """Each key page of the large alliance, opened by someone whose work it is."""
    from alliance_portal.permissions import Role

    alliance = large_alliance()
    if alliance is None:
        raise SystemExit("No alliance: run `manage.py generate_scale_data` first.")
    # The first seat of each role, in the order the seats were taken.
    seats = alliance.memberships.active().order_by("-pk").values_list("role", "user__email")
    people = dict(seats)
    chair, secretary = people[Role.CHAIR], people[Role.SECRETARY]
    coordinator = people.get(Role.COORDINATOR, chair)
    meeting = alliance.meetings.order_by("-starts_at").first()
    plan = alliance.action_plans.order_by("pk").first()
    version = alliance.agreement.versions.order_by("-number").first()
    ids = {"alliance_id": alliance.pk}
    in_meeting = {**ids, "meeting_id": meeting.pk}
    return [
        Page("alliance dashboard", reverse("dashboard:alliance", kwargs=ids), chair),
        Page("stakeholder list", reverse("stakeholders:list", kwargs=ids), coordinator),
        Page("meeting page", reverse("meetings:detail", kwargs=in_meeting), secretary),
        Page("minutes editor", reverse("meetings:minutes", kwargs=in_meeting), secretary),
        Page(
            "action plan",
            reverse("actionplans:plan", kwargs={**ids, "plan_id": plan.pk}),
            coordinator,
        ),
        Page(
            "agreement status board",
            reverse("agreements:board", kwargs={**ids, "number": version.number}),
            chair,
        ),
        Page("coordinator report", reverse("reports:index", kwargs=ids), coordinator),
    ]
