# Alliance Portal: `make run` serves the demo, `make test` runs the whole suite.
# Both set up what they need first (a virtualenv in .venv, and for tests axe-core, Chromium and
# the PDF signature tools).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint format messages browser pdf-libs pdf-tools bench-deps clean

$(VENV)/.deps: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.deps-dev: $(VENV)/.deps requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

## run: serve the portal with demo data on http://$(HOST):$(PORT)/ (SQLite, no Redis needed)
# Links in mails point at this server, and the demo's reminder scheduler runs every minute.
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: export REMINDER_DISPATCH_SECONDS ?= 60
run: $(VENV)/.deps pdf-libs
	DEBUG=true $(PY) manage.py migrate --noinput
	DEBUG=true $(PY) manage.py seal_certificate
	DEBUG=true $(PY) manage.py seed_demo
	@echo "Open http://$(HOST):$(PORT)/ and log in with an account above. Ctrl-C stops."
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	DEBUG=true $(VENV)/bin/celery -A alliance_portal worker --beat --pool=solo \
		--loglevel=warning --schedule=var/celerybeat-schedule & \
	DEBUG=true $(PY) manage.py runserver $(HOST):$(PORT)

## browser: make sure Debian's Chromium is installed for the end-to-end tests
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Chromium from Debian's packages"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }

## pdf-libs: make sure the system libraries and fonts WeasyPrint renders PDFs with are installed
# (DejaVu for the Latin alphabets, Noto Sans Arabic and Noto Naskh Arabic from fonts-noto-core)
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core \
	fonts-noto-core
pdf-libs:
	@missing=""; for package in $(PDF_PACKAGES); do \
		dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing$$missing from Debian's packages for PDF rendering"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; fi

## pdf-tools: make sure poppler's pdfsig and NSS's certutil are installed for the seal tests
pdf-tools:
	@missing=""; \
	command -v pdfsig >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	command -v certutil >/dev/null 2>&1 || missing="$$missing libnss3-tools"; \
	if [ -n "$$missing" ]; then \
		echo "Installing$$missing from Debian's packages for the seal tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq $$missing; fi

## test: install what the tests need, then run the whole suite in two processes
# Tests that run a Celery worker share one process (xdist_group), which queues in its own Redis database.
PYTEST_WORKERS ?= 2
test: $(VENV)/.deps-dev node_modules/axe-core/axe.min.js browser pdf-libs pdf-tools
	$(PY) -m pytest -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

## bench-deps: install what the benchmarks in bench/ need (gunicorn, aiosmtpd, wrk, profilers)
$(VENV)/.deps-bench: $(VENV)/.deps-dev requirements-bench.txt
	$(PY) -m pip install --quiet -r requirements-bench.txt
	touch $@

bench-deps: $(VENV)/.deps-bench pdf-libs
	@command -v wrk >/dev/null 2>&1 || { \
		echo "Installing wrk from Debian's packages"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk; }

## lint: ruff (lint and format), the import contracts and the migrations check
# The import graph builds in well under a second, so lint-imports keeps no cache directory.
lint: $(VENV)/.deps-dev
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(VENV)/bin/lint-imports --no-cache
	$(PY) manage.py makemigrations --check --dry-run

format: $(VENV)/.deps-dev
	$(PY) -m ruff check --fix .
	$(PY) -m ruff format .

## messages: extract strings into every catalogue under locale/ and compile them
CATALOGUES := $(patsubst locale/%/LC_MESSAGES,%,$(wildcard locale/*/LC_MESSAGES))
messages: $(VENV)/.deps
	$(PY) manage.py makemessages $(addprefix -l ,$(CATALOGUES)) --no-obsolete --add-location file
	$(PY) manage.py compilemessages $(addprefix -l ,$(CATALOGUES)) --ignore=.venv --ignore=node_modules

clean:
	rm -rf $(VENV) node_modules var staticfiles
