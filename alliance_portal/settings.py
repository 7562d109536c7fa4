"""Settings for Alliance Portal, driven by environment variables.

Every value has a default that suits the embedded setup (`make run`: SQLite under var/, no Redis);
production sets DATABASE_URL, REDIS_URL, SECRET_KEY, ALLOWED_HOSTS and the EMAIL_* variables.
The README lists every variable.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """SECRET_KEY from the environment, else a random key kept in var/ (never committed)."""
    if os.environ.get("SECRET_KEY"):
        return os.environ["SECRET_KEY"]
    key_file = VAR_DIR / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


DEBUG = env_bool("DEBUG", default=False)
SECRET_KEY = _secret_key()
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "axes",
    # Accounts' second factors, single sign-on and sessions (django-allauth): the portal's own
    # login page stays in front, allauth runs the steps after the password (README "Signing in").
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.socialaccount",
    "allauth.usersessions",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "csp",
    "django_filters",
    # The portal's apps, bottom layer first (docs/ARCHITECTURE.md).
    "alliances",
    "documents",
    "stakeholders",
    "actionplans",
    "meetings",
    "agreements",
    "outreach",
    "sustainability",
    "reminders",
    "journey",
    "reports",
    "mywork",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "alliance_portal.middleware.UserLanguageMiddleware",
    "alliance_portal.middleware.AuditContextMiddleware",
    "alliances.middleware.RequestMembershipsMiddleware",
    "mywork.middleware.ForgetWaitingCountOnChange",
    "django.contrib.messages.middleware.MessageMiddleware",
    "alliances.middleware.SecondFactorRequiredMiddleware",
    "alliances.middleware.IdleTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Last, so that it sees the answer of a login that hit the lockout (alliance_portal.throttle).
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "alliance_portal.urls"
WSGI_APPLICATION = "alliance_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "dashboard.context_processors.shell",
            ],
        },
    },
]

# SQLite (the embedded setup) lets one writer in at a time. A transaction that starts by
# reading and then writes cannot wait for the lock once another writer holds it, and fails
# with "database is locked"; one that takes the write lock as it begins (IMMEDIATE) waits up to
# the busy timeout instead. WAL lets pages read while the worker writes.
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}


# PostgreSQL's planner assumes by default that reading a row by index costs four times a row read
# in sequence, as on spinning disks. On SSDs, with the portal's tables in memory, that made it
# scan all the memberships of every alliance to draw one plan's 200 rows (11 ms instead of 2 ms at
# ten times the expected data): 1.1 is the usual value for SSDs. Set DATABASE_RANDOM_PAGE_COST
# empty to keep the server's own setting.
DATABASE_RANDOM_PAGE_COST = os.environ.get("DATABASE_RANDOM_PAGE_COST", "1.1")


def database_settings(url_default: str) -> dict:
    """The default database from DATABASE_URL (else `url_default`), with SQLITE_OPTIONS on
    SQLite and the planner's cost of random reads on PostgreSQL; options given in the URL win."""
    database = dj_database_url.config(
        default=url_default,
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database["OPTIONS"] = {**SQLITE_OPTIONS, **database.get("OPTIONS", {})}
    elif "postgresql" in database["ENGINE"] and DATABASE_RANDOM_PAGE_COST:
        cost = float(DATABASE_RANDOM_PAGE_COST)
        database["OPTIONS"] = {
            "options": f"-c random_page_cost={cost}",
            **database.get("OPTIONS", {}),
        }
    return database


DATABASES = {"default": database_settings(f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "alliances.User"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "mywork:index"
LOGOUT_REDIRECT_URL = "login"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 24 * 3

# --- Throttling (alliance_portal.throttle) ---------------------------------------------------
# How many reverse proxies in front of the portal append the client's address to
# X-Forwarded-For; 0 trusts REMOTE_ADDR only (alliance_portal.client_address).
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0)
# Wrong passwords are counted by django-axes, per account and per client address; over a limit,
# no password is accepted until LOGIN_LOCKOUT_MINUTES after the latest try.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AXES_HANDLER = "alliance_portal.throttle.LoginFailureHandler"
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_FAILURE_LIMIT = env_int("LOGIN_FAILURE_LIMIT", 5)
# Higher: several people may share an office's address.
LOGIN_ADDRESS_FAILURE_LIMIT = env_int("LOGIN_ADDRESS_FAILURE_LIMIT", 20)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("LOGIN_LOCKOUT_MINUTES", 15))
AXES_RESET_ON_SUCCESS = True
# The login form's field is "username" whatever the user model calls it.
AXES_USERNAME_FORM_FIELD = "username"
AXES_USERNAME_CALLABLE = "alliance_portal.throttle.login_username"
AXES_CLIENT_IP_CALLABLE = "alliance_portal.throttle.throttle_address"
AXES_LOCKOUT_CALLABLE = "alliance_portal.throttle.lockout_response"
# Failed tries are kept only while they count; a log of every successful login is not needed.
AXES_DISABLE_ACCESS_LOG = True
# No banner on every manage.py command; lockouts are still logged.
AXES_VERBOSE = False
# Other requests are counted by django-ratelimit in the cache, per client address (the password
# reset also per e-mail address): "N/h" allows N in an hour, "N/10m" N in ten minutes.
THROTTLE_RATES = {
    "password_reset": "10/h",
    "password_reset_account": "3/h",
    "signing_code": "20/h",
    "verify": "30/h",
}
RATELIMIT_FAIL_OPEN = True

# --- Signing in: second factors, single sign-on, re-authentication, sessions ---------------------
from .signin_settings import *  # noqa: E402, F403

LANGUAGE_CODE = "en"
# Each language is named in itself, so a reader finds their own whatever the page's language.
LANGUAGES = [
    ("en", "English"),
    ("sv", "Svenska"),
    ("da", "Dansk"),
    ("fr", "Français"),
    ("nl", "Nederlands"),
    ("ar", "العربية"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Europe/Stockholm")
USE_I18N = True
USE_TZ = True
# English and Arabic with 24-hour times (see their formats modules); the other languages use
# Django's own formats.
FORMAT_MODULE_PATH = ["alliance_portal.formats"]

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
MEDIA_URL = "media/"

# The files the portal keeps (stored final documents, archives) are read and written only
# through Django's default storage. Without S3_BUCKET that is the local disk under MEDIA_ROOT,
# which suits one server (`make run`). With S3_BUCKET it is an S3-compatible object store that
# every server and worker shares (django-storages), so no server keeps a file another needs.
# A page must not hang on a store that does not answer: seconds to connect, and to wait for data.
S3_CONNECT_TIMEOUT = 5
S3_READ_TIMEOUT = 60
# A file read from the store is kept in memory up to this size, in a temporary file beyond it.
S3_MAX_MEMORY_BYTES = 16 * 1024 * 1024


def object_storage(environ: Mapping[str, str]) -> dict:
    """STORAGES["default"] for the bucket the S3_* variables in `environ` name. Keys not given
    there are found by boto3 as usual (AWS_ACCESS_KEY_ID, an instance or pod role)."""
    # Imported here: a portal on the local disk never loads boto.
    from botocore.config import Config

    endpoint_url = environ.get("S3_ENDPOINT_URL", "")
    # Path style (https://host/bucket/key) works on every S3-compatible store without wildcard
    # DNS; on AWS itself (no endpoint given) boto3 chooses.
    addressing_style = environ.get("S3_ADDRESSING_STYLE") or ("path" if endpoint_url else "auto")
    return {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": environ["S3_BUCKET"],
            "endpoint_url": endpoint_url or None,
            "region_name": environ.get("S3_REGION") or None,
            "access_key": environ.get("S3_ACCESS_KEY_ID") or None,
            "secret_key": environ.get("S3_SECRET_ACCESS_KEY") or None,
            "location": environ.get("S3_PREFIX", "").strip("/"),
            # Objects are written without an ACL, so they are as private as the bucket (buckets
            # that disable ACLs refuse any but the owner's). The portal hands files out only
            # through its own views after its access checks, never by an object's address, so
            # no signed address is made either.
            "default_acl": None,
            "querystring_auth": False,
            # A stored document is never replaced by another of the same name.
            "file_overwrite": False,
            "max_memory_size": S3_MAX_MEMORY_BYTES,
            "client_config": Config(
                connect_timeout=S3_CONNECT_TIMEOUT,
                read_timeout=S3_READ_TIMEOUT,
                retries={"mode": "standard", "max_attempts": 3},
                s3={"addressing_style": addressing_style},
            ),
        },
    }


STORAGES = {
    "default": (
        object_storage(os.environ)
        if os.environ.get("S3_BUCKET")
        else {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Tests and `make run` serve straight from static/ without collectstatic.
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", default=True)
WHITENOISE_MANIFEST_STRICT = False

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email -----------------------------------------------------------------------------------
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", default=True)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Alliance Portal <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Used by EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend.
EMAIL_FILE_PATH = Path(os.environ.get("EMAIL_FILE_PATH", VAR_DIR / "mail"))

# --- Celery ----------------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
# The cache counts requests for alliance_portal.throttle, so every process must share it: Redis
# when there is one. Without REDIS_URL each process counts on its own, which suits `make run`.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "portal",
            # A page must not hang on a Redis that is down; the throttle then lets requests by.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
# A page that queues work must answer within seconds when Redis is down or stops answering:
# seconds to connect to it, and to wait for its answer, for the broker and the result store.
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = 2
CELERY_REDIS_SOCKET_TIMEOUT = 3
# The result store's own retries when it cannot reach Redis (twenty, a second apart, unless set).
CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS = {
    "retry_policy": {"max_retries": 1, "interval_start": 0, "interval_step": 0.2}
}
# The queue may live in a Redis database (or server) of its own; by default it shares REDIS_URL.
CELERY_REDIS_URL = os.environ.get("CELERY_REDIS_URL", "") or REDIS_URL
if CELERY_REDIS_URL:
    CELERY_BROKER_URL = CELERY_REDIS_URL
    CELERY_RESULT_BACKEND = CELERY_REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS: dict = {
        "visibility_timeout": 3600,
        "socket_connect_timeout": CELERY_REDIS_SOCKET_CONNECT_TIMEOUT,
        "socket_timeout": CELERY_REDIS_SOCKET_TIMEOUT,
    }
else:
    # The filesystem transport needs no server, so `make run` still runs background work.
    _celery_dir = VAR_DIR / "celery"
    for _sub in ("queue", "processed", "results", "control"):
        (_celery_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://localhost/"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_celery_dir / "queue"),
        "data_folder_out": str(_celery_dir / "queue"),
        "processed_folder": str(_celery_dir / "processed"),
        # Its exchange table, which kombu otherwise writes to ./control of whatever directory
        # the worker was started in.
        "control_folder": str(_celery_dir / "control"),
        "store_processed": False,
    }
    CELERY_RESULT_BACKEND = f"file://{_celery_dir / 'results'}"
CELERY_TASK_ACKS_LATE = True
# When the broker is down a page that queues work must not hang: one quick retry, then the
# caller logs it (alliance_portal.queue) and the reminder scheduler queues its rows again later.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = 2
# Reminders: celery beat runs the scheduler, which queues one task per due delivery.
REMINDER_DISPATCH_SECONDS = env_int("REMINDER_DISPATCH_SECONDS", 300)
CELERY_BEAT_SCHEDULE = {
    "reminders-dispatch": {
        "task": "reminders.dispatch",
        "schedule": float(REMINDER_DISPATCH_SECONDS),
        # A run that waited in a queue longer than an interval is superseded by the next one.
        "options": {"expires": float(REMINDER_DISPATCH_SECONDS)},
    },
    # Deletes archive exports past their expiry, and fails builds whose worker was lost.
    "archives-purge": {
        "task": "archives.purge",
        "schedule": 3600.0,
        "options": {"expires": 3600.0},
    },
}
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

# --- Product settings ------------------------------------------------------------------------
# Absolute address of the portal, used for links in mails sent by background tasks.
SITE_URL = os.environ.get("SITE_URL", "http://localhost:8000")
INVITATION_MAX_AGE_DAYS = env_int("INVITATION_MAX_AGE_DAYS", 14)
# How long a link inviting a member to sign the commitment agreement works.
AGREEMENT_LINK_MAX_AGE_DAYS = env_int("AGREEMENT_LINK_MAX_AGE_DAYS", 30)
# The largest PDF the public verify page accepts.
VERIFY_MAX_BYTES = env_int("VERIFY_MAX_BYTES", 10 * 1024 * 1024)
AUDIT_PAGE_SIZE = 50
# Reminders are written this many days ahead, so the alliance sees what will go out.
REMINDER_HORIZON_DAYS = env_int("REMINDER_HORIZON_DAYS", 14)
# A queued delivery not sent within this many seconds is queued again (its worker died or its
# message was lost); sending is guarded by the delivery's row, so a second copy sends nothing.
REMINDER_LEASE_SECONDS = env_int("REMINDER_LEASE_SECONDS", 900)
REMINDER_BATCH_SIZE = env_int("REMINDER_BATCH_SIZE", 1000)
# Deliveries one worker task sends in a row (each still locked, sent and marked on its own):
# a task per mail cost a worker about as much as the mail itself.
REMINDER_DELIVERIES_PER_TASK = max(1, env_int("REMINDER_DELIVERIES_PER_TASK", 20))
# A failed send is tried again after 1, 2, 4, 8... minutes; after the last attempt it is failed
# and shown to the alliance's coordinators.
REMINDER_MAX_ATTEMPTS = env_int("REMINDER_MAX_ATTEMPTS", 5)
REMINDER_RETRY_SECONDS = env_int("REMINDER_RETRY_SECONDS", 60)
# The archive export (one ZIP of every PDF of an alliance) and large drafts, built by a worker
# and kept in the default storage, so that any web server sends what any worker built; a worker
# writes an archive to a working file under VAR_DIR/tmp/ first. A finished file can be
# downloaded for this many hours; a build waiting or running longer than ARCHIVE_STALE_MINUTES
# lost its worker and is marked failed, so it can be asked for again.
ARCHIVE_MAX_AGE_HOURS = env_int("ARCHIVE_MAX_AGE_HOURS", 24)
ARCHIVE_STALE_MINUTES = env_int("ARCHIVE_STALE_MINUTES", 60)
# How often the archive page asks for the progress of a build.
ARCHIVE_POLL_SECONDS = env_int("ARCHIVE_POLL_SECONDS", 2)
# Drafts larger than these are printed by a worker: their page offers to prepare them in the
# background rather than keep the browser (and a web worker) waiting. The mapping counts the
# organisations it lists, the draft plan its actions, the coordinator report the rows it prints
# (meetings held, actions decided in them, the plan's actions, communication rows). Measured on
# a 2-core machine: a draft plan of 100 actions prints in 5.7 s CPU, a mapping of 150
# organisations with their contact people in about 6 s (200 in 8 s), a report of 200 rows in
# 3.3 s (most reports, under 100 rows, in under 2 s, so they stay immediate).
BACKGROUND_MAPPING_ORGANISATIONS = env_int("BACKGROUND_MAPPING_ORGANISATIONS", 150)
BACKGROUND_PLAN_ACTIONS = env_int("BACKGROUND_PLAN_ACTIONS", 100)
BACKGROUND_REPORT_ROWS = env_int("BACKGROUND_REPORT_ROWS", 200)
# The health JSON answers monitoring tools that send this as a bearer token (and staff).
HEALTH_TOKEN = os.environ.get("HEALTH_TOKEN", "")


# Signed agreements are sealed as PAdES with the portal's own certificate (alliance_portal.seal).
# It is a PKCS#12 file: given whole in SEAL_CERTIFICATE_PKCS12_BASE64 (what several servers
# need, since each must seal with the same key), else read from SEAL_CERTIFICATE_PATH, which by
# default is created in var/seal/ on first use and so belongs to one server only.
def _seal_certificate_pkcs12_base64() -> str:
    """SEAL_CERTIFICATE_PKCS12_BASE64 without the line breaks an env file may wrap it in."""
    value = "".join(os.environ.get("SEAL_CERTIFICATE_PKCS12_BASE64", "").split())
    if value and os.environ.get("SEAL_CERTIFICATE_PATH"):
        raise ImproperlyConfigured(
            "Set SEAL_CERTIFICATE_PKCS12_BASE64 or SEAL_CERTIFICATE_PATH, not both: they name "
            "two places for the one seal certificate."
        )
    try:
        base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise ImproperlyConfigured(
            "SEAL_CERTIFICATE_PKCS12_BASE64 must be a PKCS#12 file in base64 "
            "(`manage.py seal_certificate --env` prints it)."
        ) from exc
    return value


def _seal_certificate_password() -> str:
    """SEAL_CERTIFICATE_PASSWORD from the environment, else a random one kept in var/seal/.

    A certificate given by SEAL_CERTIFICATE_PATH or SEAL_CERTIFICATE_PKCS12_BASE64 was made
    elsewhere and has its own password, so inventing one would only leave it unreadable.
    """
    if os.environ.get("SEAL_CERTIFICATE_PASSWORD"):
        return os.environ["SEAL_CERTIFICATE_PASSWORD"]
    for given in ("SEAL_CERTIFICATE_PATH", "SEAL_CERTIFICATE_PKCS12_BASE64"):
        if os.environ.get(given):
            raise ImproperlyConfigured(
                f"{given} is set, so SEAL_CERTIFICATE_PASSWORD must be set too: "
                "the password that opens that PKCS#12 file."
            )
    password_file = VAR_DIR / "seal" / "password"
    if not password_file.exists():
        password_file.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # A temporary file linked into place: a process starting at the same moment either
        # wins the link or reads the winner's password, never a half-written one.
        temporary = password_file.with_name(f".password-{secrets.token_hex(8)}")
        temporary.write_text(secrets.token_urlsafe(32))
        temporary.chmod(0o600)
        try:
            os.link(temporary, password_file)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return password_file.read_text().strip()


SEAL_CERTIFICATE_PKCS12_BASE64 = _seal_certificate_pkcs12_base64()
SEAL_CERTIFICATE_PATH = Path(
    os.environ.get("SEAL_CERTIFICATE_PATH") or VAR_DIR / "seal" / "portal-seal.p12"
)
SEAL_CERTIFICATE_PASSWORD = _seal_certificate_password()
SEAL_ORGANISATION_NAME = os.environ.get("SEAL_ORGANISATION_NAME", "Alliance Portal")
# An RFC 3161 timestamp authority makes seals PAdES B-T; without one the time in a seal is the
# server's own clock. SEAL_TIMESTAMP_TRUST_ROOTS is a PEM file with the authority's root
# certificate(s): a timestamp sits outside what the seal signs, so verification reports its
# time only when it chains to one of these.
SEAL_TIMESTAMP_URL = os.environ.get("SEAL_TIMESTAMP_URL", "")
SEAL_TIMESTAMP_TRUST_ROOTS = os.environ.get("SEAL_TIMESTAMP_TRUST_ROOTS", "")
if SEAL_TIMESTAMP_URL and not SEAL_TIMESTAMP_TRUST_ROOTS:
    raise ImproperlyConfigured(
        "SEAL_TIMESTAMP_URL is set, so SEAL_TIMESTAMP_TRUST_ROOTS must name a PEM file with the "
        "timestamp authority's root certificate."
    )

# Seconds the top bar's "My work" count is kept per person (mywork/counts.py); 0 counts it on
# every page.
WAITING_COUNT_FRESH_FOR = env_int("WAITING_COUNT_FRESH_FOR", 60)

# --- Security --------------------------------------------------------------------------------
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if DEBUG else 60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env_bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy: a page runs only the portal's own script files (static/ is vendored),
# never inline script, event-handler attributes or eval, and no other site may frame it.
_CSP_DIRECTIVES = {
    "default-src": [SELF],
    "script-src": [SELF],
    # No 'unsafe-inline': the templates carry no style attributes (progress bar widths are
    # classes in portal.css) and htmx is told not to add its indicator <style>. The one
    # <style> element left is the default CSS Trix adds for the minutes editor, which carries
    # the nonce that page offers in <meta name="csp-nonce">.
    "style-src": [SELF, NONCE],
    # Bootstrap's and Trix's stylesheets draw their icons as SVG data: URIs.
    "img-src": [SELF, "data:"],
    "object-src": [NONE],
    "base-uri": [SELF],
    "frame-ancestors": [NONE],
    "form-action": [SELF],
}
# CSP_REPORT_ONLY=true sends the same policy as Content-Security-Policy-Report-Only: browsers
# then report in their console what it would block, and block nothing.
if env_bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _CSP_DIRECTIVES}
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _CSP_DIRECTIVES}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    # WeasyPrint reports every rendering step at INFO; only its warnings are worth reading.
    "loggers": {
        "weasyprint": {"level": "WARNING"},
        "weasyprint.progress": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}
