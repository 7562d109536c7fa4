from __future__ import annotations

import pytest

from meetings import services

from ..conftest import client_for
from ..factories import UserFactory, make_meeting, make_minutes


@pytest.mark.parametrize(
    "path",
    ["meetings/meeting", "meetings/minutes", "meetings/minutesrevision", "actionplans/action"],
)
def test_admin_lists_meetings_minutes_and_actions_read_only(cast, path):
    minutes = make_minutes(make_meeting(cast.alliance, cast.secretary), cast.secretary)
    services.decided_action_add(item=minutes.items.first(), actor=cast.secretary, title="Book")
    staff = client_for(UserFactory(is_staff=True, is_superuser=True))

    listing = staff.get(f"/admin/{path}/")
    assert listing.status_code == 200
    assert f"/admin/{path}/add/".encode() not in listing.content
    page = staff.get(f"/admin/meetings/minutes/{minutes.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
