"""Sends 10,000 due reminders through real Redis, two Celery workers and a local SMTP sink.

It builds alliances the way people do (members, meetings in the next hours, a held meeting
without minutes, a submitted plan with due and overdue actions, an agreement nobody signed),
lets the scheduler write the deliveries, queues them as beat's run does (`reminders_dispatch`),
and times two Celery worker processes until every one is sent. The SMTP sink records each
mail's Message-ID, so a mail sent twice or never is counted. The second run kills one worker
with SIGKILL halfway and starts a replacement, as a process supervisor would.

    .venv/bin/python bench/reminder_throughput.py

It needs PostgreSQL and Redis. It drops and creates its own database (`--database`, default
`bench_reminders`, on the server of `--server`) and flushes its own Redis database (`--redis`):
the workers are separate processes, so the data is committed, not rolled back. Every process it
starts is stopped when it ends; everything listens on loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from email.parser import BytesHeaderParser
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parents[1]
CELERY = [sys.executable, "-m", "celery", "-A", "alliance_portal"]
SITE_URL = "http://portal.bench"
MEMBERS = 20  # per alliance: chair, coordinator, secretary and 17 members
ACTIONS = 38  # per alliance: two thirds overdue, a third due in two days
# Per alliance: 2 meetings x 20 invitees + 38 actions + 20 unsigned + nudge + sign-off = 100.
PER_ALLIANCE = 2 * MEMBERS + ACTIONS + MEMBERS + 2


# The SMTP sink: a child process that only needs aiosmtpd --------------------------------------


class _Recorder:
    """Accepts every mail and writes its Message-ID to a file, one line each."""

    def __init__(self, output):
        self.output = output

    async def handle_DATA(self, server, session, envelope):
        headers = BytesHeaderParser().parsebytes(envelope.original_content or envelope.content)
        self.output.write(f"{headers['Message-ID']}\n")
        self.output.flush()
        return "250 OK"


def run_sink(port: int, path: str) -> None:
    from aiosmtpd.controller import Controller

    with open(path, "a", encoding="utf-8") as output:
        controller = Controller(_Recorder(output), hostname="127.0.0.1", port=port)
        controller.start()
        stop = asyncio.Event()
        loop = asyncio.new_event_loop()
        loop.add_signal_handler(signal.SIGTERM, stop.set)
        loop.run_until_complete(stop.wait())
        controller.stop()


# Processes ------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, *, timeout: float, what: str, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(every)
    raise TimeoutError(f"timed out waiting for {what}")


def _accepts(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


class Processes:
    """The sink and the workers this benchmark started; stop() ends every one of them."""

    def __init__(self, workdir: Path, env: dict[str, str]):
        self.workdir = workdir
        self.env = env
        self.started: list[subprocess.Popen] = []
        self.workers: dict[str, subprocess.Popen] = {}
        # CPU seconds of the workers already stopped or killed in this run.
        self.spent_cpu = 0.0

    def _start(self, command: list[str], log: str) -> subprocess.Popen:
        with open(self.workdir / log, "ab") as output:
            process = subprocess.Popen(
                command, cwd=BASE_DIR, env=self.env, stdout=output, stderr=subprocess.STDOUT
            )
        self.started.append(process)
        return process

    def start_sink(self, port: int, path: Path) -> None:
        self._start([sys.executable, __file__, "--smtp-sink", str(port), str(path)], "sink.log")
        wait_until(lambda: _accepts(port), timeout=20, what="the SMTP sink")

    def start_worker(self, name: str, options: list[str]) -> None:
        command = [
            *CELERY,
            "worker",
            f"--hostname={name}@%h",
            "--loglevel=WARNING",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            *options,
        ]
        self.workers[name] = self._start(command, f"{name}.log")

    def wait_for_workers(self, app, names: list[str], timeout: float = 60) -> None:
        hosts = {f"{name}@{socket.gethostname()}" for name in names}

        def answered() -> bool:
            for name, process in self.workers.items():
                if process.poll() is not None:
                    raise RuntimeError(f"worker {name} exited: see {self.workdir / name}.log")
            replies = app.control.ping(destination=sorted(hosts), timeout=1.0)
            return {host for reply in replies for host in reply} >= hosts

        wait_until(answered, timeout=timeout, what="the workers", every=0.5)

    def worker_cpu(self) -> float:
        """CPU seconds the workers of this run used so far, their pool's children included."""
        import psutil

        total = self.spent_cpu
        for process in self.workers.values():
            try:
                parent = psutil.Process(process.pid)
                for each in (parent, *parent.children(recursive=True)):
                    times = each.cpu_times()
                    total += times.user + times.system
            except psutil.NoSuchProcess:
                pass
        return total

    def kill(self, name: str) -> None:
        before = self.worker_cpu()
        process = self.workers.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
        self.spent_cpu += before - self.worker_cpu()

    def stop_workers(self) -> float:
        """Stops the workers; returns the CPU seconds every worker of the run used."""
        total = self.worker_cpu()
        for name in list(self.workers):
            self._end(self.workers.pop(name))
        self.spent_cpu = 0.0
        return total

    def stop(self) -> None:
        for process in self.started:
            self._end(process)

    @staticmethod
    def _end(process: subprocess.Popen) -> None:
        if process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


# The database ---------------------------------------------------------------------------------


def recreate_database(server: str, name: str) -> None:
    import psycopg

    with psycopg.connect(f"{server}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


def build_alliance(number: int) -> None:
    """One alliance whose reminders are due now: PER_ALLIANCE of them."""
    from datetime import timedelta

    from django.utils import timezone
    from reminder_data import reminder_alliance

    from actionplans.models import PlanVersion
    from agreements.models import AgreementVersion

    plan, version = reminder_alliance(
        f"Throughput alliance {number}",
        members=MEMBERS,
        actions=ACTIONS,
        # Within a day: each invitee's 1-day reminder is due now.
        meetings_in=[timedelta(hours=12), timedelta(hours=20)],
        # A third due in two days, two thirds overdue.
        due_in_days=[2, -10, -10],
        swedish_every=3,
    )
    # Submitted and published days ago, so the sign-off and "not signed" reminders are due.
    now = timezone.now()
    PlanVersion.objects.filter(plan=plan).update(submitted_at=now - timedelta(days=3))
    AgreementVersion.objects.filter(pk=version.pk).update(published_at=now - timedelta(days=4))


def build(alliances: int) -> None:
    from django.db import transaction
    from django.test.utils import override_settings

    start = time.perf_counter()
    # Made with the tests' factories; their passwords need no slow hash here.
    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
    ):
        for number in range(alliances):
            with transaction.atomic():
                build_alliance(number)
    print(f"built {alliances} alliances in {time.perf_counter() - start:.1f} s")


def reset_deliveries() -> None:
    """Forgets every delivery, so the scheduler writes (and numbers) them anew."""
    from reminders.models import Delivery, ReminderRun

    Delivery.objects.all().delete()
    ReminderRun.objects.all().delete()


def status_counts() -> Counter:
    from django.db.models import Count

    from reminders.models import Delivery

    rows = Delivery.objects.order_by().values_list("status").annotate(n=Count("pk"))
    return Counter(dict(rows))


# One run --------------------------------------------------------------------------------------


def one_run(args, processes: Processes, app, sink_path: Path, *, kill: bool) -> dict:
    import redis
    from django.db.models import Count, Sum
    from django.utils import timezone

    from reminders.models import Delivery, ReminderRun
    from reminders.services import reminders_dispatch, reminders_plan

    reset_deliveries()
    broker = redis.Redis.from_url(args.redis)
    broker.flushdb()
    sink_path.write_text("")
    # Planned before the clock starts: the rows the scheduler writes are what is measured.
    created, _ = reminders_plan(now=timezone.now())
    due = Delivery.objects.pending().due(timezone.now()).count()
    by_kind = dict(
        Delivery.objects.pending()
        .due(timezone.now())
        .order_by()
        .values_list("kind")
        .annotate(n=Count("pk"))
    )
    print(f"\n{'kill run' if kill else 'run'}: {created} deliveries written, {due} due now")
    print("  load average before: " + " ".join(f"{load:.1f}" for load in os.getloadavg()))
    print("  " + ", ".join(f"{kind} {n}" for kind, n in sorted(by_kind.items())))

    names = [f"bench{number}" for number in (1, 2)]
    for name in names:
        processes.start_worker(name, args.worker_options)
    processes.wait_for_workers(app, names)

    start = time.monotonic()
    last_dispatch = -args.dispatch_seconds
    killed_at = restarted = None
    progress = []
    sent = 0
    while sent < due:
        elapsed = time.monotonic() - start
        if elapsed > args.timeout:
            print(f"  timed out after {args.timeout} s")
            break
        if elapsed - last_dispatch >= args.dispatch_seconds:
            # What celery beat's run does, every REMINDER_DISPATCH_SECONDS.
            reminders_dispatch()
            last_dispatch = elapsed
        sent = status_counts()[Delivery.Status.SENT]
        if kill and killed_at is None and sent >= due // 2:
            processes.kill(names[0])
            killed_at = (elapsed, sent)
            if args.restart:
                restarted = f"{names[0]}-restarted"
                processes.start_worker(restarted, args.worker_options)
        if not progress or elapsed - progress[-1] >= 5:
            progress.append(elapsed)
            print(f"  {elapsed:6.1f} s  {sent:6} sent", flush=True)
        time.sleep(0.25)
    total = time.monotonic() - start

    if sent >= due:
        # Copies the lease queued again must run out before the mails are counted; each finds
        # its row sent and sends nothing.
        try:
            wait_until(lambda: broker.llen("celery") == 0, timeout=60, what="the queue")
        except TimeoutError:
            print(f"  {broker.llen('celery')} messages still queued after 60 s")
        time.sleep(2)
    cpu = processes.stop_workers()
    counts = status_counts()
    queued = ReminderRun.objects.aggregate(n=Sum("queued"))["n"] or 0
    domain = SITE_URL.split("//")[1]
    sent_ids = {
        f"<reminder-{pk}@{domain}>"
        for pk in Delivery.objects.filter(status=Delivery.Status.SENT).values_list("pk", flat=True)
    }
    seen = Counter(line for line in sink_path.read_text().splitlines() if line)
    duplicates = sum(n - 1 for n in seen.values() if n > 1)
    missing = len(sent_ids - set(seen))
    not_sent = due - counts[Delivery.Status.SENT]

    if killed_at:
        print(f"  SIGKILL to {names[0]} at {killed_at[0]:.1f} s after {killed_at[1]} sent")
        if restarted:
            print(f"  started {restarted} in its place")
    print(
        f"  {counts[Delivery.Status.SENT]} sent in {total:.1f} s "
        f"({counts[Delivery.Status.SENT] / total:.0f}/s); tasks queued {queued} "
        f"(requeued {queued - due}); statuses {dict(counts)}"
    )
    print(
        f"  workers' CPU {cpu:.1f} s, {cpu / max(counts[Delivery.Status.SENT], 1) * 1000:.1f} ms "
        "per mail; load average after: " + " ".join(f"{load:.1f}" for load in os.getloadavg())
    )
    print(
        f"  sink: {sum(seen.values())} mails, {len(seen)} Message-IDs; "
        f"duplicates {duplicates}, lost {not_sent + missing} "
        f"(rows not sent {not_sent}, sent rows with no mail {missing})"
    )
    return {
        "seconds": total,
        "duplicates": duplicates,
        "lost": not_sent + missing,
        "cpu_ms": cpu / max(counts[Delivery.Status.SENT], 1) * 1000,
    }


# Main -----------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--database", default="bench_reminders")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/14")
    parser.add_argument("--deliveries", type=int, default=10_000)
    parser.add_argument("--timeout", type=float, default=300, help="seconds per run")
    parser.add_argument(
        "--lease",
        type=int,
        default=90,
        help="REMINDER_LEASE_SECONDS: longer than a run at the 60 s target, so a healthy run "
        "queues nothing twice, and short enough that what the killed worker held is queued again "
        "within the run; rows still waiting in the queue after it are queued twice and the "
        "second copy sends nothing",
    )
    parser.add_argument(
        "--dispatch-seconds",
        type=float,
        default=10.0,
        help="how often the scheduler runs, as REMINDER_DISPATCH_SECONDS does for beat",
    )
    parser.add_argument("--runs", default="normal,kill", help="normal, kill or both")
    parser.add_argument(
        "--no-restart", dest="restart", action="store_false", help="no worker after the kill"
    )
    parser.add_argument(
        "--worker-options",
        default="--pool=solo",
        help="options for each `celery worker`, e.g. '--pool=prefork --concurrency=2'",
    )
    args = parser.parse_args()
    args.worker_options = args.worker_options.split()
    return args


def main() -> None:
    args = parse_args()
    alliances = -(-args.deliveries // PER_ALLIANCE)
    sink_port = free_port()
    workdir = Path(tempfile.mkdtemp(prefix="reminder-throughput-"))
    env = {
        **os.environ,
        "DATABASE_URL": f"{args.server}/{args.database}",
        "REDIS_URL": args.redis,
        "EMAIL_HOST": "127.0.0.1",
        "EMAIL_PORT": str(sink_port),
        "EMAIL_USE_TLS": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "SITE_URL": SITE_URL,
        "VAR_DIR": str(workdir / "var"),
        "REMINDER_LEASE_SECONDS": str(args.lease),
        # One run of the scheduler queues every due delivery, so the workers set the pace.
        "REMINDER_BATCH_SIZE": str(args.deliveries),
        "PYTHONPATH": str(BASE_DIR),
        "DEBUG": "false",
    }
    os.environ.update(env)
    recreate_database(args.server, args.database)

    import harness  # noqa: F401  (sets Django up, with the environment above)
    from django.core.management import call_command

    from alliance_portal.celery import app

    print(f"database {args.database}, broker {args.redis}, lease {args.lease} s, ", end="")
    print(f"scheduler every {args.dispatch_seconds} s, workers: {' '.join(args.worker_options)}")
    call_command("migrate", verbosity=0)
    build(alliances)

    processes = Processes(workdir, env)
    results = {}
    try:
        sink_path = workdir / "message-ids.txt"
        processes.start_sink(sink_port, sink_path)
        for run in args.runs.split(","):
            results[run] = one_run(args, processes, app, sink_path, kill=run == "kill")
    finally:
        processes.stop()
    print()
    for run, result in results.items():
        print(
            f"{run:7} {result['seconds']:6.1f} s  duplicates {result['duplicates']}  "
            f"lost {result['lost']}  workers' CPU {result['cpu_ms']:.1f} ms per mail"
        )
    print(f"logs in {workdir}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--smtp-sink"]:
        run_sink(int(sys.argv[2]), sys.argv[3])
    else:
        main()
