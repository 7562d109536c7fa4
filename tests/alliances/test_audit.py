from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.test import RequestFactory
from django.urls import reverse

from alliance_portal.permissions import Role
from alliances.models import AuditEntry
from tests.conftest import client_for
from tests.factories import UserFactory


@pytest.mark.django_db
def test_services_record_actor_and_ip(cast):
    client_for(cast.chair, reauthenticated=True).post(
        reverse("alliances:member_edit", args=[cast.alliance.pk, cast.membership(cast.member).pk]),
        {"role": Role.OBSERVER, "organisation_name": ""},
        REMOTE_ADDR="203.0.113.9",
    )
    entry = AuditEntry.objects.get(action="membership.role_changed")
    assert (entry.actor, entry.alliance, entry.ip_address) == (
        cast.chair,
        cast.alliance,
        "203.0.113.9",
    )
    assert entry.changes["role"] == {"from": Role.MEMBER, "to": Role.OBSERVER}
    assert entry.changes["organisation_name"]["to"] == ""


@pytest.mark.django_db
def test_audit_entries_cannot_be_changed_or_deleted(cast):
    entry = AuditEntry.objects.create(alliance=cast.alliance, action="x.y", actor_label="a")
    entry.action = "tampered"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.get(pk=entry.pk).action == "x.y"


@pytest.mark.django_db
def test_admin_offers_no_way_to_edit_audit_entries():
    admin = site._registry[AuditEntry]
    request = RequestFactory().get("/")
    request.user = UserFactory(is_staff=True, is_superuser=True)
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request)
    assert not admin.has_delete_permission(request)


@pytest.mark.django_db
def test_admin_works_for_staff_only(cast):
    staff = UserFactory(is_staff=True, is_superuser=True)
    AuditEntry.objects.create(alliance=cast.alliance, action="x.y", actor_label="a")
    for name in (
        "admin:index",
        "admin:alliances_alliance_changelist",
        "admin:alliances_auditentry_changelist",
    ):
        assert client_for(staff).get(reverse(name)).status_code == 200
    entry = AuditEntry.objects.get()
    change_url = reverse("admin:alliances_auditentry_change", args=[entry.pk])
    page = client_for(staff).get(change_url)
    assert page.status_code == 200 and "Save" not in page.content.decode()
    delete_url = reverse("admin:alliances_auditentry_delete", args=[entry.pk])
    assert client_for(staff).post(delete_url, {"post": "yes"}).status_code == 403
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
    for user in (None, cast.chair):
        response = client_for(user).get(reverse("admin:index"))
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_admin_cannot_change_roles_behind_the_services_back(cast):
    staff = UserFactory(is_staff=True, is_superuser=True)
    membership = cast.membership(cast.chair)
    url = reverse("admin:alliances_membership_change", args=[membership.pk])
    client_for(staff).post(url, {"role": Role.MEMBER, "organisation_name": "Changed"})
    membership.refresh_from_db()
    assert membership.role == Role.CHAIR


@pytest.mark.django_db
def test_audit_log_page_reads_as_sentences_with_details(cast):
    client = client_for(cast.chair, reauthenticated=True)
    client.post(
        reverse("alliances:member_edit", args=[cast.alliance.pk, cast.membership(cast.member).pk]),
        {
            "role": Role.OBSERVER,
            "organisation_name": cast.membership(cast.member).organisation_name,
        },
    )
    page = client.get(reverse("alliances:audit_log", args=[cast.alliance.pk])).content.decode()
    assert "Changed a role" in page
    assert "role: member → observer" in page
