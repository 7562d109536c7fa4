"""The settings file: production settings pass `check --deploy`; the defaults need no server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": "production-secret-that-is-long-and-random-4f9c2b7e1d6a8c3f5e0b9d2a7c4e1f8b",
    "ALLOWED_HOSTS": "portal.example.org",
    "DATABASE_URL": "sqlite:///:memory:",
}


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    # Only the variables a deployment would set: none of the test run's own switches.
    skip = {"DATABASE_URL", "REDIS_URL", "DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    clean = {k: v for k, v in os.environ.items() if k not in skip}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_check_deploy(tmp_path):
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "DEBUG",
        env={**PRODUCTION_ENV, "VAR_DIR": str(tmp_path)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_collectstatic_finds_every_file_the_static_files_refer_to(tmp_path):
    """The manifest storage follows each stylesheet's and script's references (source maps
    included) and fails on one that is missing, so a vendored file must ship what it names."""
    result = _manage(
        "collectstatic",
        "--noinput",
        env={**PRODUCTION_ENV, "VAR_DIR": str(tmp_path), "STATIC_ROOT": str(tmp_path / "static")},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())
    assert "vendor/trix/trix.umd.min.js" in manifest["paths"]
    assert "vendor/bootstrap/bootstrap.min.css" in manifest["paths"]
    assert "vendor/bootstrap/bootstrap.rtl.min.css" in manifest["paths"]


def test_embedded_defaults_use_sqlite_under_var_and_a_serverless_broker(tmp_path):
    code = (
        "import json; from django.conf import settings; "
        "print(json.dumps([settings.DATABASES['default']['ENGINE'], "
        "str(settings.DATABASES['default']['NAME']), settings.CELERY_BROKER_URL]))"
    )
    result = _manage("shell", "-c", code, env={"VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    engine, name, broker = json.loads(result.stdout.strip().splitlines()[-1])
    assert engine == "django.db.backends.sqlite3"
    assert name == str(tmp_path / "db.sqlite3")
    assert broker == "filesystem://localhost/"
    assert (tmp_path / "secret_key").exists()


def _csp_headers(env: dict[str, str]) -> dict[str, str]:
    """The policy headers the portal's middleware puts on a page under these variables."""
    code = (
        "import json; from django.http import HttpResponse; "
        "from django.test import RequestFactory; from csp.middleware import CSPMiddleware; "
        "response = CSPMiddleware(lambda request: HttpResponse('<p>Page</p>'))"
        "(RequestFactory().get('/')); "
        "print(json.dumps({k: v for k, v in response.headers.items() if 'Security' in k}))"
    )
    result = _manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_content_security_policy_is_enforced_by_default(tmp_path):
    headers = _csp_headers({"VAR_DIR": str(tmp_path)})

    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "Content-Security-Policy-Report-Only" not in headers


def test_csp_report_only_sends_the_same_policy_without_enforcing_it(tmp_path):
    enforced = _csp_headers({"VAR_DIR": str(tmp_path)})["Content-Security-Policy"]

    headers = _csp_headers({"VAR_DIR": str(tmp_path), "CSP_REPORT_ONLY": "true"})

    assert "Content-Security-Policy" not in headers
    report_only = headers["Content-Security-Policy-Report-Only"]
    assert sorted(report_only.split("; ")) == sorted(enforced.split("; "))


def _settings_json(expression: str, env: dict[str, str]):
    """The value of a Python expression over the settings under these variables, as JSON."""
    code = f"import json; from django.conf import settings; print(json.dumps({expression}))"
    result = _manage("shell", "-c", code, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_sqlite_takes_the_write_lock_at_once_and_waits_for_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'portal.sqlite3'}"

    for env in ({"VAR_DIR": str(tmp_path)}, {"VAR_DIR": str(tmp_path), "DATABASE_URL": url}):
        options = _settings_json("settings.DATABASES['default']['OPTIONS']", env)

        assert options == {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }


def test_postgresql_gets_no_sqlite_options_and_plans_reads_as_on_ssds(tmp_path):
    env = {"VAR_DIR": str(tmp_path), "DATABASE_URL": "postgres://portal@db.example.org/portal"}

    options = _settings_json("settings.DATABASES['default'].get('OPTIONS', {})", env)

    assert options == {"options": "-c random_page_cost=1.1"}


def test_the_planner_s_cost_of_random_reads_can_be_left_to_the_server(tmp_path):
    env = {
        "VAR_DIR": str(tmp_path),
        "DATABASE_URL": "postgres://portal@db.example.org/portal",
        "DATABASE_RANDOM_PAGE_COST": "",
    }

    assert _settings_json("settings.DATABASES['default'].get('OPTIONS', {})", env) == {}


def test_redis_broker_gives_up_within_seconds(tmp_path):
    env = {"VAR_DIR": str(tmp_path), "REDIS_URL": "redis://redis.example.org:6379/0"}

    options, connect, answer = _settings_json(
        "[settings.CELERY_BROKER_TRANSPORT_OPTIONS, settings.CELERY_REDIS_SOCKET_CONNECT_TIMEOUT,"
        " settings.CELERY_REDIS_SOCKET_TIMEOUT]",
        env,
    )

    assert (options["socket_connect_timeout"], options["socket_timeout"]) == (connect, answer)
    assert connect <= 2 and answer <= 5


# Two writers on one SQLite file, as the worker and a page are under `make run`: a page holds
# the write lock for a moment while the other reads, then writes (as the reminder scheduler
# does). Prints what the second writer got.
TWO_WRITERS = """
import threading, time
from django.db import connection, transaction

with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS work (id INTEGER PRIMARY KEY, what TEXT)")
holding = threading.Event()

def page():
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO work (what) VALUES ('page')")
        holding.set()
        time.sleep(1.5)
    connection.close()

def scheduler(outcome):
    holding.wait()
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SELECT COUNT(*) FROM work")
                cursor.execute("INSERT INTO work (what) VALUES ('scheduler')")
        outcome.append("saved")
    except Exception as exc:
        outcome.append(f"{type(exc).__name__}: {exc}")
    finally:
        connection.close()

outcome = []
threads = [threading.Thread(target=page), threading.Thread(target=scheduler, args=(outcome,))]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
with connection.cursor() as cursor:
    cursor.execute("SELECT what FROM work ORDER BY id")
    print(outcome[0], "|", ",".join(row[0] for row in cursor.fetchall()))
"""


def _two_writers(database_url: str, tmp_path) -> str:
    result = _manage(
        "shell", "-c", TWO_WRITERS, env={"VAR_DIR": str(tmp_path), "DATABASE_URL": database_url}
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_a_second_writer_on_sqlite_waits_for_the_first_instead_of_failing(tmp_path):
    database = tmp_path / "portal.sqlite3"

    assert _two_writers(f"sqlite:///{database}", tmp_path) == "saved | page,scheduler"


def test_without_an_immediate_transaction_the_second_writer_fails_at_once(tmp_path):
    """The failure the settings prevent: a transaction that read first cannot wait for the
    write lock, however long the busy timeout."""
    database = tmp_path / "portal.sqlite3"

    outcome = _two_writers(f"sqlite:///{database}?transaction_mode=DEFERRED", tmp_path)

    assert outcome.startswith("OperationalError: database is locked"), outcome
