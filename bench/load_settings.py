"""The portal's own settings, plus a trivial view to compare the pages with (bench/load_urls.py).

Used only by bench/load_pages.py, which runs gunicorn with these settings."""

import os

from alliance_portal.settings import *  # noqa: F403

ROOT_URLCONF = "load_urls"

# The run "with nothing cached" measures what a page costs when every fragment must be rendered,
# as after a change to all its rows: a cache that keeps nothing.
if os.environ.get("BENCH_EMPTY_CACHE") == "true":
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
