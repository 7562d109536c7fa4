"""Every stakeholder form and list answers hostile values with a message, never a 500, and
keeps what was already saved."""

from __future__ import annotations

import pytest
from django.urls import reverse

from stakeholders.models import Contact, Gap, Stakeholder, SupportProgramme

from ..conftest import client_for
from ..factories import ContactFactory, StakeholderFactory
from ..hostile_support import SCRIPT, post_all

HOSTILE = [
    "NaN",
    "1e400",
    "x" * 6000,
    "\x00",
    SCRIPT,
    "-1",
    "99999999999999999999999",
    "'; DROP TABLE x;--",
]
ORGANISATION_FIELDS = ("name", "category", "sector", "website", "municipality", "latitude")
ASSESSMENT_FIELDS = ("impact", "interest", "status", "contribution")
CONTACT_FIELDS = ("name", "email", "phone", "consent_date", "consent_basis", "authority_to_commit")


def _url(name: str, *args) -> str:
    return reverse(f"stakeholders:{name}", args=args)


def _posts(cast, stakeholder, contact, bad):
    """Every form with the value in each field; each shows itself again with its errors, but the
    import's confirmation, which has no rows waiting under that token, sends back to the upload."""
    alliance = cast.alliance.pk
    member = cast.membership(cast.member).pk
    everything = {f"org-{name}": bad for name in ORGANISATION_FIELDS} | {
        f"assessment-{name}": bad for name in ASSESSMENT_FIELDS
    }
    contact_fields = dict.fromkeys(CONTACT_FIELDS, bad)
    return [
        ("create", _url("create", alliance), everything),
        ("edit", _url("edit", alliance, stakeholder.pk), everything),
        ("contact_create", _url("contact_create", alliance, stakeholder.pk), contact_fields),
        ("contact_edit", _url("contact_edit", alliance, contact.pk), contact_fields),
        (
            "programme_create",
            _url("programme_create", alliance),
            {"name": bad, "organisations": [bad]},
        ),
        ("gap_create", _url("gap_create", alliance), {"problem_area": bad, "programmes": [bad]}),
        (
            "member_link",
            _url("member_link", alliance, member),
            {"organisation": bad, "contact": bad},
        ),
        ("import_confirm", _url("import_confirm", alliance), {"token": bad}, 302),
        ("contact_erase", _url("contact_erase", alliance, contact.pk), {"confirm": ""}),
    ]


@pytest.mark.parametrize("bad", HOSTILE)
def test_forms_refuse_hostile_values_and_keep_saved_data(cast, bad):
    client = client_for(cast.coordinator, reauthenticated=True)
    stakeholder = StakeholderFactory(alliance=cast.alliance)
    contact = ContactFactory(organisation=stakeholder.organisation, name="Kept Name")
    post_all(client, _posts(cast, stakeholder, contact, bad), status=200)
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
