"""The portal's own settings, plus a trivial view to compare the pages with (bench/load_urls.py).

Used only by bench/load_pages.py, which runs gunicorn with these settings."""

from alliance_portal.settings import *  # noqa: F403

ROOT_URLCONF = "load_urls"
