"""Staff read the guide's templates and the archive exports in the admin; nobody changes them
there."""

from __future__ import annotations

import pytest

from tests.conftest import client_for
from tests.factories import UserFactory
from tests.journey_support import complete_journey


@pytest.mark.parametrize(
    "path",
    [
        "outreach/informationmaterial",
        "outreach/communicationplan",
        "outreach/communicationentry",
        "reports/archiveexport",
        "reminders/delivery",
        "reminders/remindersettings",
        "reminders/reminderrun",
        "sustainability/evaluation",
        "sustainability/sustainabilityplan",
        "sustainability/swot",
    ],
)
def test_admin_lists_the_guides_templates_read_only(cast, path):
    complete_journey(
        cast.alliance, chair=cast.chair, secretary=cast.secretary, coordinator=cast.coordinator
    )
    staff = client_for(UserFactory(is_staff=True, is_superuser=True))
    listing = staff.get(f"/admin/{path}/")
    assert listing.status_code == 200
    assert f"/admin/{path}/add/".encode() not in listing.content


def test_an_information_materials_admin_page_cannot_be_saved(cast):
    journey = complete_journey(
        cast.alliance, chair=cast.chair, secretary=cast.secretary, coordinator=cast.coordinator
    )
    staff = client_for(UserFactory(is_staff=True, is_superuser=True))
    material = journey.alliance.information_material
    page = staff.get(f"/admin/outreach/informationmaterial/{material.pk}/change/")
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
