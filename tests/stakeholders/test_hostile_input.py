"""Every stakeholder form and list answers hostile values with a message, never a 500, and
keeps what was already saved."""

from __future__ import annotations

import pytest
from django.urls import reverse

from stakeholders.models import Contact, Gap, Stakeholder, SupportProgramme

from ..conftest import client_for
from ..factories import ContactFactory, StakeholderFactory

HOSTILE = [
    "NaN",
    "1e400",
    "x" * 6000,
    "\x00",
    "<script>alert(1)</script>",
    "-1",
    "99999999999999999999999",
    "'; DROP TABLE x;--",
]
ORGANISATION_FIELDS = ("name", "category", "sector", "website", "municipality", "latitude")
ASSESSMENT_FIELDS = ("impact", "interest", "status", "contribution")
CONTACT_FIELDS = ("name", "email", "phone", "consent_date", "consent_basis", "authority_to_commit")


def _posts(cast, stakeholder, contact, bad):
    alliance = cast.alliance.pk
    member = cast.membership(cast.member).pk
    everything = {f"org-{name}": bad for name in ORGANISATION_FIELDS} | {
        f"assessment-{name}": bad for name in ASSESSMENT_FIELDS
    }
    return [
        ("stakeholders:create", [alliance], everything),
        ("stakeholders:edit", [alliance, stakeholder.pk], everything),
        (
            "stakeholders:contact_create",
            [alliance, stakeholder.pk],
            dict.fromkeys(CONTACT_FIELDS, bad),
        ),
        ("stakeholders:contact_edit", [alliance, contact.pk], dict.fromkeys(CONTACT_FIELDS, bad)),
        ("stakeholders:programme_create", [alliance], {"name": bad, "organisations": [bad]}),
        ("stakeholders:gap_create", [alliance], {"problem_area": bad, "programmes": [bad]}),
        ("stakeholders:member_link", [alliance, member], {"organisation": bad, "contact": bad}),
        ("stakeholders:import_confirm", [alliance], {"token": bad}),
        ("stakeholders:contact_erase", [alliance, contact.pk], {"confirm": ""}),
    ]


@pytest.mark.parametrize("bad", HOSTILE)
def test_forms_refuse_hostile_values_and_keep_saved_data(cast, bad):
    client = client_for(cast.coordinator)
    stakeholder = StakeholderFactory(alliance=cast.alliance)
    contact = ContactFactory(organisation=stakeholder.organisation, name="Kept Name")
    for name, args, data in _posts(cast, stakeholder, contact, bad):
        response = client.post(reverse(name, args=args), data)
        assert response.status_code in (200, 302), name
    contact.refresh_from_db()
    stakeholder.refresh_from_db()
    assert contact.name == "Kept Name" and not contact.is_erased
    assert stakeholder.organisation.name.startswith("Organisation")
    assert Stakeholder.objects.count() == 1 and Contact.objects.count() == 1
    assert not SupportProgramme.objects.exists() and not Gap.objects.exists()


@pytest.mark.parametrize("bad", HOSTILE)
@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("stakeholders:list", []),
        ("stakeholders:grid", []),
        ("stakeholders:export", ["csv"]),
        ("stakeholders:export", ["xlsx"]),
        ("stakeholders:mapping_pdf", []),
    ],
)
def test_lists_ignore_hostile_filters(cast, bad, name, args):
    StakeholderFactory(alliance=cast.alliance)
    params = dict.fromkeys(("q", "category", "impact", "municipality", "sort", "page"), bad)
    response = client_for(cast.coordinator).get(
        reverse(name, args=[cast.alliance.pk, *args]), params
    )
    assert response.status_code == 200
