"""The cast every permission test uses, and settings that make tests hermetic."""

from __future__ import annotations

import os
from dataclasses import dataclass

import pytest
from django.test import Client, override_settings

from alliance_portal.celery import app as celery_app
from alliance_portal.permissions import Role
from alliances.models import Alliance, Membership, User

from .factories import AllianceFactory, MembershipFactory, UserFactory

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


@pytest.fixture(scope="session", autouse=True)
def _test_settings(tmp_path_factory):
    """Plain HTTP to test servers, fast hashing. Session-wide, so the live server sees it too."""
    with override_settings(
        SECURE_SSL_REDIRECT=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        SECURE_HSTS_SECONDS=0,
        SITE_URL="http://testserver",
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        # Counted on every page, so a test sees at once what another person's change brings;
        # tests/mywork/test_kept_count.py keeps it as the portal does.
        WAITING_COUNT_FRESH_FOR=0,
        # Request limits are counted in this process's memory, emptied before each test (see
        # _empty_cache), never in a Redis whose database the Celery tests' broker shares.
        CACHES={"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        # Stored documents and archives go to a directory of the test run's own.
        MEDIA_ROOT=tmp_path_factory.mktemp("media"),
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        # The cast acts in every role without a second factor, and tests that travel in time
        # stay logged in: tests/signin turns both rules on as the portal ships them
        # (the `portal_signin_rules` fixture).
        MFA_REQUIRED_ROLES=frozenset(),
        IDLE_TIMEOUT_MINUTES=10**7,
        IDLE_TIMEOUT_MINUTES_PRIVILEGED=10**7,
    ):
        yield


@pytest.fixture
def portal_signin_rules(settings):
    """The second-factor and idle-time rules as a portal has them by default."""
    settings.MFA_REQUIRED_ROLES = frozenset({"chair", "coordinator", "staff"})
    settings.IDLE_TIMEOUT_MINUTES = 8 * 60
    settings.IDLE_TIMEOUT_MINUTES_PRIVILEGED = 30
    return settings


# A Redis nobody listens on: what a page does when its cache cannot be reached.
UNREACHABLE_CACHE = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:9/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
    }
}


@pytest.fixture(autouse=True)
def _empty_cache():
    """Each test starts with no requests counted against the limits of alliance_portal.throttle:
    every test client comes from the same address. (Wrong passwords are rows, rolled back.)"""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the default language: a request made in Swedish by an earlier test
    leaves Swedish active in the thread, which would change the messages the next one sees."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _celery_eager():
    """Tasks run inline unless a test asks for the real broker (see test_celery_broker)."""
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager = False


# What the shell around every HTML page reads for a logged-in person: their memberships (the
# alliance switcher) and the count of what waits for them ("My work" in the top bar).
SHELL_QUERIES = 2


@dataclass
class Cast:
    alliance: Alliance
    other_alliance: Alliance
    chair: User
    secretary: User
    coordinator: User
    member: User
    observer: User
    outsider: User
    other_chair: User

    def membership(self, user: User) -> Membership:
        return Membership.objects.get(alliance=self.alliance, user=user, ended_at__isnull=True)

    def user(self, role_name: str) -> User | None:
        return None if role_name == "anonymous" else getattr(self, role_name)


CAST_ROLES = (
    "anonymous",
    "outsider",
    "observer",
    "member",
    "secretary",
    "coordinator",
    "chair",
    "other_chair",
)


@pytest.fixture
def cast(db) -> Cast:
    alliance = AllianceFactory(name="Kronoberg Alliance")
    other_alliance = AllianceFactory(name="Skåne Alliance")
    people = {}
    for role in (Role.CHAIR, Role.SECRETARY, Role.COORDINATOR, Role.MEMBER, Role.OBSERVER):
        people[role.value] = MembershipFactory(alliance=alliance, role=role).user
    other_chair = MembershipFactory(alliance=other_alliance, role=Role.CHAIR).user
    MembershipFactory(alliance=other_alliance, role=Role.SECRETARY)
    return Cast(
        alliance=alliance,
        other_alliance=other_alliance,
        outsider=UserFactory(),
        other_chair=other_chair,
        **people,
    )


def client_for(user: User | None, *, reauthenticated: bool = False) -> Client:
    """A client logged in as `user`; `reauthenticated`: as if they had just entered their
    password again, as the acts that speak for an organisation ask (alliances.signin)."""
    client = Client()
    if user is not None:
        client.force_login(user)
        if reauthenticated:
            mark_reauthenticated(client, user)
    return client


def mark_reauthenticated(client: Client, user: User, method: str = "password") -> None:
    """The session's record that `user` proved it was them a moment ago."""
    import time

    from allauth.account.internal.flows.login import (
        _AUTHENTICATION_METHODS_USER_SESSION_KEY,
        AUTHENTICATION_METHODS_SESSION_KEY,
    )
    from allauth.account.internal.userkit import user_id_to_str

    session = client.session
    session[AUTHENTICATION_METHODS_SESSION_KEY] = [
        {"method": method, "at": time.time(), "reauthenticated": True}
    ]
    session[_AUTHENTICATION_METHODS_USER_SESSION_KEY] = user_id_to_str(user)
    session.save()


def _cast_member_fixture(name: str):
    @pytest.fixture(name=name)
    def fixture(cast):
        return getattr(cast, name)

    fixture.__doc__ = f"The {name} of the cast."
    return fixture


# chair, secretary, coordinator, member, observer, outsider, other_chair
for _name in CAST_ROLES[1:]:
    globals()[_name] = _cast_member_fixture(_name)


def pytest_configure(config):
    """In CI the suite must run on PostgreSQL and real Redis, never silently on the defaults."""
    if not IN_CI:
        return
    database_url = os.environ.get("DATABASE_URL", "")
    if not database_url.startswith(("postgres://", "postgresql://")):
        raise pytest.UsageError("CI=true needs DATABASE_URL pointing at PostgreSQL")
    if not os.environ.get("REDIS_URL", "").startswith("redis://"):
        raise pytest.UsageError("CI=true needs REDIS_URL pointing at Redis")
