# Fengqiao — the two commands: `make demo` and `make test`. See README.md.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
SCALE ?= 1
PG_URL ?= postgres://postgres@127.0.0.1:5432/fengqiao_test
PG_BENCH_URL ?= postgres://postgres@127.0.0.1:5432/fengqiao_bench
VENDOR := src/fengqiao/static/vendor
PYTEST_ARGS ?=

.PHONY: demo test test-postgres bench bench-postgres venv static chromium serve lint format migrate clean

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

# Browser tests drive Debian's chromium; install it when missing (needs root), never a downloaded browser.
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null; \
	  else echo "Browser tests need /usr/bin/chromium: sudo apt-get install chromium"; exit 1; fi; \
	fi

migrate: venv static
	$(BIN)/fengqiao migrate --no-input

demo: venv static migrate
	$(BIN)/fengqiao demo --scale $(SCALE) --if-empty
	PORT=$(PORT) $(BIN)/fengqiao rundemo

serve: venv static
	PORT=$(PORT) $(BIN)/fengqiao serve

test: venv static chromium
	$(BIN)/pytest $(PYTEST_ARGS)

test-postgres: venv static chromium
	DATABASE_URL=$(PG_URL) $(BIN)/pytest $(PYTEST_ARGS)

bench: venv static
	$(BIN)/python bench/run.py $(NAME)

bench-postgres: venv static
	BENCH_DATABASE_URL=$(PG_BENCH_URL) $(BIN)/python bench/run.py $(NAME)

lint: venv
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

format: venv
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

clean:
	rm -rf $(VENV) node_modules $(VENDOR) var
