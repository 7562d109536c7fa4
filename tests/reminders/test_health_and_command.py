"""The portal's health page and its JSON twin, and the command that lists reminder deliveries
that wait or could not be sent."""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from alliance_portal import health
from alliance_portal.celery import app as celery_app
from reminders.models import Delivery, ReminderKind, ReminderRun
from reminders.services import reminders_dispatch

from ..conftest import client_for
from ..factories import UserFactory

pytestmark = pytest.mark.django_db

CHECKS = {"database", "broker", "scheduler", "deliveries", "storage"}
ERROR = "SMTPRecipientsRefused: {'a@example.org': (550, b'No such user')}"
TOKEN = "a-long-monitoring-token-0123456789"


@pytest.fixture
def staff():
    return UserFactory(is_staff=True)


@pytest.fixture
def ran():
    """The scheduler ran just now."""
    return reminders_dispatch()


def _delivery(alliance, recipient, *, status=Delivery.Status.PENDING, **fields) -> Delivery:
    values = {
        "kind": ReminderKind.MEETING_UPCOMING,
        "object_id": 1,
        "slot": "7d@20261203T0900Z",
        "due_at": timezone.now() - timedelta(minutes=1),
        **fields,
    }
    return Delivery.objects.create(alliance=alliance, recipient=recipient, status=status, **values)


def _json(client: Client, **headers):
    response = client.get(reverse("health_json"), **headers)
    return response, json.loads(response.content)


def _broken_broker():
    raise ConnectionRefusedError("[Errno 111] Connection refused")


# The staff page -------------------------------------------------------------------------------


def test_staff_see_every_check_on_the_health_page(staff, ran):
    response = client_for(staff).get(reverse("health"))

    assert response.status_code == 200
    page = response.content.decode()
    for heading in (
        "Database",
        "Message broker",
        "Reminder scheduler (last run)",
        "Reminder deliveries",
        "File storage (documents and archives)",
    ):
        assert f'<th scope="row">{heading}</th>' in page
    assert page.count("text-bg-success") == 5
    assert "Everything works." in page
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    report = response.context["report"]
    assert set(report["checks"]) == CHECKS
    assert report["checks"]["database"]["ok"] is True


def test_the_health_page_is_503_when_the_scheduler_never_ran(staff):
    response = client_for(staff).get(reverse("health"))

    assert response.status_code == 503
    page = response.content.decode()
    assert "Something needs attention." in page
    assert "The reminder scheduler has not run yet." in page


def test_the_health_page_is_for_staff_only(cast):
    response = client_for(cast.chair).get(reverse("health"))

    assert response.status_code == 403


def test_the_health_page_sends_anonymous_visitors_to_log_in(db):
    response = Client().get(reverse("health"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_the_health_page_refuses_post(staff):
    assert client_for(staff).post(reverse("health")).status_code == 405


# The JSON for monitoring ----------------------------------------------------------------------


def test_staff_get_the_report_as_json(staff, ran):
    response, report = _json(client_for(staff))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert set(report) == {"ok", "time", "checks"}
    assert report["ok"] is True
    assert set(report["checks"]) == CHECKS
    assert all(check["ok"] for check in report["checks"].values())
    assert all(isinstance(check["ms"], float | int) for check in report["checks"].values())
    broker = report["checks"]["broker"]
    assert {"transport", "queue_length"} <= set(broker)
    scheduler = report["checks"]["scheduler"]
    assert scheduler["last_run"] == ran.finished_at.isoformat()
    assert 0 <= scheduler["seconds_ago"] < 60
    assert report["checks"]["deliveries"] == {
        **report["checks"]["deliveries"],
        "failed": 0,
        "due": 0,
        "waiting_too_long": 0,
    }


def test_a_bearer_token_opens_the_json(settings, ran, db):
    settings.HEALTH_TOKEN = TOKEN

    response, report = _json(Client(), HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert response.status_code == 200
    assert report["ok"] is True


@pytest.mark.parametrize(
    "header",
    [
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        "Bearer ",
        "Bearer",
        TOKEN[:5],
        "Basic dXNlcjpwYXNz",
        "Bearer " + "é" * 40,
    ],
)
def test_a_wrong_token_is_refused(settings, db, header):
    settings.HEALTH_TOKEN = TOKEN

    response, body = _json(Client(), HTTP_AUTHORIZATION=header)

    assert response.status_code == 403
    assert set(body) == {"detail"}


def test_without_a_configured_token_an_empty_bearer_is_refused(settings, db):
    settings.HEALTH_TOKEN = ""

    response, body = _json(Client(), HTTP_AUTHORIZATION="Bearer ")

    assert response.status_code == 403
    assert "checks" not in body


def test_the_json_refuses_anonymous_and_non_staff(cast):
    for client in (Client(), client_for(cast.chair)):
        response, body = _json(client)
        assert response.status_code == 403
        assert body == {"detail": "Staff or a health token only."}


def test_the_json_is_503_when_the_scheduler_never_ran(staff):
    response, report = _json(client_for(staff))

    assert response.status_code == 503
    assert report["ok"] is False
    scheduler = report["checks"]["scheduler"]
    assert scheduler["ok"] is False
    assert scheduler["error"] == "The reminder scheduler has not run yet."
    assert report["checks"]["database"]["ok"] is True


def test_the_scheduler_is_ok_after_a_run(staff):
    reminders_dispatch()

    _, report = _json(client_for(staff))

    assert report["checks"]["scheduler"]["ok"] is True
    assert "error" not in report["checks"]["scheduler"]


def test_a_scheduler_that_stopped_running_is_not_ok(staff):
    long_ago = timezone.now() - timedelta(hours=1)
    ReminderRun.objects.create(started_at=long_ago, finished_at=long_ago)

    response, report = _json(client_for(staff))

    assert response.status_code == 503
    scheduler = report["checks"]["scheduler"]
    assert scheduler["ok"] is False
    assert scheduler["error"] == "The reminder scheduler has not run lately."
    assert scheduler["seconds_ago"] >= 3600


def test_a_failed_delivery_is_counted_but_does_not_fail_the_portal(staff, ran, cast):
    _delivery(cast.alliance, cast.member, status=Delivery.Status.FAILED, attempts=5)

    response, report = _json(client_for(staff))

    deliveries = report["checks"]["deliveries"]
    assert deliveries["failed"] == 1
    assert deliveries["ok"] is True
    assert response.status_code == 200


def test_a_due_delivery_waiting_longer_than_the_lease_is_not_ok(staff, ran, cast, settings):
    waited = timedelta(seconds=settings.REMINDER_LEASE_SECONDS + 60)
    _delivery(cast.alliance, cast.member, due_at=timezone.now() - waited)
    _delivery(cast.alliance, cast.chair)
    _delivery(cast.alliance, cast.coordinator, due_at=timezone.now() + timedelta(hours=1))

    response, report = _json(client_for(staff))

    assert response.status_code == 503
    deliveries = report["checks"]["deliveries"]
    assert (deliveries["due"], deliveries["waiting_too_long"]) == (2, 1)
    assert deliveries["ok"] is False
    assert deliveries["error"] == "Due reminders wait longer than the lease."


def test_a_broken_broker_makes_the_report_503(staff, ran, monkeypatch):
    monkeypatch.setattr(health, "_broker", _broken_broker)

    response, report = _json(client_for(staff))

    assert response.status_code == 503
    broker = report["checks"]["broker"]
    assert broker["ok"] is False
    assert broker["error"] == "ConnectionRefusedError: [Errno 111] Connection refused"
    assert report["checks"]["database"]["ok"] is True


def test_the_health_page_shows_the_broker_error(staff, ran, monkeypatch):
    monkeypatch.setattr(health, "_broker", _broken_broker)

    response = client_for(staff).get(reverse("health"))

    assert response.status_code == 503
    assert "ConnectionRefusedError: [Errno 111] Connection refused" in response.content.decode()


def test_an_unreachable_broker_is_reported_not_raised(staff, ran, monkeypatch):
    monkeypatch.setitem(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")

    response, report = _json(client_for(staff))

    assert response.status_code == 503
    broker = report["checks"]["broker"]
    assert broker["ok"] is False
    assert "127.0.0.1:1" in broker["error"]


def test_a_check_that_raises_is_reported_with_its_time(monkeypatch):
    monkeypatch.setattr(health, "_database", lambda: 1 / 0)

    check = health._timed(health._database)

    assert check["ok"] is False
    assert check["error"] == "ZeroDivisionError: division by zero"
    assert check["ms"] >= 0


# The command ----------------------------------------------------------------------------------


def _run(*args) -> str:
    out = StringIO()
    call_command("reminder_deliveries", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def rows(cast):
    """A waiting, a failed, a sent and a dropped delivery in the alliance, a failed one in the
    other alliance and one scheduled for tomorrow."""
    now = timezone.now()
    return {
        "pending": _delivery(cast.alliance, cast.member, slot="1d@x"),
        "failed": _delivery(
            cast.alliance,
            cast.chair,
            status=Delivery.Status.FAILED,
            kind=ReminderKind.MINUTES_APPROVAL,
            slot="w0",
            attempts=5,
            last_error=ERROR,
            due_at=now - timedelta(days=1),
        ),
        "sent": _delivery(cast.alliance, cast.secretary, status=Delivery.Status.SENT),
        "dropped": _delivery(cast.alliance, cast.observer, status=Delivery.Status.DROPPED),
        "other": _delivery(
            cast.other_alliance,
            cast.other_chair,
            status=Delivery.Status.FAILED,
            kind=ReminderKind.PLAN_SIGNOFF,
            slot="w1",
            attempts=5,
            last_error="TimeoutError: timed out",
        ),
        "future": _delivery(
            cast.alliance,
            cast.coordinator,
            kind=ReminderKind.ACTION_DUE,
            slot="3d@2027-01-01",
            due_at=now + timedelta(days=1),
        ),
    }


def _listed(output: str) -> list[str]:
    """The delivery ids in the table, in order."""
    lines = output.splitlines()[1:-1]
    return [line.split()[0] for line in lines]


def test_the_command_lists_pending_and_failed_with_their_details(rows, cast):
    output = _run()

    lines = output.splitlines()
    assert lines[0].split()[:5] == ["id", "status", "kind", "alliance", "recipient"]
    expected = ["failed", "pending", "other", "future"]
    assert _listed(output) == [str(rows[name].pk) for name in expected]
    failed = next(line for line in lines if line.startswith(str(rows["failed"].pk) + " "))
    for text in ("failed", "minutes_approval", cast.chair.email, "  5  ", ERROR):
        assert text in failed
    pending = next(line for line in lines if line.startswith(str(rows["pending"].pk) + " "))
    assert "meeting_upcoming" in pending and cast.member.email in pending
    assert cast.secretary.email not in output and cast.observer.email not in output
    assert lines[-1] == "4 of 4 deliveries shown."


def test_the_command_lists_only_failed_ones(rows):
    output = _run("--status", "failed")

    assert _listed(output) == [str(rows["failed"].pk), str(rows["other"].pk)]
    assert output.splitlines()[-1] == "2 of 2 deliveries shown."


def test_the_command_lists_only_pending_ones(rows):
    output = _run("--status", "pending")

    assert _listed(output) == [str(rows["pending"].pk), str(rows["future"].pk)]


def test_the_command_filters_by_alliance(rows, cast):
    output = _run("--alliance", str(cast.other_alliance.pk))

    assert _listed(output) == [str(rows["other"].pk)]
    assert "plan_signoff" in output and "TimeoutError: timed out" in output


def test_the_command_leaves_out_deliveries_not_yet_due(rows):
    output = _run("--due")

    assert str(rows["future"].pk) not in _listed(output)
    assert output.splitlines()[-1] == "3 of 3 deliveries shown."


def test_the_command_stops_at_the_limit_and_says_how_many_there_are(rows):
    output = _run("--limit", "1")

    assert _listed(output) == [str(rows["failed"].pk)]
    assert output.splitlines()[-1] == "1 of 4 deliveries shown."


def test_the_command_with_nothing_to_list_says_so(db):
    output = _run()

    assert output.splitlines()[-1] == "0 of 0 deliveries shown."
    assert len(output.splitlines()) == 2


def test_the_command_puts_a_multiline_error_on_one_line(cast):
    _delivery(
        cast.alliance,
        cast.member,
        status=Delivery.Status.FAILED,
        attempts=5,
        last_error="SMTPDataError: first line\nsecond line",
    )

    output = _run("--status", "failed")

    assert "SMTPDataError: first line second line" in output
    assert len(output.splitlines()) == 3


@pytest.mark.parametrize("limit", ["0", "-5"])
def test_the_command_refuses_a_limit_below_one(db, limit):
    with pytest.raises(CommandError, match=r"--limit must be at least 1\."):
        _run("--limit", limit)


def test_the_command_refuses_an_unknown_status(db):
    with pytest.raises(CommandError):
        _run("--status", "sent")
