"""A mail backend for the worker integration test: each mail becomes one file, written after a
pause that stands in for a slow mail server, so a worker can be killed in the middle of a batch.

The worker runs in its own process, so the test reads what was sent from the files."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class SlowFileBackend(BaseEmailBackend):
    def send_messages(self, email_messages) -> int:
        directory = Path(os.environ["TEST_MAIL_DIR"])
        delay = float(os.environ.get("TEST_MAIL_DELAY", "0"))
        for message in email_messages:
            time.sleep(delay)
            target = directory / f"{uuid.uuid4().hex}.eml"
            partial = target.with_suffix(".partial")
            partial.write_bytes(message.message().as_bytes())
            partial.rename(target)  # a reader never sees half a mail
        return len(email_messages)
