"""Every form of the demo, submitted untouched to its real action by each role, either saves
something, says what is wrong, or moves on: never a 405, a 500, or a 200 that silently did
nothing (a form posting to a page that ignores its POST)."""

from __future__ import annotations

import re
from contextlib import contextmanager
from dataclasses import dataclass

import pytest
from django.db import connection, transaction
from django.test import Client

from .demo_support import (
    DEMO_ROLES,
    Form,
    Page,
    Submitter,
    crawl,
    is_download,
    seed_demo_data,
    url_name,
)

# A form error on a page: Django's error list or Bootstrap's invalid field. Error messages and
# panels are alerts (role="alert"), but some pages always show one, so an alert counts as an
# error only when the answer has more of them than the page the form was on.
FIELD_ERROR = re.compile(r'class="[^"]*\b(errorlist|invalid-feedback|is-invalid)\b')
ALERT = 'role="alert"'

# Forms that rightly answer 200 having changed nothing, by the URL name of their action.
ALLOWED_UNCHANGED = {
    # A preview step: the import is only saved once the preview is confirmed.
    "stakeholders:import": "shows a preview of the upload",
    "actionplans:import": "shows a preview of the upload",
}
# Forms never submitted: they end the session the rest of the walk needs.
NOT_SUBMITTED = {"logout": "ends the session"}

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.IGNORECASE)


@dataclass
class Outcome:
    status: int
    html: str
    rows_changed: int
    error: str = ""


class _RolledBack(Exception):
    """Leaves the savepoint of one submission, so the next one sees the demo unchanged."""


@contextmanager
def _counting_writes(counter: list[int]):
    """Counts the rows that INSERT, UPDATE and DELETE statements change, sessions excepted.

    A statement's rowcount is -1 when the driver cannot tell (SQLite with RETURNING): counted
    as a change, since the statement ran.
    """

    def wrapper(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if WRITE.match(sql) and "django_session" not in sql:
            rowcount = context["cursor"].rowcount
            counter[0] += 1 if rowcount < 0 else rowcount
        return result

    with connection.execute_wrapper(wrapper):
        yield


def submit(client: Client, form: Form, submitter: Submitter | None) -> Outcome:
    """Submits the form as a browser would on that button, and rolls back what it changed."""
    method, action = form.submission(submitter)
    data = form.data(submitter)
    counter = [0]
    outcome = Outcome(status=0, html="", rows_changed=0)
    try:
        with _counting_writes(counter), transaction.atomic():
            response = client.post(action, data) if method == "POST" else client.get(action, data)
            outcome.status = response.status_code
            if not getattr(response, "streaming", False):
                outcome.html = response.content.decode(errors="replace")
            else:
                response.close()
            outcome.rows_changed = counter[0]
            raise _RolledBack
    except _RolledBack:
        pass
    except Exception as exc:  # a crash is what this test reports
        outcome.status = 500
        outcome.error = f"{type(exc).__name__}: {exc}"
    return outcome


def shows_an_error(html: str, page: Page) -> bool:
    return bool(FIELD_ERROR.search(html)) or html.count(ALERT) > page.html.count(ALERT)


def problem(method: str, outcome: Outcome, page: Page, action_name: str) -> str | None:
    if outcome.status >= 500:
        return f"answered {outcome.status} {outcome.error}".strip()
    if outcome.status == 405:
        return "answered 405: its action does not accept the form's method"
    if method != "POST" or outcome.status != 200 or outcome.rows_changed:
        return None
    if shows_an_error(outcome.html, page) or action_name in ALLOWED_UNCHANGED:
        return None
    return "answered 200 without saving anything or showing an error"


def distinct_submissions(pages: list[Page]):
    """Each form once per role however many pages show it, once for each of its buttons."""
    seen = set()
    for page in pages:
        for form in page.forms:
            if not form.submittable:
                continue  # no button and nothing to fill in: a table shown to a reader
            for submitter in form.submitters or [None]:
                method, action = form.submission(submitter)
                if method == "GET" and is_download(action):
                    continue  # a document's own tests render it; here it would only cost time
                key = (
                    url_name(action) or action,
                    method,
                    frozenset(name for name, _value in form.fields),
                    (submitter.name, submitter.value) if submitter else None,
                )
                if key not in seen:
                    seen.add(key)
                    yield page, form, submitter


@pytest.mark.django_db
def test_every_form_of_the_demo_saves_or_says_why_not_for_every_role():
    people = seed_demo_data()
    problems = []
    submitted = 0
    for role in DEMO_ROLES:
        client = Client()
        client.force_login(people[role])
        for page, form, submitter in distinct_submissions(crawl(client)):
            method, action = form.submission(submitter)
            action_name = url_name(action)
            if action_name in NOT_SUBMITTED:
                continue
            outcome = submit(client, form, submitter)
            submitted += 1
            found = problem(method, outcome, page, action_name)
            if found:
                problems.append(f"{role}: {method} {action} from {page.url} {found}")
    assert submitted > 100  # the walk reached the forms of every area
    assert problems == [], "\n".join(problems)
