"""The portal on more than one server: what every server must be given (the same seal
certificate, the same object store), and two real servers that share nothing else.

The two-server test starts two web servers (gunicorn, production settings) and two Celery
workers, each with a VAR_DIR of its own and no disk in common; they share only the test's
PostgreSQL database, a Redis database of this test process's own and an S3 API on loopback
(moto). It runs in CI (which sets REDIS_URL and DATABASE_URL to PostgreSQL); locally it needs
both, like the other tests that start workers.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import BytesIO, StringIO
from pathlib import Path

import pytest
import redis
import requests
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse
from weasyprint import HTML

from agreements.models import Signature
from alliance_portal import seal
from alliance_portal import settings as settings_module
from alliances.models import User
from reports.archive import INDEX_NAME
from reports.models import ArchiveExport
from tests.celery_support import Celery, database_url, own_broker, require_services
from tests.factories import make_published_agreement

from .s3_support import S3Bucket, s3_bucket, s3_endpoint  # noqa: F401 (fixtures)
from .seal_support import portal_seal_in

BASE_DIR = Path(__file__).resolve().parent.parent
SEAL_PASSWORD = "two-servers-seal-password"
PASSWORD = "two-servers-login-password"
SIGNER_NAME = "Maria Two-Servers"
# Starting four processes on two cores, then a signature sealed and an archive built.
START_SECONDS = 90
ARCHIVE_SECONDS = 60
STATUS = re.compile(r'data-status="(\w+)"')


# --- The seal certificate every server is given -------------------------------------------------


@pytest.fixture(scope="module")
def seal_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("seal")


@pytest.fixture(scope="module")
def seal_variables(seal_dir) -> dict[str, str]:
    """What `manage.py seal_certificate --env` prints on the server that made the certificate."""
    with portal_seal_in(seal_dir, password=SEAL_PASSWORD):
        out = StringIO()
        call_command("seal_certificate", "--env", stdout=out)
    return dict(line.split("=", 1) for line in out.getvalue().splitlines())


def test_the_command_prints_the_certificate_file_and_its_password(seal_variables, seal_dir):
    printed = base64.b64decode(seal_variables["SEAL_CERTIFICATE_PKCS12_BASE64"])

    assert printed == (seal_dir / "portal-seal.p12").read_bytes()
    assert seal_variables["SEAL_CERTIFICATE_PASSWORD"] == SEAL_PASSWORD


def test_a_certificate_given_in_the_environment_seals_and_verifies_with_no_file(
    seal_variables, tmp_path
):
    unused_path = tmp_path / "seal" / "portal-seal.p12"
    with override_settings(
        SEAL_CERTIFICATE_PKCS12_BASE64=seal_variables["SEAL_CERTIFICATE_PKCS12_BASE64"],
        SEAL_CERTIFICATE_PASSWORD=seal_variables["SEAL_CERTIFICATE_PASSWORD"],
        SEAL_CERTIFICATE_PATH=unused_path,
        SEAL_TIMESTAMP_URL="",
        SEAL_TIMESTAMP_TRUST_ROOTS="",
    ):
        assert seal.ensure_seal_certificate() is None
        sealed = seal.seal_pdf(
            HTML(string="<p>Agreement</p>").write_pdf(), reference="AGR-1", reason=""
        )
        check = seal.verify_sealed_pdf(sealed)
        out = StringIO()
        call_command("seal_certificate", stdout=out)

    assert check.is_valid and check.reference == "AGR-1"
    assert not unused_path.parent.exists()
    assert "none, given in SEAL_CERTIFICATE_PKCS12_BASE64" in out.getvalue()


def test_a_certificate_in_the_environment_with_the_wrong_password_is_a_configuration_error(
    seal_variables,
):
    with (
        override_settings(
            SEAL_CERTIFICATE_PKCS12_BASE64=seal_variables["SEAL_CERTIFICATE_PKCS12_BASE64"],
            SEAL_CERTIFICATE_PASSWORD="not-the-password",
        ),
        pytest.raises(ImproperlyConfigured, match="SEAL_CERTIFICATE_PKCS12_BASE64"),
    ):
        seal.seal_certificate()


@pytest.mark.parametrize(
    ("variables", "complaint"),
    [
        ({"SEAL_CERTIFICATE_PKCS12_BASE64": "MIIK"}, "SEAL_CERTIFICATE_PASSWORD must be set"),
        (
            {"SEAL_CERTIFICATE_PKCS12_BASE64": "MIIK", "SEAL_CERTIFICATE_PATH": "/srv/seal.p12"},
            "not both",
        ),
        ({"SEAL_CERTIFICATE_PKCS12_BASE64": "not base64!"}, "must be a PKCS#12 file in base64"),
    ],
)
def test_the_seal_variables_are_checked_as_the_settings_load(monkeypatch, variables, complaint):
    for name in ("SEAL_CERTIFICATE_PATH", "SEAL_CERTIFICATE_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    for name, value in variables.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=re.escape(complaint)):
        # In the order the settings module reads them.
        settings_module._seal_certificate_pkcs12_base64()
        settings_module._seal_certificate_password()


def test_line_breaks_in_the_given_certificate_are_ignored(monkeypatch):
    monkeypatch.delenv("SEAL_CERTIFICATE_PATH", raising=False)
    monkeypatch.setenv("SEAL_CERTIFICATE_PKCS12_BASE64", "MIIK\n  AgEA\n")
    assert settings_module._seal_certificate_pkcs12_base64() == "MIIKAgEA"


# --- Two servers --------------------------------------------------------------------------------


@dataclass
class _Form:
    action: str
    names: set[str] = field(default_factory=set)
    # What the form sends when submitted untouched: a box left unticked sends nothing.
    values: dict[str, str] = field(default_factory=dict)


class _Forms(HTMLParser):
    """Every form on a page, with its inputs."""

    def __init__(self):
        super().__init__()
        self.forms: list[_Form] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "form":
            self.forms.append(_Form(action=attributes.get("action") or ""))
        elif tag == "input" and self.forms and attributes.get("name"):
            self.forms[-1].names.add(attributes["name"])
            if attributes.get("type") not in {"checkbox", "radio", "file", "submit"}:
                self.forms[-1].values[attributes["name"]] = attributes.get("value") or ""


def form_fields(page: requests.Response, *, having: str = "", action: str = "") -> dict[str, str]:
    """What the page's form with an input named `having` (or posting to `action`) sends
    untouched, its CSRF token included."""
    parser = _Forms()
    parser.feed(page.text)
    for form in parser.forms:
        if (having and having in form.names) or (action and form.action == action):
            return form.values
    raise AssertionError(f"no form with {having or action!r} on {page.url}")


@dataclass
class WebServer:
    """gunicorn serving the portal, as in production, on a port the system picks."""

    name: str
    directory: Path
    environment: dict[str, str]
    process: subprocess.Popen | None = None
    port: int | None = None
    log: Path = field(init=False)

    def __post_init__(self):
        self.log = self.directory / "gunicorn.log"

    def start(self) -> None:
        self.directory.mkdir(parents=True)
        command = [
            str(Path(sys.executable).with_name("gunicorn")),
            "alliance_portal.wsgi",
            "--bind=127.0.0.1:0",
            "--workers=1",
            "--worker-class=gthread",
            "--threads=4",
            "--timeout=60",
            # When the test stops it, its requests are over: no need to wait 30 s for them.
            "--graceful-timeout=1",
            "--no-control-socket",
        ]
        environment = {**self.environment, "VAR_DIR": str(self.directory / "var")}
        with open(self.log, "ab") as output:
            self.process = subprocess.Popen(
                command, cwd=BASE_DIR, env=environment, stdout=output, stderr=subprocess.STDOUT
            )

    def ready(self) -> bool:
        """Whether the server answers its login page (finding its port in its log first)."""
        if self.port is None:
            listening = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", self.logs())
            if not listening:
                return False
            self.port = int(listening.group(1))
        try:
            return requests.get(self.url(reverse("login")), timeout=10).status_code == 200
        except requests.RequestException:  # still booting: the master holds the connection
            return False

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def ask_to_stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()

    def stop(self) -> None:
        self.ask_to_stop()
        if self.process is not None:
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)

    def logs(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class Portal:
    """Two web servers and two workers sharing the database, Redis and the bucket."""

    web: list[WebServer]
    workers: list[Celery]
    bucket: S3Bucket
    directory: Path
    browsers: list[requests.Session] = field(default_factory=list)

    def logs(self) -> str:
        parts = [f"--- {server.name}\n{server.logs()[-4000:]}" for server in self.web]
        parts += [f"--- {worker.name}\n{worker.logs()}" for worker in self.workers]
        return "\n".join(parts)

    def browser(self) -> requests.Session:
        """A new browser: its own cookies, its connections closed when the test ends."""
        session = requests.Session()
        self.browsers.append(session)
        return session

    def stop(self) -> None:
        """Every process asked to stop at once, then waited for: each takes a moment."""
        for browser in self.browsers:
            browser.close()
        for server in self.web:
            server.ask_to_stop()
        for worker in self.workers:
            if worker.worker is not None and worker.worker.poll() is None:
                worker.worker.terminate()
        for server in self.web:
            server.stop()
        for worker in self.workers:
            worker.stop()

    def processes(self) -> list[subprocess.Popen | None]:
        return [server.process for server in self.web] + [w.worker for w in self.workers]

    def wait_for(self, condition, *, timeout: float, what: str, every: float = 0.2) -> None:
        """Calls condition() until it is true; fails with every log when a process stopped or
        after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if any(process.poll() is not None for process in self.processes()):
                pytest.fail(f"a process stopped while waiting for {what}\n{self.logs()}")
            time.sleep(every)
        pytest.fail(f"timed out waiting for {what}\n{self.logs()}")


def _environment(bucket: S3Bucket, broker_url: str, seal_variables: dict[str, str]) -> dict:
    """What every server and worker is given: production settings over plain HTTP, and the
    database, Redis, bucket, secret key and seal certificate they share."""
    return {
        **os.environ,
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        # The production static storage reads its manifest from STATIC_ROOT; pointed at the
        # source folder it hashes each file where it lies, as it would the collected copy, and
        # no collectstatic (a quarter of a minute) is needed.
        "STATIC_ROOT": str(BASE_DIR / "static"),
        "DATABASE_URL": database_url(),
        "DATABASE_CONN_MAX_AGE": "0",
        "REDIS_URL": broker_url,
        "CELERY_REDIS_URL": broker_url,
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "SEAL_CERTIFICATE_PATH": "",
        # The people here log in with a password alone; second factors are tests/signin's.
        "MFA_REQUIRED_ROLES": "",
        **bucket.environment(),
        **seal_variables,
    }


@pytest.fixture
def portal(tmp_path, s3_bucket, seal_variables, _celery_eager) -> Iterator[Portal]:  # noqa: F811
    require_services()
    with own_broker() as broker_url:
        # This process's own Redis database: no request counts or cached rows of an earlier run.
        redis.Redis.from_url(broker_url).flushdb()
        environment = _environment(s3_bucket, broker_url, seal_variables)
        web = [WebServer(f"web{n}", tmp_path / f"web{n}", environment) for n in (1, 2)]
        workers = [
            Celery(
                (tmp_path / f"worker{n}").resolve(),
                name=f"worker{n}",
                broker_url=broker_url,
                env=environment,
            )
            for n in (1, 2)
        ]
        portal = Portal(web=web, workers=workers, bucket=s3_bucket, directory=tmp_path)
        try:
            for server in web:
                server.start()
            for worker in workers:
                worker.tmp_path.mkdir()
                worker.start_worker()
            portal.wait_for(
                lambda: all(server.ready() for server in web),
                timeout=START_SECONDS,
                what="both web servers",
            )
            yield portal
        finally:
            portal.stop()


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def log_in(browser: requests.Session, server: WebServer, user: User) -> None:
    """The person logs in through the login form of `server`."""
    login = server.url(reverse("login"))
    fields = form_fields(browser.get(login), having="username")
    response = browser.post(
        login, data={**fields, "username": user.email, "password": PASSWORD}, allow_redirects=False
    )
    assert response.status_code == 302, response.text[:2000]


def _give_password(*users: User) -> None:
    """A password the servers' own hasher checks (the tests' faster one is only in this
    process's settings)."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.PBKDF2PasswordHasher"]):
        hashed = make_password(PASSWORD)
    User.objects.filter(pk__in=[user.pk for user in users]).update(password=hashed)


def logged_in_on_both(portal: Portal, person: User) -> requests.Session:
    """The person logs in on web 1, and web 2 recognises the same session cookie: a browser
    behind a load balancer that sends each request to either server."""
    web1, web2 = portal.web
    on_web1 = portal.browser()
    log_in(on_web1, web1, person)
    on_web2 = portal.browser()
    profile = web2.url(reverse("profile"))
    assert on_web2.get(profile, allow_redirects=False).status_code == 302

    on_web2.cookies.set("sessionid", on_web1.cookies["sessionid"])
    page = on_web2.get(profile, allow_redirects=False)

    assert page.status_code == 200
    assert f"You log in as {person.email}." in page.text
    return on_web1


def sign_on_web2(portal: Portal, cast, version) -> bytes:
    """The member signs through web 2's signing form and downloads the sealed PDF from it."""
    web2 = portal.web[1]
    member = portal.browser()
    log_in(member, web2, cast.member)
    sign_url = web2.url(reverse("agreements:sign", args=[cast.alliance.pk]))
    fields = form_fields(member.get(sign_url), having="shown_sha256")
    answers = {
        "typed_name": SIGNER_NAME,
        "organisation": "Växjö municipality",
        "contact": "maria@example.org",
        "consent": "on",
    }
    signed = member.post(sign_url, data={**fields, **answers}, allow_redirects=False)
    assert signed.status_code == 302, signed.text[:2000]
    signature = Signature.objects.get(version=version, membership=cast.membership(cast.member))
    pdf_url = reverse("agreements:signature_pdf", args=[cast.alliance.pk, signature.pk])
    sealed = member.get(web2.url(pdf_url))
    assert sealed.status_code == 200, portal.logs()
    assert sealed.content.startswith(b"%PDF-")
    return sealed.content


def verify_on_web1(portal: Portal, pdf: bytes) -> str:
    """What web 1's public verify page says about the PDF, uploaded through its form."""
    visitor = portal.browser()
    verify_url = portal.web[0].url(reverse("signing:verify"))
    fields = form_fields(visitor.get(verify_url), having="document")
    verified = visitor.post(
        verify_url, data=fields, files={"document": ("agreement.pdf", pdf, "application/pdf")}
    )
    assert verified.status_code == 200
    return verified.text


def archive_asked_on_web1_from_web2(
    portal: Portal, cast, coordinator: requests.Session
) -> zipfile.ZipFile:
    """The coordinator asks web 1 for the archive, follows its build on web 2 until a worker
    has finished it, and downloads it from web 2."""
    web1, web2 = portal.web
    archives = coordinator.get(web1.url(reverse("reports:archives", args=[cast.alliance.pk])))
    create = reverse("reports:archive_create", args=[cast.alliance.pk])
    asked = coordinator.post(
        web1.url(create), data=form_fields(archives, action=create), allow_redirects=False
    )
    assert asked.status_code == 302, asked.text[:2000]
    export = ArchiveExport.objects.get()
    status_url = web2.url(reverse("reports:archive_status", args=[cast.alliance.pk, export.pk]))

    def finished() -> bool:
        page = coordinator.get(status_url)
        status = STATUS.search(page.text)
        assert status, f"{page.status_code} {page.text[:2000]}\n{portal.logs()}"
        return status.group(1) in {ArchiveExport.Status.READY, ArchiveExport.Status.FAILED}

    portal.wait_for(finished, timeout=ARCHIVE_SECONDS, what="the archive")
    export.refresh_from_db()
    assert export.status == ArchiveExport.Status.READY, f"{export.error}\n{portal.logs()}"
    download = coordinator.get(
        web2.url(reverse("reports:archive_download", args=[cast.alliance.pk, export.pk]))
    )
    assert download.status_code == 200, f"{download.text[:2000]}\n{portal.logs()}"
    return zipfile.ZipFile(BytesIO(download.content))


@pytest.mark.xdist_group("redis_worker")
@pytest.mark.django_db(transaction=True)
def test_two_servers_share_logins_seals_and_archives_through_database_redis_and_bucket(
    cast, portal
):
    version = make_published_agreement(cast.alliance, cast.coordinator)
    _give_password(cast.member, cast.coordinator)

    coordinator = logged_in_on_both(portal, cast.coordinator)

    # Sealed on web 2, genuine on web 1: both seal with the certificate they are given.
    sealed = sign_on_web2(portal, cast, version)
    verdict = verify_on_web1(portal, sealed)
    assert "Genuine and unchanged" in verdict, verdict[:4000]
    assert SIGNER_NAME in verdict

    # Built by a worker, served by the other web server (after the signing, so that it holds
    # the sealed agreement).
    archive = archive_asked_on_web1_from_web2(portal, cast, coordinator)
    assert archive.testzip() is None
    assert INDEX_NAME in archive.namelist()
    agreements = [name for name in archive.namelist() if name.startswith("agreements/")]
    assert len(agreements) == 1
    assert sha256(archive.read(agreements[0])) == sha256(sealed), (
        "the archive holds the agreement printed and sealed again, not the stored document"
    )

    # Nothing of it on any server's disk: the archive and the documents are in the bucket.
    assert any(key.endswith(".zip") for key in portal.bucket.object_keys())
    assert not [path for path in portal.directory.rglob("*") if path.suffix in {".zip", ".pdf"}]
    # Both workers were there to take the build, and are still running.
    assert all("ready." in worker.logs() for worker in portal.workers), portal.logs()
    assert all(worker.worker.poll() is None for worker in portal.workers)
