"""Times the agreement pages of a large alliance and counts their queries.

An alliance of 80 members with an agreement at version 2 (and a Swedish translation): 60 signed
version 2 through the portal, each with an event log, 10 declined, and the rest have still to
answer. It also times sealing one signed PDF and checking it on the verify page. Run against any
database:

    DATABASE_URL=postgres://... .venv/bin/python bench/agreement_pages.py

It builds its data in a transaction that is rolled back, so it leaves nothing behind.
"""

from __future__ import annotations

import statistics
import time

from harness import RUNS, measure, report, run_rolled_back

# isort: split
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

MEMBERS, SIGNED, DECLINED = 80, 60, 10


def build():
    from agreements import services
    from agreements.models import Signature
    from alliance_portal.permissions import Role
    from tests.agreements.conftest import FACTS, sign_details
    from tests.factories import AllianceFactory, MembershipFactory

    alliance = AllianceFactory(name="Benchmark alliance")
    coordinator = MembershipFactory(alliance=alliance, role=Role.COORDINATOR).user
    members = [MembershipFactory(alliance=alliance, role=Role.MEMBER) for _ in range(MEMBERS)]
    agreement = services.agreement_start(alliance=alliance, actor=coordinator, language="en")
    services.agreement_publish(
        agreement=agreement, actor=coordinator, shown_sha256=agreement.sha256, invite=False
    )
    services.agreement_update(agreement=agreement, actor=coordinator, title="Version two")
    version = services.agreement_publish(
        agreement=agreement, actor=coordinator, shown_sha256=agreement.sha256, invite=True
    )
    services.translation_save(
        version=version, actor=coordinator, language="sv", title="Två", body="Text på svenska."
    )
    started = time.perf_counter()
    signature = None
    for membership in members[:SIGNED]:
        signature = services.signature_for_member(version=version, membership=membership)
        services.signature_viewed(signature=signature, actor=membership.user, facts=FACTS)
        signature = services.signature_sign(
            signature=signature,
            identity=Signature.Identity.LOGIN,
            facts=FACTS,
            **sign_details(version),
        )
    signing = (time.perf_counter() - started) / SIGNED
    for membership in members[SIGNED : SIGNED + DECLINED]:
        services.signature_decline(
            signature=services.signature_for_member(version=version, membership=membership),
            facts=FACTS,
        )
    return alliance, version, coordinator, members[SIGNED + DECLINED].user, signature, signing


def _median_seconds(action, runs: int = RUNS) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    alliance, _version, coordinator, waiting_member, signature, signing = build()
    leader = Client()
    leader.force_login(coordinator)
    member = Client()
    member.force_login(waiting_member)
    pages = {
        "agreement (coordinator)": (leader, reverse("agreements:detail", args=[alliance.pk])),
        "versions": (leader, reverse("agreements:versions", args=[alliance.pk])),
        "status board": (leader, reverse("agreements:board", args=[alliance.pk, 2])),
        "signature with events": (
            leader,
            reverse("agreements:signature", args=[alliance.pk, signature.pk]),
        ),
        "sign page (member)": (member, reverse("agreements:sign", args=[alliance.pk])),
        "sealed PDF": (
            leader,
            reverse("agreements:signature_pdf", args=[alliance.pk, signature.pk]),
        ),
    }
    print(f"{MEMBERS} members, {SIGNED} signed, {DECLINED} declined; median of {RUNS}")
    for name, (client, url) in pages.items():
        report(name, *measure(client, url))
    print(f"signing (service, per signature): {signing * 1000:.1f} ms")
    pdf = leader.get(pages["sealed PDF"][1]).content
    anonymous = Client()

    def verify():
        upload = SimpleUploadedFile("agreement.pdf", pdf, content_type="application/pdf")
        response = anonymous.post(reverse("signing:verify"), {"document": upload})
        assert response.status_code == 200, response.status_code

    print(f"verify page upload ({len(pdf) // 1024} KB): {_median_seconds(verify) * 1000:.1f} ms")


if __name__ == "__main__":
    run_rolled_back(main)
