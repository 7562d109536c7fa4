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
