"""Times the meeting pages of a large meeting and counts their queries.

A meeting with 40 agenda items, 60 invitees, three decided actions and two member comments per
item, and 20 revisions of the minutes. Run against any database:

    DATABASE_URL=postgres://... .venv/bin/python bench/meetings_pages.py

It builds its data in a transaction that is rolled back, so it leaves nothing behind.
"""

from __future__ import annotations

from harness import RUNS, measure, report, run_rolled_back

# isort: split
from django.test import Client
from django.urls import reverse

ITEMS, INVITEES, ACTIONS_PER_ITEM, COMMENTS_PER_ITEM, REVISIONS = 40, 60, 3, 2, 20


def build():
    from alliance_portal.permissions import Role
    from meetings import services
    from tests.factories import AllianceFactory, MembershipFactory, make_meeting

    alliance = AllianceFactory(name="Benchmark alliance")
    secretary = MembershipFactory(alliance=alliance, role=Role.SECRETARY).user
    MembershipFactory(alliance=alliance, role=Role.CHAIR)
    members = [MembershipFactory(alliance=alliance) for _ in range(INVITEES - 2)]
    meeting = make_meeting(alliance, secretary)
    for number in range(ITEMS - 6):
        services.agenda_item_add(
            meeting=meeting, actor=secretary, fields={"title": f"Item {number}"}
        )
    minutes = services.minutes_start(meeting=meeting, actor=secretary)
    items = list(minutes.items.all())
    for version in range(1, REVISIONS + 1):
        services.minutes_save(
            minutes=minutes,
            actor=secretary,
            base_version=version,
            comments={item.pk: f"<div>Comment {version} on {item.title}</div>" for item in items},
        )
    for item in items:
        for number in range(ACTIONS_PER_ITEM):
            services.decided_action_add(
                item=item,
                actor=secretary,
                title=f"Action {number}",
                responsible_member=members[number],
            )
    services.minutes_circulate(minutes=minutes, actor=secretary)
    for item in items:
        for member in members[:COMMENTS_PER_ITEM]:
            services.member_comment_add(item=item, actor=member.user, body="A remark.")
    return alliance, meeting, secretary


def main() -> None:
    alliance, meeting, secretary = build()
    client = Client()
    client.force_login(secretary)
    args = [alliance.pk, meeting.pk]
    pages = {
        "meeting and agenda": reverse("meetings:detail", args=args),
        "invitees and attendance": reverse("meetings:participants", args=args),
        "minutes editor": reverse("meetings:minutes", args=args),
        "minutes history": reverse("meetings:minutes_history", args=args),
        "meeting .ics": reverse("meetings:ics", args=args),
        "agenda PDF": reverse("meetings:agenda_pdf", args=args),
        "minutes PDF": reverse("meetings:minutes_pdf", args=args),
    }
    print(
        f"{ITEMS} items, {INVITEES} invitees, {ITEMS * ACTIONS_PER_ITEM} actions, "
        f"{ITEMS * COMMENTS_PER_ITEM} comments, {REVISIONS} saves; median of {RUNS}"
    )
    for name, url in pages.items():
        report(name, *measure(client, url))


if __name__ == "__main__":
    run_rolled_back(main)
