"""The key pages of the large alliance that `manage.py generate_scale_data` writes, and who
opens each. The query-count, load and PDF benchmarks all measure these."""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse

PAGE_NAMES = (
    "my work",
    "alliance overview",
    "member list",
    "stakeholder list",
    "meeting page",
    "minutes editor",
    "action plan",
    "agreement status board",
    "status board, filtered",
    "coordinator report",
)


@dataclass(frozen=True)
class Page:
    name: str
    path: str
    email: str
    # Whether the page keeps rendered rows in the fragment cache: the load run then measures it
    # a second time with nothing in the cache, as the first request after a change finds it.
    fragments: bool = False


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
    board = reverse("agreements:board", kwargs={**ids, "number": version.number})
    return [
        Page("my work", reverse("mywork:index"), chair),
        Page("alliance overview", reverse("dashboard:alliance", kwargs=ids), chair),
        Page("member list", reverse("alliances:members", kwargs=ids), chair),
        Page("stakeholder list", reverse("stakeholders:list", kwargs=ids), coordinator),
        Page("meeting page", reverse("meetings:detail", kwargs=in_meeting), secretary),
        Page("minutes editor", reverse("meetings:minutes", kwargs=in_meeting), secretary),
        Page(
            "action plan",
            reverse("actionplans:plan", kwargs={**ids, "plan_id": plan.pk}),
            coordinator,
            fragments=True,
        ),
        Page("agreement status board", board, chair),
        Page("status board, filtered", f"{board}?answer=signed&q=a", chair),
        Page("coordinator report", reverse("reports:index", kwargs=ids), coordinator),
    ]
