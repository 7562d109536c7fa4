"""The Celery app. Configuration comes from Django settings (the CELERY_* names)."""

from __future__ import annotations

import os

from celery import Celery

from alliance_portal.health import check_broker_of

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alliance_portal.settings")

app = Celery("alliance_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
check_broker_of(app)


@app.task(name="alliance_portal.ping")
def ping() -> str:
    """Answers "pong": proves a worker takes tasks from the broker (used by CI and health)."""
    return "pong"
