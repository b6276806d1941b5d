# The README names two targets: `make run` and `make test`. The rest are helpers.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000
# Development defaults; production sets these in its own environment (README, "Production").
export DEBUG ?= true
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: run test lint format setup serve bench messages clean shell manage

$(STAMP): requirements.lock
	@set -e; \
	if [ ! -x $(PY) ]; then \
	  base=$$(scripts/find-python); \
	  echo "Using $$base"; \
	  "$$base" -m venv $(VENV); \
	fi; \
	$(PY) -m pip install --quiet --disable-pip-version-check uv==0.13.9; \
	$(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements.lock; \
	touch $(STAMP)

setup: $(STAMP)
	@$(PY) manage.py migrate --noinput -v0
	@$(PY) manage.py seed_article -v0
	@$(PY) manage.py seed_demo -v0
	@$(PY) manage.py ensure_admin -v0

run: setup
	@$(PY) manage.py welcome --url http://$(HOST):$(PORT)/
	@$(PY) manage.py runserver $(HOST):$(PORT)

# A Django shell (or any manage.py command: make manage ARGS="showmigrations") in development.
shell: $(STAMP)
	@$(PY) manage.py shell

manage: $(STAMP)
	@$(PY) manage.py $(ARGS)

test: $(STAMP)
	SECRET_KEY=$${SECRET_KEY:-insecure-test-only-key} $(PY) -m pytest $(PYTEST_ARGS)

# Production: PostgreSQL, gunicorn, whitenoise. Needs SECRET_KEY, DATABASE_URL and ALLOWED_HOSTS (README).
serve: $(STAMP)
	@test -n "$$SECRET_KEY" || { echo "serve: set SECRET_KEY, DATABASE_URL and ALLOWED_HOSTS first (README, Production)" >&2; exit 1; }
	DEBUG=false $(PY) manage.py migrate --noinput
	DEBUG=false $(PY) manage.py collectstatic --noinput -v0
	DEBUG=false $(VENV)/bin/gunicorn trainingtracker.wsgi --workers $${WORKERS:-2} --bind $${BIND:-127.0.0.1:8000} \
	  --access-logfile - --forwarded-allow-ips "$${FORWARDED_ALLOW_IPS:-127.0.0.1}"

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

messages: $(STAMP)
	$(PY) manage.py makemessages -l id --no-obsolete --ignore=.venv --ignore=tests
	$(PY) manage.py compilemessages -l id --ignore=.venv

# Benchmarks on PostgreSQL (scratch database tt_bench, created and dropped; BENCH_DATABASE_URL overrides it):
# exports, import, pages against a baseline view, query plans and a load test (gunicorn + wrk, installed
# with apt-get when missing); writes docs/benchmarks.md.
bench: $(STAMP)
	DEBUG=false $(PY) bench/run.py

clean:
	rm -rf $(VENV) var staticfiles test-artifacts
