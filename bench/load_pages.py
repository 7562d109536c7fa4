"""Throughput and latency of the key pages under 20 concurrent users, next to a trivial view.

gunicorn serves the portal with 2 gthread workers and production settings (DEBUG off, collected
static files) on loopback. For each page, and for a view that only passes the middleware, wrk
runs twice for a bounded time:
- saturated: 20 connections that ask again the moment an answer arrives, on a server that keeps
  no connection alive. Its requests/s, p50 and p95, and the throughput as a ratio to the trivial
  view's, are what the server can do at most; its latency is mostly time spent queueing for one
  of the 2 workers (about 20 / throughput).
- 20 people: 20 connections that each wait a think time (1 s on average) between pages, as
  people who read what they opened do. Its p50 and p95 are what those people wait. The server
  keeps their connections alive between clicks, as it does for browsers.

    DATABASE_URL=postgres://.../bench_10x .venv/bin/python bench/load_pages.py [--seconds 15]

The database must hold `manage.py generate_scale_data`'s data; this script only adds sessions.
Needs `make bench-deps` (gunicorn and wrk).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import replace
from pathlib import Path

from harness import machine_line

# isort: split
import targets
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
RESULT = re.compile(r"RESULT (.*)")
TRIVIAL = targets.Page("trivial view", "/bench/trivial/", "")
TARGET_RATIO, TARGET_P95_MS = 0.25, 150.0
WORKER_RSS_LIMIT_MB = 200


def session_cookie(email: str) -> str:
    """A logged-in session for the account, as the login page would have made it."""
    from alliances.models import User

    user = User.objects.get(email=email)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    # The backend that loads users (the first one only guards the login form against guessing).
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"


def server_environment(port: int) -> dict[str, str]:
    static_root = ROOT / "var" / "bench" / "static"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "load_settings",
        "PYTHONPATH": f"{ROOT}{os.pathsep}{BENCH}",
        "DEBUG": "false",
        # The sessions made here are signed with this process's key: the server needs the same.
        "SECRET_KEY": settings.SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_ROOT": str(static_root),
        "WHITENOISE_USE_FINDERS": "false",
        "LOG_LEVEL": "WARNING",
        "BENCH_PORT": str(port),
    }


def start_server(
    port: int, workers: int, threads: int, keep_alive: int, *, empty_cache: bool = False
) -> subprocess.Popen:
    env = server_environment(port)
    if empty_cache:
        env["BENCH_EMPTY_CACHE"] = "true"
    subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "collectstatic", "--noinput", "-v0"],
        env=env,
        check=True,
    )
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "alliance_portal.wsgi",
            f"--workers={workers}",
            "--worker-class=gthread",
            f"--threads={threads}",
            f"--keep-alive={keep_alive}",
            f"--bind=127.0.0.1:{port}",
            "--log-level=warning",
            "--timeout=60",
        ],
        env=env,
        cwd=ROOT,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}{TRIVIAL.path}", timeout=2)
            return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    raise SystemExit("gunicorn did not answer within 30 s")


def worker_rss_mb(server: subprocess.Popen) -> float:
    """The largest resident memory of the server's workers (gunicorn's children), in MiB."""
    import psutil

    children = psutil.Process(server.pid).children(recursive=True)
    return max((child.memory_info().rss for child in children), default=0) / 2**20


def stop_server(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def check_status(url: str, cookie: str) -> None:
    """Refuses to measure a page that does not answer 200 (a login redirect, an error)."""
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    try:
        with urllib.request.build_opener(NoRedirects).open(request, timeout=30) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    if status != 200:
        raise SystemExit(f"{url} answered {status}, not 200: nothing measured")


def wrk(url: str, cookie: str, *, seconds: int, connections: int, think_ms: int = 0) -> dict:
    """wrk's figures for one bounded run against one URL."""
    command = [
        "wrk",
        f"--connections={connections}",
        "--threads=2",
        f"--duration={seconds}s",
        f"--timeout={max(10, seconds)}s",
        f"--script={BENCH / 'load_report.lua'}",
        "--header",
        f"Cookie: {cookie}",
        url,
        "--",
        str(think_ms),
    ]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    figures = dict(pair.split("=") for pair in RESULT.search(output).group(1).split())
    return {name: float(value) for name, value in figures.items()}


def load(url: str, cookie: str, *, seconds: int, connections: int, think_ms: int) -> dict:
    """A warm-up, then the saturated run, or the run with think time if one is given."""
    wrk(url, cookie, seconds=3, connections=connections, think_ms=think_ms)
    return wrk(url, cookie, seconds=seconds, connections=connections, think_ms=think_ms)


# How the server keeps connections for each run. Saturated: none kept, since a kept connection
# stays with the worker that accepted it and wrk's 20, opened at once, went nearly all to one
# worker while the other idled. People: kept between clicks, as browsers do; gthread parks an
# idle kept connection without holding a thread, where a new connection that waits for its
# first request holds one.
RUNS = {"saturated": (0, 0), "people": (None, 5)}  # name: (think time, keep-alive seconds)


def measure(arguments, pages, cookies, *, empty_cache: bool) -> tuple[dict, float]:
    """Both runs of every page on a server of their own: the figures by page and run, and the
    largest worker's memory at the end of the runs."""
    base = f"http://127.0.0.1:{arguments.port}"
    results: dict = {page: {} for page in pages}
    largest_rss = 0.0
    for run, (think_ms, keep_alive) in RUNS.items():
        server = start_server(
            arguments.port,
            arguments.workers,
            arguments.threads,
            keep_alive,
            empty_cache=empty_cache,
        )
        try:
            for page in pages:
                check_status(base + page.path, cookies[page.email])
                results[page][run] = load(
                    base + page.path,
                    cookies[page.email],
                    seconds=arguments.seconds,
                    connections=arguments.connections,
                    think_ms=arguments.think_ms if think_ms is None else think_ms,
                )
            largest_rss = max(largest_rss, worker_rss_mb(server))
        finally:
            stop_server(server)
    return results, largest_rss


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=15, help="measured time per page")
    parser.add_argument("--connections", type=int, default=20, help="concurrent users")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument("--think-ms", type=int, default=1000, help="mean think time of a person")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--only", default="", help="measure only pages whose name has this")
    arguments = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is missing: run `make bench-deps`")

    pages = [page for page in targets.key_pages() if arguments.only in page.name]
    cookies = {email: session_cookie(email) for email in {page.email for page in pages}}
    cookies[""] = next(iter(cookies.values()))
    print(machine_line())
    print(
        f"gunicorn {arguments.workers} workers of {arguments.threads} threads, "
        f"wrk {arguments.connections} connections, {arguments.seconds} s per page, "
        f"cache: {settings.CACHES['default']['BACKEND'].rsplit('.', 1)[-1]}"
    )
    warm, warm_rss = measure(arguments, [TRIVIAL, *pages], cookies, empty_cache=False)
    cached_pages = [page for page in pages if page.fragments]
    cold, cold_rss = (
        measure(arguments, cached_pages, cookies, empty_cache=True) if cached_pages else ({}, 0)
    )
    rows = list(warm.items())
    for page, figures in cold.items():
        rows.append((replace(page, name=f"{page.name}, nothing cached"), figures))
    print_results(rows)
    rss = max(warm_rss, cold_rss)
    print(
        f"largest worker after the runs: {rss:.0f} MiB "
        f"({'within' if rss <= WORKER_RSS_LIMIT_MB else 'over'} {WORKER_RSS_LIMIT_MB} MB)"
    )


def print_results(results) -> None:
    def rate(figures: dict) -> float:
        return figures["requests"] / figures["seconds"]

    floor = rate(results[0][1]["saturated"])
    print(
        f"{'':30} {'saturated':^37} | {'20 people, think time':^26}\n"
        f"{'page':30} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'ratio':>6}  met | "
        f"{'req/s':>6} {'p50 ms':>7} {'p95 ms':>7}  met"
    )
    for page, figures in results:
        saturated, people = figures["saturated"], figures["people"]
        ratio = rate(saturated) / floor
        errors = sum(int(run["errors"] + run["non2xx"]) for run in figures.values())
        print(
            f"{page.name:30} {rate(saturated):8.1f} {saturated['p50']:8.1f} "
            f"{saturated['p95']:8.1f} {ratio:6.2f}  {'yes' if ratio >= TARGET_RATIO else 'no':3} | "
            f"{rate(people):6.1f} {people['p50']:7.1f} {people['p95']:7.1f}  "
            f"{'yes' if people['p95'] <= TARGET_P95_MS else 'no'}"
            + (f"  ({errors} errors)" if errors else "")
        )


if __name__ == "__main__":
    main()
