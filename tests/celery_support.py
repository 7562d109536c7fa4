"""A real Celery worker (and beat) as separate processes on the real Redis and PostgreSQL, for the
integration tests that must see work leave the web process. They run in CI (which sets REDIS_URL
and DATABASE_URL to PostgreSQL); locally they are skipped without both."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.db import connection

from alliance_portal.celery import app
from tests.conftest import IN_CI

BASE_DIR = Path(__file__).resolve().parents[1]


def require_services() -> None:
    """Skips the test without Redis and PostgreSQL; in CI their absence is a failure."""
    missing = []
    if not os.environ.get("REDIS_URL"):
        missing.append("REDIS_URL")
    if connection.vendor != "postgresql":
        missing.append("DATABASE_URL on PostgreSQL")
    if missing:
        if IN_CI:
            pytest.fail(f"CI must run the worker integration test with {', '.join(missing)}")
        pytest.skip(f"the worker integration test needs {', '.join(missing)}")


def database_url() -> str:
    """The test database, for the worker: it must see what the test wrote."""
    db = connection.settings_dict
    user = db["USER"] or "postgres"
    password = f":{db['PASSWORD']}" if db["PASSWORD"] else ""
    return (
        f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    )


def own_broker_url() -> str:
    """A Redis database for this test process's queue alone.

    A worker takes any task from the queue it listens to, and runs it against its own test
    database: two test processes sharing one queue would take each other's tasks (a reminder run
    in the other database, an archive nobody builds). So each process queues in a database of
    its own, counted down from REDIS_URL's: gw0 in the one below it, gw1 in the next.
    """
    base = urlsplit(os.environ["REDIS_URL"])
    database = int(base.path.strip("/") or 0)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0")
    number = int(worker[2:]) if worker[2:].isdigit() else 0
    return urlunsplit(base._replace(path=f"/{(database - 1 - number) % 16}"))


@contextmanager
def own_broker():
    """Tasks of this test go through this process's own queue (own_broker_url), emptied before
    and after; yields its URL for the worker processes."""
    url = own_broker_url()
    with broker_at(url):
        app.control.purge()
        try:
            yield url
        finally:
            app.control.purge()


class Celery:
    """The worker and beat as separate processes, with their logs in files; they queue and take
    tasks at `broker_url`."""

    def __init__(
        self, tmp_path: Path, *, name: str, broker_url: str, env: dict[str, str] | None = None
    ):
        self.tmp_path = tmp_path
        self.name = name
        self.env = {
            **os.environ,
            "CELERY_REDIS_URL": broker_url,
            "DATABASE_URL": database_url(),
            "DATABASE_CONN_MAX_AGE": "0",
            "VAR_DIR": str(tmp_path / "var"),
            "PYTHONPATH": str(BASE_DIR),
            **(env or {}),
        }
        self.worker: subprocess.Popen | None = None
        self.beat: subprocess.Popen | None = None
        self.starts = 0

    def _start(self, *args: str, log: str) -> subprocess.Popen:
        command = [sys.executable, "-m", "celery", "-A", "alliance_portal", *args]
        with open(self.tmp_path / log, "ab") as output:
            return subprocess.Popen(
                command, cwd=BASE_DIR, env=self.env, stdout=output, stderr=subprocess.STDOUT
            )

    def start_worker(self) -> None:
        self.starts += 1
        self.worker = self._start(
            "worker",
            "--pool=solo",
            "--loglevel=INFO",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            f"--hostname={self.name}-{self.starts}@%h",
            log="worker.log",
        )

    def start_beat(self) -> None:
        schedule = self.tmp_path / "beat-schedule"
        self.beat = self._start("beat", f"--schedule={schedule}", "--loglevel=INFO", log="beat.log")

    def kill_worker(self) -> None:
        self.worker.send_signal(signal.SIGKILL)
        self.worker.wait(timeout=10)

    def stop(self) -> None:
        for process in (self.worker, self.beat):
            if process is not None and process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait(timeout=10)

    def logs(self) -> str:
        return "\n".join(
            f"--- {name}\n{(self.tmp_path / name).read_text(errors='replace')[-4000:]}"
            for name in ("worker.log", "beat.log")
            if (self.tmp_path / name).exists()
        )


def wait_for(condition, *, timeout: float, processes: Celery, what: str, every: float = 0.2):
    """Calls condition() until it is true; fails with the processes' logs after `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    pytest.fail(f"timed out waiting for {what}\n{processes.logs()}")


# Nothing listens on port 1: a connection is refused at once, as when Redis is stopped.
REFUSED_REDIS_URL = "redis://127.0.0.1:1/0"


def _forget_connections() -> None:
    """Drops the app's connection pools and result store, so the next task sent connects anew."""
    app._pool = None
    app.amqp._producer_pool = None
    app._backend_cache = None
    app._local.__dict__.pop("backend", None)


@contextmanager
def broker_at(url: str):
    """Sends tasks for real (not inline) to a broker and result store at `url`, with the
    project's Redis timeouts; puts the app back afterwards."""
    keys = ("broker_url", "result_backend", "broker_transport_options", "task_always_eager")
    saved = {key: app.conf[key] for key in keys}
    options = saved["broker_transport_options"]
    if not saved["broker_url"].startswith("redis://"):
        # Without REDIS_URL the project's options are the filesystem transport's; the
        # settings give Redis the same timeouts as its result store (tests/test_settings.py).
        options = {
            "socket_connect_timeout": app.conf.redis_socket_connect_timeout,
            "socket_timeout": app.conf.redis_socket_timeout,
        }
    app.conf.update(
        broker_url=url,
        result_backend=url,
        broker_transport_options=options,
        task_always_eager=False,
    )
    _forget_connections()
    try:
        yield
    finally:
        app.conf.update(saved)
        _forget_connections()


@contextmanager
def silent_redis():
    """The URL of a server that accepts connections and never answers, as a hung Redis does."""
    listener = socket.create_server(("127.0.0.1", 0), backlog=64)
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:  # closed: the test is over
                return

    threading.Thread(target=accept, daemon=True).start()
    try:
        yield f"redis://127.0.0.1:{listener.getsockname()[1]}/0"
    finally:
        listener.close()
        for connection_ in accepted:
            connection_.close()
