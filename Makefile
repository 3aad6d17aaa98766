# Fengqiao — the two commands: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
SCALE ?= 1
# The suite on PostgreSQL goes through a PgBouncer of its own in transaction mode (PGBOUNCER_PORT, in
# front of 127.0.0.1:5432): tests connect through it, the test database is created, copied and
# migrated straight on 5432 (PG_DIRECT_URL, as `fengqiao migrate` uses MIGRATE_DATABASE_URL).
PGBOUNCER_PORT ?= 6432
PG_DIRECT_URL ?= postgres://postgres@127.0.0.1:5432/fengqiao_test
PG_URL ?= postgres://postgres@127.0.0.1:$(PGBOUNCER_PORT)/fengqiao_test
PG_BENCH_URL ?= postgres://postgres@127.0.0.1:5432/fengqiao_bench
VENDOR := src/fengqiao/static/vendor
PYTEST_ARGS ?=

.PHONY: demo test test-postgres test-pgbouncer test-postgres-direct bench bench-postgres venv static chromium fonts system-packages serve lint lint-imports lint-layers format migrate clean

$(BIN)/.installed: requirements.txt requirements-dev.txt pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "需要 Python 3.11 ($(PYTHON) not found)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

venv: $(BIN)/.installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENDOR)/.copied: node_modules/.installed
	mkdir -p $(VENDOR)/htmx $(VENDOR)/echarts $(VENDOR)/leaflet $(VENDOR)/hls.js $(VENDOR)/mpegts.js
	cp node_modules/htmx.org/dist/htmx.min.js $(VENDOR)/htmx/
	cp node_modules/echarts/dist/echarts.min.js $(VENDOR)/echarts/
	cp -r node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css node_modules/leaflet/dist/images $(VENDOR)/leaflet/
	cp node_modules/hls.js/dist/hls.min.js $(VENDOR)/hls.js/
	cp node_modules/mpegts.js/dist/mpegts.js $(VENDOR)/mpegts.js/
	touch $@

static: $(VENDOR)/.copied

# Debian packages, installed with apt when missing (needs root), never a downloaded browser:
# chromium for the browser tests, fonts-wqy-zenhei (CJK with TrueType outlines: screenshots and the
# PDFs embed it), ffmpeg (the video-patrol test makes a real HLS stream).
CJK_FONT := /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc
define apt_install
	@missing="$(strip $(1))"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "apt-get install $$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing) >/dev/null; \
	  else echo "需要 Debian packages: sudo apt-get install $$missing"; exit 1; fi; \
	fi
endef

fonts:
	$(call apt_install,$(if $(wildcard $(CJK_FONT)),,fonts-wqy-zenhei))

system-packages:
	$(call apt_install,$(if $(wildcard /usr/bin/chromium),,chromium) $(if $(wildcard $(CJK_FONT)),,fonts-wqy-zenhei) $(if $(shell command -v ffmpeg),,ffmpeg) $(if $(wildcard /usr/sbin/pgbouncer),,pgbouncer) $(if $(wildcard /usr/sbin/haproxy),,haproxy))

chromium: system-packages

migrate: venv static
	$(BIN)/fengqiao migrate --no-input

demo: venv static fonts migrate
	$(BIN)/fengqiao demo --scale $(SCALE) --if-empty
	PORT=$(PORT) $(BIN)/fengqiao rundemo

serve: venv static
	PORT=$(PORT) $(BIN)/fengqiao serve

# A hard bound on a whole run: pytest-timeout fails a stuck test with its traceback; a hang that
# holds the interpreter (inside C) gets SIGABRT at TEST_TIME_LIMIT, on which faulthandler prints
# every thread's stack, then the run is killed. See docs/testing.md.
TEST_TIME_LIMIT ?= 46m
PYTEST := timeout --signal=ABRT --kill-after=30s $(TEST_TIME_LIMIT) $(BIN)/pytest

test: venv static system-packages
	$(PYTEST) $(PYTEST_ARGS)

test-postgres: test-pgbouncer

test-pgbouncer: venv static system-packages
	$(BIN)/python -m tests.pgbouncer --port $(PGBOUNCER_PORT) -- \
	  env DATABASE_URL=$(PG_URL) MIGRATE_DATABASE_URL=$(PG_DIRECT_URL) DATABASE_POOLED=1 \
	  $(PYTEST) $(PYTEST_ARGS)

# The same suite straight on 5432, no pooler.
test-postgres-direct: venv static system-packages
	DATABASE_URL=$(PG_DIRECT_URL) $(PYTEST) $(PYTEST_ARGS)

bench: venv static
	$(BIN)/python bench/run.py $(NAME)

bench-postgres: venv static
	BENCH_DATABASE_URL=$(PG_BENCH_URL) $(BIN)/python bench/run.py $(NAME)

lint: venv lint-imports
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools

# Import contracts (pyproject.toml, [tool.importlinter], which says where each app sits). `lint` and CI
# check the contracts listed in IMPORT_CONTRACTS, those that pass today; `lint-layers` checks them all,
# the app layers included, which still fail until the moves of issue 22 land. PYTHONPATH=src: the
# tree being checked, not the one the venv was installed from.
IMPORT_CONTRACTS ?= gateway-plain-python
lint-imports: venv
	PYTHONPATH=src $(BIN)/lint-imports --no-cache --no-logo $(addprefix --contract ,$(IMPORT_CONTRACTS))

lint-layers: venv
	PYTHONPATH=src $(BIN)/lint-imports --no-cache --no-logo

format: venv
	$(BIN)/ruff format src tests bench tools
	$(BIN)/ruff check --fix src tests bench tools

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
