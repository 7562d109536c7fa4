from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from alliance_portal.permissions import Role
from alliances.management.commands.seed_demo import DEMO_PASSWORD
from alliances.models import Alliance, Membership, User


@pytest.mark.django_db
def test_seed_demo_builds_a_guide_shaped_alliance_and_prints_logins():
    out = StringIO()
    call_command("seed_demo", stdout=out)
    call_command("seed_demo", stdout=StringIO())  # safe to run again

    alliance = Alliance.objects.get()
    assert alliance.status == Alliance.Status.ACTIVE
    assert alliance.leadership_problems(alliance.active_roles()) == []
    assert alliance.period_months == 17
    roles = list(
        Membership.objects.active().filter(alliance=alliance).values_list("role", flat=True)
    )
    assert len(roles) == 10
    assert set(roles) == set(Role.values)
    printed = out.getvalue()
    for membership in Membership.objects.select_related("user"):
        assert membership.user.email in printed
        assert membership.user.check_password(DEMO_PASSWORD)
    assert DEMO_PASSWORD in printed
    assert User.objects.filter(is_staff=True).count() == 1
