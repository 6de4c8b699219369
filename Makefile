# Qingshan — two commands: `make demo` and `make test`. See README.md.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
export QINGSHAN_SHARED_DIR ?= $(abspath ../shared)

.PHONY: demo test setup assets lint typecheck migrations-check test-hj212 test-suite test-browser bench clean

## set-up: a virtual environment with everything pinned in pyproject.toml, and the web assets
setup: $(VENV)/.installed assets

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# CSS, JS, fonts and icons come from the npm registry at set-up time and are served locally
assets: src/qingshan/web/static/vendor/.installed

src/qingshan/web/static/vendor/.installed: package.json package-lock.json scripts/vendor_assets.py | $(VENV)/.installed
	npm ci --no-audit --no-fund --loglevel=error
	$(PY) scripts/vendor_assets.py
	touch $@

## make demo: migrate an SQLite database, load the Shaoxing demo city, run the platform
## (PORT=… GATEWAY_PORT=… METRICS_PORT=… pick its ports; each is passed on only when set)
PORT ?=
GATEWAY_PORT ?=
METRICS_PORT ?=
DEMO_OPTIONS := $(if $(PORT),--port $(PORT)) $(if $(GATEWAY_PORT),--gateway-port $(GATEWAY_PORT)) \
	$(if $(METRICS_PORT),--metrics-port $(METRICS_PORT))
demo: setup
	$(BIN)/qingshan demo $(strip $(DEMO_OPTIONS))

## make test: lint, types, migrations check, the whole suite (QINGSHAN_TEST_DATABASE_URL picks the database)
test: setup lint typecheck migrations-check test-hj212 test-suite

lint:
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/lint-imports

typecheck:
	$(BIN)/mypy

migrations-check:
	QINGSHAN_ENV=test $(BIN)/qingshan makemigrations --check --dry-run

# the protocol codec must be covered branch by branch, without Django
test-hj212:
	$(PY) -m pytest tests/hj212 -p no:django -p no:cacheprovider -q \
		--cov=qingshan.hj212 --cov-branch --cov-report=term-missing:skip-covered --cov-fail-under=100

test-suite:
	$(PY) -m pytest -q -p no:cacheprovider --ignore=tests/hj212

bench:
	$(PY) benchmarks/bench_hj212.py
	$(PY) benchmarks/bench_aqi.py

clean:
	rm -rf $(VENV) node_modules src/qingshan/web/static/vendor .pytest_cache .mypy_cache .ruff_cache
