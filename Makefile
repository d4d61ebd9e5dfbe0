# Partner Portal: common commands. `make run` is the same as bin/run, `make test` as bin/test.
#   make test ARGS="-k deals -x"    pass arguments to pytest

PY := .venv/bin/python
ARGS ?=

.PHONY: help setup run test check deploy-check lint

help:
	@echo "make run           start web, Celery worker and beat on http://127.0.0.1:$${PORT:-8000}/ (bin/run)"
	@echo "make test          run the tests (bin/test); ARGS=\"...\" goes to pytest"
	@echo "make check         Django system checks with the local settings"
	@echo "make deploy-check  manage.py check --deploy with production settings; fails on any warning"
	@echo "make lint          ruff (style, bugs, security rules) over the code"

# Create .venv and install requirements.txt when it changed (no-op otherwise).
setup:
	@bin/run --setup

run:
	bin/run

test:
	bin/test $(ARGS)

check: setup
	$(PY) manage.py check

# Production settings with a throwaway 60-character secret; any warning fails the target.
deploy-check: setup
	@echo "manage.py check --deploy (production settings, --fail-level WARNING)"
	@SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(45))')" \
	SECRET_KEY_FILE= \
	DJANGO_SETTINGS_MODULE=partnerportal.settings.production \
	DEBUG=false \
	ALLOWED_HOSTS=portal.example.com \
	DATABASE_URL="sqlite:///$(CURDIR)/var/deploy-check.sqlite3" \
	$(PY) manage.py check --deploy --fail-level WARNING

lint:
	.venv/bin/ruff check .

# Benchmarks (not tests): duplicate-check latency at 10k/100k/1M records, matching quality,
# speed to lead through a real worker. Writes bench/RESULTS.md; ARGS="--quick" for a smoke run.
.PHONY: bench
bench: setup
	$(PY) bench/run.py $(ARGS)
